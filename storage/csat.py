"""Transactional CSAT: one survey invitation per resolved ticket, at most one answer to it, and
the follow-up IT staff take on a low score; with the queries the survey flow runs on them.

The guarantees are constraints, not checks in code: an invitation is unique per ticket, an
answer unique per invitation and a follow-up unique per invitation, so a retried event, a
double click or a second replica hits the constraint and does nothing. State changes are
conditional updates (``... WHERE status = 'sent'``), so two writers never both win one.

The survey's messages are the outbox's (`storage.outbox`): the DM under `survey_key` (the
invitation, then the thank-you, closed or withdrawn in its place), the low-score alert under
`alert_key`, the requester's follow-up notice under `follow_up_key`. Nothing here keeps a
platform's message reference; `survey_dms` reads back what the outbox did with each DM.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CheckConstraint, Index, literal, tuple_
from sqlmodel import Field, SQLModel, col, func, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.models import Person
from storage.once import insert_many_once, update_if
from storage.outbox import OutboxMessage
from storage.tickets import Ticket
from storage.types import UTCDateTime, utcnow


class InvitationStatus:
    PENDING = "pending"
    """Decided to send, and its DM recorded in the outbox (due at `send_after`, the end of
    quiet hours); `sent` once the outbox has delivered it."""
    SENT = "sent"
    ANSWERED = "answered"
    EXPIRED = "expired"
    VOID = "void"
    """The ticket was reopened before an answer."""
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"
    """Left out on purpose: throttled or sampled out (see `reason`)."""
    LOOKUP = "lookup"
    """Waiting for the requester to be looked up on a chat platform before the decision;
    claimed (`claimed_at`) by whoever looks. No DM is recorded yet."""

    HELD = "held"
    """Resolved while an open incident affected the ticket's service (``broadcasts:
    hold_surveys``): nothing decided and no DM recorded until no open incident affects the
    service any more; then it is decided as at a resolution (`bot.flows.csat.holding`)."""

    OPEN = (PENDING, SENT, LOOKUP, HELD)
    """Still waiting for something to happen to it (a reopening withdraws it)."""


class SurveyInvitation(SQLModel, table=True):
    __tablename__ = "survey_invitation"
    __table_args__ = (
        Index("ix_survey_invitation_person_sent", "person_id", "sent_at"),
        Index("ix_survey_invitation_status_send_after", "status", "send_after"),
        Index("ix_survey_invitation_status_expires_at", "status", "expires_at"),
        # The digest counts surveys by when they were sent (storage.digest_stats); on
        # PostgreSQL from this index alone (migration 0025).
        Index("ix_survey_invitation_sent_at_status", "sent_at", "status",
              postgresql_include=["id", "ticket_id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    person_id: int | None = Field(default=None, foreign_key="person.id",
                                  description="the requester; None when nobody was found")
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=64,
                               description="why skipped, unreachable or void")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    send_after: datetime | None = Field(
        default=None, sa_type=UTCDateTime,
        description="when its DM is due (quiet hours: not before this); None: no DM recorded")
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                        description="a look-up's claim; a lease")
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyAnswer(SQLModel, table=True):
    __tablename__ = "survey_answer"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_survey_answer_score"),
        # The digest joins a window's answers to their surveys from this index alone on
        # PostgreSQL (migration 0025).
        Index("ix_survey_answer_answered_at", "answered_at",
              postgresql_include=["invitation_id", "score", "id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="survey_invitation.id", unique=True)
    score: int
    comment: str | None = Field(default=None, max_length=3000)
    locale: str | None = Field(default=None, max_length=35,
                               description="the language the question was read in")
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SurveyFollowUp(SQLModel, table=True):
    """Someone in IT took on reaching out to the requester after a low score."""

    __tablename__ = "survey_follow_up"

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="survey_invitation.id", unique=True)
    owner_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def survey_key(invitation_id: int) -> str:
    """The outbox key of an invitation's DM, in each of its states."""
    return f"csat:{invitation_id}:survey"


def alert_key(invitation_id: int) -> str:
    """The outbox key of a low score's alert in the triage channel."""
    return f"csat:{invitation_id}:alert"


def follow_up_key(invitation_id: int) -> str:
    """The outbox key of the DM telling the requester that someone will be in touch."""
    return f"csat:{invitation_id}:follow_up"


async def last_sent_at(session: AsyncSession, person_id: int) -> datetime | None:
    """When `person_id` was last sent a CSAT survey, or None (other surveys keep their distance
    from it: an NPS pulse waits for its cooldown)."""
    return (await session.exec(select(func.max(SurveyInvitation.sent_at))
                               .where(col(SurveyInvitation.person_id) == person_id))).one()


async def people_surveyed_since(session: AsyncSession, person_ids: Collection[int],
                                since: datetime) -> set[int]:
    """Those of the people sent a survey after `since`, or with one waiting to be sent."""
    if not person_ids:
        return set()
    result = await session.exec(
        select(SurveyInvitation.person_id).distinct().where(
            col(SurveyInvitation.person_id).in_(sorted(person_ids)),
            or_(col(SurveyInvitation.sent_at) > since,
                SurveyInvitation.status == InvitationStatus.PENDING)))
    return {person_id for person_id in result.all() if person_id is not None}


async def tickets_with_invitations(session: AsyncSession, ticket_ids: Collection[int]) -> set[int]:
    """Those of the tickets whose survey was decided already."""
    if not ticket_ids:
        return set()
    result = await session.exec(select(SurveyInvitation.ticket_id)
                                .where(col(SurveyInvitation.ticket_id).in_(sorted(ticket_ids))))
    return set(result.all())


async def requesters_locked(session: AsyncSession, ids: Collection[int]) -> dict[int, Person]:
    """The people, their rows locked in id order for the rest of the transaction: that
    serialises the fatigue check per person across replicas (SQLite: the write lock)."""
    if not ids:
        return {}
    rows = await session.exec(select(Person).where(col(Person.id).in_(sorted(ids)))
                              .order_by(col(Person.id)).with_for_update())
    return {person.id: person for person in rows.all() if person.id is not None}


async def record_invitations(session: AsyncSession, rows: Sequence[dict[str, Any]]
                             ) -> dict[int, int]:
    """Insert invitations (column values by name), each unless its ticket has one already;
    ticket id -> new invitation id, for those inserted."""
    inserted = await insert_many_once(session, SurveyInvitation, rows,
                                      SurveyInvitation.ticket_id, SurveyInvitation.id)
    return dict(inserted)


async def transition(session: AsyncSession, invitation_id: int, from_status: str | tuple[str, ...],
                     **values: Any) -> bool:
    """Move an invitation on only if it is still in `from_status`; True when it moved."""
    states = (from_status,) if isinstance(from_status, str) else from_status
    return await update_if(session, SurveyInvitation, invitation_id,
                           col(SurveyInvitation.status).in_(states), **values)


def _sent_at_or(at: datetime) -> Any:
    """The invitation's `sent_at`, else `at`: a sending time noted before is kept."""
    return func.coalesce(col(SurveyInvitation.sent_at), literal(at, UTCDateTime()))


async def mark_answered(session: AsyncSession, invitation_id: int, now: datetime) -> bool:
    """Move an open invitation to answered, once: True when this call moved it. One still
    pending (its DM not yet noted as delivered) counts as sent `now`: the click shows it
    arrived."""
    return await transition(session, invitation_id, InvitationStatus.OPEN,
                            status=InvitationStatus.ANSWERED, sent_at=_sent_at_or(now))


async def mark_withdrawn_sent(session: AsyncSession, invitation_id: int, at: datetime) -> None:
    """A withdrawn invitation's DM went out (at `at`, unless a time was noted before): it
    counts for the one-survey-per-period rule."""
    await transition(session, invitation_id, InvitationStatus.VOID, sent_at=_sent_at_or(at))


async def void_open(session: AsyncSession, ticket_ids: Collection[int], reason: str
                    ) -> list[tuple[int, int, datetime | None]]:
    """Void the tickets' invitations still open (pending, sent or waiting for a look-up); (id,
    ticket id, `send_after`) of each voided: `send_after` is None when no DM was recorded."""
    if not ticket_ids:
        return []
    result = await session.exec(
        update(SurveyInvitation)
        .where(col(SurveyInvitation.ticket_id).in_(sorted(ticket_ids)),
               col(SurveyInvitation.status).in_(InvitationStatus.OPEN))
        .values(status=InvitationStatus.VOID, reason=reason)
        .returning(SurveyInvitation.id, SurveyInvitation.ticket_id,
                   SurveyInvitation.send_after))
    return [tuple(row) for row in result.all()]


async def reclaim_lookups(session: AsyncSession, now: datetime, lease: timedelta,
                          limit: int) -> list[int]:
    """Take over look-ups whose claim is older than `lease` (whoever looked has died): their
    ids, claimed now by this caller (another replica taking the same one at once loses)."""
    stale = (col(SurveyInvitation.status) == InvitationStatus.LOOKUP,
             col(SurveyInvitation.claimed_at) < now - lease)
    found = (await session.exec(select(SurveyInvitation.id).where(*stale)
                                .order_by(col(SurveyInvitation.claimed_at)).limit(limit))).all()
    return [invitation_id for invitation_id in found if invitation_id is not None
            and await update_if(session, SurveyInvitation, invitation_id, *stale,
                                claimed_at=now)]


async def held(session: AsyncSession, unless_services: Collection[str], limit: int
               ) -> list[tuple[int, Ticket]]:
    """(id, ticket) of held invitations, oldest first, but for tickets of `unless_services`
    (those an open incident still affects)."""
    result = await session.exec(
        select(SurveyInvitation.id, Ticket)
        .join(Ticket, col(Ticket.id) == col(SurveyInvitation.ticket_id))
        .where(col(SurveyInvitation.status) == InvitationStatus.HELD,
               col(Ticket.service).not_in(sorted(unless_services)))
        .order_by(col(SurveyInvitation.id)).limit(limit))
    return [(invitation_id, ticket) for invitation_id, ticket in result.all()]


async def due_for_expiry(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    result = await session.exec(
        select(SurveyInvitation.id)
        .where(SurveyInvitation.status == InvitationStatus.SENT,
               col(SurveyInvitation.expires_at) <= now)
        .order_by(col(SurveyInvitation.expires_at)).limit(limit))
    return [invitation_id for invitation_id in result.all() if invitation_id is not None]


async def answer_of(session: AsyncSession, invitation_id: int) -> SurveyAnswer | None:
    result = await session.exec(select(SurveyAnswer)
                                .where(SurveyAnswer.invitation_id == invitation_id))
    return result.first()


async def follow_up_of(session: AsyncSession, invitation_id: int) -> SurveyFollowUp | None:
    result = await session.exec(select(SurveyFollowUp)
                                .where(SurveyFollowUp.invitation_id == invitation_id))
    return result.first()


async def set_comment(session: AsyncSession, invitation_id: int, comment: str) -> None:
    """The answer's comment: the latest one wins."""
    await session.exec(update(SurveyAnswer)
                       .where(col(SurveyAnswer.invitation_id) == invitation_id)
                       .values(comment=comment))



# ------------------------------------------------------------------ what the outbox did


@dataclass(frozen=True)
class SurveyDm:
    """What the outbox has done with an invitation's DM so far."""

    sent_at: datetime | None
    """When it went out; None while it waits or is being sent, or when it was given up."""
    failure: str | None
    """Why the outbox gave it up or cancelled it (``unreachable: ...`` for someone it cannot
    reach); None while it is not done with it."""


async def pending_due(session: AsyncSession, now: datetime,
                      after: tuple[datetime, int] | None, limit: int
                      ) -> list[tuple[datetime, int]]:
    """(send_after, id) of pending invitations due by `now`, in that order, after `after`: a
    page at a time, so the ones the outbox is still sending do not hide the rest."""
    query = select(SurveyInvitation.send_after, SurveyInvitation.id).where(
        col(SurveyInvitation.status) == InvitationStatus.PENDING,
        col(SurveyInvitation.send_after) <= now)
    if after is not None:
        query = query.where(tuple_(col(SurveyInvitation.send_after),
                                   col(SurveyInvitation.id)) > tuple_(*after))
    rows = await session.exec(query.order_by(col(SurveyInvitation.send_after),
                                             col(SurveyInvitation.id)).limit(limit))
    return [(send_after, invitation_id) for send_after, invitation_id in rows.all()]


async def survey_dms(session: AsyncSession, invitation_ids: Collection[int]
                     ) -> dict[int, SurveyDm]:
    """What became of the DMs of these invitations, by invitation id (one with no DM in the
    outbox is left out). Looked up by key, one indexed look-up each."""
    by_key = {survey_key(invitation_id): invitation_id for invitation_id in invitation_ids}
    if not by_key:
        return {}
    rows = await session.exec(
        select(OutboxMessage.key, OutboxMessage.status, OutboxMessage.sent_version,
               OutboxMessage.sent_at, OutboxMessage.reason)
        .where(col(OutboxMessage.key).in_(sorted(by_key))))
    given_up = (outbox.FAILED, outbox.CANCELLED)
    return {by_key[key]: SurveyDm(sent_at if sent_version and status not in given_up else None,
                                  (reason or status) if status in given_up else None)
            for key, status, sent_version, sent_at, reason in rows.all()}
