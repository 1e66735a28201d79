"""Slack Home tabs Touchpoint has published, and the refreshes they are owed.

A row per person whose Home tab was published (they opened it once): only those tabs are
worth publishing again, so a pulse sent to thousands does not turn into thousands of
views.publish calls for tabs nobody has looked at. `refresh_due_at` is set when something
of theirs changes and left as it is while one is already due: changes close together are
answered by one publish (debounced), which shows the state at the time it is made.
Claiming a due refresh is a conditional update of the row, so with several replicas one
of them publishes it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Field, SQLModel, col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.once import dialect_insert
from storage.types import UTCDateTime


class HomeView(SQLModel, table=True):
    __tablename__ = "home_view"

    person_id: int = Field(primary_key=True, foreign_key="person.id")
    published_at: datetime = Field(sa_type=UTCDateTime)
    refresh_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


async def published(session: AsyncSession, person_id: int, now: datetime) -> None:
    """The person's Home tab was just published: it is current, nothing is owed."""
    insert = dialect_insert(session)(HomeView).values(
        person_id=person_id, published_at=now, refresh_due_at=None)
    await session.exec(insert.on_conflict_do_update(
        index_elements=["person_id"], set_={"published_at": now, "refresh_due_at": None}))


async def request_refresh(session: AsyncSession, person_ids: Collection[int],
                          due_at: datetime) -> None:
    """Owe a refresh to those of `person_ids` with a published Home tab, at `due_at`, unless
    one is owed already (the earlier one will show this change too)."""
    if not person_ids:
        return
    await session.exec(update(HomeView).where(
        col(HomeView.person_id).in_(list(person_ids)),
        col(HomeView.refresh_due_at).is_(None)).values(refresh_due_at=due_at))


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Up to `limit` people whose refresh is due, earliest first, each claimed by this call
    (another replica's claim of the same row finds it changed and skips it)."""
    due = (await session.exec(
        select(HomeView.person_id, HomeView.refresh_due_at)
        .where(col(HomeView.refresh_due_at) <= now)
        .order_by(col(HomeView.refresh_due_at)).limit(limit))).all()
    claimed = []
    for person_id, due_at in due:
        result = await session.exec(
            update(HomeView).where(HomeView.person_id == person_id,
                                   HomeView.refresh_due_at == due_at)
            .values(refresh_due_at=None, published_at=now)
            .execution_options(preserve_rowcount=True))
        if result.rowcount == 1:
            claimed.append(person_id)
    return claimed
