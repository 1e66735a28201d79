"""A complaint's life after filing: assign, acknowledge, resolve, escalate, reply, and the
complainant's answer to "are you satisfied?" (No reopens it, Yes closes it).

Every change is checked here, on the server: IT staff act on complaints, only the complainant
answers for themselves, and each change must start from a status it is allowed from. A press
that repeats the complaint's last change by the same person (a double click, or Slack or
Teams delivering one click twice) changes nothing and is not answered: its effect is already
on the card, and "that cannot be done now" would only puzzle them. The
complaint row is locked while it changes (FOR UPDATE on PostgreSQL; SQLite's transactions
are serial), and the change, its audit event (who, when, from, to, note) and the messages it
causes (`notify`: the triage card updated, the complainant told in their DM thread, IT told)
are recorded in the turn's transaction and commit together, when the turn ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import MessageRef, Origin
from bot.config import Role
from bot.flows.business_time import BusinessCalendar
from bot.flows.complaints import cards, forms, notify
from bot.flows.complaints.answers import (
    answer_privately,
    is_staff,
    open_form,
    refuse,
    refused_unless_staff,
)
from bot.flows.complaints.filing import deadlines
from bot.flows.complaints.notify import News, notice_for
from bot.services import Services
from storage import audit
from storage.complaints import (
    SUBJECT,
    Complaint,
    Status,
    by_number,
    people_with_roles,
    person_by_id,
)
from storage.models import Person

STAFF_ROLES = (Role.IT_STAFF.value, Role.IT_LEAD.value, Role.ADMIN.value)
LEAD_ROLES = (Role.IT_LEAD.value, Role.ADMIN.value)


def business_seconds(services: Services, start: datetime, end: datetime) -> int:
    calendar = BusinessCalendar.from_config(services.settings.app.organisation)
    return int(calendar.between(start, end).total_seconds())


async def _repeated(session: AsyncSession, complaint: Complaint, actor_id: int | None,
                    event: str) -> bool:
    """Whether `event` by `actor_id` is the complaint's last change (then nothing is begun, and
    the press is not answered)."""
    last = await audit.latest(session, SUBJECT, complaint.number)
    if last is None or (last.action, last.actor_id) != (event, actor_id):
        return False
    await session.rollback()
    return True


async def _editable(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                    number: str, allowed: Iterable[str], event: str) -> Complaint | None:
    """The complaint, locked, when IT staff may change it from its status now; else None
    after telling the actor why not (or, when their `event` was its last change, silently)."""
    if await refused_unless_staff(session, services, actor, origin, number):
        return None
    complaint = await by_number(session, number, lock=True)
    if complaint is None:
        await refuse(session, services, origin, "not_found", number=number)
        return None
    if complaint.status not in allowed:
        if not await _repeated(session, complaint, actor.id, event):
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


async def _changed(session: AsyncSession, services: Services, complaint: Complaint,
                   actor_id: int | None, action: str, before: str, **detail: object) -> News:
    return await notify.recorded(session, services, complaint, action, actor_id,
                                 **{"from": before, "to": complaint.status}, **detail)


def _acknowledge(services: Services, complaint: Complaint, actor: Person, now: datetime
                 ) -> None:
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = now
        complaint.acknowledge_business_s = business_seconds(services, complaint.created_at, now)
    if complaint.owner_id is None:
        complaint.owner_id = actor.id


async def complaint_assign(session: AsyncSession, services: Services, actor: Person,
                           origin: Origin, number: str, owner_id: int | None = None) -> None:
    """Give the complaint an owner (the actor unless named); it is then in progress."""
    complaint = await _editable(session, services, actor, origin, number, Status.OPEN,
                                "assigned")
    if complaint is None:
        return
    owner = actor if owner_id is None else await person_by_id(session, owner_id)
    if owner is None or not owner.active or not is_staff(owner):
        await refuse(session, services, origin, "not_assignable", number=complaint.number)
        return
    if complaint.status == Status.IN_PROGRESS and complaint.owner_id == owner.id:
        # Theirs already: nothing changes, and nobody is told again.
        if not await _repeated(session, complaint, actor.id, "assigned"):
            await refuse(session, services, origin, "wrong_status", number=complaint.number,
                         status=complaint.status)
        return
    before = complaint.status
    _acknowledge(services, complaint, owner, services.clock())
    complaint.owner_id = owner.id
    complaint.status = Status.IN_PROGRESS
    news = await _changed(session, services, complaint, actor.id, "assigned", before,
                          owner_id=owner.id)
    await news.card()
    await news.complainant("in_progress")
    if owner.id != actor.id:
        await news.staff([owner], "assigned", by=actor.display_name)
    services.metrics.complaints.labels("assigned").inc()


async def complaint_acknowledge(session: AsyncSession, services: Services, actor: Person,
                                origin: Origin, number: str) -> None:
    complaint = await _editable(session, services, actor, origin, number, (Status.NEW,),
                                "acknowledged")
    if complaint is None:
        return
    before = complaint.status
    _acknowledge(services, complaint, actor, services.clock())
    complaint.status = Status.ACKNOWLEDGED
    news = await _changed(session, services, complaint, actor.id, "acknowledged", before)
    await news.card()
    await news.complainant("acknowledged")
    services.metrics.complaints.labels("acknowledged").inc()


async def complaint_resolve(session: AsyncSession, services: Services, actor: Person,
                            origin: Origin, number: str, note: str, root_cause: str, *,
                            shareable: bool = False, what_changed: str | None = None) -> None:
    """Resolve with a note and a root cause; the complainant is asked if they are satisfied.
    `shareable`: the resolver lets `what_changed` be told in the newsletter, with no name."""
    complaint = await _editable(session, services, actor, origin, number, Status.OPEN,
                                "resolved")
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
    complaint.shareable = shareable
    complaint.what_changed = what_changed
    news = await _changed(session, services, complaint, actor.id, "resolved", before,
                          note=note, root_cause=root_cause, shareable=shareable)
    await news.card()
    await news.complainant(
        "resolved", close_days=services.settings.app.complaints.satisfaction_close_days)
    services.metrics.complaints.labels("resolved").inc()


async def complaint_escalate(session: AsyncSession, services: Services, actor: Person,
                             origin: Origin, number: str) -> None:
    """Bring the complaint to the IT leads' attention (once)."""
    complaint = await _editable(session, services, actor, origin, number, Status.OPEN,
                                "escalated")
    if complaint is None:
        return
    if complaint.escalated:
        if not await _repeated(session, complaint, actor.id, "escalated"):
            await refuse(session, services, origin, "already_escalated",
                         number=complaint.number)
        return
    complaint.escalated = True
    news = await _changed(session, services, complaint, actor.id, "escalated",
                          complaint.status)
    await news.staff(await people_with_roles(session, LEAD_ROLES), "escalated",
                     by=actor.display_name)
    await news.card()
    await news.triage_thread("escalated", by=actor.display_name)
    await news.complainant("escalated")
    services.metrics.complaints.labels("escalated").inc()


async def complaint_reply(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, number: str, text: str) -> None:
    """IT writes to the complainant through the bot, without learning who they are."""
    complaint = await _editable(session, services, actor, origin, number,
                                (*Status.OPEN, Status.RESOLVED), "replied")
    if complaint is None:
        return
    news = await _changed(session, services, complaint, actor.id, "replied", complaint.status,
                          note=text)
    await news.complainant("reply", text=text, by=actor.display_name)
    await answer_privately(session, services, origin,
                           cards.answer("reply_sent", number=complaint.number))


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
        # Their own answer, pressed (or delivered) twice: already shown in place of the buttons.
        again = complaint.satisfied is satisfied and await _repeated(
            session, complaint, None if complaint.anonymous else actor.id,
            "closed" if satisfied else "reopened")
        if not again:
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
    event = "closed" if satisfied else "reopened"
    news = await _changed(session, services, complaint, actor_id, event, before,
                          satisfied=satisfied)
    await news.card()
    if not satisfied:
        await news.triage_thread("reopened")
    await news.complainant(event)
    if not satisfied and news.who.owner is not None:
        await news.staff([news.who.owner], "reopened")
    if question is not None:
        # The question clicked shows the answer instead of its buttons; the outbox sent it,
        # so this is an update of its key (a later version cannot be overtaken).
        await services.outbox.edit_ref(session, question, notice_for(
            services, complaint, news.who, "resolved", answered=satisfied,
            close_days=services.settings.app.complaints.satisfaction_close_days))
    services.metrics.complaints.labels(event).inc()
