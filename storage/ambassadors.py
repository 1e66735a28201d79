"""Department ambassadors' monthly summaries: one `ambassador_summary` row per ambassador,
month and department (someone may look after two), unique, so the scheduled run on any replica
(or a second run in the same month) sends each ambassador one summary of each of their
departments a month; and finding ambassadors in the directory by the ids and emails app.yaml
names them by."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import UniqueConstraint, false, or_
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.once import insert_once
from storage.types import UTCDateTime


class AmbassadorSummary(SQLModel, table=True):
    __tablename__ = "ambassador_summary"
    __table_args__ = (UniqueConstraint("person_id", "month", "department",
                                       name="uq_ambassador_summary"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", description="the ambassador")
    month: str = Field(max_length=7, description="the month summarised, 2026-11")
    department: str = Field(max_length=100, description="the segment's value summarised")
    sent_at: datetime = Field(sa_type=UTCDateTime, description="handed to the outbox")


async def claim(session: AsyncSession, person_id: int, month: str, department: str,
                at: datetime) -> int | None:
    """Claim `person_id`'s summary of `department` for `month`: the row's id, or None when
    it was claimed before (by this replica or another)."""
    if not await insert_once(session, AmbassadorSummary, person_id=person_id, month=month,
                             department=department, sent_at=at):
        return None
    return (await session.exec(select(AmbassadorSummary.id).where(
        col(AmbassadorSummary.person_id) == person_id,
        col(AmbassadorSummary.month) == month,
        col(AmbassadorSummary.department) == department))).one()


async def summarised(session: AsyncSession, month: str, department: str) -> set[int]:
    """The people who had their summary of `department` for `month`."""
    return set((await session.exec(select(AmbassadorSummary.person_id).where(
        col(AmbassadorSummary.month) == month,
        col(AmbassadorSummary.department) == department))).all())


async def people_named(session: AsyncSession, slack_users: Collection[str],
                       teams_users: Collection[str], emails: Collection[str]) -> list[Person]:
    """The active people with one of these Slack ids, Teams ids or emails, by id."""
    named = or_(col(Person.slack_user_id).in_(list(slack_users)) if slack_users else false(),
                col(Person.teams_user_id).in_(list(teams_users)) if teams_users else false(),
                col(Person.email).in_(list(emails)) if emails else false())
    return list((await session.exec(select(Person).where(col(Person.active), named)
                                    .order_by(col(Person.id)))).all())
