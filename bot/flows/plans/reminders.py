"""The daily reminder to the owner of each overdue plan item: once per item, however many
replicas run the job or how often it is rerun (the item's `reminded_at` is set by one
conditional update, and the DM's outbox key is the item's)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.flows.plans.items import today
from bot.services import Services
from storage import audit
from storage.models import Person
from storage.plans import SUBJECT, mark_reminded, overdue_unreminded


async def plans_remind_overdue(session: AsyncSession, services: Services) -> int:
    """Remind the owner of every overdue item not reminded yet; how many were."""
    reminded = 0
    for item in await overdue_unreminded(session, today(services)):
        assert item.id is not None
        owner = await session.get(Person, item.owner_id)
        if owner is None or not await mark_reminded(session, item.id, services.clock()):
            continue
        await services.outbox.send_dm(session, owner, Message("plans/overdue", {
            "id": item.id, "figure": item.figure, "change": item.change,
            "due_on": item.due_on.isoformat()}), key=f"plan:{item.id}:overdue")
        audit.record(session, actor_id=None, action="plan_overdue_reminded",
                     subject_type=SUBJECT, subject_id=item.id, owner_id=item.owner_id)
        reminded += 1
    return reminded
