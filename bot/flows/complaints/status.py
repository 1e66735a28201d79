"""Reading the complaint log in chat: ``/complain status`` (a person's own complaints, or one
with its history) and ``/complain list`` (IT's open complaints by age, owner and SLA state).

Nobody sees someone else's complaint unless they are IT staff, and IT staff never see who
filed an anonymous one, in the complaint or in its history.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin
from bot.flows.complaints import cards
from bot.flows.complaints.answers import answer_privately, is_staff, refuse
from bot.services import Services
from storage.complaints import by_number, history, of_complainant, open_by_age, parties
from storage.models import Person

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
        await answer_privately(session, services, origin,
                               Message("complaints/status", {"complaints": rows}))
        return
    complaint = await by_number(session, number)
    if complaint is None or (complaint.complainant_id != actor.id and not is_staff(actor)):
        # Someone else's complaint looks the same as no complaint at all.
        await refuse(session, services, origin, "not_found", number=number)
        return
    who = await parties(session, complaint)
    steps = []
    for event, person in await history(session, complaint.number):
        # Anonymous complainants' own steps are recorded without an actor, so `person` is
        # only ever IT staff, or a complainant who gave their name.
        steps.append({"at": event.occurred_at, "action": event.action,
                      "from": event.detail.get("from"), "to": event.detail.get("to"),
                      "by": person.display_name if person else None,
                      "note": event.detail.get("note")})
    context = cards.complaint_context(complaint, who.complainant, who.owner, now=now,
                                      tz=actor.tz)
    await answer_privately(session, services, origin, Message(
        "complaints/history", {**context, "history": steps}, sections=("text", "history")))


async def complaint_list(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin) -> None:
    if not is_staff(actor):
        await refuse(session, services, origin, "not_staff_list")
        return
    now = services.clock()
    rows = []
    for complaint in await open_by_age(session, LIST_LIMIT):
        who = await parties(session, complaint)
        rows.append(cards.complaint_context(complaint, who.complainant, who.owner, now=now,
                                            tz=actor.tz))
    await answer_privately(session, services, origin,
                           Message("complaints/list", {"complaints": rows, "now": now}))
