"""Freshservice (and Freshdesk, which shares its ticket model): the JSON a workflow's (or an
automation rule's) "Trigger Webhook" action sends.

- The JSON body the admin writes with placeholders, or the API's ticket, under `ticket`:
  `ticket.id`, `ticket.subject`, `ticket.status`, `ticket.priority`, `ticket.created_at`,
  `ticket.updated_at`, `ticket.category`, and `stats.first_responded_at` / `stats.resolved_at`
  where given. The requester's email is read from `ticket.requester_email` or
  `ticket.requester.email` (the placeholder's own path), the agent's from
  `ticket.responder_email`, `ticket.agent.email` or `ticket.responder.email`.
- The "Simple" encoding, every field flat under `freshdesk_webhook` (`ticket_id`,
  `ticket_status`, `ticket_priority`, `requester_email`, `ticket_agent_email`, ...), which has
  no creation time unless the rule adds `ticket_created_at`.

Status and priority are the API's codes (status 2 Open, 3 Pending, 4 Resolved, 5 Closed;
priority 1 Low to 4 Urgent) or their labels.
"""

from __future__ import annotations

from typing import Any

from bot.webhooks.fields import email, present, text, when
from bot.webhooks.presets.base import Preset, Reported

SIMPLE = "freshdesk_webhook"


def read(payload: Any) -> Reported:
    if SIMPLE in payload:
        return _simple(payload)
    return Reported(
        external_id=text(payload, "ticket.id", required=True),
        status=text(payload, "ticket.status", required=True),
        opened_at=when(payload, "ticket.created_at", required=True),
        updated_at=when(payload, "ticket.updated_at"),
        title=text(payload, "ticket.subject"),
        requester_email=email(payload, present(payload, "ticket.requester_email",
                                               "ticket.requester.email")),
        assignee_email=email(payload, present(payload, "ticket.responder_email",
                                              "ticket.agent.email", "ticket.responder.email")),
        priority=text(payload, "ticket.priority"),
        service=text(payload, "ticket.category"),
        first_response_at=when(payload, "ticket.stats.first_responded_at"),
        resolved_at=when(payload, "ticket.stats.resolved_at"),
    )


def _simple(payload: Any) -> Reported:
    def field(name: str) -> str:
        return f"{SIMPLE}.{name}"

    return Reported(
        external_id=text(payload, field("ticket_id"), required=True),
        status=text(payload, field("ticket_status"), required=True),
        opened_at=when(payload, field("ticket_created_at"), required=True),
        updated_at=when(payload, field("ticket_updated_at")),
        title=text(payload, field("ticket_subject")),
        requester_email=email(payload, present(payload, field("requester_email"),
                                               field("ticket_requester_email"))),
        assignee_email=email(payload, field("ticket_agent_email")),
        priority=text(payload, field("ticket_priority")),
        service=text(payload, field("ticket_category")),
    )


STATUSES = {"2": "open", "3": "open", "4": "resolved", "5": "closed", "open": "open",
            "pending": "open", "resolved": "resolved", "closed": "closed"}
PRIORITIES = {"4": "P1", "3": "P2", "2": "P3", "1": "P4", "urgent": "P1", "high": "P2",
              "medium": "P3", "low": "P4"}

PRESET = Preset(
    name="freshservice",
    read=read,
    statuses=STATUSES,
    priorities=PRIORITIES,
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
