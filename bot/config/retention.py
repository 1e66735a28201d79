"""The `retention` section: how long finished rows are kept before the daily
``retention.prune`` job deletes them (bot.flows.retention)."""

from __future__ import annotations

from pydantic import Field

from bot.config.base import Strict


class RetentionConfig(Strict):
    outbox_days: int = Field(default=30, ge=1, le=3650)
    """Outbox messages sent, given up or cancelled are kept this many days after their last
    send (or attempt); never one still to be sent. A message older than this can no longer be
    edited in place (a broadcast's post, a survey's DM) nor found by a reaction to it."""
    request_days: int = Field(default=7, ge=1, le=3650)
    """Keys of inbound deliveries handled (Slack events, ticket webhook deliveries), kept to
    recognise a retry: Slack retries within minutes, desks within hours."""
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    """Rows deleted per transaction, so no deletion holds locks for long."""
