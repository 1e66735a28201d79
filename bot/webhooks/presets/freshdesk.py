"""Freshdesk: an automation rule's "Trigger Webhook" action. Freshdesk's tickets have the same
fields, status codes and priority codes as Freshservice's, so both presets read the same
shapes (`bot.webhooks.presets.freshservice`); this one only gives Freshdesk its own name and
sample."""

from __future__ import annotations

from bot.webhooks.presets import freshservice
from bot.webhooks.presets.base import Preset

PRESET = Preset(
    name="freshdesk",
    read=freshservice.read,
    statuses=freshservice.STATUSES,
    priorities=freshservice.PRIORITIES,
    sample={
        "freshdesk_webhook": {
            "ticket_id": 812,
            "ticket_subject": "Refund not received",
            "ticket_status": "Resolved",
            "ticket_priority": "High",
            "requester_email": "erin@example.com",
            "ticket_agent_email": "tech1@example.com",
            "ticket_category": "Billing",
            "ticket_created_at": "2026-11-10T10:00:00Z",
            "ticket_updated_at": "2026-11-10T15:00:00Z",
        },
    },
)
