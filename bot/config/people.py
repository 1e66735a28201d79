"""People in app.yaml: the `roles` and `segments` sections, and the selector both use.

A `PeopleSelector` names people by Slack user id, Teams object id, email or Slack user group;
`roles` grants each role to a selector (the highest role wins), and `segments` puts people
into groups (department, site, ...) for results by group. Pulse audiences select people the
same way.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator

from bot.config.base import Strict

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_USERGROUP = re.compile(r"^S[A-Z0-9]{2,}$")

SegmentName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class Role(StrEnum):
    """What a person may do; each role includes everything the roles below it may do."""

    EMPLOYEE = "employee"
    IT_STAFF = "it_staff"
    IT_LEAD = "it_lead"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class PeopleSelector(Strict):
    """A set of people named by Slack user id, Teams AAD object id, email or Slack user group."""

    slack_users: list[str] = Field(default_factory=list)
    teams_users: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    slack_usergroups: list[str] = Field(default_factory=list)

    @field_validator("slack_users")
    @classmethod
    def _slack_ids(cls, ids: list[str]) -> list[str]:
        for user_id in ids:
            if not _SLACK_USER.fullmatch(user_id):
                raise ValueError(f"{user_id!r} is not a Slack user id (like U012ABC)")
        return ids

    @field_validator("slack_usergroups")
    @classmethod
    def _usergroup_ids(cls, ids: list[str]) -> list[str]:
        for group_id in ids:
            if not _SLACK_USERGROUP.fullmatch(group_id):
                raise ValueError(f"{group_id!r} is not a Slack user group id (like S012ABC)")
        return ids

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        for email in emails:
            if not _EMAIL.fullmatch(email):
                raise ValueError(f"{email!r} is not an email address")
        return [email.lower() for email in emails]

    @field_validator("teams_users")
    @classmethod
    def _teams_ids(cls, ids: list[str]) -> list[str]:
        return [teams_id.lower() for teams_id in ids]


class Roles(Strict):
    """Who holds which role; everyone not named is an employee."""

    admin: PeopleSelector = Field(default_factory=PeopleSelector)
    it_lead: PeopleSelector = Field(default_factory=PeopleSelector)
    it_staff: PeopleSelector = Field(default_factory=PeopleSelector)

    def by_rank(self) -> list[tuple[Role, PeopleSelector]]:
        """Highest role first, so the first match wins."""
        return [(Role.ADMIN, self.admin), (Role.IT_LEAD, self.it_lead),
                (Role.IT_STAFF, self.it_staff)]


Segments = dict[SegmentName, dict[str, PeopleSelector]]
"""Segment name -> value -> the people with that value; the first matching value wins."""
