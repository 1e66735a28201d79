"""NPS pulse deliveries: who gets which pulse message when, and what became of it.

A `PulseDelivery` (storage.pulses) is the schedule: one row per person, campaign and message
(invite, reminder-N), due at the person's local send time. The pulse tick takes the due ones
(`due`, with what decides whether each may go), and hands those that may to the outbox under
the key `delivery_key(...)`, marking them queued; from then on the outbox row says whether the
message was sent, failed or was cancelled. `effective_status` reads the two as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, func, literal, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.csat import SurveyInvitation
from storage.models import Person
from storage.once import insert_many_once
from storage.outbox import OutboxMessage
from storage.projects import END_USER, Project, ProjectReview
from storage.pulses import (
    INVITE,
    PENDING,
    QUEUED,
    SENT,
    SKIPPED,
    PulseAnswer,
    PulseDelivery,
    PulseOptOut,
)


def delivery_key(campaign_id: int, person_id: int, kind: str) -> str:
    """The outbox key of one delivery (the SQL twin is `_key_column`)."""
    return f"pulse:{campaign_id}:{person_id}:{kind}"


def campaign_prefix(campaign_id: int) -> str:
    """What every outbox key of a campaign starts with."""
    return f"pulse:{campaign_id}:"


def _key_column(delivery: Any) -> Any:
    return (literal("pulse:") + cast(delivery.campaign_id, String) + literal(":")
            + cast(delivery.person_id, String) + literal(":") + delivery.kind)


def _effective(delivery: Any, outbox: Any) -> tuple[Any, Any]:
    """(status, reason) of a delivery: its own, or its outbox row's once queued there."""
    queued = delivery.status == QUEUED
    return (case((queued, func.coalesce(outbox.status, PENDING)), else_=delivery.status),
            case((queued, outbox.reason), else_=delivery.reason))


async def add(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert deliveries, leaving out any already there; returns how many were added."""
    return len(await insert_many_once(session, PulseDelivery, rows, PulseDelivery.id))


@dataclass(frozen=True)
class Due:
    """A delivery whose time has come, with what decides whether it may go now."""

    id: int
    campaign_id: int
    kind: str
    person: Person
    opted_out: bool
    last_survey: datetime | None
    """When the person was last sent a survey of any kind: a CSAT survey, another campaign's
    pulse or satisfaction survey, or a project's end-user question (invites keep their
    distance from it)."""
    invite_status: str | None
    """For a reminder: what became of the person's invite (sent, pending, failed, ...)."""
    invite_answered: bool = False
    invite_due_at: datetime | None = None
    invite_finished: bool = False
    """A survey's invite: the person answered every question (`invite_answered`: started)."""


async def due(session: AsyncSession, now: datetime, limit: int,
              campaign_id: int | None = None) -> list[Due]:
    """Up to `limit` pending deliveries due by `now` (of one campaign, or all), oldest first,
    locked (SKIP LOCKED on PostgreSQL: a tick and an opening at once take different rows)."""
    last_survey = (select(func.max(SurveyInvitation.sent_at))
                   .where(col(SurveyInvitation.person_id) == col(PulseDelivery.person_id))
                   .scalar_subquery())
    # Another campaign's invite (NPS or survey) handed over: its due time is when it went.
    other = aliased(PulseDelivery)
    last_campaign = (select(func.max(other.due_at))
                     .where(other.person_id == col(PulseDelivery.person_id),
                            other.campaign_id != col(PulseDelivery.campaign_id),
                            other.kind == INVITE, other.status.in_([QUEUED, SENT]))
                     .scalar_subquery())
    # A project's end-user question went at the project's close.
    last_project = (select(func.max(Project.closed_at))
                    .join(ProjectReview, col(ProjectReview.project_id) == Project.id)
                    .where(col(ProjectReview.person_id) == col(PulseDelivery.person_id),
                           col(ProjectReview.kind) == END_USER)
                    .scalar_subquery())
    only = () if campaign_id is None else (col(PulseDelivery.campaign_id) == campaign_id,)
    rows = (await session.exec(
        select(PulseDelivery.id, PulseDelivery.campaign_id, PulseDelivery.kind, Person,
               col(PulseOptOut.person_id).is_not(None), last_survey, last_campaign,
               last_project)
        .join(Person, col(Person.id) == col(PulseDelivery.person_id))
        .outerjoin(PulseOptOut, col(PulseOptOut.person_id) == col(PulseDelivery.person_id))
        .where(col(PulseDelivery.status) == PENDING, col(PulseDelivery.due_at) <= now, *only)
        .order_by(col(PulseDelivery.due_at), col(PulseDelivery.id))
        .limit(limit)
        .with_for_update(of=PulseDelivery, skip_locked=True))).all()
    invites = await _invites(session, {(campaign, person.id) for _id, campaign, kind, person, *_
                                       in rows if kind != INVITE})
    found = []
    for delivery_id, campaign, kind, person, opted_out, survey, campaign_sent, project in rows:
        invite = invites.get((campaign, person.id)) if kind != INVITE else None
        latest = max((t for t in (survey, campaign_sent, project) if t is not None),
                     default=None)
        found.append(Due(delivery_id, campaign, kind, person, bool(opted_out), latest,
                         *(invite or (None, False, None, False))))
    return found


async def _invites(session: AsyncSession, people: set[tuple[int, int | None]]
                   ) -> dict[tuple[int, int], tuple[str, bool, datetime, bool]]:
    """(campaign, person) -> the invite's effective status, answered flag, due time and
    finished flag.
    Two indexed look-ups rather than a join on the outbox key, which the planner cannot
    estimate inside the transaction that wrote the rows."""
    if not people:
        return {}
    invites = (await session.exec(
        select(PulseDelivery.campaign_id, PulseDelivery.person_id, PulseDelivery.status,
               PulseDelivery.answered, PulseDelivery.due_at, PulseDelivery.finished)
        .where(col(PulseDelivery.kind) == INVITE,
               tuple_(col(PulseDelivery.campaign_id), col(PulseDelivery.person_id))
               .in_(sorted(people))))).all()
    keys = [delivery_key(campaign, person, INVITE)
            for campaign, person, status, *_flags in invites if status == QUEUED]
    sent = dict((await session.exec(
        select(OutboxMessage.key, OutboxMessage.status)
        .where(col(OutboxMessage.key).in_(keys)))).all()) if keys else {}
    return {(campaign, person): (
        sent.get(delivery_key(campaign, person, INVITE), PENDING) if status == QUEUED
        else status, answered, due, finished)
        for campaign, person, status, answered, due, finished in invites}


async def mark(session: AsyncSession, ids: list[int], status: str,
               reason: str | None = None) -> None:
    if ids:
        await session.exec(update(PulseDelivery).where(col(PulseDelivery.id).in_(ids))
                           .values(status=status, reason=reason))


async def defer(session: AsyncSession, delivery_id: int, due_at: datetime, reason: str) -> None:
    await session.exec(update(PulseDelivery).where(col(PulseDelivery.id) == delivery_id)
                       .values(due_at=due_at, reason=reason))


async def shift_reminders(session: AsyncSession, campaign_id: int, person_id: int,
                          shift: timedelta) -> None:
    """Move a person's pending reminders by `shift`, keeping their distance from the invite."""
    reminders = (await session.exec(select(PulseDelivery).where(
        col(PulseDelivery.campaign_id) == campaign_id,
        col(PulseDelivery.person_id) == person_id, col(PulseDelivery.kind) != INVITE,
        col(PulseDelivery.status) == PENDING))).all()
    for reminder in reminders:
        reminder.due_at = reminder.due_at + shift
        session.add(reminder)


async def close(session: AsyncSession, campaign_id: int, reason: str) -> None:
    """What of a campaign was never handed to the outbox is skipped."""
    await session.exec(update(PulseDelivery)
                       .where(col(PulseDelivery.campaign_id) == campaign_id,
                              col(PulseDelivery.status) == PENDING)
                       .values(status=SKIPPED, reason=reason))


# --------------------------------------------------------------------------- answers


async def mark_answered(session: AsyncSession, campaign_id: int, person_id: int) -> bool:
    """Flip the person's invite to answered; True only for the call that flipped it."""
    marked = await session.exec(
        update(PulseDelivery)
        .where(col(PulseDelivery.campaign_id) == campaign_id,
               col(PulseDelivery.person_id) == person_id, col(PulseDelivery.kind) == INVITE,
               col(PulseDelivery.answered).is_(False))
        .values(answered=True).execution_options(preserve_rowcount=True))
    return marked.rowcount == 1


async def unmark_answered(session: AsyncSession, campaign_id: int, person_id: int) -> None:
    await session.exec(update(PulseDelivery)
                       .where(col(PulseDelivery.campaign_id) == campaign_id,
                              col(PulseDelivery.person_id) == person_id,
                              col(PulseDelivery.kind) == INVITE)
                       .values(answered=False))


async def invited(session: AsyncSession, campaign_id: int, person_id: int) -> bool:
    """Whether the person has an invite to this campaign at all."""
    return (await session.exec(select(PulseDelivery.id).where(
        col(PulseDelivery.campaign_id) == campaign_id,
        col(PulseDelivery.person_id) == person_id,
        col(PulseDelivery.kind) == INVITE))).first() is not None


# --------------------------------------------------------------------------- counting


async def counts(session: AsyncSession,
                 campaign_id: int | None = None) -> dict[tuple[str, str], int]:
    """Deliveries by (kind family, effective status): ``("invite", "sent") -> 4200``."""
    outbox = aliased(OutboxMessage)
    status, _reason = _effective(PulseDelivery, outbox)
    family = case((col(PulseDelivery.kind) == INVITE, literal(INVITE)),
                  else_=literal("reminder"))
    query = (select(family, status, func.count()).select_from(PulseDelivery)
             .outerjoin(outbox, outbox.key == _key_column(PulseDelivery))
             .group_by(family, status))
    if campaign_id is not None:
        query = query.where(col(PulseDelivery.campaign_id) == campaign_id)
    return {(kind, state): n for kind, state, n in (await session.exec(query)).all()}


async def answered_count(session: AsyncSession, campaign_id: int | None = None) -> int:
    query = select(func.count()).select_from(PulseAnswer)
    if campaign_id is not None:
        query = query.where(col(PulseAnswer.campaign_id) == campaign_id)
    return (await session.exec(query)).one()
