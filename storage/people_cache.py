"""People by platform id, kept in the process: the acting person every turn loads, and the
people a command names, without a round trip to the database each time.

Every session from `storage.engine.session_factory` carries its application's cache
(`session.info`) and is a `WatchedSession`. Within a process, a transaction that wrote person
rows (a directory event, a sync, a first contact, a setting; an ORM bulk statement on the
table counts as everyone) forgets those people here when it commits, so a look-up never
returns what an earlier commit of this process changed.

Across processes (other replicas, `touchpoint directory sync` from the command line), the same
transaction also adds one to the single row of `directory_version`, and each serving process
reads that row every `POLL_S` (`follow_versions`): a number it did not write itself means
someone else changed people, and it forgets everyone. So a change made elsewhere (a role
granted by a sync, someone deactivated by a `user_change` another replica received, where they
last acted) is seen here within about a second, and the cache may keep people for minutes
(`TTL_S`), which is what makes it pay at a real company's pace, where one person's commands
are minutes apart. A short time-to-live alone would have to choose between those two; a
version read by every turn would cost the round trip the cache saves. The price: one tiny
read per second per replica, and one UPDATE more in a transaction that writes people (the
row's lock orders such transactions, which are rare: first contacts and profile changes).
A look-up that raced a forgetting (read before it, stored after) is not kept.

What is kept is a detached copy of the row, never an instance of any session: a look-up
adds a fresh copy to the caller's session as if it had just loaded the row (what
`Session.merge(load=False)`, SQLAlchemy's recipe for objects from a cache, makes, without its
trip through the greenlet bridge and its walk of every attribute: a tenth of a cheap command's
CPU), so a flow may change the person it is given and flush it as usual.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, manager_of_class
from sqlmodel import Field, Session, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.directory import find_by_platform_id, stored_user_id
from storage.models import Person
from storage.transactions import note_used, reading_only

log = logging.getLogger(__name__)

TTL_S = 600.0
"""How long a person is kept at most: a bound on memory and on trust should the version
reader stop (it forgets everyone when it cannot read; see `follow_versions`)."""

MAX_PEOPLE = 20_000
"""People kept at most; the oldest kept go first."""

POLL_S = 1.0
"""How often a serving process reads the directory's version."""

VERSION_READER = "directory version"
"""The `logging_token` of the connection reading the version (`reading_only`)."""

INFO_KEY = "people_cache"
_WRITTEN = "people_cache.written"
_BUMPED = "people_cache.bumped"
_EVERYONE = "everyone"


class DirectoryVersion(SQLModel, table=True):
    """One row, whose number goes up with every transaction that writes person rows."""

    __tablename__ = "directory_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0)


@dataclass
class PeopleCache:
    """Detached copies of person rows by (platform, stored user id), each until it expires."""

    ttl_s: float = TTL_S
    clock: Callable[[], float] = time.monotonic
    _entries: dict[tuple[str, str], tuple[float, Person]] = field(default_factory=dict)
    _generation: int = 0
    """Goes up with every forgetting, so a look-up that overlapped one keeps nothing."""
    _seen_version: int | None = None
    _own_versions: set[int] = field(default_factory=set)
    """Directory versions this process committed, which need no forgetting here."""

    def get(self, platform: str, user_id: str) -> Person | None:
        key = (platform, stored_user_id(platform, user_id))
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, person = entry
        if expires <= self.clock():
            del self._entries[key]
            return None
        return person

    @property
    def generation(self) -> int:
        return self._generation

    def keep(self, platform: str, user_id: str, person: Person, since: int) -> None:
        """Keep a copy of `person`, read when the generation was `since`."""
        if since != self._generation:
            return
        detached = Person(**{name: copy.deepcopy(getattr(person, name))
                             for name in _FIELDS})
        make_transient_to_detached(detached)
        key = (platform, stored_user_id(platform, user_id))
        self._entries.pop(key, None)
        self._entries[key] = (self.clock() + self.ttl_s, detached)
        if len(self._entries) > MAX_PEOPLE:
            del self._entries[next(iter(self._entries))]

    def forget(self, person_ids: set[Any]) -> None:
        """Forget these people (by row id), or everyone when the set holds `_EVERYONE`."""
        self._generation += 1
        if _EVERYONE in person_ids:
            self._entries.clear()
            return
        for key in [key for key, (_expires, person) in self._entries.items()
                    if person.id in person_ids]:
            del self._entries[key]

    def committed_version(self, version: int) -> None:
        self._own_versions.add(version)

    def version_read(self, version: int | None) -> None:
        """The directory's version as just read (None: unreadable): forget everyone if some
        other process changed people since the last read."""
        seen, self._seen_version = self._seen_version, version
        if version is None or seen is None:
            if version is None:
                self.forget({_EVERYONE})
            self._own_versions.clear()
            return
        ours = {v for v in self._own_versions if seen < v <= version}
        self._own_versions = {v for v in self._own_versions if v > version}
        if version != seen + len(ours):
            self.forget({_EVERYONE})


def cache_of(session: AsyncSession | Session) -> PeopleCache | None:
    return session.info.get(INFO_KEY)


async def find_person(session: AsyncSession, platform: str, user_id: str, *,
                      alone: bool = False) -> Person | None:
    """`storage.directory.find_by_platform_id`, answered from the session's cache when it
    holds the person; the person is in `session` either way. `alone`: the look-up is all
    the session's transaction does, so it is read without one (`reading_only`)."""
    cache = cache_of(session)
    cached = cache.get(platform, user_id) if cache is not None else None
    if cached is not None:
        # One the session holds already may carry changes of this turn: it wins.
        key = inspect(cached).key
        present = session.sync_session.identity_map.get(key)
        return present if present is not None else _add_copy(session, cached)
    if alone:
        await reading_only(session)
    since = cache.generation if cache is not None else 0
    person = await find_by_platform_id(session, platform, user_id)
    if (cache is not None and person is not None and person not in session.dirty
            and person not in session.new):
        cache.keep(platform, user_id, person, since)
    return person


def _add_copy(session: AsyncSession, cached: Person) -> Person:
    """A copy of `cached` in `session`, persistent and unchanged, as a load would leave it."""
    person = _PEOPLE.new_instance()
    # Straight from the kept copy's dict, which holds every field (`PeopleCache.keep` set
    # them all): not through each attribute's descriptor.
    kept = instance_dict(cached)
    values = {name: kept[name] for name in _FIELDS}
    values["segments"] = dict(values["segments"])  # the one mutable value
    instance_dict(person).update(values)
    make_transient_to_detached(person)
    session.add(person)
    return person


_PEOPLE = manager_of_class(Person)
_FIELDS = tuple(Person.model_fields)
"""Read once: pydantic answers `model_fields` on the class through a deprecation shim."""


def keep_committed(session: AsyncSession, platform: str, user_id: str, person: Person) -> None:
    """Keep `person` as `session` just committed them (someone met for the first time)."""
    cache = cache_of(session)
    if cache is not None:
        cache.keep(platform, user_id, person, cache.generation)


async def read_version(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Read the directory's version once, for the cache of `sessions`' sessions."""
    async with sessions() as session:
        cache = cache_of(session)
        try:
            await reading_only(session, label=VERSION_READER)
            version = (await session.exec(select(DirectoryVersion.version))).first()
        except Exception:
            if cache is not None:
                cache.version_read(None)
            raise
        if cache is not None:
            cache.version_read(version[0] if version is not None else None)


async def follow_versions(sessions: async_sessionmaker[AsyncSession],
                          poll_s: float = POLL_S) -> None:
    """Read the directory's version every `poll_s` until cancelled. While it cannot be read
    (the database away) nothing is kept; the outage is logged by those who need it."""
    while True:
        try:
            await read_version(sessions)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.debug("directory version unreadable: %s", error)
        await asyncio.sleep(poll_s)


class WatchedSession(Session):
    """A session that tells its cache, and other processes, which people it wrote (and
    remembers whether it used the database at all, `storage.transactions.used_database`)."""


event.listen(WatchedSession, "after_begin", note_used)


def _note(session: Session, written: set[Any]) -> None:
    session.info.setdefault(_WRITTEN, set()).update(written)


@event.listens_for(WatchedSession, "after_flush")
def _note_people_flushed(session: Session, _context: Any) -> None:
    written = {instance.id for instance in (*session.new, *session.dirty, *session.deleted)
               if isinstance(instance, Person)}
    if written:
        _note(session, written)


@event.listens_for(WatchedSession, "do_orm_execute")
def _note_bulk_statements(orm_execute_state: Any) -> None:
    if orm_execute_state.is_select:
        return
    mapper = orm_execute_state.bind_mapper
    table = getattr(orm_execute_state.statement, "table", None)
    if (mapper is not None and mapper.class_ is Person) or getattr(
            table, "name", None) == Person.__tablename__:
        _note(orm_execute_state.session, {_EVERYONE})


@event.listens_for(WatchedSession, "before_commit")
def _bump_version(session: Session) -> None:
    # What is pending is flushed first (the commit would flush it next; a clean session
    # flushes nothing), so `_note_people_flushed` has seen every person this transaction wrote.
    session.flush()
    if _BUMPED in session.info or not session.info.get(_WRITTEN):
        return
    session.info[_BUMPED] = session.execute(
        update(DirectoryVersion).where(DirectoryVersion.id == 1)
        .values(version=DirectoryVersion.version + 1)
        .returning(DirectoryVersion.version)).scalar()


@event.listens_for(WatchedSession, "after_commit")
def _forget_committed(session: Session) -> None:
    written = session.info.pop(_WRITTEN, None)
    bumped = session.info.pop(_BUMPED, None)
    cache = cache_of(session)
    if cache is None:
        return
    if written:
        cache.forget(written)
    if bumped is not None:
        cache.committed_version(bumped)


@event.listens_for(WatchedSession, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    # Forgotten even so: a look-up inside the transaction may have kept what it wrote.
    written = session.info.pop(_WRITTEN, None)
    session.info.pop(_BUMPED, None)
    cache = cache_of(session)
    if written and cache is not None:
        cache.forget(written)
