"""The generic shape: one flat JSON object per event, in Touchpoint's own field names.

It is what a desk without a preset is scripted to send, and what `touchpoint import tickets`
reads from each CSV row. Required: `id`, `status`, `created_at`.
"""

from __future__ import annotations

from typing import Any

from bot.webhooks.fields import email, text, when
from bot.webhooks.presets.base import Preset, Reported

FIELDS = ("id", "title", "requester_email", "assignee_email", "priority", "service", "status",
          "created_at", "updated_at", "first_response_at", "resolved_at", "reopened_at",
          "event_id")


def read(payload: Any) -> Reported:
    return Reported(
        external_id=text(payload, "id", required=True),
        status=text(payload, "status", required=True),
        opened_at=when(payload, "created_at", required=True),
        updated_at=when(payload, "updated_at"),
        title=text(payload, "title"),
        requester_email=email(payload, "requester_email"),
        assignee_email=email(payload, "assignee_email"),
        priority=text(payload, "priority"),
        service=text(payload, "service"),
        first_response_at=when(payload, "first_response_at"),
        resolved_at=when(payload, "resolved_at"),
        reopened_at=when(payload, "reopened_at"),
        event_id=text(payload, "event_id"),
    )


PRESET = Preset(
    name="generic",
    read=read,
    statuses={"open": "open", "new": "open", "in_progress": "open", "pending": "open",
              "on_hold": "open", "reopened": "open", "resolved": "resolved",
              "closed": "closed"},
    sample={
        "event_id": "evt-000123",
        "id": "INC-1042",
        "title": "Cannot print from the 3rd floor",
        "requester_email": "erin@example.com",
        "assignee_email": "tech1@example.com",
        "priority": "P2",
        "service": "Printing",
        "status": "resolved",
        "created_at": "2026-11-10T09:15:00Z",
        "updated_at": "2026-11-10T14:40:00Z",
        "first_response_at": "2026-11-10T09:32:00Z",
        "resolved_at": "2026-11-10T14:40:00Z",
    },
)
