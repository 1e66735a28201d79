"""What a broadcast can be, and the order its statuses come in.

Incidents go investigating -> identified -> monitoring -> resolved; planned maintenance goes
scheduled -> in progress -> completed. A resolved (or completed) broadcast can be reopened.
"""

from __future__ import annotations

INCIDENT, MAINTENANCE = "incident", "maintenance"
KINDS = (INCIDENT, MAINTENANCE)
STATUSES = {INCIDENT: ("investigating", "identified", "monitoring", "resolved"),
            MAINTENANCE: ("scheduled", "in_progress", "completed")}
IMPACTS = ("outage", "degraded", "informational")

# What one change does, as its update and the audit trail name it. A person's changes come
# from the change form; maintenance is STARTED by the clock when its window opens.
OPENED, UPDATED, RESOLVED, REOPENED = "opened", "updated", "resolved", "reopened"
STARTED = "started"
CHANGES = (UPDATED, RESOLVED, REOPENED)


def open_statuses(kind: str) -> tuple[str, ...]:
    """The statuses an open broadcast of `kind` may be in (all but the last)."""
    return STATUSES[kind][:-1]


def closing_status(kind: str) -> str:
    return STATUSES[kind][-1]


def reopened_status(kind: str) -> str:
    """Where a reopened broadcast starts again: investigating, or maintenance in progress."""
    return STATUSES[kind][0] if kind == INCIDENT else STATUSES[kind][1]


def is_open(kind: str, status: str) -> bool:
    return status != closing_status(kind)
