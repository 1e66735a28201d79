"""What every preset is, and the way from a desk's words to a `TicketEvent` in Touchpoint's terms.

A preset reads a payload into a `Reported` (the desk's own words for status and priority) and
knows the desk's usual status and priority names. A source in app.yaml picks a preset and may
map more names on top; a status nobody maps is refused with a reason, a priority nobody maps
is kept as the desk wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import TicketSource
from bot.flows.tickets.ingest import TicketEvent
from bot.webhooks.fields import BadEvent
from storage.tickets import TicketStatus

MAX_ID = 128
DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class Reported:
    """A ticket event as the desk put it."""

    external_id: str
    status: str
    opened_at: datetime
    updated_at: datetime | None = None
    title: str | None = None
    requester_email: str | None = None
    assignee_email: str | None = None
    priority: str | None = None
    service: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    reopened_at: datetime | None = None
    event_id: str | None = None
    """The desk's own id of this event, when it gives one."""
    status_fallback: str | None = None
    """Touchpoint's status for a status name nobody maps (Jira's status category)."""


@dataclass(frozen=True)
class Preset:
    name: str
    read: Callable[[Any], Reported]
    """Payload -> Reported; raises BadEvent."""
    statuses: Mapping[str, str]
    """The desk's usual status names (lower case) -> open, resolved or closed."""
    priorities: Mapping[str, str] = field(default_factory=dict)
    """The desk's priority names (lower case) -> Touchpoint's, where there is a usual one."""
    sample: Mapping[str, Any] = field(default_factory=dict)
    """A payload as the desk sends it, for the documentation and the tests."""


def to_event(reported: Reported, source: TicketSource, preset: Preset, *,
             received_at: datetime | None) -> TicketEvent:
    """The event in Touchpoint's terms, with the source's mappings over the preset's.

    An event without an update time happened when it was received (`received_at`), or later if
    the desk says so: never at the ticket's opening, which would stamp a resolution with the
    opening time and let the ticket meet its SLA trivially. History (`received_at` None) has no
    such time: its event happened at the latest time it gives, and a resolved or closed row
    must say when (`updated_at` or `resolved_at`).
    """
    if len(reported.external_id) > MAX_ID:
        raise BadEvent(f"id: longer than {MAX_ID} characters")
    status = _lookup(reported.status, source.statuses, preset.statuses) or reported.status_fallback
    if status is None:
        raise BadEvent(f"status: {reported.status[:80]!r} is not mapped to open, resolved or "
                       "closed (add it to the source's statuses in app.yaml)")
    priority = reported.priority or ""
    priority = _lookup(priority, source.priorities, preset.priorities) or priority
    given = [at for at in (reported.opened_at, reported.first_response_at, reported.resolved_at,
                           reported.reopened_at) if at is not None]
    if received_at is None and reported.updated_at is None and reported.resolved_at is None \
            and status in DONE:
        raise BadEvent(f"updated_at: required for a {status} ticket without resolved_at "
                       "(when it was resolved is not known)")
    occurred_at = reported.updated_at or max(
        given if received_at is None else [received_at, *given])
    return TicketEvent(
        external_id=reported.external_id, status=status, opened_at=reported.opened_at,
        occurred_at=occurred_at,
        title=(reported.title or "")[:500], requester_email=reported.requester_email,
        assignee_email=reported.assignee_email, priority=priority[:32],
        service=(reported.service or "")[:128], first_response_at=reported.first_response_at,
        resolved_at=reported.resolved_at, reopened_at=reported.reopened_at)


def _lookup(name: str, *mappings: Mapping[str, str]) -> str | None:
    """The first mapping's value for `name`, matched without regard to case."""
    key = name.strip().casefold()
    for mapping in mappings:
        for known, value in mapping.items():
            if known.casefold() == key:
                return value
    return None
