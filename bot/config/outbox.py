"""The `outbox` section: the pace and persistence of the sender of every outbound message."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from bot.config.base import Strict


class OutboxConfig(Strict):
    """The sender of every outbound message (bot.chat.sender), on each replica, within one
    send budget all replicas share."""

    send_rate: dict[Literal["slack", "teams"], float] = Field(
        default_factory=lambda: {"slack": 20.0, "teams": 40.0})
    """Messages per second per platform (the Slack workspace, the Teams tenant) for all
    replicas together: on PostgreSQL they share one budget in the database, so a replica
    that stops leaves its share to the others (Teams allows about 50 requests per second per
    app and tenant)."""
    poll_seconds: float = Field(default=1.0, gt=0, le=60)
    """How often each replica looks for messages that have become due (a commit that records
    messages wakes its own replica's sender at once)."""
    lease_seconds: float = Field(default=120.0, ge=1, le=3600)
    """How long a replica holds the messages it took to send; after a crash, what it held
    is sent by another (or the restarted) replica once this has passed."""
    max_attempts: int = Field(default=8, ge=1, le=50)
    """Tries of one message through errors that may pass (5xx, 429, timeouts), with growing
    waits between them (about 4 minutes for the default 8), before it is given up."""

    @field_validator("send_rate")
    @classmethod
    def _positive(cls, rates: dict[str, float]) -> dict[str, float]:
        if any(rate <= 0 for rate in rates.values()):
            raise ValueError("rates are messages per second for all replicas together, "
                             "above 0")
        return rates
