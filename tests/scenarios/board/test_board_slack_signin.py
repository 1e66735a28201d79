"""Sign in with Slack (OpenID Connect), over HTTP end to end: the board sends the browser to
the Slack emulator's authorize page, the emulator sends it back with a code, the board
exchanges the code with ``openid.connect.token``, verifies the id_token against the
emulator's published keys, and signs the person in. Every way the flow can be tampered with
is refused with a 403 and no session."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest

from tests.scenarios.board import board_kit as kit
from tests.scenarios.board.conftest import fresh_figures

ERIN = "U0EMPL001"
CLIENT_ID = "2141029472.691202649728"
CLIENT_SECRET = "e1b9e11dfcd19c1982d5de12921e17e8c-for-tests"
CALLBACK = kit.PUBLIC + "/board/signin/slack/callback"


@pytest.fixture
def settings(make_settings, slack):
    def configure(raw):
        fresh_figures(raw)
        raw["board"]["slack_signin"] = {"client_id": CLIENT_ID, "team": slack.TEAM_ID}

    slack.openid.register(CLIENT_ID, CLIENT_SECRET, [CALLBACK])
    return make_settings(configure, env={**kit.BOARD_ENV, "SLACK_CLIENT_SECRET": CLIENT_SECRET})


async def start(http: aiohttp.ClientSession, bot) -> str:
    """Press "Sign in with Slack": the authorize URL the board sends the browser to."""
    async with http.get(bot.url + "/board/signin/slack", allow_redirects=False) as started:
        assert started.status == 303
        cookie = started.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Path=/board/signin/slack" in cookie
        return started.headers["Location"]


async def at_slack(http: aiohttp.ClientSession, authorize: str) -> str:
    """Slack's consent page: where it sends the browser back to (the public address)."""
    async with http.get(authorize, allow_redirects=False) as consent:
        assert consent.status == 302
        return consent.headers["Location"]


async def back_at_board(http: aiohttp.ClientSession, bot, callback: str) -> aiohttp.ClientResponse:
    assert callback.startswith(CALLBACK)
    async with http.get(bot.url + callback[len(kit.PUBLIC):], allow_redirects=False) as answer:
        await answer.read()
        return answer


async def board_text(http: aiohttp.ClientSession, bot) -> str:
    async with http.get(bot.url + "/board") as page:
        return await page.text()


@pytest.fixture
async def erin_known(slack_sender, slack):
    """Erin in the directory: she has used Touchpoint from Slack (and not her link)."""
    await kit.ask_link(slack_sender, slack, ERIN)


async def test_signing_in_with_slack_end_to_end(bot, slack, erin_known, caplog):
    caplog.set_level(logging.DEBUG)
    slack.openid.signed_in_as = ERIN
    async with kit.browser() as http:
        signed_out = await board_text(http, bot)
        assert 'href="/board/signin/slack"' in signed_out

        authorize = await start(http, bot)
        parts = urlsplit(authorize)
        assert f"{parts.scheme}://{parts.netloc}/" == slack.url.removesuffix("api/")
        assert parts.path == "/openid/connect/authorize"
        query = parse_qs(parts.query)
        assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
        assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
        assert query["redirect_uri"] == [CALLBACK] and query["team"] == [slack.TEAM_ID]
        assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 16

        callback = await at_slack(http, authorize)
        answer = await back_at_board(http, bot, callback)
        assert answer.status == 303 and answer.headers["Location"] == "/board"
        assert "Signed in as erin.employee" in await board_text(http, bot)

    [exchange] = slack.calls_to("openid.connect.token")
    assert exchange.args["code"] == parse_qs(urlsplit(callback).query)["code"][0]
    assert exchange.args["redirect_uri"] == CALLBACK
    assert CLIENT_SECRET not in str(exchange.args)  # sent as HTTP Basic, not in the form
    assert CLIENT_SECRET not in caplog.text

    # The same callback again (a replay from history) signs nobody in.
    async with kit.browser() as http:
        again = await back_at_board(http, bot, callback)
        assert again.status == 403
        assert "How IT is performing" not in await board_text(http, bot)


async def test_a_callback_from_another_browser_or_with_another_state_is_refused(
        bot, slack, erin_known):
    slack.openid.signed_in_as = ERIN
    async with kit.browser() as victim, kit.browser() as attacker:
        callback = await at_slack(attacker, await start(attacker, bot))
        # The attacker's callback, in a browser that did not start that sign-in.
        answer = await back_at_board(victim, bot, callback)
        assert answer.status == 403
        assert "Set-Cookie" not in answer.headers or "touchpoint_board=" not in \
            answer.headers["Set-Cookie"]
        # A browser that started its own sign-in, handed someone else's state.
        await start(victim, bot)
        answer = await back_at_board(victim, bot, callback)
        assert answer.status == 403
        assert "How IT is performing" not in await board_text(victim, bot)


async def test_an_id_token_with_another_nonce_is_refused(bot, slack, erin_known, caplog):
    caplog.set_level(logging.INFO)
    slack.openid.signed_in_as = ERIN
    async with kit.browser() as http:
        authorize = await start(http, bot)
        query = {key: values[0] for key, values in parse_qs(urlsplit(authorize).query).items()}
        query["nonce"] = "a-nonce-this-browser-never-sent"
        tampered = authorize.split("?")[0] + "?" + urlencode(query)
        answer = await back_at_board(http, bot, await at_slack(http, tampered))
        assert answer.status == 403
        assert "nonce is not the one sent" in caplog.text
        assert "How IT is performing" not in await board_text(http, bot)


async def test_an_id_token_not_signed_by_slack_is_refused(bot, slack, erin_known, caplog):
    caplog.set_level(logging.INFO)
    slack.openid.signed_in_as = ERIN
    slack.openid.forge_signatures()
    async with kit.browser() as http:
        answer = await back_at_board(http, bot, await at_slack(http, await start(http, bot)))
        assert answer.status == 403
        assert "does not verify (InvalidSignatureError)" in caplog.text
        assert "How IT is performing" not in await board_text(http, bot)


@pytest.mark.parametrize("who", [None, "U0NOTKNOWN"])
async def test_a_refusal_at_slack_or_a_stranger_signs_nobody_in(bot, slack, erin_known, who):
    slack.openid.signed_in_as = who
    async with kit.browser() as http:
        callback = await at_slack(http, await start(http, bot))
        answer = await back_at_board(http, bot, callback)
        assert answer.status == 403
        if who is None:  # Slack answered error=access_denied
            assert "error=access_denied" in callback
        assert "How IT is performing" not in await board_text(http, bot)


async def test_the_sign_in_routes_are_rate_limited(bot, slack):
    async with kit.browser() as http:
        statuses = []
        for _ in range(31):
            async with http.get(bot.url + "/board/signin/slack",
                                allow_redirects=False) as answer:
                statuses.append(answer.status)
        assert statuses[:30] == [303] * 30 and statuses[30] == 429
        async with http.get(bot.url + "/board/signin/slack/callback?code=x&state=y") as answer:
            assert answer.status == 429
