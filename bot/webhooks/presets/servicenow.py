"""ServiceNow: an incident in any of the shapes ServiceNow documents or its admins send.

- A business rule's REST message: the incident table's field names as keys, the caller's and
  assignee's emails dot-walked (`caller_id.email`) or under a name of the script's own
  (`caller_email`, `u_caller_email`; `assigned_to_email`).
- The Table API's answer for one record (`GET /api/now/table/incident/{sys_id}`), the record
  wrapped in `result`: reference fields are `{"link", "value"}` objects, and with
  `sysparm_display_value=all` every field is `{"display_value", "value"}`; the stored `value`
  is read (times in UTC), the display value only for the service's name.

Times are ServiceNow's stored values, `YYYY-MM-DD hh:mm:ss` in UTC. `state` and `priority` may
be the codes (6, 2) or their labels (Resolved, 2 - High). `sys_id` with `sys_mod_count` names
each update, so a repeated delivery is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.webhooks.fields import BadEvent, email, present, text, when
from bot.webhooks.presets.base import Preset, Reported

CALLER = ("caller_id.email", "caller_email", "u_caller_email")
ASSIGNEE = ("assigned_to.email", "assigned_to_email", "u_assigned_to_email")


def read(payload: Any) -> Reported:
    prefix, record = "", payload
    if "result" in payload:
        prefix, record = "result.", payload["result"]
        if not isinstance(record, Mapping):
            raise BadEvent("result: must be one record (the Table API's answer for one sys_id)")
    record = {key: _stored(value) for key, value in record.items()} | {
        "business_service": _display(record.get("business_service"))}
    try:
        sys_id, version = text(record, "sys_id"), text(record, "sys_mod_count")
        return Reported(
            external_id=text(record, "number", required=True),
            status=text(record, "state", required=True),
            opened_at=when(record, "opened_at", required=True),
            updated_at=when(record, "sys_updated_on"),
            title=text(record, "short_description"),
            requester_email=email(record, present(record, *CALLER)),
            assignee_email=email(record, present(record, *ASSIGNEE)),
            priority=text(record, "priority"),
            service=text(record, "business_service"),
            resolved_at=when(record, "resolved_at") or when(record, "closed_at"),
            event_id=f"{sys_id}:{version}" if sys_id and version else None,
        )
    except BadEvent as exc:  # name the field where it is in the body
        raise BadEvent(f"{prefix}{exc}") from None


def _stored(value: Any) -> Any:
    """A field's stored value: references and `display_value=all` fields are objects."""
    if isinstance(value, Mapping) and "value" in value:
        return value["value"]
    return value


def _display(value: Any) -> Any:
    """The name a reference shows (a service's `value` is its sys_id, which names nothing)."""
    if isinstance(value, Mapping):
        return value.get("display_value")
    return value


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
