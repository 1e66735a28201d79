"""Slack access lost: the workspace uninstalled the app, or revoked tokens (Slack's
``app_uninstalled`` and ``tokens_revoked`` events), one row per thing lost.

A row says which workspace (`team_id`), whose token (`user_id`: the bot user, a person's user
token, or empty for the whole app) and which bot token was in use then (`token_fingerprint`, a
short hash, never the token). The bot token in use is cut off while a row for the app or for
its bot user carries its fingerprint: installing the app again gives a new token, which lifts
the stop without anyone clearing a row. The unique key makes a retried or repeated event a
no-op, so each loss is recorded (and logged) once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.once import insert_once
from storage.types import UTCDateTime, utcnow

UNINSTALLED, BOT_TOKEN, USER_TOKEN = "uninstalled", "bot", "oauth"
"""What was lost: the app, a bot user's token, a person's user (OAuth) token."""

ACCESS_READER = "slack access"
"""The `logging_token` of the connection reading `bot_token_loss` once a second (a
`storage.transactions.reading_only` read, which belongs to no one request)."""


class SlackAccessLoss(SQLModel, table=True):
    __tablename__ = "slack_access_loss"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "user_id", "token_fingerprint",
                         name="uq_slack_access_loss"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=16, description="uninstalled, bot or oauth")
    user_id: str = Field(default="", max_length=32, description="empty for the whole app")
    token_fingerprint: str = Field(max_length=16, description="the bot token then in use")
    lost_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def fingerprint(token: str) -> str:
    """A short hash naming a bot token without storing it."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


async def record_loss(session: AsyncSession, *, team_id: str, kind: str, user_id: str,
                      token_fingerprint: str, at: datetime) -> bool:
    """Record one loss; False when it was recorded before (a retry, a repeat)."""
    return await insert_once(session, SlackAccessLoss, team_id=team_id[:32], kind=kind,
                             user_id=user_id[:32], token_fingerprint=token_fingerprint,
                             lost_at=at)


async def bot_token_loss(session: AsyncSession, token_fingerprint: str) -> SlackAccessLoss | None:
    """The first loss cutting off the bot token with this fingerprint, if any."""
    return (await session.exec(
        select(SlackAccessLoss)
        .where(col(SlackAccessLoss.token_fingerprint) == token_fingerprint,
               col(SlackAccessLoss.kind).in_((UNINSTALLED, BOT_TOKEN)))
        .order_by(col(SlackAccessLoss.id)).limit(1))).first()
