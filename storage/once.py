"""Do-it-once primitives backed by unique constraints.

`insert_once` inserts a row unless one with the same unique key exists and says whether this
caller won. Two replicas, a retried delivery or a double click all reach the database, exactly
one insert succeeds, and the others learn they lost without an exception or a rollback.
`update_if` is the same for a change of state: one row is updated only while it still meets
its conditions, so of several callers exactly one moves it. `prune_deliveries` forgets the
deliveries received long enough ago that no retry of them will come.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ProcessedRequest
from storage.types import utcnow


async def insert_once(session: AsyncSession, table: type[SQLModel], **values: Any) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when this call inserted the row."""
    insert = dialect_insert(session)
    # SQLAlchemy keeps an INSERT's rowcount only when asked (psycopg's would read as -1).
    statement = (insert(table).values(**values).on_conflict_do_nothing()
                 .execution_options(preserve_rowcount=True))
    result = await session.exec(statement)
    return result.rowcount == 1


async def insert_many_once(session: AsyncSession, table: type[SQLModel],
                           rows: Sequence[dict[str, Any]], *returning: Any) -> list[Any]:
    """Several rows in one INSERT ... ON CONFLICT DO NOTHING; the `returning` columns of
    each row this call inserted (a row whose unique key existed is not among them)."""
    if not rows:
        return []
    statement = (dialect_insert(session)(table).values(list(rows)).on_conflict_do_nothing()
                 .returning(*returning))
    return list((await session.exec(statement)).all())


async def update_if(session: AsyncSession, table: type[SQLModel], row_id: int,
                    *conditions: Any, **values: Any) -> bool:
    """UPDATE the row `row_id` with `values` WHERE it still meets `conditions`; True when
    this call changed it."""
    result = await session.exec(
        update(table).where(table.id == row_id, *conditions)  # type: ignore[attr-defined]
        .values(**values).execution_options(preserve_rowcount=True))
    return result.rowcount == 1


async def first_delivery(session: AsyncSession, source: str, key: str) -> bool:
    """Record an inbound delivery; False when the same delivery was seen before."""
    return await insert_once(session, ProcessedRequest, key=f"{source}:{key}", source=source)


async def first_deliveries(session: AsyncSession, source: str, keys: Sequence[str]) -> set[str]:
    """Record several inbound deliveries in one statement; the keys not seen before."""
    now = utcnow()
    rows = [{"key": f"{source}:{key}", "source": source, "received_at": now}
            for key in dict.fromkeys(keys)]
    inserted = await insert_many_once(session, ProcessedRequest, rows, ProcessedRequest.key)
    return {key.removeprefix(f"{source}:") for (key,) in inserted}


async def prune_deliveries(session: AsyncSession, before: datetime, limit: int) -> int:
    """Forget up to `limit` deliveries received before `before`; how many."""
    keys = (select(ProcessedRequest.key).where(col(ProcessedRequest.received_at) < before)
            .limit(limit).scalar_subquery())
    result = await session.exec(delete(ProcessedRequest)
                                .where(col(ProcessedRequest.key).in_(keys))
                                .execution_options(preserve_rowcount=True))
    return result.rowcount


def dialect_insert(session: AsyncSession):
    """The session's dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
