"""Freshservice: the JSON of a Workflow Automator "Trigger Webhook" action, a `ticket` object
with the API's field names and codes (status 2 Open, 3 Pending, 4 Resolved, 5 Closed; priority
1 Low to 4 Urgent) plus the requester's and agent's emails, as the README shows.

The `stats` times, when the workflow includes them, give the first response and resolution.
"""

from __future__ import annotations

from typing import Any

from bot.webhooks.fields import email, pick, text, when
from bot.webhooks.presets.base import Preset, Reported


def read(payload: Any) -> Reported:
    ticket = pick(payload, "ticket")
    return Reported(
        external_id=text(payload, "ticket.id", required=True),
        status=text(payload, "ticket.status", required=True),
        opened_at=when(payload, "ticket.created_at", required=True),
        updated_at=when(ticket, "updated_at"),
        title=text(ticket, "subject"),
        requester_email=email(ticket, "requester_email"),
        assignee_email=email(ticket, "responder_email"),
        priority=text(ticket, "priority"),
        service=text(ticket, "category"),
        first_response_at=when(ticket, "stats.first_responded_at"),
        resolved_at=when(ticket, "stats.resolved_at"),
    )


PRESET = Preset(
    name="freshservice",
    read=read,
    statuses={"2": "open", "3": "open", "4": "resolved", "5": "closed", "open": "open",
              "pending": "open", "resolved": "resolved", "closed": "closed"},
    priorities={"4": "P1", "3": "P2", "2": "P3", "1": "P4", "urgent": "P1", "high": "P2",
                "medium": "P3", "low": "P4"},
    sample={
        "ticket": {
            "id": 5120,
            "subject": "Access to the finance share",
            "status": 4,
            "priority": 3,
            "requester_email": "erin@example.com",
            "responder_email": "tech1@example.com",
            "category": "Access",
            "created_at": "2026-11-10T10:00:00Z",
            "updated_at": "2026-11-11T09:30:00Z",
            "stats": {"first_responded_at": "2026-11-10T10:20:00Z",
                      "resolved_at": "2026-11-11T09:30:00Z"},
        },
    },
)
