"""The board inside Teams' personal tab (``/board/tab``): a cross-site iframe, so its
session cookie is SameSite=None; Secure; Partitioned and confined to the tab's path, and
the person signs in inside the tab by pasting the link ``board`` sent them."""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.scenarios.board import board_kit as kit

ERIN = "U0EMPL001"


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


async def test_the_tab_signs_in_with_a_pasted_link_into_a_partitioned_cookie(
        bot, slack, slack_sender):
    async with kit.browser() as http:
        async with http.get(bot.url + "/board/tab") as page:
            html = await page.text()
        assert page.status == 200
        assert 'action="/board/tab/signin"' in html and 'name="token"' in html
        assert "How IT is performing" not in html

        link = await kit.ask_link(slack_sender, slack, ERIN)
        # The whole link pasted (the form sends it as `token`), as people will paste it.
        async with http.get(bot.url + "/board/tab/signin?token=" + quote(link),
                            allow_redirects=False) as answer:
            await answer.read()
        assert answer.status == 303 and answer.headers["Location"] == "/board/tab"
        header = answer.headers["Set-Cookie"]
        assert header.startswith("touchpoint_board_tab=")
        attributes = cookie_attributes(header)
        assert {"httponly", "secure", "partitioned", "samesite", "path"} <= attributes
        assert "SameSite=None" in header and "Path=/board/tab" in header
        secret = header.split(";")[0].split("=", 1)[1]

    tab_cookie = {"Cookie": f"touchpoint_board_tab={secret}"}
    async with kit.browser() as frame:
        async with frame.get(bot.url + "/board/tab", headers=tab_cookie) as page:
            html = await page.text()
        assert "Signed in as erin.employee" in html
        assert 'action="/board/tab/logout"' in html
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)
        # The tab's cookie is not the browser's: /board does not take it.
        async with frame.get(bot.url + "/board", headers={
                "Cookie": f"touchpoint_board={secret}x"}) as page:
            assert "How IT is performing" not in await page.text()

        # Signing out needs the form's CSRF token, cross-site cookie or not.
        async with frame.post(bot.url + "/board/tab/logout", data={"csrf": "0" * 64},
                              headers=tab_cookie) as refused:
            assert refused.status == 403
        async with frame.post(bot.url + "/board/tab/logout", data={"csrf": csrf},
                              headers=tab_cookie) as out:
            assert out.status == 200 and "You are signed out." in await out.text()
            assert "touchpoint_board_tab=" in out.headers["Set-Cookie"]
        async with frame.get(bot.url + "/board/tab", headers=tab_cookie) as page:
            assert "How IT is performing" not in await page.text()


async def test_a_link_used_in_the_browser_does_not_sign_in_the_tab(bot, slack, slack_sender):
    link = await kit.ask_link(slack_sender, slack, ERIN)
    async with kit.browser() as http:
        assert (await kit.sign_in(http, kit.local(link, bot))).status == 303
        token = link.split("token=", 1)[1]
        async with http.get(bot.url + "/board/tab/signin?token=" + quote(token),
                            allow_redirects=False) as again:
            assert again.status == 403
            assert "Set-Cookie" not in again.headers
