"""Improvement plans: the `plan_item` table and every query on it.

A plan item is what an IT lead commits to change about one figure (SLA, CSAT, ...), who owns
it and by when. It is open until marked done; an open item past its due date is overdue, and
its owner is reminded once (`reminded_at`, set by a conditional update, so two replicas or a
rerun remind once). A form's submission is stored once under its submission key.

`open_plan_items` is the call a digest makes: the open items, overdue flagged in SQL,
optionally for some figures only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import case
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.once import insert_many_once, update_if
from storage.types import UTCDateTime, utcnow

FIGURES = ("sla", "csat", "nps", "complaints", "callbacks", "response_times", "kudos", "other")
"""The figures a plan item can be attached to, in the order forms list them."""
MAX_CHANGE = 1000
SUBJECT = "plan_item"
"""The audit trail's subject type."""


class PlanStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class PlanItem(SQLModel, table=True):
    __tablename__ = "plan_item"

    id: int | None = Field(default=None, primary_key=True)
    submission_key: str = Field(unique=True, max_length=200)
    figure: str = Field(max_length=32)
    change: str = Field(max_length=MAX_CHANGE)
    owner_id: int = Field(foreign_key="person.id", index=True)
    created_by_id: int = Field(foreign_key="person.id")
    due_on: date
    status: str = Field(default=PlanStatus.OPEN, max_length=8, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="person.id")
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


@dataclass(frozen=True)
class OpenPlanItem:
    """An open plan item as a list or a digest shows it."""

    id: int
    figure: str
    change: str
    due_on: date
    overdue: bool
    """Due before the day asked about, and not done."""
    owner_id: int
    owner_name: str
    owner_slack_id: str | None


async def add_plan_item(session: AsyncSession, *, submission_key: str, figure: str,
                        change: str, owner_id: int, created_by_id: int, due_on: date,
                        now: datetime) -> int | None:
    """The new item's id; None when this submission was stored before (a double submit)."""
    inserted = await insert_many_once(session, PlanItem, [{
        "submission_key": submission_key, "figure": figure, "change": change,
        "owner_id": owner_id, "created_by_id": created_by_id, "due_on": due_on,
        "status": PlanStatus.OPEN, "created_at": now}], col(PlanItem.id))
    return inserted[0][0] if inserted else None


async def plan_item(session: AsyncSession, item_id: int) -> PlanItem | None:
    return await session.get(PlanItem, item_id)


async def open_plan_items(session: AsyncSession, today: date, *,
                          figures: Collection[str] | None = None) -> list[OpenPlanItem]:
    """The open items (of `figures`, when given), overdue first, then by due date; an item
    is overdue when it was due before `today` (the organisation's date)."""
    overdue = case((col(PlanItem.due_on) < today, True), else_=False)
    statement = (
        select(PlanItem.id, PlanItem.figure, PlanItem.change, PlanItem.due_on,
               overdue.label("overdue"), PlanItem.owner_id, Person.display_name,
               Person.slack_user_id)
        .join(Person, col(Person.id) == col(PlanItem.owner_id))
        .where(col(PlanItem.status) == PlanStatus.OPEN)
        .order_by(overdue.desc(), col(PlanItem.due_on), col(PlanItem.id)))
    if figures is not None:
        statement = statement.where(col(PlanItem.figure).in_(list(figures)))
    rows = (await session.exec(statement)).all()
    return [OpenPlanItem(id=row[0], figure=row[1], change=row[2], due_on=row[3],
                         overdue=bool(row[4]), owner_id=row[5], owner_name=row[6],
                         owner_slack_id=row[7]) for row in rows]


async def mark_done(session: AsyncSession, item_id: int, by_id: int, now: datetime) -> bool:
    """True when this call closed the item (it was still open)."""
    return await update_if(session, PlanItem, item_id,
                           col(PlanItem.status) == PlanStatus.OPEN,
                           status=PlanStatus.DONE, done_at=now, done_by_id=by_id)


async def overdue_unreminded(session: AsyncSession, today: date) -> list[PlanItem]:
    """Open items due before `today` whose owner has not been reminded yet."""
    return list((await session.exec(
        select(PlanItem).where(col(PlanItem.status) == PlanStatus.OPEN,
                               col(PlanItem.due_on) < today,
                               col(PlanItem.reminded_at).is_(None))
        .order_by(col(PlanItem.id)))).all())


async def mark_reminded(session: AsyncSession, item_id: int, now: datetime) -> bool:
    """True when this call is the one that reminds the owner."""
    return await update_if(session, PlanItem, item_id, col(PlanItem.reminded_at).is_(None),
                           reminded_at=now)
