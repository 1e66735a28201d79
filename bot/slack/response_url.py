"""Answers through a `response_url` (a slash command's or a click's): one JSON POST on the
app's shared connection pool, tried once more after a dropped connection.

That is what slack_sdk's `AsyncWebhookClient` does with its default retry handlers, without
what it builds around every post: a retry state, request and response records, the body
walked for Block Kit objects, the User-Agent read from the platform, the response decoded as
text. Under a steady load of cheap commands that was about a tenth of a command's CPU, the
POST itself (aiohttp) another tenth and more.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
from typing import Any

import aiohttp
from slack_sdk.web.internal_utils import get_user_agent

log = logging.getLogger(__name__)

RETRY_AFTER_S = 0.5
"""The wait before the second try, plus up to a second of jitter (slack_sdk's backoff)."""

DROPPED = (aiohttp.ServerConnectionError, aiohttp.ClientOSError)
"""A connection dropped or refused (`ServerDisconnectedError` is a `ServerConnectionError`):
the errors slack_sdk's connection retry handler tries again."""


class ResponseUrlPoster:
    """Posts answers to response_urls; built once per app, when it reads the proxy from the
    environment as slack_sdk does (``HTTPS_PROXY``, then ``HTTP_PROXY``, either case; empty
    is none), and never logs it: a proxy URL may carry a password."""

    def __init__(self) -> None:
        self._headers = {"Content-Type": "application/json;charset=utf-8",
                         "User-Agent": get_user_agent()}
        self._proxy = _proxy_from_env()

    async def post(self, session: aiohttp.ClientSession | None, url: str,
                   body: dict[str, Any]) -> int:
        """POST `body` (its None values left out) as JSON to `url`; the answer's status. With
        no open `session` (the app's not started) the post has a session of its own."""
        data = json.dumps({key: value for key, value in body.items()
                           if value is not None}).encode()
        if session is None or session.closed:
            async with aiohttp.ClientSession() as own:
                return await self._post_twice(own, url, data)
        return await self._post_twice(session, url, data)

    async def _post_twice(self, session: aiohttp.ClientSession, url: str, data: bytes) -> int:
        try:
            return await self._post(session, url, data)
        except DROPPED as error:
            log.debug("response_url post failed (%s); trying once more", type(error).__name__)
            await asyncio.sleep(RETRY_AFTER_S + random.random())  # noqa: S311 - jitter
            return await self._post(session, url, data)

    async def _post(self, session: aiohttp.ClientSession, url: str, data: bytes) -> int:
        # The session's own timeouts apply, as they did to slack_sdk's client on it.
        async with session.post(url, data=data, headers=self._headers,
                                proxy=self._proxy) as response:
            # Read to the end, so the connection goes back to the pool for the next answer.
            await response.read()
            return response.status


def _proxy_from_env() -> str | None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        value = os.environ.get(name)
        if value is not None:
            return value if value.strip() else None
    return None
