"""The people directory's queries: finding a person by platform id or email, and reading and
writing the whole directory in bulk for a roster sync.

The `person` table itself is in `storage.models` (every feature refers to it). Platform user
ids are stored as `stored_user_id` gives them (Teams AAD object ids in lower case), emails in
lower case, so every look-up here normalises what it is given the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from sqlmodel import insert, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.types import utcnow


class Entry(NamedTuple):
    """What the directory holds about a person, apart from the row's id and timestamps."""

    slack_user_id: str | None
    teams_user_id: str | None
    email: str | None
    display_name: str
    tz: str
    platform_locale: str | None
    role: str
    segments: dict[str, str]
    active: bool


def user_id_field(platform: str) -> str:
    """The `Person` column holding a platform's user id."""
    return "slack_user_id" if platform == "slack" else "teams_user_id"


def stored_user_id(platform: str, user_id: str) -> str:
    """A platform user id as stored: Teams (AAD object) ids in lower case."""
    return user_id.lower() if platform == "teams" else user_id


def entry_of(person: Person) -> Entry:
    return Entry(*(getattr(person, name) for name in Entry._fields))


def store_entry(person: Person, entry: Entry) -> None:
    """Write an entry into a person's row, touching only what changed."""
    changed = {name: value for name, value in entry._asdict().items()
               if getattr(person, name) != value}
    for name, value in changed.items():
        setattr(person, name, value)
    if changed:
        person.updated_at = utcnow()


async def find_by_platform_id(session: AsyncSession, platform: str,
                              user_id: str) -> Person | None:
    column = getattr(Person, user_id_field(platform))
    result = await session.exec(select(Person).where(column == stored_user_id(platform, user_id)))
    return result.first()


async def note_platform(session: AsyncSession, person: Person, platform: str) -> bool:
    """Record that `person` acted on `platform` (where their direct messages go unless they
    chose one); True when it changed, for the caller to commit."""
    if person.last_platform == platform:
        return False
    person.last_platform = platform
    session.add(person)
    return True


async def note_locale(session: AsyncSession, person: Person, locale: str | None) -> bool:
    """Record the language `person`'s platform gave with what they just did (Teams' activity
    locale); True when it changed, for the caller to commit. None (Slack's requests carry
    none) leaves what the directory knows."""
    if not locale or person.platform_locale == locale:
        return False
    person.platform_locale = locale
    session.add(person)
    return True


async def choose_locale(session: AsyncSession, person: Person, locale: str | None) -> None:
    """Record the language `person` chose in their settings (None: automatic); the caller
    commits."""
    person.locale = locale
    person.updated_at = utcnow()
    session.add(person)


async def choose_platform(session: AsyncSession, person: Person, platform: str | None) -> None:
    """Record the platform `person` chose for their direct messages (None: where they last
    acted); the caller commits."""
    person.preferred_platform = platform
    person.updated_at = utcnow()
    session.add(person)


async def find_by_email(session: AsyncSession, email: str) -> Person | None:
    result = await session.exec(select(Person).where(Person.email == email.strip().lower()))
    return result.first()


async def find_by_id_or_email(session: AsyncSession, platform: str, user_id: str,
                              email: str | None) -> Person | None:
    """The row holding this platform id, else one that only shares the (lower case) email."""
    stored = stored_user_id(platform, user_id)
    column = getattr(Person, user_id_field(platform))
    conditions = [column == stored]
    if email:
        conditions.append(Person.email == email)
    candidates = (await session.exec(select(Person).where(or_(*conditions)))).all()
    return next((p for p in candidates if getattr(p, user_id_field(platform)) == stored),
                candidates[0] if candidates else None)


async def all_entries(session: AsyncSession) -> dict[int, Entry]:
    """Everyone in the directory, by row id, in one query."""
    columns = tuple(getattr(Person, name) for name in Entry._fields)
    rows = (await session.exec(select(Person.id, *columns).order_by(Person.id))).all()
    return {row[0]: Entry(*row[1:]) for row in rows}


async def write_entries(session: AsyncSession, added: Sequence[Entry],
                        changed: Mapping[int, Entry]) -> None:
    """New people and changed rows, each kind in one bulk statement; the caller commits."""
    now = utcnow()
    if added:
        await session.exec(insert(Person), params=[
            {**entry._asdict(), "created_at": now, "updated_at": now} for entry in added])
    if changed:
        await session.exec(update(Person), params=[
            {"id": person_id, **entry._asdict(), "updated_at": now}
            for person_id, entry in changed.items()])
