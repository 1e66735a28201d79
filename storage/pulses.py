"""NPS pulse tables: campaigns, deliveries (the schedule), answers, replies and opt-outs, with
the queries on campaigns, answers, replies and opt-outs. Deliveries' queries are
storage.pulse_deliveries', the results' aggregates storage.pulse_stats'.

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

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ColumnElement,
    Index,
    String,
    UniqueConstraint,
    and_,
    cast,
)
from sqlmodel import Field, SQLModel, col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.once import insert_once, update_if
from storage.types import UTCDateTime, utcnow

# Delivery states: waiting for its time, handed to the outbox (whose row says the rest), or
# done without it (skipped, or failed: the person left). "sent" and "claimed" are the outbox's
# words, read through it (storage.pulse_deliveries.counts); "sent" is also what a delivery made
# before the outbox kept.
PENDING, QUEUED, SKIPPED, FAILED = "pending", "queued", "skipped", "failed"
CLAIMED, SENT, CANCELLED = "claimed", "sent", "cancelled"
INVITE = "invite"
# Campaign states.
SCHEDULED, OPEN, CLOSED = "scheduled", "open", "closed"


def survey_campaign() -> ColumnElement[bool]:
    """A satisfaction survey, not an NPS pulse, in SQL: questions that are neither SQL NULL
    nor JSON null (what the JSON type stores for None)."""
    questions = col(PulseCampaign.questions)
    return and_(questions.is_not(None), cast(questions, String) != "null")


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
    results_posted_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime,
        description="the results card was handed to the outbox")
    questions: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True),
        description="a satisfaction survey's questions (text, aspect, kind); none for NPS")
    tallies: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True),
        description="the numeric answers' tallies, kept in the transaction that closes it "
                    "(storage.survey_stats.keep, storage.pulse_stats.keep)")
    wording: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True),
        description="an NPS pulse's words from app.yaml (question, why), each one text or one "
                    "per language; none: the template's own")

    @property
    def is_survey(self) -> bool:
        return bool(self.questions)


class PulseDelivery(SQLModel, table=True):
    """The schedule of one message (invite or reminder) to one person for one campaign."""

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
    answered: bool = Field(default=False, description="on the invite: this person answered")
    finished: bool = Field(default=False, description="on a survey's invite: this person "
                                                      "answered every question")


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
    locale: str | None = Field(default=None, max_length=35,
                               description="the language the question was read in")
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


# --------------------------------------------------------------------------- campaigns


async def _campaigns_where(session: AsyncSession, *conditions: Any) -> list[int]:
    ids = (await session.exec(select(PulseCampaign.id).where(*conditions)
                              .order_by(col(PulseCampaign.id)))).all()
    return [campaign_id for campaign_id in ids if campaign_id is not None]


def _to_open(now: datetime) -> tuple[Any, ...]:
    return (col(PulseCampaign.status) == SCHEDULED, col(PulseCampaign.opens_at) <= now)


def _to_close(now: datetime) -> tuple[Any, ...]:
    return (col(PulseCampaign.status) == OPEN, col(PulseCampaign.closes_at) <= now)


_RESULTS_DUE = (col(PulseCampaign.status) == CLOSED, col(PulseCampaign.results_posted_at).is_(None))


async def campaigns_to_open(session: AsyncSession, now: datetime) -> list[int]:
    return await _campaigns_where(session, *_to_open(now))


async def take_opening(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """Mark the campaign open if it still waits to; True for the one caller that did (the
    claim that makes one replica open it)."""
    return await update_if(session, PulseCampaign, campaign_id, *_to_open(now), status=OPEN)


async def campaigns_to_close(session: AsyncSession, now: datetime) -> list[int]:
    return await _campaigns_where(session, *_to_close(now))


async def lock_if_open(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """Whether the campaign still takes answers, its row share-locked until the transaction
    ends (FOR SHARE on PostgreSQL; SQLite's transactions are serial): a transaction writing
    answers asks this first, so a close (`take_closing`, which updates the row) waits for it
    to commit and its tallies count the answers, and one that closed first is seen closed."""
    row = (await session.exec(
        select(PulseCampaign.status, PulseCampaign.closes_at)
        .where(col(PulseCampaign.id) == campaign_id).with_for_update(read=True))).first()
    return row is not None and row[0] != CLOSED and now < row[1]


async def take_closing(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """Mark the campaign closed if it is due; True for the one caller that did. The update
    waits for the transactions writing answers (`lock_if_open`): the caller keeps the
    tallies after it, in its transaction."""
    return await update_if(session, PulseCampaign, campaign_id, *_to_close(now),
                           status=CLOSED, closed_at=now)


async def campaigns_with_results_due(session: AsyncSession) -> list[int]:
    return await _campaigns_where(session, *_RESULTS_DUE)


async def take_results(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """Record the results card as handed to the outbox, if nobody did yet."""
    return await update_if(session, PulseCampaign, campaign_id, *_RESULTS_DUE,
                           results_posted_at=now)


async def add_campaign(session: AsyncSession, **values: Any) -> bool:
    """Store a campaign unless its name is taken; True when this call stored it."""
    return await insert_once(session, PulseCampaign, **values)


async def find_campaign(session: AsyncSession, name: str) -> PulseCampaign | None:
    return (await session.exec(select(PulseCampaign)
                               .where(col(PulseCampaign.name) == name))).first()


async def latest_campaigns(session: AsyncSession, limit: int) -> list[PulseCampaign]:
    return list((await session.exec(select(PulseCampaign)
                                    .order_by(col(PulseCampaign.opens_at).desc())
                                    .limit(limit))).all())


async def audience_candidates(session: AsyncSession) -> list[Person]:
    """Everyone a campaign may go to: active, and not opted out of pulses."""
    opted_out = select(PulseOptOut.person_id)
    return list((await session.exec(
        select(Person).where(col(Person.active), col(Person.id).not_in(opted_out))
        .order_by(col(Person.id)))).all())


# --------------------------------------------------------------------------- answers


REF_LENGTH = 8
"""Hex digits of `respondent_key` that name a comment to IT leads (``#3fa94c1e``): random,
so neither the reference nor the order of references tells who answered when (an answer's id
would: #1 is the first to answer)."""


def answer_ref(respondent_key: str) -> str:
    """How leads name an answer's comment, in the results and in ``pulse reply``."""
    return respondent_key[:REF_LENGTH]


async def answers_by_ref(session: AsyncSession, ref: str, limit: int = 2) -> list[PulseAnswer]:
    """The answers with a comment named by `ref` (at most `limit`: more than one means the
    reference is ambiguous, with about one chance in four billion per other comment)."""
    if len(ref) != REF_LENGTH or not all(c in "0123456789abcdef" for c in ref):
        return []
    return list((await session.exec(select(PulseAnswer).where(
        col(PulseAnswer.respondent_key).startswith(ref),
        col(PulseAnswer.comment).is_not(None)).limit(limit))).all())


async def find_answer(session: AsyncSession, campaign_id: int,
                      respondent_key: str) -> PulseAnswer | None:
    return (await session.exec(select(PulseAnswer).where(
        col(PulseAnswer.campaign_id) == campaign_id,
        col(PulseAnswer.respondent_key) == respondent_key))).first()


async def opt_out(session: AsyncSession, person_id: int, at: datetime) -> None:
    await insert_once(session, PulseOptOut, person_id=person_id, opted_out_at=at)


async def opt_in(session: AsyncSession, person_id: int) -> None:
    await session.exec(delete(PulseOptOut).where(col(PulseOptOut.person_id) == person_id))


async def opted_out(session: AsyncSession, person_id: int) -> bool:
    return await session.get(PulseOptOut, person_id) is not None


