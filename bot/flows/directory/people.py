"""The people directory, one person at a time: who is who across Slack and Teams, and which
role and segments app.yaml gives them; kept current by platform events, by first contact and
by the roster syncs of `bot.flows.directory.sync`.

A person is found by platform id, else by email (the same human on both platforms becomes one
row), else created from what the platform tells us. Roles and segments are always derived from
app.yaml, never edited by hand, so changing the file and syncing is the only way to grant them.

Slack user group memberships are only known during a sync. Between syncs (an event, a first
contact, a Teams update) the groups behind a person's current role and segments are assumed
unchanged, so an edited profile never costs IT staff their role until the next sync.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Platform, Profile
from bot.config import AppConfig, PeopleSelector, Role
from bot.services import Services
from storage.directory import (
    Entry,
    entry_of,
    find_by_id_or_email,
    find_by_platform_id,
    store_entry,
    stored_user_id,
    user_id_field,
)
from storage.models import Person


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


def platform_id(entry: Entry | Person, platform: Platform) -> str | None:
    return getattr(entry, user_id_field(platform))


def profile_email(profile: Profile) -> str | None:
    return profile.email.strip().lower() if profile.email else None


def _groups_behind(app: AppConfig, entry: Entry) -> set[str]:
    """The user groups that could have given the person their current role and segments."""
    groups = {group for role, selector in app.roles.by_rank() if role.value == entry.role
              for group in selector.slack_usergroups}
    for segment, value in entry.segments.items():
        selector = app.segments.get(segment, {}).get(value)
        if selector is not None:
            groups |= set(selector.slack_usergroups)
    return groups


def refreshed(app: AppConfig, entry: Entry, profile: Profile,
              usergroups: Collection[str] | None) -> Entry:
    """The entry with a platform profile and app.yaml applied; an active person.

    `usergroups` None means the memberships are not known (see the module docstring).
    """
    if usergroups is None:
        usergroups = _groups_behind(app, entry)
    # Someone new whose platform gives no zone (Teams gives none) is on the organisation's
    # time until one is known, rather than on UTC.
    known = entry.slack_user_id is not None or entry.teams_user_id is not None
    tz = profile.tz or (entry.tz if known else app.organisation.timezone)
    entry = entry._replace(**{user_id_field(profile.platform): stored_user_id(
        profile.platform, profile.user_id)})
    email = profile_email(profile) or entry.email
    identity = Identity(slack_user_id=entry.slack_user_id, teams_user_id=entry.teams_user_id,
                        email=email, slack_usergroups=usergroups)
    return entry._replace(email=email, display_name=profile.display_name or entry.display_name,
                          tz=tz, platform_locale=(profile.locale or entry.platform_locale),
                          role=role_for(app, identity).value,
                          segments=segments_for(app, identity), active=True)


def departed(entry: Entry, platform: Platform) -> tuple[Entry, str] | None:
    """The entry once the person is gone from `platform` (deleted, or no longer listed), and
    whether that ``updated`` or ``deactivated`` them; None when nothing changes.

    Someone still on the other platform only loses this platform's id, so messages go where
    they can be read; anyone else becomes inactive.
    """
    if not entry.active:
        return None
    if platform_id(entry, "teams" if platform == "slack" else "slack"):
        return entry._replace(**{user_id_field(platform): None}), "updated"
    return entry._replace(active=False), "deactivated"


async def upsert_profile(session: AsyncSession, app: AppConfig, profile: Profile,
                         usergroups: Collection[str] | None = None) -> Person:
    """Create or refresh the person a platform profile describes; the caller commits.

    `usergroups`: the Slack user groups the person is in, when known; None keeps the groups
    behind their current role and segments.
    """
    person = await find_by_id_or_email(session, profile.platform, profile.user_id,
                                       profile_email(profile))
    if person is None:
        person = Person()
        session.add(person)
    store_entry(person, refreshed(app, entry_of(person), profile, usergroups))
    return person


async def add_profile(session: AsyncSession, app: AppConfig, profile: Profile) -> Person:
    """`upsert_profile` for someone met for the first time, in a savepoint of the caller's
    transaction: someone added meanwhile (an event, another replica, a request naming them at
    the same moment) is found instead, and the rest of the transaction stands."""
    try:
        async with session.begin_nested():
            return await upsert_profile(session, app, profile)
    except IntegrityError:
        person = await find_by_platform_id(session, profile.platform, profile.user_id)
        if person is None:
            raise
        return person


async def record_profile_change(session: AsyncSession, services: Services, profile: Profile,
                                *, active: bool) -> Person | None:
    """A platform says someone joined or changed (`active`), or was deleted. A deleted account
    the directory never knew is ignored."""
    if active:
        return await upsert_profile(session, services.settings.app, profile)
    person = await find_by_platform_id(session, profile.platform, profile.user_id)
    if person is not None:
        gone = departed(entry_of(person), profile.platform)
        if gone is not None:
            store_entry(person, gone[0])
    return person
