"""Ticket events: apply what a service desk says about a ticket to its stored state, once.

Every event, from the webhook or from a history import, comes here as a `TicketEvent` already
in Touchpoint's terms (status open / resolved / closed, priority as the SLA names it). An
event is applied at most once (its delivery key is recorded in the same transaction), and
never moves a ticket backwards: an event older than the newest one applied is recorded and
ignored. Requester and assignee are matched to the directory by email; nobody found is fine,
the ticket keeps the email and no person.

What changed is handed back as a small `TicketChange`, for whoever reacts to tickets (the
satisfaction survey, metrics) once the change is committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from bot.chat.port import ChatPort, Profile
from bot.config import AppConfig
from bot.flows.directory import upsert_profile
from bot.flows.sla import SlaPolicy
from storage.models import Person
from storage.once import first_delivery
from storage.tickets import Ticket, TicketStatus

MAX_EVENT_ID = 128
DELIVERY_SOURCE = "ticket"
"""How ticket events are marked in the table of processed deliveries."""
ATTEMPTS = 3
_DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class TicketEvent:
    """What one event says a ticket is now."""

    external_id: str
    status: str
    """open, resolved or closed."""
    opened_at: datetime
    occurred_at: datetime
    """When the desk changed the ticket; orders events."""
    title: str = ""
    requester_email: str | None = None
    assignee_email: str | None = None
    priority: str = ""
    service: str = ""
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    reopened_at: datetime | None = None


@dataclass(frozen=True)
class TicketChange:
    """A ticket as an applied event left it, for whoever reacts to tickets."""

    ticket_id: int
    source: str
    status_before: str | None
    """None when the event created the ticket."""
    status_after: str
    newly_resolved: bool
    """It was not resolved or closed before this event, and is now."""
    reopened: bool
    """It was resolved or closed before this event, and is open again."""


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    """The same delivery was applied before; nothing was written."""
    STALE = "stale"
    """Older than the newest event applied to the ticket; recorded, not applied."""


@dataclass(frozen=True)
class Ingested:
    outcome: Outcome
    ticket_id: int | None = None
    change: TicketChange | None = None


async def ingest_ticket_event(sessions: async_sessionmaker[AsyncSession], app: AppConfig,
                              chat: ChatPort, sla: SlaPolicy, *, source: str, delivery: str,
                              event: TicketEvent) -> Ingested:
    """Apply `event` to the ticket it names in `source`, once per `delivery` key; committed.

    A concurrent event creating the same ticket (or person) first makes this one start again,
    and then see that ticket.
    """
    profiles: dict[str, Profile | None] = {}
    async for attempt in AsyncRetrying(retry=retry_if_exception_type(IntegrityError),
                                       stop=stop_after_attempt(ATTEMPTS), reraise=True):
        with attempt:
            return await _ingest(sessions, app, chat, sla, source, delivery, event, profiles)
    raise AssertionError("unreachable: the retry loop returns or raises")


def delivery_key(event_id: str | None, content: bytes) -> str:
    """What makes a delivery the same as an earlier one: the desk's own event id when it gives
    one, else the content itself (a retried delivery is the same bytes)."""
    if event_id is not None and len(event_id) <= MAX_EVENT_ID:
        return f"id:{event_id}"
    return "sha256:" + hashlib.sha256(event_id.encode() if event_id else content).hexdigest()


class _UnknownPeople(Exception):
    def __init__(self, emails: list[str]):
        self.emails = emails


async def _ingest(sessions: async_sessionmaker[AsyncSession], app: AppConfig, chat: ChatPort,
                  sla: SlaPolicy, source: str, delivery: str, event: TicketEvent,
                  profiles: dict[str, Profile | None]) -> Ingested:
    async with sessions() as session:
        try:
            return await _apply(session, app, sla, source, delivery, event, profiles)
        except _UnknownPeople as unknown:
            missing = unknown.emails
            await session.rollback()
    # Asked with no transaction open: a chat call must never hold SQLite's write lock.
    for email in missing:
        profiles[email] = await chat.profile_by_email(email)
    async with sessions() as session:
        return await _apply(session, app, sla, source, delivery, event, profiles)


async def _apply(session: AsyncSession, app: AppConfig, sla: SlaPolicy, source: str,
                 delivery: str, event: TicketEvent,
                 profiles: Mapping[str, Profile | None]) -> Ingested:
    if not await first_delivery(session, DELIVERY_SOURCE, f"{source}:{delivery}"):
        return Ingested(Outcome.DUPLICATE)
    ticket = (await session.exec(
        select(Ticket).where(Ticket.source == source, Ticket.external_id == event.external_id)
        .with_for_update())).first()
    if ticket is not None and event.occurred_at < ticket.last_event_at:
        await session.commit()
        return Ingested(Outcome.STALE, ticket.id)
    people = await _people(session, app, _emails_to_match(ticket, event), profiles)
    before = None if ticket is None else ticket.status
    if ticket is None:
        ticket = Ticket(source=source, external_id=event.external_id, opened_at=event.opened_at,
                        last_event_at=event.occurred_at)
        session.add(ticket)
    newly_resolved, reopened = apply_event(ticket, event, sla, before)
    if event.requester_email in people:
        ticket.requester_id = people[event.requester_email]
    if event.assignee_email in people:
        ticket.assignee_id = people[event.assignee_email]
    await session.commit()
    assert ticket.id is not None
    return Ingested(Outcome.STORED, ticket.id, TicketChange(
        ticket_id=ticket.id, source=source, status_before=before, status_after=ticket.status,
        newly_resolved=newly_resolved, reopened=reopened))


def _emails_to_match(ticket: Ticket | None, event: TicketEvent) -> list[str]:
    """The event's people whose email differs from the one the ticket holds for that role (a
    ticket keeps its match, found or not, so its hundredth event asks nobody)."""
    pairs = ((event.requester_email, None if ticket is None else ticket.requester_email),
             (event.assignee_email, None if ticket is None else ticket.assignee_email))
    return [email for email, held in pairs if email is not None and email != held]


async def _people(session: AsyncSession, app: AppConfig, emails: Sequence[str],
                  profiles: Mapping[str, Profile | None]) -> dict[str, int | None]:
    """Each email's person id (None: nobody has it); raises `_UnknownPeople` with the emails
    neither the directory nor `profiles` (the chat platforms' answers) can settle."""
    if not emails:
        return {}
    rows = await session.exec(select(Person.email, Person.id).where(col(Person.email).in_(emails)))
    found: dict[str, int | None] = {email: person_id for email, person_id in rows.all()
                                    if email is not None}
    missing = [email for email in emails if email not in found and email not in profiles]
    if missing:
        raise _UnknownPeople(missing)
    for email in emails:
        profile = profiles.get(email)
        if email not in found and profile is not None:
            person = await upsert_profile(session, app, profile)
            await session.flush()
            found[email] = person.id
    return {email: found.get(email) for email in emails}


def apply_event(ticket: Ticket, event: TicketEvent, sla: SlaPolicy,
                before: str | None) -> tuple[bool, bool]:
    """Write what `event` says into `ticket` (whose status was `before`, None if new);
    returns (newly resolved, reopened)."""
    was_done = before in _DONE
    is_done = event.status in _DONE
    newly_resolved = is_done and not was_done
    reopened = was_done and not is_done
    ticket.title = event.title or ticket.title
    ticket.requester_email = event.requester_email or ticket.requester_email
    ticket.assignee_email = event.assignee_email or ticket.assignee_email
    ticket.service = event.service or ticket.service
    if before is None or (event.priority and event.priority != ticket.priority):
        ticket.priority = event.priority
        deadlines = sla.deadlines(ticket.priority, ticket.opened_at)
        ticket.response_due_at = deadlines.response_due_at
        ticket.response_at_risk_from = deadlines.response_at_risk_from
        ticket.resolution_due_at = deadlines.resolution_due_at
        ticket.resolution_at_risk_from = deadlines.resolution_at_risk_from
    if newly_resolved:
        ticket.resolved_at = event.resolved_at or event.occurred_at
    if reopened:
        ticket.reopen_count += 1
        ticket.reopened_at = event.reopened_at or event.occurred_at
        ticket.resolved_at = None
    # A resolution answers the requester too: it is the first response if none came before.
    ticket.first_response_at = _earliest(ticket.first_response_at, event.first_response_at,
                                         ticket.resolved_at)
    ticket.status = event.status
    ticket.last_event_at = event.occurred_at
    return newly_resolved, reopened


def _earliest(*times: datetime | None) -> datetime | None:
    return min((at for at in times if at is not None), default=None)
