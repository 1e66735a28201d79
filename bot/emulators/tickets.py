"""What a service desk sends Touchpoint: ticket events posted to `/webhooks/tickets`, signed
with the webhook secret (optionally with a timestamp) or bearing the webhook token, for tests,
the demo and benches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.webhooks.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign


@dataclass
class WebhookReply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class TicketSender:
    def __init__(self, bot_url: str, *, secret: str | None = None, token: str | None = None):
        self.url = bot_url.rstrip("/") + "/webhooks/tickets"
        self.secret = secret
        self.token = token
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> TicketSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, payload: Any, *, source: str | None = None,
                   timestamp: int | None = None, raw: bytes | None = None,
                   headers: dict[str, str] | None = None) -> WebhookReply:
        """Post `payload` as JSON (or the `raw` bytes), signed when the sender has a secret,
        else with its bearer token; `headers` are added last and may replace those."""
        body = raw if raw is not None else json.dumps(payload).encode()
        sent = {"Content-Type": "application/json"}
        if self.secret is not None:
            sent[SIGNATURE_HEADER] = sign(self.secret, body, timestamp)
            if timestamp is not None:
                sent[TIMESTAMP_HEADER] = str(timestamp)
        elif self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        sent.update(headers or {})
        if self._session is None:
            self._session = aiohttp.ClientSession()
        params = {"source": source} if source is not None else None
        async with self._session.post(self.url, data=body, headers=sent,
                                      params=params) as response:
            return WebhookReply(response.status, await response.text())
