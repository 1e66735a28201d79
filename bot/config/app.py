"""`AppConfig`, the whole of app.yaml: one field per section, each section's model in its
own module, and the checks that span sections."""

from __future__ import annotations

from pydantic import Field, model_validator

from bot.config.base import Strict
from bot.config.channels import Channels
from bot.config.complaints import ComplaintsConfig
from bot.config.csat import Csat
from bot.config.kudos import KudosSettings
from bot.config.organisation import Organisation
from bot.config.outbox import OutboxConfig
from bot.config.people import Roles, Segments
from bot.config.pulses import PulsesConfig
from bot.config.teams import TeamsSettings
from bot.config.tickets import Tickets


class AppConfig(Strict):
    """The whole of app.yaml."""

    organisation: Organisation
    channels: Channels
    roles: Roles = Field(default_factory=Roles)
    segments: Segments = Field(default_factory=dict)
    teams: TeamsSettings = Field(default_factory=TeamsSettings)
    tickets: Tickets = Field(default_factory=Tickets)
    csat: Csat = Field(default_factory=Csat)
    complaints: ComplaintsConfig = Field(default_factory=ComplaintsConfig)
    kudos: KudosSettings = Field(default_factory=KudosSettings)
    pulses: PulsesConfig = Field(default_factory=PulsesConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)

    @model_validator(mode="after")
    def _csat_complaint_choices(self) -> AppConfig:
        if self.csat.complaint_service not in (None, *self.complaints.services):
            raise ValueError("csat.complaint_service: must be one of complaints.services")
        if self.csat.complaint_category not in (None, *self.complaints.categories):
            raise ValueError("csat.complaint_category: must be one of complaints.categories")
        return self
