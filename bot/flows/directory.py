"""The people directory: who is who across Slack and Teams, and which role and segments
app.yaml gives them.

A person is found by platform id, else by email (the same human on both platforms becomes one
row), else created from what the platform tells us. Roles and segments are always derived from
app.yaml, never edited by hand, so changing the file and syncing is the only way to grant them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Platform, Profile
from bot.config import AppConfig, PeopleSelector, Role
from storage.models import Person
from storage.types import utcnow


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


def identity_of(person: Person, usergroups: Collection[str] = ()) -> Identity:
    return Identity(slack_user_id=person.slack_user_id, teams_user_id=person.teams_user_id,
                    email=person.email, slack_usergroups=usergroups)


def apply_config(app: AppConfig, person: Person, usergroups: Collection[str] = ()) -> None:
    identity = identity_of(person, usergroups)
    person.role = role_for(app, identity).value
    person.segments = segments_for(app, identity)


def _id_column(platform: Platform):
    return Person.slack_user_id if platform == "slack" else Person.teams_user_id


async def find_by_platform_id(session: AsyncSession, platform: Platform,
                              user_id: str) -> Person | None:
    if platform == "teams":
        user_id = user_id.lower()
    result = await session.exec(select(Person).where(_id_column(platform) == user_id))
    return result.first()


async def find_by_email(session: AsyncSession, email: str) -> Person | None:
    result = await session.exec(select(Person).where(Person.email == email.lower()))
    return result.first()


async def upsert_profile(session: AsyncSession, app: AppConfig, profile: Profile,
                         usergroups: Collection[str] = ()) -> Person:
    """Create or refresh the person a platform profile describes; the caller commits."""
    user_id = profile.user_id.lower() if profile.platform == "teams" else profile.user_id
    email = profile.email.lower() if profile.email else None
    conditions = [_id_column(profile.platform) == user_id]
    if email:
        conditions.append(Person.email == email)
    candidates = (await session.exec(select(Person).where(or_(*conditions)))).all()
    # Prefer the row already holding this platform id over one that only shares the email.
    person = next((p for p in candidates if _platform_id(p, profile.platform) == user_id),
                  candidates[0] if candidates else None)
    if person is None:
        person = Person()
        session.add(person)
    if profile.platform == "slack":
        person.slack_user_id = user_id
    else:
        person.teams_user_id = user_id
    person.email = email or person.email
    person.display_name = profile.display_name or person.display_name
    person.tz = profile.tz or person.tz
    person.active = True
    person.updated_at = utcnow()
    apply_config(app, person, usergroups)
    return person


def _platform_id(person: Person, platform: Platform) -> str | None:
    return person.slack_user_id if platform == "slack" else person.teams_user_id
