"""ServiceNow: an incident as a business rule's REST message sends it, with the incident
table's field names and dot-walked emails (`caller_id.email`, `assigned_to.email`) as keys.

Times are ServiceNow's stored values, `YYYY-MM-DD hh:mm:ss` in UTC. `state` and `priority` may
be the codes (6, 2) or their labels (Resolved, 2 - High). `sys_id` with `sys_mod_count` names
each update, so a repeated delivery is known.
"""

from __future__ import annotations

from typing import Any

from bot.webhooks.fields import email, text, when
from bot.webhooks.presets.base import Preset, Reported


def read(payload: Any) -> Reported:
    sys_id, version = text(payload, "sys_id"), text(payload, "sys_mod_count")
    return Reported(
        external_id=text(payload, "number", required=True),
        status=text(payload, "state", required=True),
        opened_at=when(payload, "opened_at", required=True),
        updated_at=when(payload, "sys_updated_on"),
        title=text(payload, "short_description"),
        requester_email=email(payload, "caller_id.email"),
        assignee_email=email(payload, "assigned_to.email"),
        priority=text(payload, "priority"),
        service=text(payload, "business_service"),
        resolved_at=when(payload, "resolved_at") or when(payload, "closed_at"),
        event_id=f"{sys_id}:{version}" if sys_id and version else None,
    )


_LEVELS = ("critical", "high", "moderate", "low", "planning")

PRESET = Preset(
    name="servicenow",
    read=read,
    statuses={"1": "open", "2": "open", "3": "open", "6": "resolved", "7": "closed",
              "8": "closed", "new": "open", "in progress": "open", "on hold": "open",
              "resolved": "resolved", "closed": "closed", "canceled": "closed"},
    priorities={key: f"P{number}" for number, level in enumerate(_LEVELS, start=1)
                for key in (str(number), f"{number} - {level}")},
    sample={
        "sys_id": "9d385017c611228701d22104cc95c371",
        "sys_mod_count": "7",
        "number": "INC0010042",
        "short_description": "Outlook keeps asking for my password",
        "state": "6",
        "priority": "2",
        "caller_id.email": "erin@example.com",
        "assigned_to.email": "tech1@example.com",
        "business_service": "Email",
        "opened_at": "2026-11-10 09:00:00",
        "sys_updated_on": "2026-11-10 11:45:00",
        "resolved_at": "2026-11-10 11:45:00",
    },
)
