"""A complaint's life after filing: assign, acknowledge, resolve, escalate, reply, and the
complainant's answer to "are you satisfied?" (No reopens it, Yes closes it).

Every change is checked here, on the server: IT staff act on complaints, only the complainant
answers for themselves, and each change must start from a status it is allowed from. The
complaint row is locked while it changes (FOR UPDATE on PostgreSQL; SQLite's transactions
are serial), the change and its audit event (who, when, from, to, note) commit together, and
only then are the triage card updated and the complainant told in their DM thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import MessageRef, Origin, Undeliverable
from bot.config import Role
from bot.flows.business_time import BusinessCalendar
from bot.flows.complaints import cards, forms
from bot.flows.complaints.answers import is_staff, open_form, refuse, refused_unless_staff
from bot.flows.complaints.filing import deadlines
from bot.services import Services
from storage import audit
from storage.complaints import (
    SUBJECT,
    Complaint,
    Parties,
    Status,
    by_number,
    parties,
    people_with_roles,
    person_by_id,
)
from storage.models import Person

log = logging.getLogger(__name__)

STAFF_ROLES = (Role.IT_STAFF.value, Role.IT_LEAD.value, Role.ADMIN.value)
LEAD_ROLES = (Role.IT_LEAD.value, Role.ADMIN.value)


def business_seconds(services: Services, start: datetime, end: datetime) -> int:
    calendar = BusinessCalendar.from_config(services.settings.app.organisation)
    return int(calendar.between(start, end).total_seconds())


async def _editable(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                    number: str, allowed: Iterable[str]) -> Complaint | None:
    """The complaint, locked, when IT staff may change it from its status now; else None
    after telling the actor why not."""
    if await refused_unless_staff(session, services, actor, origin, number):
        return None
    complaint = await by_number(session, number, lock=True)
    if complaint is None:
        await refuse(session, services, origin, "not_found", number=number)
        return None
    if complaint.status not in allowed:
        await refuse(session, services, origin, "wrong_status", number=complaint.number,
                     status=complaint.status)
        return None
    return complaint


async def complaint_assign_start(session: AsyncSession, services: Services, actor: Person,
                                 origin: Origin, number: str) -> None:
    """The form to pick the complaint's owner from the active IT staff."""
    if await refused_unless_staff(session, services, actor, origin, number):
        return
    staff = await people_with_roles(session, STAFF_ROLES)
    await open_form(session, services, origin, forms.assign_form(number, staff))


async def complaint_resolve_start(session: AsyncSession, services: Services, actor: Person,
                                  origin: Origin, number: str) -> None:
    """The form asking how the complaint was resolved, and why it happened."""
    if await refused_unless_staff(session, services, actor, origin, number):
        return
    await open_form(session, services, origin,
                     forms.resolve_form(services.settings.app.complaints, number))


async def complaint_reply_start(session: AsyncSession, services: Services, actor: Person,
                                origin: Origin, number: str) -> None:
    """The form for writing to the complainant through the bot."""
    if await refused_unless_staff(session, services, actor, origin, number):
        return
    await open_form(session, services, origin, forms.reply_form(number))


def _record(session: AsyncSession, complaint: Complaint, actor_id: int | None, action: str,
            before: str, **detail: object) -> None:
    audit.record(session, actor_id=actor_id, action=action, subject_type=SUBJECT,
                 subject_id=complaint.number, **{"from": before, "to": complaint.status},
                 **detail)


def _acknowledge(services: Services, complaint: Complaint, actor: Person, now: datetime
                 ) -> None:
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = now
        complaint.acknowledge_business_s = business_seconds(services, complaint.created_at, now)
    if complaint.owner_id is None:
        complaint.owner_id = actor.id


async def publish(services: Services, complaint: Complaint, who: Parties, *,
                  notice: Message | None = None, thread: Message | None = None) -> None:
    """Show a committed change: the triage cards updated in place, `notice` in the
    complainant's DM thread, `thread` as a reply under the triage cards."""
    now = services.clock()
    staff_context = cards.complaint_context(complaint, who.complainant, who.owner, now=now,
                                            tz=services.settings.app.organisation.timezone)
    card = cards.triage_card(staff_context)
    for raw in complaint.triage_refs:
        ref = MessageRef(**raw)
        # The change is committed: a card that cannot be shown now is logged, not fatal
        # (the person acting must not be told that nothing was saved).
        try:
            await services.chat.update(ref, card)
            if thread is not None:
                await services.chat.reply_in_thread(ref, thread)
        except Exception:
            log.exception("complaint %s: the triage card on %s could not be updated",
                          complaint.number, ref.platform)
    if notice is not None:
        await tell_complainant(services, complaint, who.complainant, notice)


async def tell_complainant(services: Services, complaint: Complaint, complainant: Person,
                           message: Message) -> None:
    """In the thread under their receipt, else (no receipt was delivered) as a new DM."""
    try:
        if complaint.dm_ref:
            await services.chat.reply_in_thread(MessageRef.from_json(complaint.dm_ref), message)
        else:
            await services.chat.send_dm(complainant, message)
    except Undeliverable:
        log.warning("complaint %s: the complainant could not be told", complaint.number)
    except Exception:
        log.exception("complaint %s: telling the complainant failed", complaint.number)


async def tell(services: Services, people: Iterable[Person], message: Message) -> int:
    """DM each person; how many could be reached."""
    reached = 0
    for person in people:
        try:
            await services.chat.send_dm(person, message)
            reached += 1
        except Undeliverable:
            log.warning("person %s could not be reached", person.id)
        except Exception:
            log.exception("messaging person %s failed", person.id)
    return reached


def notice_for(services: Services, complaint: Complaint, who: Parties, event: str,
                **extra: object) -> Message:
    context = cards.complaint_context(complaint, who.complainant, who.owner,
                                      now=services.clock(), tz=who.complainant.tz)
    return cards.complainant_notice(context, event, **extra)


def staff_message(services: Services, complaint: Complaint, who: Parties, event: str,
                   tz: str | None = None, **extra: object) -> Message:
    context = cards.complaint_context(
        complaint, who.complainant, who.owner, now=services.clock(),
        tz=tz or services.settings.app.organisation.timezone)
    return cards.staff_notice(context, event, **extra)


async def complaint_assign(session: AsyncSession, services: Services, actor: Person,
                           origin: Origin, number: str, owner_id: int | None = None) -> None:
    """Give the complaint an owner (the actor unless named); it is then in progress."""
    complaint = await _editable(session, services, actor, origin, number, Status.OPEN)
    if complaint is None:
        return
    owner = actor if owner_id is None else await person_by_id(session, owner_id)
    if owner is None or not owner.active or not is_staff(owner):
        await refuse(session, services, origin, "not_assignable", number=complaint.number)
        return
    now = services.clock()
    before = complaint.status
    _acknowledge(services, complaint, owner, now)
    complaint.owner_id = owner.id
    complaint.status = Status.IN_PROGRESS
    _record(session, complaint, actor.id, "assigned", before, owner_id=owner.id)
    who = await parties(session, complaint)
    await session.commit()
    services.metrics.complaints.labels("assigned").inc()
    await publish(services, complaint, who,
                  notice=notice_for(services, complaint, who, "in_progress"))
    if owner.id != actor.id:
        await tell(services, [owner], staff_message(services, complaint, who, "assigned",
                                                     tz=owner.tz, by=actor.display_name))


async def complaint_acknowledge(session: AsyncSession, services: Services, actor: Person,
                                origin: Origin, number: str) -> None:
    complaint = await _editable(session, services, actor, origin, number, (Status.NEW,))
    if complaint is None:
        return
    before = complaint.status
    _acknowledge(services, complaint, actor, services.clock())
    complaint.status = Status.ACKNOWLEDGED
    _record(session, complaint, actor.id, "acknowledged", before)
    who = await parties(session, complaint)
    await session.commit()
    services.metrics.complaints.labels("acknowledged").inc()
    await publish(services, complaint, who,
                  notice=notice_for(services, complaint, who, "acknowledged"))


async def complaint_resolve(session: AsyncSession, services: Services, actor: Person,
                            origin: Origin, number: str, note: str, root_cause: str) -> None:
    """Resolve with a note and a root cause; the complainant is asked if they are satisfied."""
    complaint = await _editable(session, services, actor, origin, number, Status.OPEN)
    if complaint is None:
        return
    now = services.clock()
    before = complaint.status
    _acknowledge(services, complaint, actor, now)
    complaint.status = Status.RESOLVED
    complaint.resolved_at = now
    complaint.resolve_business_s = business_seconds(services, complaint.created_at, now)
    complaint.resolution_note = note
    complaint.root_cause = root_cause
    _record(session, complaint, actor.id, "resolved", before, note=note, root_cause=root_cause)
    who = await parties(session, complaint)
    await session.commit()
    services.metrics.complaints.labels("resolved").inc()
    await publish(services, complaint, who,
                  notice=notice_for(services, complaint, who, "resolved",
                                     close_days=services.settings.app.complaints
                                     .satisfaction_close_days))


async def complaint_escalate(session: AsyncSession, services: Services, actor: Person,
                             origin: Origin, number: str) -> None:
    """Bring the complaint to the IT leads' attention (once)."""
    complaint = await _editable(session, services, actor, origin, number, Status.OPEN)
    if complaint is None:
        return
    if complaint.escalated:
        await refuse(session, services, origin, "already_escalated",
                     number=complaint.number)
        return
    complaint.escalated = True
    _record(session, complaint, actor.id, "escalated", complaint.status)
    who = await parties(session, complaint)
    leads = await people_with_roles(session, LEAD_ROLES)
    await session.commit()
    services.metrics.complaints.labels("escalated").inc()
    thread = await escalate_to_leads(services, complaint, who, leads, "escalated",
                                     by=actor.display_name)
    await publish(services, complaint, who, thread=thread,
                  notice=notice_for(services, complaint, who, "escalated"))


async def escalate_to_leads(services: Services, complaint: Complaint, who: Parties,
                            leads: list[Person], event: str, **extra: object) -> Message:
    """DM every IT lead; the same words, for the triage thread, are returned."""
    for lead in leads:
        await tell(services, [lead], staff_message(services, complaint, who, event,
                                                    tz=lead.tz, **extra))
    return staff_message(services, complaint, who, event, **extra)


async def complaint_reply(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, number: str, text: str) -> None:
    """IT writes to the complainant through the bot, without learning who they are."""
    complaint = await _editable(session, services, actor, origin, number,
                                (*Status.OPEN, Status.RESOLVED))
    if complaint is None:
        return
    _record(session, complaint, actor.id, "replied", complaint.status, note=text)
    who = await parties(session, complaint)
    await session.commit()
    await tell_complainant(services, complaint, who.complainant, notice_for(
        services, complaint, who, "reply", text=text, by=actor.display_name))
    try:
        await services.chat.reply_privately(origin, cards.answer("reply_sent",
                                                                  number=complaint.number))
    except Exception:
        # The message went out; only its confirmation did not.
        log.exception("complaint %s: the reply could not be confirmed", complaint.number)


async def complaint_answer(session: AsyncSession, services: Services, actor: Person,
                           origin: Origin, number: str, satisfied: bool,
                           question: MessageRef | None = None) -> None:
    """The complainant's answer to "are you satisfied?": Yes closes, No reopens. The
    question (the message clicked) is updated to show the answer, without its buttons."""
    complaint = await by_number(session, number, lock=True)
    if complaint is None or complaint.complainant_id != actor.id:
        # Someone else's complaint looks the same as no complaint at all.
        await refuse(session, services, origin, "not_found", number=number)
        return
    if complaint.status != Status.RESOLVED:
        await refuse(session, services, origin, "already_answered",
                     number=complaint.number, status=complaint.status)
        return
    now = services.clock()
    before = complaint.status
    complaint.satisfied = satisfied
    actor_id = None if complaint.anonymous else actor.id
    if satisfied:
        complaint.status = Status.CLOSED
        complaint.closed_at = now
        _record(session, complaint, actor_id, "closed", before, satisfied=True)
    else:
        complaint.status = Status.REOPENED
        complaint.reopen_count += 1
        complaint.resolved_at = None
        complaint.resolve_business_s = None
        # The resolution clock starts again from the reopening, with its own reminder and
        # breach alerts (see `storage.complaints.alert_kind`): the first deadline has long
        # been met or missed, and holding to it would escalate the moment "No" is pressed.
        fresh = deadlines(services, now, complaint.impact)
        complaint.resolve_due_at = fresh["resolve_due_at"]
        complaint.resolve_remind_at = fresh["resolve_remind_at"]
        _record(session, complaint, actor_id, "reopened", before, satisfied=False)
    who = await parties(session, complaint)
    await session.commit()
    event = "closed" if satisfied else "reopened"
    services.metrics.complaints.labels(event).inc()
    staff_note = None if satisfied else staff_message(services, complaint, who, "reopened")
    await publish(services, complaint, who, notice=notice_for(services, complaint, who, event),
                  thread=staff_note)
    if not satisfied and who.owner is not None:
        await tell(services, [who.owner], staff_message(services, complaint, who, "reopened",
                                                         tz=who.owner.tz))
    if question is not None:
        try:
            await services.chat.update(question, notice_for(
                services, complaint, who, "resolved", answered=satisfied,
                close_days=services.settings.app.complaints.satisfaction_close_days))
        except Exception:
            # Cosmetic: the answer is recorded and acknowledged in the thread already.
            log.warning("complaint %s: the question could not be updated", complaint.number,
                        exc_info=True)
