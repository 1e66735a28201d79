"""Ticket events: apply what a service desk says about a ticket to its stored state, once.

Every event, from the webhook or from a history import, comes here as a `TicketEvent` already
in Touchpoint's terms (status open / resolved / closed, priority as the SLA names it). An
event is applied at most once (its delivery key is recorded in the same transaction), and
never moves a ticket backwards: an event older than the newest one applied is recorded and
ignored. Requester and assignee are matched to the directory by email; nobody found is fine,
the ticket keeps the email and no person. Events come in batches written in one transaction
(see `bot.flows.tickets.intake`), each with the outcome it would have had alone.

What changed is handed back as a small `TicketChange`, for whoever reacts to tickets (the
satisfaction survey, metrics) once the change is committed. Events from a service desk (not a
history import) also have the surveys their resolutions call for decided in the same
transaction, with their DMs recorded in the outbox (`bot.flows.csat.sending`), so no
resolution is committed without its survey, and a batch decides all of its surveys with a
few statements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from bot.chat.port import Profile
from bot.config import AppConfig
from bot.flows.csat.invitations import Decisions, Invited, Withdrawn
from bot.flows.csat.sending import survey_resolved_tickets, withdraw_reopened_tickets
from bot.flows.directory.people import upsert_profile
from bot.flows.tickets.sla import SlaPolicy
from bot.services import Services
from storage.once import first_deliveries
from storage.tickets import Ticket, TicketStatus, people_by_email, tickets_locked

MAX_EVENT_ID = 128
DELIVERY_SOURCE = "ticket"
"""How ticket events are marked in the table of processed deliveries."""
ATTEMPTS = 3
_DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
_RETRYABLE_STATES = ("40P01", "40001")
"""PostgreSQL's deadlock_detected and serialization_failure."""


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
    survey: Invited | None = None
    """The invitation a resolution recorded, if this change is the one to act on it."""
    withdrawn: Withdrawn | None = None
    """The invitation a reopening voided, if this change is the one to act on it."""


@dataclass(frozen=True)
class Inbound:
    """One event as delivered: from which source, and the key that makes a repeat the same."""

    source: str
    delivery: str
    event: TicketEvent


def delivery_key(event_id: str | None, content: bytes) -> str:
    """What makes a delivery the same as an earlier one: the desk's own event id when it gives
    one, else the content itself (a retried delivery is the same bytes)."""
    if event_id is not None and len(event_id) <= MAX_EVENT_ID:
        return f"id:{event_id}"
    return "sha256:" + hashlib.sha256(event_id.encode() if event_id else content).hexdigest()


async def ingest_ticket_events(services: Services, sla: SlaPolicy, inbound: Sequence[Inbound],
                               *, surveys: bool = False) -> list[Ingested]:
    """Apply the events in order, each once per delivery key, in one transaction; committed.
    A batch writer's step (see `bot.flows.tickets.intake`): it opens its own session, and
    asks a chat platform about unknown people only with none open.

    The outcome of each is what it would be had they come one by one. A concurrent writer
    (another replica, an import) creating one of the tickets or people first, or deadlocking
    with this batch, makes it start again. With `surveys`, the surveys of the tickets the
    batch resolves are decided, and their DMs recorded in the outbox, in the same transaction
    (and those of the tickets it reopens withdrawn).
    """
    profiles: dict[str, Profile | None] = {}
    async for attempt in AsyncRetrying(retry=retry_if_exception(_conflict),
                                       stop=stop_after_attempt(ATTEMPTS), reraise=True):
        with attempt:
            return await _ingest(services, sla, inbound, profiles, surveys)
    raise AssertionError("unreachable: the retry loop returns or raises")


def _conflict(exc: BaseException) -> bool:
    """A clash with a concurrent writer that trying again resolves."""
    if isinstance(exc, IntegrityError):
        return True
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, DBAPIError) and state in _RETRYABLE_STATES


class _UnknownPeople(Exception):
    def __init__(self, emails: list[str]):
        self.emails = emails


async def _ingest(services: Services, sla: SlaPolicy, inbound: Sequence[Inbound],
                  profiles: dict[str, Profile | None], surveys: bool) -> list[Ingested]:
    async with services.sessions() as session:
        try:
            return await _apply(session, services, sla, inbound, profiles, surveys)
        except _UnknownPeople as unknown:
            missing = unknown.emails
            await session.rollback()
    # Asked with no transaction open: a chat call must never hold SQLite's write lock.
    for email in missing:
        profiles[email] = await services.chat.profile_by_email(email)
    async with services.sessions() as session:
        return await _apply(session, services, sla, inbound, profiles, surveys)


async def _apply(session: AsyncSession, services: Services, sla: SlaPolicy,
                 inbound: Sequence[Inbound], profiles: Mapping[str, Profile | None],
                 surveys: bool) -> list[Ingested]:
    keys = [f"{item.source}:{item.delivery}" for item in inbound]
    unseen = await first_deliveries(session, DELIVERY_SOURCE, keys)
    fresh: list[int] = []
    for index, key in enumerate(keys):
        if key in unseen:
            unseen.discard(key)  # a repeat within the batch is a duplicate too
            fresh.append(index)
    tickets = await tickets_locked(session, {(inbound[index].source,
                                              inbound[index].event.external_id)
                                             for index in fresh})
    emails = [email for index in fresh for email in (inbound[index].event.requester_email,
                                                     inbound[index].event.assignee_email)
              if email is not None]
    people = await _people(session, services.settings.app, list(dict.fromkeys(emails)),
                           _worth_asking(tickets, [inbound[index] for index in fresh]),
                           profiles)
    applied: dict[int, tuple[Ticket, TicketChange | None]] = {}
    for index in fresh:
        item = inbound[index]
        event = item.event
        ticket = tickets.get((item.source, event.external_id))
        if ticket is not None and event.occurred_at < ticket.last_event_at:
            applied[index] = (ticket, None)
            continue
        before = None if ticket is None else ticket.status
        if ticket is None:
            ticket = Ticket(source=item.source, external_id=event.external_id,
                            opened_at=event.opened_at, last_event_at=event.occurred_at)
            session.add(ticket)
            tickets[(item.source, event.external_id)] = ticket
        if event.requester_email is not None:
            ticket.requester_id = people[event.requester_email]
        if event.assignee_email is not None:
            ticket.assignee_id = people[event.assignee_email]
        known = services.settings.app.service(event.service)
        if known is not None:  # the catalogue's name, so tickets and complaints agree
            event = replace(event, service=known.name)
        newly_resolved, reopened = apply_event(ticket, event, sla, before)
        applied[index] = (ticket, TicketChange(
            ticket_id=0, source=item.source, status_before=before, status_after=ticket.status,
            newly_resolved=newly_resolved, reopened=reopened))
    written = None
    if surveys:
        written = _Surveys()
        await written.write(session, services, [(ticket, change) for ticket, change
                                                in applied.values() if change is not None])
    await session.commit()
    return [_outcome(applied.get(index), written) for index in range(len(inbound))]


class _Surveys:
    """What a batch's resolutions and reopenings mean for surveys, written in its
    transaction, and handed to the first change of each ticket that calls for it."""

    def __init__(self) -> None:
        self.decided: Decisions = {}
        self.withdrawn: dict[int, Withdrawn] = {}
        self._handed: set[tuple[int, bool]] = set()

    async def write(self, session: AsyncSession, services: Services,
                    changes: Sequence[tuple[Ticket, TicketChange]]) -> None:
        resolved = [ticket for ticket, change in changes if change.newly_resolved]
        reopened = [ticket for ticket, change in changes if change.reopened]
        if not resolved and not reopened:
            return
        await session.flush()  # new tickets get their ids
        # Withdrawn first: a ticket reopened and resolved again in one batch keeps its
        # first (now void) invitation, as it would have event by event.
        self.withdrawn = await withdraw_reopened_tickets(session, services, _unique(reopened))
        self.decided = await survey_resolved_tickets(session, services, _unique(resolved))

    def outcome(self, ticket: Ticket, change: TicketChange) -> Ingested:
        assert ticket.id is not None
        stored = Ingested(Outcome.STORED, ticket.id, change)
        if change.newly_resolved and self._hand(ticket.id, resolved=True):
            return replace(stored, survey=self.decided.get(ticket.id))
        if change.reopened and self._hand(ticket.id, resolved=False):
            return replace(stored, withdrawn=self.withdrawn.get(ticket.id))
        return stored

    def _hand(self, ticket_id: int, *, resolved: bool) -> bool:
        """True the first time a ticket's decision (or withdrawal) is handed out."""
        key = (ticket_id, resolved)
        first = key not in self._handed
        self._handed.add(key)
        return first


def _unique(tickets: Sequence[Ticket]) -> list[Ticket]:
    return list({ticket.id: ticket for ticket in tickets}.values())


def _outcome(applied: tuple[Ticket, TicketChange | None] | None,
             surveys: _Surveys | None) -> Ingested:
    """What became of one event, once the batch is committed and new tickets have ids."""
    if applied is None:
        return Ingested(Outcome.DUPLICATE)
    ticket, change = applied
    assert ticket.id is not None
    if change is None:
        return Ingested(Outcome.STALE, ticket.id)
    change = replace(change, ticket_id=ticket.id)
    if surveys is None:
        return Ingested(Outcome.STORED, ticket.id, change)
    return surveys.outcome(ticket, change)


def _worth_asking(tickets: Mapping[tuple[str, str], Ticket],
                  inbound: Sequence[Inbound]) -> set[str]:
    """The emails a chat platform is asked about when the directory does not know them: all
    but one a stored ticket already holds in the same role (a ticket keeps its match, found or
    not, so its hundredth event asks nobody)."""
    emails = set()
    for item in inbound:
        ticket = tickets.get((item.source, item.event.external_id))
        held = (None, None) if ticket is None else (ticket.requester_email,
                                                    ticket.assignee_email)
        for email, same_role in zip((item.event.requester_email, item.event.assignee_email),
                                    held, strict=True):
            if email is not None and email != same_role:
                emails.add(email)
    return emails


async def _people(session: AsyncSession, app: AppConfig, emails: Sequence[str],
                  worth_asking: set[str],
                  profiles: Mapping[str, Profile | None]) -> dict[str, int | None]:
    """Each email's person id (None: nobody has it), from the directory or, for the emails
    worth asking about, the chat platforms' answers in `profiles`; raises `_UnknownPeople`
    with those not asked yet."""
    if not emails:
        return {}
    found: dict[str, int | None] = dict(await people_by_email(session, emails))
    missing = [email for email in emails
               if email not in found and email in worth_asking and email not in profiles]
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
