"""A signature header that is not ASCII (bytes no signer sends) is an unsigned request: 401,
not the 500 the signature comparison would raise."""

from __future__ import annotations

import time

from tests.scenarios.board.test_board_malformed import first_line


async def test_a_slack_signature_not_ascii_is_unsigned(bot):
    stamp = str(int(time.time())).encode()
    request = (b"POST /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               b"X-Slack-Request-Timestamp: " + stamp + b"\r\n"
               b"X-Slack-Signature: v0=\xc3\xa9\xff\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: 7\r\n\r\ncommand")

    assert (await first_line(bot, request)).split(b" ")[1] == b"401"
