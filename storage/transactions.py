"""How transactions begin: SQLite's ``BEGIN IMMEDIATE`` for work that writes, and none at all
for work that only reads.

A read needs no transaction on either database: PostgreSQL reads at READ COMMITTED, where every
statement sees its own snapshot anyway, and a SQLite statement outside a transaction is one of
its own. So a session told `reading_only` runs its next transaction on a connection in
autocommit: no BEGIN and no COMMIT go to the server (two round trips of three for a single
look-up), and on SQLite the write lock is not taken. A write on such a connection is refused,
so nothing is ever half-written by a turn that thought it only read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel.ext.asyncio.session import AsyncSession

READS_ONLY = "touchpoint_reads_only"
_USED = "touchpoint.used_database"


class WriteWhileReading(RuntimeError):
    """A statement other than a SELECT on a connection taken with `reading_only`."""


async def reading_only(session: AsyncSession, *, label: str | None = None) -> None:
    """Run `session`'s next transaction without one (see the module docstring). Call it
    before the session's first statement of that transaction. `label` names the work in
    SQLAlchemy's log lines (its ``logging_token``), for background reads."""
    options: dict[str, Any] = {READS_ONLY: True}
    if label is not None:
        options["logging_token"] = label
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    await session.connection(execution_options=options)


def note_used(session: Any, _transaction: Any, _connection: Any) -> None:
    """A session's "after_begin" listener: it took a connection (`used_database`)."""
    session.info[_USED] = True


def used_database(session: AsyncSession) -> bool:
    """Whether `session` took a connection to the database: a turn answered from caches
    alone says nothing about whether the database can be reached."""
    return bool(session.info.get(_USED))


async def commit_if_any(session: AsyncSession) -> None:
    """Commit `session`'s transaction, unless it never reached the database and holds no
    change (a turn answered from caches): such a commit does nothing but cost a trip through
    SQLAlchemy's greenlet bridge."""
    if session.in_transaction() and (used_database(session) or session.new or session.dirty
                                     or session.deleted):
        await session.commit()


async def close(session: AsyncSession) -> None:
    """Close `session` as `async with` would, but at once when it never took a connection:
    then closing is all in memory, without a task and a trip through the greenlet bridge."""
    if used_database(session):
        await asyncio.shield(session.close())
    else:
        session.sync_session.close()


def configure(sync_engine: Engine) -> None:
    """Refuse writes on connections that only read, on every engine."""

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _refuse_writes(connection, _cursor, statement: str, *_args) -> None:
        if (connection.get_execution_options().get(READS_ONLY)
                and statement.lstrip()[:6].upper() not in ("SELECT", "PRAGMA")):
            raise WriteWhileReading(f"a write where only reads were expected: {statement[:80]}")


def configure_sqlite(sync_engine: Engine) -> None:
    """Explicit transactions for every SQLite connection of an engine: ``BEGIN IMMEDIATE``, so
    two writers queue on the busy timeout instead of failing on a read-to-write lock upgrade;
    none for a connection that only reads."""

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection) -> None:
        if not connection.get_execution_options().get(READS_ONLY):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
