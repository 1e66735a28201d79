"""Sending surveys, withdrawing them and closing them: what happens to an invitation after
the ticket intake decided it (`bot.flows.csat.invitations`).

The ticket handler calls `survey_decided` once the batch that decided a survey is committed:
a survey due now is sent, and a requester the directory cannot reach by chat is looked for on
the chat platforms first, both in the background (`bot.background`), so the desk is not kept
waiting. That work is claimed in the database (the invitation's `claimed_at`, recorded with the
decision), so it is a claimed background job in the flow convention's terms: it opens its own
short sessions, one per step, and commits each before it talks to a chat platform. The
every-minute `send_due_surveys` sends what quiet hours held back and takes over the claims of
a replica that died (after `SEND_LEASE`); `expire_surveys` closes unanswered surveys after
`csat.expire_after_days`. `survey_withdrawn` updates the message of a survey a reopening
voided.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import MessageRef, Undeliverable
from bot.flows.csat import invitations
from bot.flows.csat.invitations import Invited, Withdrawn
from bot.flows.csat.survey import count, survey_message, update_quietly
from bot.flows.directory import people as directory
from bot.services import Services
from storage import csat as store
from storage.csat import InvitationStatus, SurveyInvitation
from storage.models import Person
from storage.tickets import Ticket

log = logging.getLogger(__name__)

SEND_LEASE = timedelta(minutes=10)
"""A sender that claimed an invitation and has not finished after this is taken to have died,
and the invitation is sent again: a survey sent twice after a crash at the wrong moment is
better than one never sent."""
BATCH = 200
"""Invitations one scheduled run sends or expires at most; the next run takes the rest."""
SEND_CONCURRENCY = 8
"""DMs one scheduled run has in flight at once (each person's DM is its own Slack channel, so
they do not share a per-channel rate limit; slack_sdk waits out a 429 on its own)."""


# ------------------------------------------------------------------ the ticket events


def survey_decided(services: Services, invited: Invited | None) -> None:
    """Act on a survey decision once it is committed: count it, send one due now, or look
    for a requester the directory could not reach by chat and then decide.

    Both go on in the background: the caller (the desk's webhook) is not held by a chat
    platform. The invitation is already claimed: if this replica dies first, the scheduled
    run takes it over once the claim's lease is over.
    """
    if invited is None:
        return  # decided before, or by another replica a moment ago
    if invited.status == InvitationStatus.LOOKUP:
        ticket = invited.ticket
        services.background.spawn(f"csat.lookup:{invited.id}",
                                  lambda: _look_up_and_settle(services, invited.id, ticket))
    elif invited.status != InvitationStatus.PENDING:
        count(services, invited.status, invited.reason)
    elif not invited.claimed:
        count(services, "deferred", "quiet_hours")
    elif invited.person is not None:
        person, ticket = invited.person, invited.ticket
        services.background.spawn(f"csat.send:{invited.id}",
                                  lambda: _send(services, invited.id, person, ticket))


async def _look_up_and_settle(services: Services, invitation_id: int, ticket: Ticket) -> None:
    """Find the requester of an invitation claimed for its look-up, then record and act on
    its decision."""
    person, unreachable = await _requester(services, ticket)
    async with services.sessions() as session:
        if person is not None:
            # Locked, as `decide_surveys` locks: the fatigue check is serialised per person.
            person = (await store.requesters_locked(session, [person.id])).get(person.id)
        invited = await invitations.settle(session, services.settings.app.csat, invitation_id,
                                           ticket, person, unreachable, services.clock())
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
        person = await directory.add_profile(services.sessions, services.settings.app, profile)
    return person, None


def survey_withdrawn(services: Services, withdrawn: Withdrawn | None) -> None:
    """Act on a withdrawal committed with a reopening (`withdraw_surveys`): count it, and
    update the survey message to say so, in the background (the withdrawal stands whatever
    the platform does)."""
    if withdrawn is None:
        return
    count(services, InvitationStatus.VOID, "reopened")
    if withdrawn.message_ref:
        ref = MessageRef.from_json(withdrawn.message_ref)
        message = survey_message("void", withdrawn.ticket, withdrawn.id)

        async def say_withdrawn() -> None:
            async with services.sessions() as session:
                await update_quietly(session, services, ref, message)

        services.background.spawn(f"csat.withdraw:{withdrawn.id}", say_withdrawn)


# ------------------------------------------------------------------ sending and expiring


async def _deliver(services: Services, invitation_id: int) -> None:
    """Send a due pending invitation, once. A failure that may pass leaves it pending for the
    next scheduled run; a requester who cannot be reached marks it unreachable."""
    now = services.clock()
    async with services.sessions() as session:
        claimed = await store.claim(session, invitation_id, now, SEND_LEASE)
        invitation = await session.get(SurveyInvitation, invitation_id) if claimed else None
        person = (await session.get(Person, invitation.person_id)
                  if invitation and invitation.person_id else None)
        ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
        await session.commit()
    if invitation is None or person is None or ticket is None:
        return
    await _send(services, invitation_id, person, ticket)


async def _send(services: Services, invitation_id: int, person: Person, ticket: Ticket) -> None:
    """Send an invitation this caller claimed, and record how that went."""
    try:
        ref = await services.chat.send_dm(person, survey_message("invite", ticket, invitation_id))
    except Undeliverable as error:
        log.info("csat: invitation %s cannot be delivered (%s)", invitation_id, error)
        async with services.sessions() as session:
            moved = await store.transition(session, invitation_id, InvitationStatus.PENDING,
                                           status=InvitationStatus.UNREACHABLE,
                                           reason="undeliverable")
            await session.commit()
        if moved:
            count(services, InvitationStatus.UNREACHABLE, "undeliverable")
        return
    except Exception as error:
        log.warning("csat: sending invitation %s failed (%s); the next run tries again",
                    invitation_id, type(error).__name__)
        async with services.sessions() as session:
            await store.transition(session, invitation_id, InvitationStatus.PENDING,
                                   claimed_at=None)
            await session.commit()
        return
    sent_at = services.clock()
    async with services.sessions() as session:
        sent = await store.transition(
            session, invitation_id, InvitationStatus.PENDING, status=InvitationStatus.SENT,
            sent_at=sent_at, message_ref=ref.to_json(),
            expires_at=sent_at + timedelta(days=services.settings.app.csat.expire_after_days))
        status = InvitationStatus.SENT
        if not sent:
            # Answered by a quick click on the message just sent, or reopened while it was
            # being sent: keep the reference either way.
            await store.keep_sent_ref(session, invitation_id, ref.to_json(), sent_at)
            status = await store.status_of(session, invitation_id)
        if status != InvitationStatus.VOID:
            await session.commit()
            count(services, InvitationStatus.SENT, "")
        else:
            await update_quietly(session, services, ref,
                                 survey_message("void", ticket, invitation_id))


async def send_due_surveys(services: Services) -> None:
    """Send every invitation whose quiet hours are over (or whose sending failed before), and
    finish the look-ups of replicas that died, `SEND_CONCURRENCY` at a time: a morning's
    worth of surveys held overnight goes out in minutes, not one platform round trip after
    another. A claimed scheduled run: each invitation is claimed, and sent, in sessions of
    its own."""
    now = services.clock()
    async with services.sessions() as session:
        due = await store.due_for_sending(session, now, BATCH)
        orphans = []
        for invitation_id in await store.reclaim_lookups(session, now, SEND_LEASE, BATCH):
            invitation = await session.get(SurveyInvitation, invitation_id)
            ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
            if ticket is not None:
                orphans.append((invitation_id, ticket))
        await session.commit()
    slots = asyncio.Semaphore(SEND_CONCURRENCY)

    async def one(work: Awaitable[None]) -> None:
        async with slots:
            await work

    await asyncio.gather(*(one(_deliver(services, invitation_id)) for invitation_id in due),
                         *(one(_look_up_and_settle(services, invitation_id, ticket))
                           for invitation_id, ticket in orphans))


async def expire_surveys(session: AsyncSession, services: Services) -> None:
    """Close unanswered surveys past their expiry, updating each message to say so."""
    due = await store.due_for_expiry(session, services.clock(), BATCH)
    for invitation_id in due:
        expired = await store.transition(session, invitation_id, InvitationStatus.SENT,
                                         status=InvitationStatus.EXPIRED)
        invitation = await session.get(SurveyInvitation, invitation_id)
        ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
        if not expired or invitation is None or ticket is None:
            continue
        count(services, InvitationStatus.EXPIRED, "")
        if invitation.message_ref:
            await update_quietly(session, services, MessageRef.from_json(invitation.message_ref),
                                 survey_message("closed", ticket, invitation_id))
