"""NPS pulse tables: campaigns, the delivery outbox, answers and opt-outs, with the queries
(claims and aggregates, computed in SQL) that work on them.

Closing the loop. For an anonymous answer with a comment, `reply_route` holds the respondent's
person id sealed (encrypted and authenticated) with TOUCHPOINT_SEAL_KEY, which lives in the
environment, never in the database: the running bot can deliver a lead's reply, nobody reading
the tables can tell whose answer it is.

Anonymity. An answer row never holds more about its respondent than the campaign allows: for
an anonymous campaign it has no person id and no time, only the score, the comment, the
segments (shown only in groups of at least K answers) and `respondent_key`, the SHA-256 of a
random token that exists only in the buttons of the message the person answered from. The
person's own invite delivery carries a bare "has answered" flag, so one person answers once.
Pressing a button again hashes the same token, finds the same answer row and replaces the
score, without the database ever linking the answer to the person. (The rows are linkable by
nobody who reads the tables alone: the token is in the person's chat, not in a table.) The flag
and the answer are written in separate transactions, so PostgreSQL's row stamps (xmin) do not
pair them; consecutive transaction ids and WAL order still hint at a pairing to someone who
administers the server itself, which only batching answers would remove.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Index,
    UniqueConstraint,
    case,
    func,
    literal,
    or_,
)
from sqlmodel import Field, SQLModel, col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.once import dialect_insert, update_if
from storage.types import UTCDateTime, utcnow

# Delivery states: waiting for its time, taken by a sender (until its lease ends), done.
PENDING, CLAIMED, SENT, FAILED, SKIPPED = "pending", "claimed", "sent", "failed", "skipped"
INVITE = "invite"
# Campaign states.
SCHEDULED, OPEN, CLOSED = "scheduled", "open", "closed"


def reminder_kind(number: int) -> str:
    return f"reminder-{number}"


class PulseCampaign(SQLModel, table=True):
    """One run of an NPS pulse: who it goes to, when it is open, and how private answers are."""

    __tablename__ = "pulse_campaign"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    definition: str | None = Field(default=None, max_length=64,
                                   description="the app.yaml campaign it recurs from")
    template: str = Field(default="pulses/invite", max_length=100)
    audience: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    anonymity: str = Field(max_length=16)
    min_group: int
    reminders: list[int] = Field(sa_column=Column(JSON, nullable=False))
    send_time: str = Field(max_length=5, description="HH:MM in each person's own zone")
    opens_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=SCHEDULED, max_length=16, index=True)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    results_claimed_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime,
        description="a replica took the results card to post; a lease")
    results_posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PulseDelivery(SQLModel, table=True):
    """The outbox: one message (invite or reminder) to one person for one campaign."""

    __tablename__ = "pulse_delivery"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", "kind", name="uq_pulse_delivery"),
        Index("ix_pulse_delivery_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="pulse_campaign.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=16, description="invite, reminder-1 or reminder-2")
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=PENDING, max_length=16)
    reason: str | None = Field(default=None, max_length=100)
    attempts: int = 0
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ref: str | None = Field(default=None, max_length=500)
    answered: bool = Field(default=False, description="on the invite: this person answered")


class PulseAnswer(SQLModel, table=True):
    """One respondent's answer; see the module docstring for what it may hold."""

    __tablename__ = "pulse_answer"
    __table_args__ = (
        UniqueConstraint("campaign_id", "respondent_key", name="uq_pulse_answer"),
        CheckConstraint("score BETWEEN 0 AND 10", name="ck_pulse_answer_score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="pulse_campaign.id", index=True)
    respondent_key: str = Field(max_length=64, description="SHA-256 of the button token")
    person_id: int | None = Field(default=None, foreign_key="person.id",
                                  description="never set for an anonymous campaign")
    score: int
    comment: str | None = Field(default=None, max_length=2000)
    segments: dict[str, str] = Field(default_factory=dict,
                                     sa_column=Column(JSON, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                         description="never set for an anonymous campaign")
    reply_route: str | None = Field(default=None, max_length=300,
                                    description="anonymous: the sealed way back to the "
                                                "respondent, readable only with the seal key")


class PulseReply(SQLModel, table=True):
    """Closing the loop: an IT lead's reply to a pulse comment, or the respondent's answer."""

    __tablename__ = "pulse_reply"

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="pulse_answer.id", index=True)
    lead_id: int = Field(foreign_key="person.id", description="the lead in the conversation")
    from_respondent: bool = False
    text: str = Field(max_length=2000)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PulseOptOut(SQLModel, table=True):
    """Someone who asked for no more pulses (`/touchpoint pulses off`)."""

    __tablename__ = "pulse_opt_out"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    opted_out_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --------------------------------------------------------------------------- outbox


async def campaigns_where(session: AsyncSession, *conditions: Any) -> list[int]:
    """The ids of the campaigns that meet `conditions` (column expressions)."""
    ids = (await session.exec(select(PulseCampaign.id).where(*conditions))).all()
    return [campaign_id for campaign_id in ids if campaign_id is not None]


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert outbox rows, leaving out any already there; returns how many were added."""
    if not rows:
        return 0
    insert = dialect_insert(session)
    result = await session.exec(insert(PulseDelivery).values(rows).on_conflict_do_nothing()
                                .execution_options(preserve_rowcount=True))
    return result.rowcount


@dataclass(frozen=True)
class Claimed:
    id: int
    campaign_id: int
    person_id: int
    kind: str
    attempts: int
    claimed_until: datetime


async def claim_due(session: AsyncSession, now: datetime, lease: timedelta,
                    limit: int) -> list[Claimed]:
    """Take up to `limit` deliveries that are due, pending or with a lapsed lease.

    On PostgreSQL the rows are locked with SKIP LOCKED, so replicas claiming at once take
    different rows; SQLite's write lock (BEGIN IMMEDIATE) makes the claim exclusive there.
    The caller commits at once, so the claim is durable before anything is sent.
    """
    due = (select(PulseDelivery.id)
           .where(col(PulseDelivery.due_at) <= now,
                  or_(col(PulseDelivery.status) == PENDING,
                      (col(PulseDelivery.status) == CLAIMED)
                      & (col(PulseDelivery.claimed_until) < now)))
           .order_by(col(PulseDelivery.due_at), col(PulseDelivery.id))
           .limit(limit)
           .with_for_update(skip_locked=True))
    rows = (await session.exec(
        update(PulseDelivery)
        .where(col(PulseDelivery.id).in_(due.scalar_subquery()))
        .values(status=CLAIMED, claimed_until=now + lease,
                attempts=col(PulseDelivery.attempts) + 1)
        .returning(col(PulseDelivery.id), col(PulseDelivery.campaign_id),
                   col(PulseDelivery.person_id), col(PulseDelivery.kind),
                   col(PulseDelivery.attempts), col(PulseDelivery.claimed_until)))).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


async def finish(session: AsyncSession, delivery_id: int, status: str, *,
                 reason: str | None = None, message_ref: str | None = None,
                 now: datetime | None = None) -> bool:
    """Record how a claimed delivery ended; False if it was not claimed any more."""
    values: dict[str, Any] = {"status": status, "reason": reason, "claimed_until": None}
    if message_ref is not None:
        values.update(message_ref=message_ref, sent_at=now)
    return await update_if(session, PulseDelivery, delivery_id,
                           col(PulseDelivery.status) == CLAIMED, **values)


async def retry_later(session: AsyncSession, delivery_id: int, due_at: datetime,
                      reason: str) -> None:
    await session.exec(
        update(PulseDelivery)
        .where(col(PulseDelivery.id) == delivery_id, col(PulseDelivery.status) == CLAIMED)
        .values(status=PENDING, due_at=due_at, reason=reason, claimed_until=None))


async def outbox_counts(session: AsyncSession,
                        campaign_id: int | None = None) -> dict[tuple[str, str], int]:
    """Deliveries by (kind family, status): ``("invite", "sent") -> 4200``."""
    family = case((col(PulseDelivery.kind) == INVITE, literal(INVITE)),
                  else_=literal("reminder"))
    query = select(family, PulseDelivery.status, func.count()).group_by(
        family, col(PulseDelivery.status))
    if campaign_id is not None:
        query = query.where(col(PulseDelivery.campaign_id) == campaign_id)
    return {(kind, status): n for kind, status, n in (await session.exec(query)).all()}


async def answered_count(session: AsyncSession, campaign_id: int | None = None) -> int:
    query = select(func.count()).select_from(PulseAnswer)
    if campaign_id is not None:
        query = query.where(col(PulseAnswer.campaign_id) == campaign_id)
    return (await session.exec(query)).one()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Tally:
    """Answers in one group: how many, and how many promoters (9-10) and detractors (0-6)."""

    answers: int
    promoters: int
    detractors: int

    @property
    def nps(self) -> int | None:
        if not self.answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answers)


def _tally_columns() -> tuple[Any, Any, Any]:
    score = col(PulseAnswer.score)
    return (func.count(),
            func.coalesce(func.sum(case((score >= 9, 1), else_=0)), 0),
            func.coalesce(func.sum(case((score <= 6, 1), else_=0)), 0))


async def tally(session: AsyncSession, campaign_id: int) -> Tally:
    row = (await session.exec(select(*_tally_columns())
                              .where(col(PulseAnswer.campaign_id) == campaign_id))).one()
    return Tally(*row)


async def tally_by_segment(session: AsyncSession, campaign_id: int,
                           segment: str) -> dict[str | None, Tally]:
    """Tallies per value of one segment; None collects answers outside every value."""
    value = PulseAnswer.__table__.c.segments[segment].as_string()
    rows = (await session.exec(
        select(value, *_tally_columns())
        .where(col(PulseAnswer.campaign_id) == campaign_id)
        .group_by(value))).all()
    return {name: Tally(n, p, d) for name, n, p, d in rows}


async def distribution(session: AsyncSession, campaign_id: int) -> dict[int, int]:
    rows = (await session.exec(
        select(PulseAnswer.score, func.count())
        .where(col(PulseAnswer.campaign_id) == campaign_id)
        .group_by(col(PulseAnswer.score)))).all()
    found = dict(rows)
    return {score: found.get(score, 0) for score in range(11)}


async def invited_count(session: AsyncSession, campaign_id: int) -> int:
    """People whose invite reached them: the denominator of the response rate."""
    return (await session.exec(
        select(func.count()).select_from(PulseDelivery)
        .where(col(PulseDelivery.campaign_id) == campaign_id,
               col(PulseDelivery.kind) == INVITE, col(PulseDelivery.status) == SENT))).one()


async def trend(session: AsyncSession, definition: str, up_to: datetime,
                limit: int = 6) -> list[tuple[str, Tally]]:
    """The tallies of the latest campaigns of one recurring definition, oldest first."""
    campaigns = (select(PulseCampaign.id, PulseCampaign.name, PulseCampaign.opens_at)
                 .where(col(PulseCampaign.definition) == definition,
                        col(PulseCampaign.opens_at) <= up_to)
                 .order_by(col(PulseCampaign.opens_at).desc()).limit(limit).subquery())
    score = col(PulseAnswer.score)
    rows = (await session.exec(
        select(campaigns.c.name, campaigns.c.opens_at, func.count(col(PulseAnswer.id)),
               func.coalesce(func.sum(case((score >= 9, 1), else_=0)), 0),
               func.coalesce(func.sum(case((score <= 6, 1), else_=0)), 0))
        .select_from(campaigns)
        .outerjoin(PulseAnswer, col(PulseAnswer.campaign_id) == campaigns.c.id)
        .group_by(campaigns.c.name, campaigns.c.opens_at)
        .order_by(campaigns.c.opens_at))).all()
    return [(name, Tally(n, p, d)) for name, _opens, n, p, d in rows]
