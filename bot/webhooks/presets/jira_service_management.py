"""Jira Service Management: an issue as Jira sends it, in any of its documented shapes.

- A Jira webhook (`jira:issue_created`, `jira:issue_updated`, `comment_created`): the issue
  under `issue`, with the event's `timestamp`, and a `comment` for comment events.
- An automation rule's "Send web request" with the body "Issue data (Jira format)", which
  Jira Service Management's legacy automation webhooks send too: the same `issue` object
  without event fields.
- The same action with "Issue data (Automation format)": the issue itself at the top level
  (`key`, `fields`).

A comment by anyone but the reporter is the first response. Status names a source does not map
fall back on the status category (`done` is resolved, anything else open). Jira's bodies carry
no event id; each carries the time it was sent or the issue's update time, so the hash of the
body tells repeats apart. Jira Cloud leaves `emailAddress` out for people who hide it: such a
ticket has no requester.
"""

from __future__ import annotations

from typing import Any

from bot.webhooks.fields import email, pick, text, when
from bot.webhooks.presets.base import Preset, Reported


def read(payload: Any) -> Reported:
    # The Automation format is the issue itself; the others wrap it in `issue`.
    root = "issue." if "issue" in payload or "key" not in payload else ""
    fields = pick(payload, f"{root}fields")
    reporter = email(fields, "reporter.emailAddress")
    first_response = None
    if pick(payload, "comment") is not None:
        author = email(payload, "comment.author.emailAddress")
        if author != reporter:
            first_response = when(payload, "comment.created")
    components = pick(fields, "components")
    service = text(components[0], "name") if isinstance(components, list) and components else None
    category = text(fields, "status.statusCategory.key")
    return Reported(
        external_id=text(payload, f"{root}key", required=True),
        status=text(payload, f"{root}fields.status.name", required=True),
        status_fallback=None if category is None else
        ("resolved" if category == "done" else "open"),
        opened_at=when(payload, f"{root}fields.created", required=True),
        updated_at=when(fields, "updated") or when(payload, "timestamp"),
        title=text(fields, "summary"),
        requester_email=reporter,
        assignee_email=email(fields, "assignee.emailAddress"),
        priority=text(fields, "priority.name"),
        service=service,
        first_response_at=first_response,
        resolved_at=when(fields, "resolutiondate"),
    )


PRESET = Preset(
    name="jira_service_management",
    read=read,
    statuses={"open": "open", "waiting for support": "open", "waiting for customer": "open",
              "in progress": "open", "pending": "open", "escalated": "open",
              "work in progress": "open", "reopened": "open", "resolved": "resolved",
              "done": "resolved", "closed": "closed", "canceled": "closed",
              "cancelled": "closed", "declined": "closed"},
    priorities={"highest": "P1", "high": "P2", "medium": "P3", "low": "P4", "lowest": "P5"},
    sample={
        "timestamp": 1762785600000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "issue": {
            "id": "10042",
            "key": "ITSM-42",
            "fields": {
                "summary": "VPN drops every hour",
                "created": "2026-11-10T09:00:00.000+0000",
                "updated": "2026-11-10T15:20:00.000+0000",
                "resolutiondate": "2026-11-10T15:20:00.000+0000",
                "status": {"name": "Resolved", "statusCategory": {"key": "done"}},
                "priority": {"name": "High"},
                "reporter": {"emailAddress": "erin@example.com"},
                "assignee": {"emailAddress": "tech1@example.com"},
                "components": [{"name": "Network"}],
            },
        },
    },
)
