"""Malformed requests to the board's routes get a page or a refusal, never a 500: a cookie
that is not text (browsers send bytes as they were set), a logout form that cannot be read
(no or a wrong multipart boundary, bytes that are not UTF-8, an unknown charset), and a
Sign in with Slack callback whose state is not ASCII while a sign-in is under way."""

from __future__ import annotations

import asyncio

import pytest

from tests.scenarios.board import board_kit as kit
from tests.scenarios.board.test_board_slack_signin import settings, start  # noqa: F401


async def first_line(bot, request: bytes) -> bytes:
    """The status line the server answers a request sent byte for byte."""
    host, port = bot.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    answer = await reader.readline()
    writer.close()
    return answer.strip()


def _get(path: str, cookie: bytes) -> bytes:
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Cookie: " + cookie + b"\r\n\r\n")


def _logout(board: str, content_type: bytes, body: bytes) -> bytes:
    """A logout form to `board` (/board or /board/tab), with that board's session cookie."""
    cookie = b"touchpoint_" + board.strip("/").replace("/", "_").encode() + b"=abc"
    return (b"POST " + board.encode() + b"/logout HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Type: " + content_type + b"\r\nCookie: " + cookie + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


FORM = b"application/x-www-form-urlencoded"
REQUESTS = {
    "board cookie not UTF-8": (_get("/board", b"touchpoint_board=\xff\xfe"), b"200"),
    "tab cookie not UTF-8": (_get("/board/tab", b"touchpoint_board_tab=\xff\xfe"), b"200"),
    "slack state cookie not UTF-8": (_get("/board/signin/slack/callback?state=a&code=b",
                                          b"touchpoint_slack_signin=\xff.\xfe"), b"403"),
    "logout multipart without boundary": (
        _logout("/board", b"multipart/form-data", b"hello"), b"403"),
    "tab logout multipart with a wrong boundary": (
        _logout("/board/tab", b"multipart/form-data; boundary=zz", b"hello"), b"403"),
    "logout form not UTF-8": (_logout("/board", FORM, b"csrf=%FF\xff"), b"403"),
    "logout form in an unknown charset": (
        _logout("/board", FORM + b"; charset=nope", b"csrf=a"), b"403"),
}


@pytest.mark.parametrize("name", list(REQUESTS))
async def test_a_malformed_request_gets_no_500(bot, name):
    request, status = REQUESTS[name]

    answer = await first_line(bot, request)

    assert answer.split(b" ")[1] == status, answer


async def test_a_callback_with_a_state_not_ascii_is_refused(bot, slack):
    async with kit.browser() as http:
        await start(http, bot)
        async with http.get(bot.url + "/board/signin/slack/callback?state=%C3%A9&code=x",
                            allow_redirects=False) as answer:
            assert answer.status == 403
