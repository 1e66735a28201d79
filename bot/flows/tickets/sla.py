"""SLA deadlines: when a ticket must have had its first response and its resolution, and from
when it counts as at risk of missing them, all in the organisation's business hours.

The deadlines are worked out once, when a ticket is opened or changes priority, and stored on
the ticket; whether a ticket met, breached or is at risk of breaching a target is then a plain
comparison of stored times that SQL can make over any number of tickets
(`storage.ticket_stats`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import AppConfig
from bot.flows.business_time import BusinessCalendar


@dataclass(frozen=True)
class Deadlines:
    """A ticket's SLA times; all None when its priority has no target."""

    response_due_at: datetime | None = None
    response_at_risk_from: datetime | None = None
    resolution_due_at: datetime | None = None
    resolution_at_risk_from: datetime | None = None


class SlaPolicy:
    """The targets of app.yaml's `tickets.sla`, counted on the organisation's calendar."""

    def __init__(self, app: AppConfig, calendar: BusinessCalendar | None = None):
        self.targets = app.tickets.sla
        self.at_risk = app.tickets.at_risk
        self.calendar = calendar or BusinessCalendar.from_config(app.organisation)

    def deadlines(self, priority: str, opened_at: datetime) -> Deadlines:
        target = self.targets.get(priority)
        if target is None:
            return Deadlines()
        add = self.calendar.add
        return Deadlines(
            response_due_at=add(opened_at, target.first_response),
            response_at_risk_from=add(opened_at, target.first_response * self.at_risk),
            resolution_due_at=add(opened_at, target.resolution),
            resolution_at_risk_from=add(opened_at, target.resolution * self.at_risk),
        )
