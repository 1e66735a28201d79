"""The `milestones` section: which milestones are celebrated, and the bars they must clear.

Each milestone is celebrated once (storage.milestones keeps a unique row per milestone), with
a post in `channels.digests` and on `channels.kudos_wall`. The check runs daily at
`check_hour` in the organisation's time zone, over the last whole week (Monday to Sunday).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from bot.config.base import Strict

Percent = Annotated[int, Field(ge=1, le=100)]
Count = Annotated[int, Field(ge=1)]


def _increasing(values: list[int]) -> list[int]:
    if values != sorted(set(values)):
        raise ValueError("list each value once, smallest first")
    return values


class MilestonesConfig(Strict):
    enabled: bool = True
    check_hour: int = Field(default=8, ge=0, le=23)
    """When the daily check runs, in organisation.timezone."""
    again_after_weeks: int | None = Field(default=None, ge=1, le=104)
    """None: a CSAT level and a week without SLA breach are celebrated the first time only.
    N: again when reached after N weeks without reaching it."""
    csat_levels: list[Percent] = Field(default_factory=lambda: [80, 90])
    """CSAT % (answers of 4 or 5) a week reaches; [] for none."""
    csat_min_answers: Count = 20
    """A week's CSAT counts with at least this many answers."""
    sla_clean_week: bool = True
    """A week whose tickets breached no SLA target (first response or resolution)."""
    sla_min_tickets: Count = 10
    """... with at least this many tickets opened that week and decided (met or breached)."""
    nps_gain: Count | None = 3
    """The latest NPS pulse up at least this many points on the pulse a year before it
    (each with at least pulses.min_group answers); None for no NPS milestone."""
    kudos_counts: list[Count] = Field(default_factory=lambda: [100, 500])
    """Kudos given in all (one per recipient, revoked ones not counted); [] for none."""
    complaint_backlog_zero: bool = True
    """No complaint left open, after at least one was filed since the last time."""
    post_to_wall: bool = True
    """Post on channels.kudos_wall as well as in channels.digests."""

    _levels = field_validator("csat_levels", "kudos_counts")(_increasing)
