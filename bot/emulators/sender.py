"""What the signed senders share: an aiohttp session opened on first use, and the reply.

`Sender` is the base of `bot.emulators.requests.SlackSender` and
`bot.emulators.tickets.TicketSender`: it opens its client session lazily (so a sender can be
built outside a running event loop), posts bytes with the headers a subclass signed, and
closes the session on `close()` or at the end of `async with`. `Reply` is what a post
answered. Building and signing each kind of request is the subclasses' own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp

__all__ = ["Reply", "Sender"]


@dataclass
class Reply:
    """The status, body and headers of what the bot answered a post."""

    status: int
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class Sender:
    """Posts to the bot over one client session, opened on the first post."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, url: str, body: bytes, headers: dict[str, str], *,
                    params: dict[str, str] | None = None) -> Reply:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(url, data=body, headers=headers,
                                      params=params) as response:
            return Reply(response.status, await response.text(), dict(response.headers))
