"""The database engine and sessions for SQLite (embedded default) and PostgreSQL (psycopg 3).

Operators give a plain URL (``sqlite:///touchpoint.db``, ``postgresql://user@host/db``); the
async driver is chosen here. SQLite connections get WAL, a busy timeout and foreign keys, and
every transaction that may write starts with ``BEGIN IMMEDIATE`` (`storage.transactions`);
within one process the engine has a single connection, so its sessions queue in asyncio
rather than on the file lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.pool.base import _ConnectionRecord
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import transactions
from storage.people_cache import INFO_KEY, PeopleCache, WatchedSession

SQLITE_BUSY_TIMEOUT_MS = 10_000


class OpenedOnCheckoutPool(AsyncAdaptedQueuePool):
    """SQLite's pool of one: its connection's record is made first and the connection opened
    when it is checked out, as SQLAlchemy reopens one it lost. A connection that cannot be
    opened (the file unreachable: an outage) then goes back to the pool with its record, and
    the next session waiting for it tries at once; otherwise that session waited out the
    whole pool timeout, although nobody held the connection (SQLAlchemy 2.0's
    `_ConnectionRecord(pool, connect=False)`)."""

    def _create_connection(self) -> _ConnectionRecord:
        return _ConnectionRecord(self, connect=False)



def _with_driver(url: str, sqlite_driver: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername=sqlite_driver).render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


def async_url(url: str) -> str:
    """The URL with the async driver Touchpoint uses for that database."""
    return _with_driver(url, "sqlite+aiosqlite")


def sync_url(url: str) -> str:
    """The URL with a blocking driver, for Alembic and command-line tools (psycopg 3 is
    both)."""
    return _with_driver(url, "sqlite")


def describe_url(url: str) -> str:
    """The URL without its password, fit for logs."""
    return make_url(url).render_as_string(hide_password=True)


def configure_sqlite(sync_engine) -> None:
    """Pragmas and explicit transactions for every SQLite connection of an engine."""

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" hook below issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    transactions.configure_sqlite(sync_engine)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    target = async_url(url)
    if target.startswith("sqlite"):
        # One connection: SQLite has one writer anyway, and waiting for the connection in
        # asyncio's queue is fair and prompt, where waiting on the file lock is SQLite's busy
        # handler sleeping between tries (hundreds of ms of tail latency under load). A flow
        # must not open a second session while its first holds a transaction: that waits here.
        engine = create_async_engine(target, poolclass=OpenedOnCheckoutPool,
                                     pool_size=1, max_overflow=0,
                                     pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        configure_sqlite(engine.sync_engine)
    else:
        engine = create_async_engine(target, pool_size=pool_size, max_overflow=pool_size,
                                     pool_pre_ping=True)
    transactions.configure(engine.sync_engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`, sharing one cache of people by platform id
    (`storage.people_cache`), which their commits keep current."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False,
                              sync_session_class=WatchedSession,
                              info={INFO_KEY: PeopleCache()})


@asynccontextmanager
async def reader_beside(session: AsyncSession) -> AsyncIterator[AsyncSession | None]:
    """A second session on `session`'s engine, for reads run alongside `session`'s on a
    connection of its own from the pool, without a transaction (`transactions.reading_only`:
    at READ COMMITTED each statement sees its own snapshot on either connection alike).
    None on SQLite, whose one connection is `session`'s."""
    bind = session.bind
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "postgresql":
        yield None
        return
    reader = AsyncSession(bind, expire_on_commit=False, sync_session_class=WatchedSession,
                          info={INFO_KEY: session.info.get(INFO_KEY)})
    async with reader:
        await transactions.reading_only(reader, label="reader beside")
        yield reader
