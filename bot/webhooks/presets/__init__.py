"""Presets: what each service desk's webhook payload means, one module per desk, by the name
app.yaml gives it (`tickets.sources.<name>.preset`)."""

from __future__ import annotations

from bot.webhooks.presets import (
    freshdesk,
    freshservice,
    generic,
    jira_service_management,
    servicenow,
    zendesk,
)
from bot.webhooks.presets.base import Preset, Reported, to_event

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    generic.PRESET, jira_service_management.PRESET, servicenow.PRESET, zendesk.PRESET,
    freshservice.PRESET, freshdesk.PRESET)}

__all__ = ["PRESETS", "Preset", "Reported", "to_event"]
