"""Who is asked about which resolved ticket, and when: the CSAT fatigue rules, decided and
recorded as survey invitations inside the caller's transaction; and the withdrawal of a survey
when its ticket is reopened.

`decide_surveys` takes the tickets a batch of ticket events resolved and records their
invitations with a handful of statements however many there are, in the same transaction as
the resolutions (see `bot.flows.tickets.ingest`): a resolution is never committed without its
survey decision. `withdraw_surveys` does the same for reopenings. What cannot be decided inside a
transaction is recorded as waiting for a look-up: a requester the directory cannot reach by
chat must first be looked for on the chat platforms, which `bot.flows.csat.sending` does once
the transaction is over, and then `settle` records the decision in that row. The row is
claimed, so a replica that dies before settling it leaves it to the every-minute job. A
survey held during an incident (`hold_surveys`, see `bot.flows.csat.holding`) is recorded
with nothing decided, and `release_held` decides it later under the same rules.

The rules (app.yaml ``csat:``): one survey per person in `min_days_between` days (checked with
the people's rows locked, so two replicas resolving tickets of one person cannot both pass; a
batch counts its own decisions too), one ticket in `sample_one_in` (by a hash of the ticket's
source and number, so every replica agrees), quiet hours in the person's own time zone (the
invitation's `send_after`, which is when its DM is due in the outbox).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Csat, QuietHours
from storage import csat as store
from storage import directory
from storage.csat import InvitationStatus
from storage.models import Person
from storage.tickets import Ticket, TicketStatus


@dataclass(frozen=True)
class Invited:
    """An invitation just recorded for `ticket`."""

    id: int
    status: str
    reason: str | None
    due_at: datetime | None
    """Pending: when its DM is due (now, or the end of the person's quiet hours)."""
    ticket: Ticket
    person: Person | None


@dataclass(frozen=True)
class Withdrawn:
    """An unanswered invitation just voided because `ticket` was reopened."""

    id: int
    ticket: Ticket
    had_dm: bool
    """Its DM was recorded in the outbox (sent, or waiting to be)."""


Decisions = dict[int, Invited | None]
"""By ticket id: the invitation recorded, or None when the ticket's survey was decided before
(by an earlier resolution, or by another replica a moment ago)."""


async def decide_surveys(session: AsyncSession, config: Csat, tickets: Sequence[Ticket],
                         now: datetime) -> Decisions:
    """Decide the surveys of `tickets`, resolved in this transaction (they have ids), and
    record them in it. Tickets open again are left out; a ticket whose requester has to be
    looked up on a chat platform first (see `needs_look_up`) is recorded as waiting for that,
    claimed by the caller."""
    before, undecided = await _undecided(session, tickets)
    if not before and not undecided:
        return {}
    requesters = {ticket.requester_id for ticket in undecided if ticket.requester_id is not None}
    people = await store.requesters_locked(session, requesters) if config.enabled else {}
    ready, waiting = [], []
    for ticket in undecided:
        person = people.get(ticket.requester_id) if ticket.requester_id is not None else None
        if config.enabled and needs_look_up(ticket, person):
            waiting.append(ticket)
        else:
            ready.append((ticket, person, None))
    rows, planned = await _plan(session, config, ready, now)
    for ticket in waiting:
        rows.append(_row(ticket, None, InvitationStatus.LOOKUP, None, None, now, claimed=True))
        planned[ticket.id] = (InvitationStatus.LOOKUP, None, None, ticket, None)
    recorded = await store.record_invitations(session, rows)
    decided: Decisions = dict.fromkeys(before)
    decided |= {ticket_id: (Invited(recorded[ticket_id], *planned[ticket_id])
                            if ticket_id in recorded else None) for ticket_id in planned}
    return decided


async def _undecided(session: AsyncSession, tickets: Sequence[Ticket]
                     ) -> tuple[set[int], list[Ticket]]:
    """Of the tickets still resolved: the ids of those decided before, and the others."""
    done = [ticket for ticket in tickets if ticket.status != TicketStatus.OPEN]
    if not done:
        return set(), []
    before = await store.tickets_with_invitations(session, [ticket.id for ticket in done])
    return before, [ticket for ticket in done if ticket.id not in before]


async def hold_surveys(session: AsyncSession, tickets: Sequence[Ticket], now: datetime
                       ) -> Decisions:
    """Record the surveys of `tickets`, resolved in this transaction during an incident on
    their service, as held: nothing decided yet, no DM (see `release_held`)."""
    before, undecided = await _undecided(session, tickets)
    recorded = await store.record_invitations(session, [
        _row(ticket, None, InvitationStatus.HELD, HELD_REASON, None, now, claimed=False)
        for ticket in undecided])
    decided: Decisions = dict.fromkeys(before)
    decided |= {ticket.id: (Invited(recorded[ticket.id], InvitationStatus.HELD, HELD_REASON,
                                    None, ticket, None) if ticket.id in recorded else None)
                for ticket in undecided}
    return decided


async def release_held(session: AsyncSession, config: Csat,
                       held: Sequence[tuple[int, Ticket]], now: datetime,
                       look_up_claimed_at: datetime) -> list[Invited]:
    """Decide the held invitations `held` ((id, ticket) each) as a resolution `now` would:
    the same rules, quiet hours and throttle counted from now. A requester to be looked up
    first is left to whoever takes over look-ups, as claimed at `look_up_claimed_at`. Each
    moves only from held, so of two replicas releasing one, one does; those this call
    released."""
    requesters = {ticket.requester_id for _id, ticket in held if ticket.requester_id is not None}
    people = await store.requesters_locked(session, requesters) if config.enabled else {}
    ids, ready, released = {}, [], []
    for invitation_id, ticket in held:
        person = people.get(ticket.requester_id) if ticket.requester_id is not None else None
        if config.enabled and needs_look_up(ticket, person):
            if await store.transition(session, invitation_id, InvitationStatus.HELD,
                                      status=InvitationStatus.LOOKUP, reason=None,
                                      claimed_at=look_up_claimed_at):
                released.append(Invited(invitation_id, InvitationStatus.LOOKUP, None, None,
                                        ticket, None))
        else:
            ids[ticket.id] = invitation_id
            ready.append((ticket, person, None))
    rows, planned = await _plan(session, config, ready, now)
    for row in rows:
        ticket_id = row.pop("ticket_id")
        del row["created_at"]  # when it was held stays
        if await store.transition(session, ids[ticket_id], InvitationStatus.HELD, **row):
            released.append(Invited(ids[ticket_id], *planned[ticket_id]))
    return released


async def withdraw_surveys(session: AsyncSession, tickets: Sequence[Ticket]
                           ) -> dict[int, Withdrawn]:
    """Void the unanswered invitations of `tickets`, reopened in this transaction; by ticket
    id, those voided."""
    by_id = {ticket.id: ticket for ticket in tickets if ticket.id is not None}
    voided = await store.void_open(session, list(by_id), reason="reopened")
    return {ticket_id: Withdrawn(invitation_id, by_id[ticket_id], send_after is not None)
            for invitation_id, ticket_id, send_after in voided}


def needs_look_up(ticket: Ticket, person: Person | None) -> bool:
    """Whether the requester is to be looked for on the chat platforms, by email, before
    deciding: nobody on file, or nobody with a chat account, and an email to ask about."""
    email = ticket.requester_email or (person.email if person else None)
    return bool(email) and (person is None or not (person.slack_user_id or person.teams_user_id))


async def requester_on_file(session: AsyncSession, ticket: Ticket) -> Person | None:
    """The requester as the directory has them, by id or else by email."""
    if ticket.requester_id is not None:
        person = await session.get(Person, ticket.requester_id)
        if person is not None:
            return person
    if not ticket.requester_email:
        return None
    return await directory.find_by_email(session, ticket.requester_email)


async def settle(session: AsyncSession, config: Csat, invitation_id: int, ticket: Ticket,
                 person: Person | None, unreachable: str | None, now: datetime
                 ) -> Invited | None:
    """Record the decision of an invitation that waited for its requester to be looked up
    (`person` locked by the caller, or None and why); None when another replica settled it."""
    rows, planned = await _plan(session, config, [(ticket, person, unreachable)], now)
    [row] = rows
    if not await store.transition(session, invitation_id, InvitationStatus.LOOKUP, **row):
        return None
    return Invited(invitation_id, *planned[ticket.id])


HELD_REASON = "incident"
"""Why an invitation is held: an open incident affected its ticket's service."""

_Plan = tuple[str, str | None, datetime | None, Ticket, Person | None]
"""status, reason, when due, ticket and the person asked: an `Invited` without its id."""


async def _plan(session: AsyncSession, config: Csat,
                requests: Sequence[tuple[Ticket, Person | None, str | None]],
                now: datetime) -> tuple[list[dict[str, Any]], dict[int, _Plan]]:
    """The invitation rows to record for each (ticket, requester or None, why nobody), and
    the plan of each by ticket id."""
    if config.enabled and config.min_days_between and requests:
        since = now - timedelta(days=config.min_days_between)
        recent = await store.people_surveyed_since(
            session, {person.id for _ticket, person, _why in requests if person is not None},
            since)
    else:
        recent = None
    rows, planned = [], {}
    for ticket, person, unreachable in requests:
        status, reason, at = _decide(config, ticket, person, unreachable, recent, now)
        if status == InvitationStatus.PENDING and person is not None and recent is not None:
            recent.add(person.id)  # the next ticket of theirs in this batch is throttled
        surveyed = person if status != InvitationStatus.UNREACHABLE else None
        rows.append(_row(ticket, surveyed, status, reason, at, now, claimed=False))
        planned[ticket.id] = (status, reason, at, ticket, surveyed)
    return rows, planned


def _row(ticket: Ticket, person: Person | None, status: str, reason: str | None,
         at: datetime | None, now: datetime, *, claimed: bool) -> dict[str, Any]:
    return {"ticket_id": ticket.id, "person_id": person.id if person else None,
            "status": status, "reason": reason, "created_at": now, "send_after": at,
            "claimed_at": now if claimed else None}


def _decide(config: Csat, ticket: Ticket, person: Person | None, unreachable: str | None,
            recent: set[int] | None, now: datetime) -> tuple[str, str | None, datetime | None]:
    """(status, reason, send_after) for a new invitation; `recent`: the people surveyed
    within `min_days_between` days (None: no such limit)."""
    if not config.enabled:
        return InvitationStatus.SKIPPED, "disabled", None
    if person is None:
        return InvitationStatus.UNREACHABLE, unreachable or "unknown_requester", None
    if not person.active:
        return InvitationStatus.UNREACHABLE, "inactive", None
    if not sampled_in(ticket.source, ticket.external_id, config.sample_one_in):
        return InvitationStatus.SKIPPED, "sampled_out", None
    if recent is not None and person.id in recent:
        return InvitationStatus.SKIPPED, "throttled", None
    return InvitationStatus.PENDING, None, send_after(now, person.tz, config.quiet_hours)


def sampled_in(source: str, external_id: str, one_in: int) -> bool:
    """Whether a ticket is in the sample: the same answer on every replica and every run."""
    if one_in <= 1:
        return True
    digest = hashlib.sha256(f"{source}\x00{external_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % one_in == 0


def send_after(now: datetime, tz: str, quiet: QuietHours | None) -> datetime:
    """When a survey may go to someone in zone `tz`: now, or at the end of their quiet hours."""
    if quiet is None:
        return now
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    clock = local.time()
    if quiet.start < quiet.end:
        quiet_now, wake_day = quiet.start <= clock < quiet.end, local.date()
    else:  # overnight, such as 20:00 to 08:00
        quiet_now = clock >= quiet.start or clock < quiet.end
        wake_day = local.date() + timedelta(days=1) if clock >= quiet.start else local.date()
    if not quiet_now:
        return now
    return datetime.combine(wake_day, quiet.end, tzinfo=zone).astimezone(UTC)
