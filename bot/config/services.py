"""The `services` section: the service catalogue. Complaints, tickets, broadcasts and digests
name services from this one list, so "Email" means the same thing in each of them.

A service desk may call a service something else ("Exchange Online"); `aliases` map those
names onto the catalogue's when ticket events arrive. When app.yaml has no `services`
section, the catalogue is the names of `complaints.services`, so older files keep working.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.config.base import Strict
from bot.config.channels import ChannelTarget
from bot.config.people import PeopleSelector


def _service_name(name: str) -> str:
    if not name.strip() or len(name) > 75:
        raise ValueError("each name must be 1 to 75 characters")
    return name


class Service(Strict):
    """One service IT runs for the business."""

    name: str
    description: str = Field(default="", max_length=300)
    owners: PeopleSelector = Field(default_factory=PeopleSelector)
    """The owner group: who answers for the service (reminded about its broadcasts)."""
    aliases: list[str] = Field(default_factory=list)
    """Other names service desks use for it; matched without regard to case."""
    broadcast_channel: ChannelTarget | None = None
    """Where its outage and maintenance updates go, besides channels.broadcasts."""

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return _service_name(name)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, aliases: list[str]) -> list[str]:
        return [_service_name(alias) for alias in aliases]


def catalogue_problems(services: list[Service]) -> list[str]:
    """Names or aliases given to two services (or twice), as ``services[i]...: message``."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, service in enumerate(services):
        for where, name in [("name", service.name),
                            *((f"aliases[{n}]", alias) for n, alias in
                              enumerate(service.aliases))]:
            key = name.strip().lower()
            if key in seen:
                problems.append(f"services[{index}].{where}: {name!r} already names "
                                f"services[{seen[key]}]")
            else:
                seen[key] = index
    return problems
