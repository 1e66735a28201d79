"""Zendesk: the JSON body of a trigger's "Notify webhook" action, written with Zendesk
placeholders as the README shows (`{{ticket.id}}`, `{{ticket.status}}`, ...).

Placeholders Zendesk leaves empty arrive as empty text and count as absent; a priority of
`-` means none. Zendesk's group stands for the service.
"""

from __future__ import annotations

from typing import Any

from bot.webhooks.fields import email, pick, text, when
from bot.webhooks.presets.base import Preset, Reported


def read(payload: Any) -> Reported:
    ticket = pick(payload, "ticket")
    priority = text(ticket, "priority")
    return Reported(
        external_id=text(payload, "ticket.id", required=True),
        status=text(payload, "ticket.status", required=True),
        opened_at=when(payload, "ticket.created_at", required=True),
        updated_at=when(ticket, "updated_at"),
        title=text(ticket, "title"),
        requester_email=email(ticket, "requester_email"),
        assignee_email=email(ticket, "assignee_email"),
        priority=None if priority == "-" else priority,
        service=text(ticket, "group"),
    )


PRESET = Preset(
    name="zendesk",
    read=read,
    statuses={"new": "open", "open": "open", "pending": "open", "on-hold": "open",
              "hold": "open", "solved": "resolved", "closed": "closed"},
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
