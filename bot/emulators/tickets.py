"""What a service desk sends Touchpoint: ticket events posted to `/webhooks/tickets`, signed
with the webhook secret (optionally with a timestamp) or bearing the webhook token, for tests,
the demo and benches."""

from __future__ import annotations

import json
from typing import Any

from bot.webhooks.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from .sender import Reply, Sender


class TicketSender(Sender):
    def __init__(self, bot_url: str, *, secret: str | None = None, token: str | None = None):
        super().__init__()
        self.url = bot_url.rstrip("/") + "/webhooks/tickets"
        self.secret = secret
        self.token = token

    async def send(self, payload: Any, *, source: str | None = None,
                   timestamp: int | None = None, raw: bytes | None = None,
                   headers: dict[str, str] | None = None) -> Reply:
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
        params = {"source": source} if source is not None else None
        return await self._post(self.url, body, sent, params=params)
