"""Zendesk: the two ways Zendesk sends a ticket to a webhook.

- A trigger's (or automation's) "Notify webhook" action, a JSON body the admin writes with
  Zendesk placeholders. Its fields are read under the README's names (`ticket.requester_email`)
  or under the placeholders' own (`ticket.requester.email`, `ticket.group.name`,
  `ticket.created_at_with_timestamp`), nested or as dotted keys. The times must be the
  `_with_timestamp` placeholders: plain `{{ticket.created_at}}` is a date without a time.
  Placeholders Zendesk leaves empty arrive as empty text and count as absent; a priority of
  `-` means none. Zendesk's group stands for the service.
- An event-subscription webhook (`"type": "zen:event-type:ticket.…"`): the ticket is in
  `detail` (`detail.id`, `detail.status`, ...), its requester and assignee are ids only, so
  such events carry no people; the event's own `id` makes a repeat known, and its `time`
  orders events when `detail.updated_at` is absent.
"""

from __future__ import annotations

from typing import Any

from bot.webhooks.fields import BadEvent, email, present, text, when
from bot.webhooks.presets.base import Preset, Reported

EVENT_TYPES = "zen:event-type:"
TICKET_EVENTS = f"{EVENT_TYPES}ticket."


def read(payload: Any) -> Reported:
    kind = payload.get("type")
    if isinstance(kind, str) and kind.startswith(EVENT_TYPES):
        return _event(payload, kind)
    return _trigger(payload)


def _trigger(payload: Any) -> Reported:
    priority = text(payload, "ticket.priority")
    return Reported(
        external_id=text(payload, "ticket.id", required=True),
        status=text(payload, "ticket.status", required=True),
        opened_at=_time(payload, "ticket.created_at", required=True),
        updated_at=_time(payload, "ticket.updated_at"),
        title=text(payload, "ticket.title"),
        requester_email=email(payload, present(payload, "ticket.requester_email",
                                               "ticket.requester.email")),
        assignee_email=email(payload, present(payload, "ticket.assignee_email",
                                              "ticket.assignee.email")),
        priority=None if priority == "-" else priority,
        service=text(payload, present(payload, "ticket.group.name", "ticket.group")),
    )


def _time(payload: Any, path: str, *, required: bool = False):
    """A time under its README name or its placeholder's, with a hint when it is a bare date."""
    found = present(payload, path, f"{path}_with_timestamp")
    try:
        return when(payload, found, required=required)
    except BadEvent as exc:
        raise BadEvent(f"{exc} (send {{{{{path}_with_timestamp}}}})") from None


def _event(payload: Any, kind: str) -> Reported:
    if not kind.startswith(TICKET_EVENTS):
        raise BadEvent(f"type: {kind[:80]!r} is not a ticket event (subscribe the webhook to "
                       "ticket events only)")
    priority = text(payload, "detail.priority")
    return Reported(
        external_id=text(payload, "detail.id", required=True),
        status=text(payload, "detail.status", required=True),
        opened_at=when(payload, "detail.created_at", required=True),
        updated_at=when(payload, "detail.updated_at") or when(payload, "time"),
        title=text(payload, "detail.subject"),
        priority=None if priority == "-" else priority,
        event_id=text(payload, "id"),
    )


PRESET = Preset(
    name="zendesk",
    read=read,
    statuses={"new": "open", "open": "open", "pending": "open", "on-hold": "open",
              "hold": "open", "on_hold": "open", "solved": "resolved", "closed": "closed"},
    priorities={"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4"},
    sample={
        "ticket": {
            "id": "4711",
            "title": "New laptop will not join Wi-Fi",
            "status": "Solved",
            "priority": "Normal",
            "requester_email": "erin@example.com",
            "assignee_email": "tech1@example.com",
            "group": "Workplace",
            "created_at": "2026-11-10T08:30:00Z",
            "updated_at": "2026-11-10T16:05:00Z",
        },
    },
)
