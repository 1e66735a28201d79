"""The `broadcasts` section: who may post outage and maintenance status updates, how often an
open broadcast must be updated before its owner (then the IT leads) is reminded, and how much
of its history the channel post shows.

Services are named from the catalogue (`services`); a name here that is not in it is a
mistake `check-config` reports with its path (see `AppConfig`).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.config.base import Strict
from bot.config.people import Role

IMPACTS = ("outage", "degraded", "informational")


def _default_intervals() -> dict[str, int]:
    return {"outage": 30, "degraded": 120, "informational": 480}


class BroadcastsConfig(Strict):
    """Status updates for outages and planned maintenance."""

    min_role: Role = Role.IT_STAFF
    """The least role that may open and change a broadcast (and press its buttons)."""
    remind_after_minutes: dict[str, int] = Field(default_factory=_default_intervals)
    """Impact -> minutes without an update before the owner is reminded."""
    service_remind_after_minutes: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Service (catalogue name or alias) -> impact -> minutes, where one service needs a
    tighter (or looser) cadence than the default."""
    leads_after_reminders: int = Field(default=1, ge=1)
    """Reminders the owner gets before the IT leads are reminded too."""
    timeline_length: int = Field(default=5, ge=1, le=20)
    """Updates shown on the channel post, newest last; the thread keeps them all."""
    max_length: int = Field(default=2000, ge=100, le=3000)
    """Longest message of one update, in characters."""
    offer_requesters: bool = True
    """Offer the updates to people whose tickets for an affected service arrive while a
    broadcast is open (a DM with a Follow button), once per broadcast and person."""
    hold_surveys: bool = True
    """Hold the CSAT survey of a ticket resolved while an open incident affects its service,
    and send it once no open incident affects the service any more (planned maintenance
    holds nothing: it is announced ahead, and a ticket during it is judged on its own)."""
    informed_survey: bool = True
    """When a broadcast is resolved, ask its subscribers "how well were you kept informed?"
    (1-5), once per broadcast."""

    @field_validator("remind_after_minutes")
    @classmethod
    def _every_impact(cls, intervals: dict[str, int]) -> dict[str, int]:
        return _intervals(intervals, complete=True)

    @field_validator("service_remind_after_minutes")
    @classmethod
    def _service_intervals(cls, per_service: dict[str, dict[str, int]]
                           ) -> dict[str, dict[str, int]]:
        for intervals in per_service.values():
            _intervals(intervals, complete=False)
        return per_service


def _intervals(intervals: dict[str, int], *, complete: bool) -> dict[str, int]:
    unknown = set(intervals) - set(IMPACTS)
    if unknown:
        raise ValueError(f"impacts are {', '.join(IMPACTS)}; not {', '.join(sorted(unknown))}")
    if complete and set(intervals) != set(IMPACTS):
        raise ValueError(f"give minutes for each impact: {', '.join(IMPACTS)}")
    if any(minutes < 1 for minutes in intervals.values()):
        raise ValueError("minutes must be at least 1")
    return intervals
