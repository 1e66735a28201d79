"""Sending surveys, withdrawing them and closing them: what happens to an invitation after
the ticket intake decided it (`bot.flows.csat.invitations`).

Every survey DM goes through the outbox under `survey_key(invitation)`, recorded in the
transaction that decides the survey: the ticket intake's batch (`survey_resolved_tickets`),
or the look-up of a requester the directory could not reach by chat. It is due at once, or
at the end of the person's quiet hours (`due_at`). Its later states (the thank-you, closed,
withdrawn) are updates of the same key, so a click that comes before the outbox has recorded
where the DM went still counts and is still shown. The outbox sends, retries and, after a
crash, looks the DM up by its key before sending it again.

The look-up is the one piece of work done in the background (`bot.background`), once the
batch is committed, so the desk is not kept waiting on a chat platform: the invitation is
recorded as a claimed look-up, and a claimed background job opens its own short sessions.
Surveys held during an incident (`bot.flows.csat.holding`) are released by
`release_held_surveys`. The every-minute `send_due_surveys` releases those left, notes in
each invitation what the outbox did with its DM (sent, with when, which starts its expiry;
or unreachable), and takes over the look-ups of a replica that died (after `LOOKUP_LEASE`);
`expire_surveys` closes unanswered surveys after
`csat.expire_after_days`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.flows.board.changes import home_changed
from bot.flows.csat import holding, invitations
from bot.flows.csat.invitations import Decisions, Invited, Withdrawn
from bot.flows.csat.survey import count, survey_message
from bot.flows.directory import people as directory
from bot.services import Services
from storage import csat as store
from storage.csat import InvitationStatus, SurveyInvitation, survey_key
from storage.models import Person
from storage.tickets import Ticket

log = logging.getLogger(__name__)

LOOKUP_LEASE = timedelta(minutes=10)
"""A replica that claimed a requester's look-up and has not finished after this is taken to
have died, and another one looks."""
BATCH = 200
"""Invitations noted per transaction, and expired per run (the next run takes the rest)."""
LOOKUP_CONCURRENCY = 8
"""Look-ups one scheduled run has in flight at once."""


# ------------------------------------------------------------------ the ticket events


async def survey_resolved_tickets(session: AsyncSession, services: Services,
                                  tickets: Sequence[Ticket]) -> Decisions:
    """Decide the surveys of `tickets`, resolved in this transaction, and record the DM of
    each one due (now or after quiet hours) in the outbox, in the same transaction."""
    held, tickets = await holding.hold(session, services, tickets)
    decided = await invitations.decide_surveys(session, services.settings.app.csat, tickets,
                                               services.clock())
    for invited in decided.values():
        if invited is not None:
            await _record_dm(session, services, invited)
    return held | decided


async def release_held_surveys(session: AsyncSession, services: Services) -> int:
    """Decide the surveys held while an incident affected their service, if none affects it
    now, and record the DM of each one due in the outbox, in the caller's transaction: its
    expiry counts from when that DM goes out. A held invitation moves once, whichever
    replica or run releases it; how many this call released."""
    released = await holding.releasable(session, services, LOOKUP_LEASE)
    for invited in released:
        await _record_dm(session, services, invited)
        if invited.status != InvitationStatus.LOOKUP:  # a look-up is counted once settled
            survey_decided(services, invited)
    return len(released)


async def _record_dm(session: AsyncSession, services: Services, invited: Invited) -> None:
    if invited.status == InvitationStatus.PENDING and invited.person is not None:
        await services.outbox.send_dm(
            session, invited.person, survey_message("invite", invited.ticket, invited.id,
                                                 question=services.settings.app.csat.question),
            key=survey_key(invited.id), due_at=invited.due_at)
        await home_changed(session, services, [invited.person.id])


async def withdraw_reopened_tickets(session: AsyncSession, services: Services,
                                    tickets: Sequence[Ticket]) -> dict[int, Withdrawn]:
    """Withdraw the unanswered surveys of `tickets`, reopened in this transaction: a DM not
    sent yet (quiet hours) never is; one out, or going out now, says so in place, and counts
    as a survey sent (the one-survey-per-period rule)."""
    withdrawn = await invitations.withdraw_surveys(session, tickets)
    for voided in withdrawn.values():
        key = survey_key(voided.id)
        if not voided.had_dm or await services.outbox.cancel(session, key,
                                                             "the ticket was reopened"):
            continue
        dm = (await store.survey_dms(session, [voided.id])).get(voided.id)
        if dm is not None and dm.failure is None:
            await store.mark_withdrawn_sent(session, voided.id, dm.sent_at or services.clock())
            await services.outbox.edit(session, key,
                                         survey_message("void", voided.ticket, voided.id))
    return withdrawn


def survey_decided(services: Services, invited: Invited | None) -> None:
    """Act on a survey decision once it is committed: count it, and look for a requester the
    directory could not reach by chat, in the background (the desk's webhook is not held by
    a chat platform); the look-up is claimed, so if this replica dies first, the scheduled
    run takes it over once the claim's lease is over."""
    if invited is None:
        return  # decided before, or by another replica a moment ago
    if invited.status == InvitationStatus.LOOKUP:
        ticket = invited.ticket
        services.background.spawn(f"csat.lookup:{invited.id}",
                                  lambda: _look_up_and_settle(services, invited.id, ticket))
    elif invited.status != InvitationStatus.PENDING:
        count(services, invited.status, invited.reason)
    elif invited.due_at is not None and invited.due_at > services.clock():
        count(services, "deferred", "quiet_hours")


def survey_withdrawn(services: Services, withdrawn: Withdrawn | None) -> None:
    """Count a withdrawal committed with a reopening (`withdraw_reopened_tickets`)."""
    if withdrawn is not None:
        count(services, InvitationStatus.VOID, "reopened")


async def _look_up_and_settle(services: Services, invitation_id: int, ticket: Ticket) -> None:
    """Find the requester of an invitation claimed for its look-up, then record its decision
    and its DM, and act on it."""
    person, unreachable = await _requester(services, ticket)
    async with services.sessions() as session:
        if person is not None:
            # Locked, as `decide_surveys` locks: the fatigue check is serialised per person.
            person = (await store.requesters_locked(session, [person.id])).get(person.id)
        invited = await invitations.settle(session, services.settings.app.csat, invitation_id,
                                           ticket, person, unreachable, services.clock())
        if invited is not None:
            await _record_dm(session, services, invited)
        await session.commit()
    survey_decided(services, invited)


async def _requester(services: Services, ticket: Ticket) -> tuple[Person | None, str | None]:
    """The person to ask, or None and why not: from the directory by id or email, else from
    the chat platforms by email (added to the directory, or joined to the row with that email
    when the directory knew the email but no chat account). No transaction is held across
    the platform's answer."""
    async with services.sessions() as session:
        person = await invitations.requester_on_file(session, ticket)
        await session.commit()
    if not invitations.needs_look_up(ticket, person):
        return person, None
    email = ticket.requester_email or (person.email if person else "") or ""
    try:
        profile = await services.chat.profile_by_email(email.strip().lower())
    except Exception as error:
        log.warning("csat: looking up the requester of ticket %s failed (%s)", ticket.id,
                    type(error).__name__)
        return None, "lookup_failed"
    if profile is not None:
        async with services.sessions() as session:
            person = await directory.add_profile(session, services.settings.app, profile)
            await session.commit()
    return person, None


# ------------------------------------------------------------------ every minute, and expiry


async def send_due_surveys(services: Services) -> None:
    """Note what the outbox did with the survey DMs due (sent, or unreachable), record the DM
    of a due invitation that has none in the outbox (decided by a version of Touchpoint that
    sent DMs itself), and finish the look-ups of replicas that died, `LOOKUP_CONCURRENCY` at
    a time. A claimed scheduled run: a session per page of invitations, then the look-ups'."""
    async with services.sessions() as session:
        await release_held_surveys(session, services)
        await session.commit()
    now, after = services.clock(), None
    while True:
        async with services.sessions() as session:
            page = await store.pending_due(session, now, after, BATCH)
            await _note_surveys_out(session, services, [row_id for _due, row_id in page])
            await session.commit()
        if len(page) < BATCH:
            break
        after = page[-1]
    async with services.sessions() as session:
        orphans = []
        for invitation_id in await store.reclaim_lookups(session, now, LOOKUP_LEASE, BATCH):
            invitation = await session.get(SurveyInvitation, invitation_id)
            ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
            if ticket is not None:
                orphans.append((invitation_id, ticket))
        await session.commit()
    slots = asyncio.Semaphore(LOOKUP_CONCURRENCY)

    async def one(work: Awaitable[None]) -> None:
        async with slots:
            await work

    await asyncio.gather(*(one(_look_up_and_settle(services, invitation_id, ticket))
                           for invitation_id, ticket in orphans))


async def _note_surveys_out(session: AsyncSession, services: Services,
                            invitation_ids: Sequence[int]) -> None:
    """What the outbox did with these pending invitations' DMs, noted in each."""
    expire_after = timedelta(days=services.settings.app.csat.expire_after_days)
    dms = await store.survey_dms(session, invitation_ids)
    for invitation_id in invitation_ids:
        dm = dms.get(invitation_id)
        if dm is None:
            await _record_missing_dm(session, services, invitation_id)
        elif dm.sent_at is not None:
            if await store.transition(session, invitation_id, InvitationStatus.PENDING,
                                      status=InvitationStatus.SENT, sent_at=dm.sent_at,
                                      expires_at=dm.sent_at + expire_after):
                count(services, InvitationStatus.SENT, "")
        elif dm.failure is not None:
            reason = "undeliverable" if dm.failure.startswith("unreachable") else "send_failed"
            log.info("csat: invitation %s was not delivered (%s)", invitation_id, dm.failure)
            if await store.transition(session, invitation_id, InvitationStatus.PENDING,
                                      status=InvitationStatus.UNREACHABLE, reason=reason):
                count(services, InvitationStatus.UNREACHABLE, reason)


async def _record_missing_dm(session: AsyncSession, services: Services,
                             invitation_id: int) -> None:
    invitation = await session.get(SurveyInvitation, invitation_id)
    ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
    person = (await session.get(Person, invitation.person_id)
              if invitation and invitation.person_id else None)
    if invitation is None or ticket is None or person is None:
        # Nobody to send it to (cannot happen to a pending invitation, short of a row
        # deleted by hand): it is given up, not looked at again every minute.
        await store.transition(session, invitation_id, InvitationStatus.PENDING,
                               status=InvitationStatus.UNREACHABLE, reason="unknown_requester")
        return
    await services.outbox.send_dm(session, person,
                                  survey_message("invite", ticket, invitation_id,
                                                 question=services.settings.app.csat.question),
                                  key=survey_key(invitation_id), due_at=invitation.send_after)


async def expire_surveys(session: AsyncSession, services: Services) -> None:
    """Close unanswered surveys past their expiry, each message saying so in place."""
    for invitation_id in await store.due_for_expiry(session, services.clock(), BATCH):
        if not await store.transition(session, invitation_id, InvitationStatus.SENT,
                                      status=InvitationStatus.EXPIRED):
            continue
        invitation = await session.get(SurveyInvitation, invitation_id)
        ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
        count(services, InvitationStatus.EXPIRED, "")
        if ticket is not None:
            await services.outbox.edit(session, survey_key(invitation_id),
                                         survey_message("closed", ticket, invitation_id))
