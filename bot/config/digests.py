"""The `digests` section: any number of SLA and satisfaction digests, each posted to a
channel on a weekly or monthly schedule in the organisation's time zone, for all services or a
scope, against targets, with the sections wanted.

`SECTIONS` names every section a digest may show, in the order shown; the digest flows
(`bot.flows.digests.sections`) hold one builder per name. Adding a section is adding its name
here and its builder there.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Discriminator, Field, StringConstraints, Tag, field_validator, model_validator

from bot.config.base import Strict
from bot.config.channels import ChannelTarget

SECTIONS = ("sla", "times", "volume", "callbacks", "csat", "nps", "surveys", "projects",
            "complaints", "broadcasts", "kudos", "milestones", "plans")
"""Every section a digest can show, in order; a digest shows them all unless told which."""

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NamedChannel = Literal["digests", "triage", "kudos_wall"]
"""The `channels` entries a digest may name instead of giving channel ids."""
DigestChannel = Annotated[
    Annotated[NamedChannel, Tag("name")] | Annotated[ChannelTarget, Tag("ids")],
    # Told apart by shape, so a mistake is reported for the one that was meant.
    Discriminator(lambda value: "name" if isinstance(value, str) else "ids")]
DigestName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,59}$")]
"""As `touchpoint digest send NAME` and `/touchpoint digest NAME` take it."""


class DigestSchedule(Strict):
    """When a digest goes out: weekly on a day at a time (the week before), or monthly on a
    day of the month at a time (the month before)."""

    every: Literal["week", "month"] = "week"
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    """Weekly: the day it is posted, for the ISO week (Monday to Sunday) that ended before."""
    day_of_month: int = Field(default=1, ge=1, le=28)
    """Monthly: the day it is posted, for the calendar month before."""
    time: dt.time = dt.time(9, 0)


class DigestScope(Strict):
    """Which tickets, surveys and complaints count: all, those of some services of the
    catalogue, or the tickets of an assignee group (emails)."""

    services: list[str] = Field(default_factory=list)
    assignees: list[str] = Field(default_factory=list)
    """Assignee emails: a digest for one team's tickets and their surveys."""

    @field_validator("assignees")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        if any("@" not in email for email in emails):
            raise ValueError("each assignee is an email address")
        return [email.lower() for email in emails]


class DigestTargets(Strict):
    csat_good: float = Field(default=80, ge=0, le=100)
    """CSAT % (answers of 4 or 5) that counts as good service."""
    csat_outstanding: float = Field(default=90, ge=0, le=100)
    sla: dict[str, float] = Field(default_factory=dict)
    """SLA met % wanted per priority (both first response and resolution)."""
    sla_default: float = Field(default=90, ge=0, le=100)
    """SLA met % wanted for a priority not listed in `sla`."""
    nps: int | None = Field(default=None, ge=-100, le=100)

    @field_validator("sla")
    @classmethod
    def _percentages(cls, targets: dict[str, float]) -> dict[str, float]:
        if any(not 0 <= value <= 100 for value in targets.values()):
            raise ValueError("each SLA target is a percentage from 0 to 100")
        return targets

    @model_validator(mode="after")
    def _ordered(self) -> DigestTargets:
        if self.csat_outstanding < self.csat_good:
            raise ValueError("csat_outstanding must not be below csat_good")
        return self

    def sla_for(self, priority: str | None) -> float:
        return self.sla.get(priority or "", self.sla_default)


class Digest(Strict):
    name: DigestName
    channel: DigestChannel = "digests"
    """Channel ids, or the name of an entry of `channels` (digests, triage, kudos_wall)."""
    schedule: DigestSchedule = Field(default_factory=DigestSchedule)
    scope: DigestScope = Field(default_factory=DigestScope)
    targets: DigestTargets = Field(default_factory=DigestTargets)
    sections: list[str] = Field(default_factory=lambda: list(SECTIONS))
    repeat_contact_days: int = Field(default=7, ge=1, le=90)
    """A ticket is a repeat contact when its requester opened one for the same service this
    many days before."""


def digest_problems(digests: list[Digest], service_known) -> list[str]:
    """Names given twice, unknown sections and services outside the catalogue, each as
    ``digests.i.field.j: message``, as pydantic names the others."""
    problems: list[str] = []
    seen: set[str] = set()
    for index, digest in enumerate(digests):
        where = f"digests.{index}"
        if digest.name in seen:
            problems.append(f"{where}.name: {digest.name!r} names two digests")
        seen.add(digest.name)
        for n, section in enumerate(digest.sections):
            if section not in SECTIONS:
                problems.append(f"{where}.sections.{n}: unknown section {section!r}; "
                                f"known: {', '.join(SECTIONS)}")
        for n, service in enumerate(digest.scope.services):
            if not service_known(service):
                problems.append(f"{where}.scope.services.{n}: {service!r} is not in the "
                                "service catalogue (services)")
    return problems
