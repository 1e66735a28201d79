"""The people directory, a whole platform at a time: a sync reads a platform's roster (Slack's
members and the user groups app.yaml names) and brings every row in line with it; Teams
members arrive with conversation updates instead (see `bot.flows.directory.people`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import get_args

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from bot.chat.port import Platform, Profile, Roster
from bot.config import AppConfig
from bot.flows.directory.people import (
    configured_usergroups,
    departed,
    platform_id,
    profile_email,
    refreshed,
)
from bot.services import Services
from storage.directory import Entry, all_entries, entry_of, stored_user_id, write_entries
from storage.models import Person

log = logging.getLogger(__name__)

BATCH_SIZE = 500
"""Changed people per statement and commit during a sync."""
SYNC_ATTEMPTS = 3


@dataclass(frozen=True)
class SyncSummary:
    """What one platform's directory sync found and changed."""

    platform: Platform
    members: int
    """People the platform lists as members now."""
    added: int
    updated: int
    deactivated: int


async def sync_directory(session: AsyncSession, services: Services) -> list[SyncSummary]:
    """Sync the directory with every platform that can list its members (Slack; Teams members
    arrive with conversation updates instead). Each roster is read in full, with no
    transaction open, before anything is written, so a failed read changes nothing."""
    app = services.settings.app
    usergroups = configured_usergroups(app)
    summaries = []
    for platform in get_args(Platform):
        # Nothing is held while the platform pages through its members (on SQLite a
        # transaction holds the one connection).
        await session.commit()
        roster = await services.chat.roster(platform, usergroups)
        if roster is not None:
            summaries.append(await sync_roster(session, app, roster))
    return summaries


async def sync_roster(session: AsyncSession, app: AppConfig, roster: Roster, *,
                      batch_size: int = BATCH_SIZE) -> SyncSummary:
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
            try:
                await _write_roster(session, app, roster, batch_size, totals)
            except IntegrityError:
                await session.rollback()
                raise
    summary = SyncSummary(platform=roster.platform, members=len(roster.members),
                          added=totals["added"], updated=totals["updated"],
                          deactivated=totals["deactivated"])
    log.info("directory sync from %s: %d members, %d added, %d updated, %d deactivated",
             summary.platform, summary.members, summary.added, summary.updated,
             summary.deactivated)
    return summary


async def _write_roster(session: AsyncSession, app: AppConfig, roster: Roster,
                        batch_size: int, totals: Counter[str]) -> None:
    platform = roster.platform
    groups_of = _groups_by_member(roster.usergroups)
    known = await all_entries(session)
    writes = _Writes(session, batch_size, totals)
    fresh = entry_of(Person())
    matched: set[int] = set()
    for profile, person_id in _match(roster.members, known, platform):
        groups = groups_of.get(profile.user_id, frozenset())
        if person_id is None:
            await writes.add(refreshed(app, fresh, profile, groups))
            continue
        matched.add(person_id)
        entry = refreshed(app, known[person_id], profile, groups)
        if entry != known[person_id]:
            await writes.change(person_id, entry, "updated")
    listed = {stored_user_id(platform, profile.user_id) for profile in roster.members}
    for person_id, entry in known.items():
        user_id = platform_id(entry, platform)
        # A row matched by email keeps its old, unlisted id until its write lands.
        if user_id is None or user_id in listed or person_id in matched:
            continue
        gone = departed(entry, platform)
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
        self.added: list[Entry] = []
        self.changed: dict[int, Entry] = {}

    async def add(self, entry: Entry) -> None:
        self.added.append(entry)
        await self._count("added")

    async def change(self, person_id: int, entry: Entry, outcome: str) -> None:
        self.changed[person_id] = entry
        await self._count(outcome)

    async def _count(self, outcome: str) -> None:
        self.pending[outcome] += 1
        if self.pending.total() >= self.size:
            await self.commit()

    async def commit(self) -> None:
        await write_entries(self.session, self.added, self.changed)
        # One commit per batch: a large sync never holds one long write lock.
        await self.session.commit()
        self.totals += self.pending
        self.pending.clear()
        self.added, self.changed = [], {}


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
             if (user_id := platform_id(entry, platform))}
    matched: dict[int, int | None] = {}
    for index, profile in enumerate(members):
        person_id = by_id.get(stored_user_id(platform, profile.user_id))
        if person_id is not None:
            matched[index] = person_id
    taken = set(matched.values())
    # Rows without this platform's id first: a Teams-only row is the likeliest same person.
    by_email: dict[str, int] = {}
    for person_id, entry in sorted(known.items(),
                                   key=lambda item: platform_id(item[1], platform) is not None):
        if entry.email and person_id not in taken:
            by_email.setdefault(entry.email, person_id)
    for index, profile in enumerate(members):
        if index not in matched:
            email = profile_email(profile)
            matched[index] = by_email.pop(email, None) if email else None
    return [(profile, matched[index]) for index, profile in enumerate(members)]
