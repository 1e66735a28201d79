"""Signing in to the board from a chat link: the link is private, works once and for ten
minutes, and becomes an HttpOnly cookie session with the token gone from the address."""

from __future__ import annotations

from bot.emulators.requests import SlackSender
from bot.server import create_app
from tests.conftest import SIGNING_SECRET, start_bot
from tests.scenarios.board import board_kit as kit

ERIN, LEE = "U0EMPL001", "U0LEAD001"


async def test_a_link_signs_in_once_into_a_cookie_session(bot, slack, slack_sender):
    link = await kit.ask_link(slack_sender, slack, ERIN)
    assert link.startswith(kit.PUBLIC + "/board/signin?token=")

    async with kit.browser() as http:
        first = await kit.sign_in(http, kit.local(link, bot))
        assert first.status == 303
        assert first.headers["Location"] == "/board"
        cookie = first.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/board" in cookie
        assert "Secure" not in cookie  # served over plain http on loopback in tests
        assert first.headers["Referrer-Policy"] == "no-referrer"

        async with http.get(bot.url + "/board") as page:
            html = await page.text()
        assert page.status == 200
        assert "How IT is performing" in html and "Signed in as erin.employee" in html
        assert "token=" not in str(page.url)

    async with kit.browser() as other_browser:
        again = await kit.sign_in(other_browser, kit.local(link, bot))
        assert again.status == 403
        assert "Set-Cookie" not in again.headers
        async with other_browser.get(bot.url + "/board") as page:
            assert "How IT is performing" not in await page.text()


async def test_a_link_expires_after_ten_minutes(bot, slack, slack_sender, clock):
    link = await kit.ask_link(slack_sender, slack, ERIN)
    clock.advance(minutes=10)
    async with kit.browser() as http:
        response = await kit.sign_in(http, kit.local(link, bot))
    assert response.status == 403


async def test_a_tampered_or_foreign_link_is_refused(bot, slack, slack_sender):
    link = await kit.ask_link(slack_sender, slack, ERIN)
    erin = await kit.person_of(bot, ERIN)
    person = link.split("token=")[1].split(".", 1)[0]
    assert erin.id == int(person)
    forged = link.replace(f"token={person}.", f"token={int(person) + 1}.")
    async with kit.browser() as http:
        for bad in (forged, link + "x", link.split("?")[0] + "?token=", link.split("?")[0]):
            response = await kit.sign_in(http, kit.local(bad, bot))
            assert response.status == 403, bad


async def test_without_the_key_the_command_says_the_board_is_not_set_up(
        make_settings, slack, clock):
    settings = make_settings(env={"TOUCHPOINT_BOARD_KEY": None})
    runner, bot = await start_bot(create_app(settings, clock=clock, scheduler=False))
    try:
        async with SlackSender(bot.url, SIGNING_SECRET,
                               response_base=slack.response_url("")) as sender:
            await sender.command("/touchpoint", "board", user_id=ERIN)
            [posted] = await slack.wait_for_response(1)
        assert "not set up yet" in str(posted.body["blocks"])
        assert "signin" not in str(posted.body)
    finally:
        await runner.cleanup()


async def test_logout_needs_its_csrf_token_and_ends_the_session(bot, slack, slack_sender):
    link = await kit.ask_link(slack_sender, slack, ERIN)
    async with kit.browser() as http:
        await kit.sign_in(http, kit.local(link, bot))
        async with http.get(bot.url + "/board") as page:
            html = await page.text()
        csrf = html.split('name="csrf" value="')[1].split('"')[0]

        async with http.post(bot.url + "/board/logout", data={"csrf": "forged"}) as refused:
            assert refused.status == 403
        async with http.get(bot.url + "/board") as page:
            assert "Signed in as" in await page.text()

        async with http.post(bot.url + "/board/logout", data={"csrf": csrf}) as done:
            assert done.status == 200
            assert "You are signed out" in await done.text()
        async with http.get(bot.url + "/board") as page:
            assert "Signed in as" not in await page.text()


async def test_a_role_change_signs_the_person_out(bot, slack, slack_sender):
    link = await kit.ask_link(slack_sender, slack, LEE)
    async with kit.browser() as http:
        await kit.sign_in(http, kit.local(link, bot))
        async with http.get(bot.url + "/board") as page:
            assert "For IT leads" in await page.text()
        lee = await kit.person_of(bot, LEE)
        async with bot.services.sessions() as session:
            lee.role = "employee"
            session.add(lee)
            await session.commit()
        async with http.get(bot.url + "/board") as page:
            html = await page.text()
        assert "For IT leads" not in html and "access has changed" in html
        async with http.get(bot.url + "/board") as page:
            assert "Signed in as" not in await page.text()


async def test_the_pages_carry_a_strict_content_security_policy(bot):
    async with kit.browser() as http, http.get(bot.url + "/board") as page:
        policy = page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in policy and "script-src" not in policy


async def test_the_cookie_is_secure_when_the_board_is_served_over_https(
        make_settings, slack, clock):
    settings = make_settings(env={**kit.BOARD_ENV,
                                  "TOUCHPOINT_PUBLIC_URL": "https://touchpoint.example.com"})
    runner, bot = await start_bot(create_app(settings, clock=clock, scheduler=False))
    try:
        async with SlackSender(bot.url, SIGNING_SECRET,
                               response_base=slack.response_url("")) as sender:
            link = await kit.ask_link(sender, slack, ERIN)
        assert link.startswith("https://touchpoint.example.com/board/signin?token=")
        async with kit.browser() as http:
            response = await kit.sign_in(http, kit.local(link, bot))
        assert response.status == 303 and "Secure" in response.headers["Set-Cookie"]
    finally:
        await runner.cleanup()


async def test_sign_in_attempts_are_rate_limited(bot):
    async with kit.browser() as http:
        statuses = [(await kit.sign_in(http, f"{bot.url}/board/signin?token=x.1.y.z")).status
                    for _ in range(31)]
    assert statuses == [403] * 30 + [429]
