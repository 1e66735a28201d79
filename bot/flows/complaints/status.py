"""Reading the complaint log in chat: ``/complain status`` (a person's own complaints, or one
with its history) and ``/complain list`` (IT's open complaints by age, owner and SLA state).

Nobody sees someone else's complaint unless they are IT staff, and IT staff never see who
filed an anonymous one, in the complaint or in its history.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin
from bot.flows.complaints import cards
from bot.flows.complaints.lifecycle import SUBJECT, is_staff, load, parties, refuse
from bot.services import Services
from storage.complaints import of_complainant, open_by_age
from storage.models import AuditEvent, Person

LIST_LIMIT = 30


async def complaint_status(session: AsyncSession, services: Services, actor: Person,
                           origin: Origin, number: str | None) -> None:
    now = services.clock()
    if not number:
        assert actor.id is not None
        mine = await of_complainant(session, actor.id)
        rows = []
        for complaint in mine:
            who = await parties(session, complaint)
            rows.append(cards.complaint_context(complaint, who.complainant, who.owner, now=now,
                                                tz=actor.tz))
        await session.commit()
        await services.chat.reply_privately(origin, Message("complaints/status",
                                                            {"complaints": rows}))
        return
    complaint = await load(session, number)
    if complaint is None or (complaint.complainant_id != actor.id and not is_staff(actor)):
        # Someone else's complaint looks the same as no complaint at all.
        await refuse(session, services.chat, origin, "not_found", number=number)
        return
    who = await parties(session, complaint)
    history = []
    events = (await session.exec(
        select(AuditEvent, Person).join(Person, isouter=True)
        .where(col(AuditEvent.subject_type) == SUBJECT,
               col(AuditEvent.subject_id) == complaint.number)
        .order_by(col(AuditEvent.occurred_at), col(AuditEvent.id)))).all()
    for event, person in events:
        # Anonymous complainants' own steps are recorded without an actor, so `person` is
        # only ever IT staff, or a complainant who gave their name.
        history.append({"at": event.occurred_at, "action": event.action,
                        "from": event.detail.get("from"), "to": event.detail.get("to"),
                        "by": person.display_name if person else None,
                        "note": event.detail.get("note")})
    await session.commit()
    context = cards.complaint_context(complaint, who.complainant, who.owner, now=now,
                                      tz=actor.tz)
    await services.chat.reply_privately(origin, Message(
        "complaints/history", {**context, "history": history}, sections=("text", "history")))


async def complaint_list(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin) -> None:
    if not is_staff(actor):
        await refuse(session, services.chat, origin, "not_staff_list")
        return
    now = services.clock()
    rows = []
    for complaint in await open_by_age(session, LIST_LIMIT):
        who = await parties(session, complaint)
        rows.append(cards.complaint_context(complaint, who.complainant, who.owner, now=now,
                                            tz=actor.tz))
    await session.commit()
    await services.chat.reply_privately(origin, Message("complaints/list",
                                                        {"complaints": rows, "now": now}))
