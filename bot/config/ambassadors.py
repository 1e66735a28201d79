"""The `ambassadors` section: the IT staff member (or members) who look after one department's
satisfaction, one per value of a segment, and when their monthly summary goes out.

The segment and its values must be app.yaml's own (`segments`); `AppConfig` checks that, since
it spans sections. Ambassadors are named by Slack user id, Teams object id or email: a Slack
user group is only resolved during a directory sync, so it is refused here as for pulses.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from bot.config.base import Strict
from bot.config.people import PeopleSelector, SegmentName


class AmbassadorsConfig(Strict):
    """``ambassadors: {segment: department, by_value: {Finance: {emails: [...]}}}``."""

    segment: SegmentName | None = None
    """The segment whose values are departments; None: no ambassadors."""
    by_value: dict[str, PeopleSelector] = Field(default_factory=dict)
    """The segment's value -> its ambassadors."""
    day_of_month: int = Field(default=1, ge=1, le=28)
    """The monthly summary (of the month before) goes out on this day..."""
    time: dt.time = dt.time(9, 0)
    """...at this time, in the organisation's zone."""

    def problems(self, segments: dict[str, dict[str, PeopleSelector]]) -> list[str]:
        """What is wrong here, or does not match app.yaml's `segments`, each with its path
        (checked from `AppConfig`, so each line names its whole path)."""
        if self.segment is None:
            return ["ambassadors.segment: give the segment the values of by_value belong to"
                    ] if self.by_value else []
        if self.segment not in segments:
            return [f"ambassadors.segment: {self.segment!r} is not one of segments"]
        problems = []
        for value, people in self.by_value.items():
            path = f"ambassadors.by_value.{value}"
            if value not in segments[self.segment]:
                problems.append(f"{path}: not a value of segments.{self.segment}")
            if people.slack_usergroups:
                problems.append(f"{path}.slack_usergroups: name ambassadors by Slack user id, "
                                "Teams id or email")
            elif not (people.slack_users or people.teams_users or people.emails):
                problems.append(f"{path}: name at least one ambassador")
        return problems
