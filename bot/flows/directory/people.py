"""The people directory: who is who across Slack and Teams, and which role and segments
app.yaml gives them; kept current by syncs of a platform's whole roster and by platform events.

A person is found by platform id, else by email (the same human on both platforms becomes one
row), else created from what the platform tells us. Roles and segments are always derived from
app.yaml, never edited by hand, so changing the file and syncing is the only way to grant them.

Slack user group memberships are only known during a sync. Between syncs (an event, a first
contact, a Teams update) the groups behind a person's current role and segments are assumed
unchanged, so an edited profile never costs IT staff their role until the next sync.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, get_args

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import insert, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from bot.chat.port import ChatPort, Platform, Profile, Roster
from bot.config import AppConfig, PeopleSelector, Role
from storage.directory import find_by_platform_id
from storage.models import Person
from storage.types import utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 500
"""Changed people per statement and commit during a sync."""
SYNC_ATTEMPTS = 3


@dataclass(frozen=True)
class Identity:
    """The ids and email one person is known by, used to match app.yaml selectors."""

    slack_user_id: str | None = None
    teams_user_id: str | None = None
    email: str | None = None
    slack_usergroups: Collection[str] = ()

    def matches(self, selector: PeopleSelector) -> bool:
        return bool(
            (self.slack_user_id and self.slack_user_id in selector.slack_users)
            or (self.teams_user_id and self.teams_user_id in selector.teams_users)
            or (self.email and self.email in selector.emails)
            or set(self.slack_usergroups) & set(selector.slack_usergroups)
        )


def role_for(app: AppConfig, identity: Identity) -> Role:
    for role, selector in app.roles.by_rank():
        if identity.matches(selector):
            return role
    return Role.EMPLOYEE


def segments_for(app: AppConfig, identity: Identity) -> dict[str, str]:
    """The first matching value of each segment (department, site, ...)."""
    found: dict[str, str] = {}
    for segment, values in app.segments.items():
        for value, selector in values.items():
            if identity.matches(selector):
                found[segment] = value
                break
    return found


def _selectors(app: AppConfig) -> Iterable[PeopleSelector]:
    yield from (selector for _role, selector in app.roles.by_rank())
    yield from (selector for values in app.segments.values() for selector in values.values())


def configured_usergroups(app: AppConfig) -> frozenset[str]:
    """Every Slack user group app.yaml names, in roles or in segments."""
    return frozenset(group for selector in _selectors(app) for group in selector.slack_usergroups)


class Entry(NamedTuple):
    """What the directory holds about a person, apart from the row's id and timestamps."""

    slack_user_id: str | None
    teams_user_id: str | None
    email: str | None
    display_name: str
    tz: str
    role: str
    segments: dict[str, str]
    active: bool


_ENTRY_COLUMNS = tuple(getattr(Person, name) for name in Entry._fields)


def _entry_of(person: Person) -> Entry:
    return Entry(*(getattr(person, name) for name in Entry._fields))


def _store(person: Person, entry: Entry) -> None:
    """Write an entry into a person's row, touching only what changed."""
    changed = {name: value for name, value in entry._asdict().items()
               if getattr(person, name) != value}
    for name, value in changed.items():
        setattr(person, name, value)
    if changed:
        person.updated_at = utcnow()


def _id_field(platform: Platform) -> str:
    return "slack_user_id" if platform == "slack" else "teams_user_id"


def _platform_id(entry: Entry | Person, platform: Platform) -> str | None:
    return getattr(entry, _id_field(platform))


def _key(platform: Platform, user_id: str) -> str:
    """A platform user id as stored: Teams (AAD object) ids in lower case."""
    return user_id.lower() if platform == "teams" else user_id


def _email(profile: Profile) -> str | None:
    return profile.email.strip().lower() if profile.email else None


def _groups_behind(app: AppConfig, entry: Entry) -> set[str]:
    """The user groups that could have given the person their current role and segments."""
    groups = {group for role, selector in app.roles.by_rank() if role.value == entry.role
              for group in selector.slack_usergroups}
    for segment, value in entry.segments.items():
        selector = app.segments.get(segment, {}).get(value)
        if selector is not None:
            groups.update(selector.slack_usergroups)
    return groups


def _refreshed(app: AppConfig, entry: Entry, profile: Profile,
               usergroups: Collection[str] | None) -> Entry:
    """The entry with a platform profile and app.yaml applied; an active person.

    `usergroups` None means the memberships are not known (see the module docstring).
    """
    if usergroups is None:
        usergroups = _groups_behind(app, entry)
    entry = entry._replace(**{_id_field(profile.platform): _key(profile.platform,
                                                                profile.user_id)})
    email = _email(profile) or entry.email
    identity = Identity(slack_user_id=entry.slack_user_id, teams_user_id=entry.teams_user_id,
                        email=email, slack_usergroups=usergroups)
    return entry._replace(email=email, display_name=profile.display_name or entry.display_name,
                          tz=profile.tz or entry.tz, role=role_for(app, identity).value,
                          segments=segments_for(app, identity), active=True)


def _departed(entry: Entry, platform: Platform) -> tuple[Entry, str] | None:
    """The entry once the person is gone from `platform` (deleted, or no longer listed), and
    whether that ``updated`` or ``deactivated`` them; None when nothing changes.

    Someone still on the other platform only loses this platform's id, so messages go where
    they can be read; anyone else becomes inactive.
    """
    if not entry.active:
        return None
    if _platform_id(entry, "teams" if platform == "slack" else "slack"):
        return entry._replace(**{_id_field(platform): None}), "updated"
    return entry._replace(active=False), "deactivated"


async def find_by_email(session: AsyncSession, email: str) -> Person | None:
    result = await session.exec(select(Person).where(Person.email == email.strip().lower()))
    return result.first()


async def upsert_profile(session: AsyncSession, app: AppConfig, profile: Profile,
                         usergroups: Collection[str] | None = None) -> Person:
    """Create or refresh the person a platform profile describes; the caller commits.

    `usergroups`: the Slack user groups the person is in, when known; None keeps the groups
    behind their current role and segments.
    """
    user_id = _key(profile.platform, profile.user_id)
    email = _email(profile)
    conditions = [getattr(Person, _id_field(profile.platform)) == user_id]
    if email:
        conditions.append(Person.email == email)
    candidates = (await session.exec(select(Person).where(or_(*conditions)))).all()
    # Prefer the row already holding this platform id over one that only shares the email.
    person = next((p for p in candidates if _platform_id(p, profile.platform) == user_id),
                  candidates[0] if candidates else None)
    if person is None:
        person = Person()
        session.add(person)
    _store(person, _refreshed(app, _entry_of(person), profile, usergroups))
    return person


async def record_profile_change(session: AsyncSession, app: AppConfig, profile: Profile,
                                active: bool) -> Person | None:
    """A platform says someone joined or changed (`active`), or was deleted; the caller
    commits. A deleted account the directory never knew is ignored."""
    if active:
        return await upsert_profile(session, app, profile)
    person = await find_by_platform_id(session, profile.platform, profile.user_id)
    if person is not None:
        gone = _departed(_entry_of(person), profile.platform)
        if gone is not None:
            _store(person, gone[0])
    return person


async def lookup_by_email(sessions: async_sessionmaker[AsyncSession], app: AppConfig,
                          chat: ChatPort, email: str) -> Person | None:
    """The person with this email: from the directory, else from the first chat platform that
    knows them, who is then added to the directory and committed. None when nobody has that
    email.

    Each step has its own short session, so no transaction (on SQLite, the write lock) is
    held while the platform is asked.
    """
    email = email.strip().lower()
    async with sessions() as session:
        person = await find_by_email(session, email)
    if person is not None:
        return person
    profile = await chat.profile_by_email(email)
    if profile is None:
        return None
    return await add_profile(sessions, app, profile)


async def add_profile(sessions: async_sessionmaker[AsyncSession], app: AppConfig,
                      profile: Profile) -> Person:
    """`upsert_profile` in a short session of its own, committed: a rollback there never
    expires a caller's objects. Someone added meanwhile (an event, another replica, a request
    naming them at the same moment) is found instead."""
    async with sessions() as session:
        try:
            person = await upsert_profile(session, app, profile)
            await session.commit()
        except IntegrityError:
            await session.rollback()
            person = await find_by_platform_id(session, profile.platform, profile.user_id)
            await session.commit()
            if person is None:
                raise
    return person


@dataclass(frozen=True)
class SyncSummary:
    """What one platform's directory sync found and changed."""

    platform: Platform
    members: int
    """People the platform lists as members now."""
    added: int
    updated: int
    deactivated: int


async def sync_directory(sessions: async_sessionmaker[AsyncSession], app: AppConfig,
                         chat: ChatPort) -> list[SyncSummary]:
    """Sync the directory with every platform that can list its members (Slack; Teams members
    arrive with conversation updates instead). Each roster is read in full before anything is
    written, so a failed read changes nothing."""
    usergroups = configured_usergroups(app)
    summaries = []
    for platform in get_args(Platform):
        roster = await chat.roster(platform, usergroups)
        if roster is not None:
            summaries.append(await sync_roster(sessions, app, roster))
    return summaries


async def sync_roster(sessions: async_sessionmaker[AsyncSession], app: AppConfig,
                      roster: Roster, *, batch_size: int = BATCH_SIZE) -> SyncSummary:
    """Bring the directory in line with one platform's roster: add and refresh its members,
    apply app.yaml, and let go of everyone known on the platform whom it no longer lists as a
    member (deleted accounts, and accounts gone from the list altogether).

    Everyone is read in one query and compared in memory; only real changes are written, as
    bulk statements committed every `batch_size` people, so a large sync never holds one long
    write lock. A person added by someone else meanwhile (a join event, another replica
    starting) makes a batch hit the unique platform id; the sync then starts again from the
    database, where every batch committed so far is already in place.
    """
    totals: Counter[str] = Counter()
    async for attempt in AsyncRetrying(retry=retry_if_exception_type(IntegrityError),
                                       stop=stop_after_attempt(SYNC_ATTEMPTS), reraise=True):
        with attempt:
            await _write_roster(sessions, app, roster, batch_size, totals)
    summary = SyncSummary(platform=roster.platform, members=len(roster.members),
                          added=totals["added"], updated=totals["updated"],
                          deactivated=totals["deactivated"])
    log.info("directory sync from %s: %d members, %d added, %d updated, %d deactivated",
             summary.platform, summary.members, summary.added, summary.updated,
             summary.deactivated)
    return summary


async def _write_roster(sessions: async_sessionmaker[AsyncSession], app: AppConfig,
                        roster: Roster, batch_size: int, totals: Counter[str]) -> None:
    platform = roster.platform
    groups_of = _groups_by_member(roster.usergroups)
    async with sessions() as session:
        rows = (await session.exec(select(Person.id, *_ENTRY_COLUMNS).order_by(Person.id))).all()
        known = {row[0]: Entry(*row[1:]) for row in rows}
        writes = _Writes(session, batch_size, totals)
        fresh = _entry_of(Person())
        matched: set[int] = set()
        for profile, person_id in _match(roster.members, known, platform):
            groups = groups_of.get(profile.user_id, frozenset())
            if person_id is None:
                await writes.add(_refreshed(app, fresh, profile, groups))
                continue
            matched.add(person_id)
            entry = _refreshed(app, known[person_id], profile, groups)
            if entry != known[person_id]:
                await writes.change(person_id, entry, "updated")
        listed = {_key(platform, profile.user_id) for profile in roster.members}
        for person_id, entry in known.items():
            user_id = _platform_id(entry, platform)
            # A row matched by email keeps its old, unlisted id until its write lands.
            if user_id is None or user_id in listed or person_id in matched:
                continue
            gone = _departed(entry, platform)
            if gone is not None:
                await writes.change(person_id, *gone)
        await writes.commit()


class _Writes:
    """Inserts and updates, sent as bulk statements and committed every `size` people;
    `totals` counts only what was committed."""

    def __init__(self, session: AsyncSession, size: int, totals: Counter[str]):
        self.session = session
        self.size = size
        self.totals = totals
        self.pending: Counter[str] = Counter()
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []

    async def add(self, entry: Entry) -> None:
        now = utcnow()
        self.inserts.append({**entry._asdict(), "created_at": now, "updated_at": now})
        await self._count("added")

    async def change(self, person_id: int, entry: Entry, outcome: str) -> None:
        self.updates.append({"id": person_id, **entry._asdict(), "updated_at": utcnow()})
        await self._count(outcome)

    async def _count(self, outcome: str) -> None:
        self.pending[outcome] += 1
        if self.pending.total() >= self.size:
            await self.commit()

    async def commit(self) -> None:
        if self.inserts:
            await self.session.exec(insert(Person), params=self.inserts)
        if self.updates:
            await self.session.exec(update(Person), params=self.updates)
        await self.session.commit()
        self.totals.update(self.pending)
        self.pending.clear()
        self.inserts, self.updates = [], []


def _groups_by_member(usergroups: Mapping[str, Collection[str]]) -> dict[str, frozenset[str]]:
    members: dict[str, set[str]] = {}
    for group, user_ids in usergroups.items():
        for user_id in user_ids:
            members.setdefault(user_id, set()).add(group)
    return {user_id: frozenset(groups) for user_id, groups in members.items()}


def _match(members: Sequence[Profile], known: Mapping[int, Entry],
           platform: Platform) -> list[tuple[Profile, int | None]]:
    """Each member's row id: by platform id first, then by email among the rows no member took
    by id, so an email moving between two accounts never hands one row to both."""
    by_id = {user_id: person_id for person_id, entry in known.items()
             if (user_id := _platform_id(entry, platform))}
    matched: dict[int, int | None] = {}
    for index, profile in enumerate(members):
        person_id = by_id.get(_key(platform, profile.user_id))
        if person_id is not None:
            matched[index] = person_id
    taken = set(matched.values())
    # Rows without this platform's id first: a Teams-only row is the likeliest same person.
    by_email: dict[str, int] = {}
    for person_id, entry in sorted(known.items(),
                                   key=lambda item: _platform_id(item[1], platform) is not None):
        if entry.email and person_id not in taken:
            by_email.setdefault(entry.email, person_id)
    for index, profile in enumerate(members):
        if index not in matched:
            email = _email(profile)
            matched[index] = by_email.pop(email, None) if email else None
    return [(profile, matched[index]) for index, profile in enumerate(members)]
