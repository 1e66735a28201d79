"""`AppConfig`, the whole of app.yaml: one field per section, each section's model in its
own module, and the checks that span sections."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from bot.config.ambassadors import AmbassadorsConfig
from bot.config.base import Strict
from bot.config.board import BoardConfig
from bot.config.broadcasts import BroadcastsConfig
from bot.config.channels import Channels, ChannelTarget
from bot.config.complaints import ComplaintsConfig
from bot.config.csat import Csat
from bot.config.digests import Digest, digest_problems
from bot.config.kudos import KudosSettings
from bot.config.milestones import MilestonesConfig
from bot.config.newsletter import NewsletterConfig
from bot.config.organisation import Organisation
from bot.config.outbox import OutboxConfig
from bot.config.people import Roles, Segments
from bot.config.pulses import PulsesConfig
from bot.config.retention import RetentionConfig
from bot.config.services import Service, catalogue_problems
from bot.config.teams import TeamsSettings
from bot.config.tickets import Tickets

_DEFAULT_SERVICES = ComplaintsConfig.model_fields["services"].default_factory


class AppConfig(Strict):
    """The whole of app.yaml."""

    organisation: Organisation
    channels: Channels
    services: list[Service] = Field(default_factory=list)
    """The service catalogue; without it, the names of complaints.services."""
    roles: Roles = Field(default_factory=Roles)
    segments: Segments = Field(default_factory=dict)
    teams: TeamsSettings = Field(default_factory=TeamsSettings)
    tickets: Tickets = Field(default_factory=Tickets)
    csat: Csat = Field(default_factory=Csat)
    complaints: ComplaintsConfig = Field(default_factory=ComplaintsConfig)
    kudos: KudosSettings = Field(default_factory=KudosSettings)
    pulses: PulsesConfig = Field(default_factory=PulsesConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    milestones: MilestonesConfig = Field(default_factory=MilestonesConfig)
    newsletter: NewsletterConfig = Field(default_factory=NewsletterConfig)
    board: BoardConfig = Field(default_factory=BoardConfig)
    digests: list[Digest] = Field(default_factory=list)
    broadcasts: BroadcastsConfig = Field(default_factory=BroadcastsConfig)
    ambassadors: AmbassadorsConfig = Field(default_factory=AmbassadorsConfig)

    @model_validator(mode="before")
    @classmethod
    def _one_catalogue(cls, data: Any) -> Any:
        """Fill in whichever of `services` and `complaints.services` was left out from the
        other, so both always hold the catalogue's names."""
        if not isinstance(data, dict):
            return data
        complaints = data.get("complaints")
        listed = isinstance(complaints, dict) and "services" in complaints
        if data.get("services") is None:
            names = complaints["services"] if listed else _DEFAULT_SERVICES()
            if isinstance(names, list) and all(isinstance(name, str) for name in names):
                data = {**data, "services": [{"name": name} for name in names]}
        elif isinstance(data["services"], list) and not listed:
            names = [service.get("name") for service in data["services"]
                     if isinstance(service, dict)]
            if names and all(isinstance(name, str) for name in names):
                data = {**data, "complaints": {**(complaints if isinstance(complaints, dict)
                                                  else {}), "services": names}}
        return data

    @model_validator(mode="after")
    def _services_known(self) -> AppConfig:
        problems = catalogue_problems(self.services)
        known = {service.name.lower() for service in self.services}
        problems += [f"complaints.services[{index}]: {name!r} is not in the service catalogue"
                     f" (services)" for index, name in enumerate(self.complaints.services)
                     if name.lower() not in known]
        problems += digest_problems(self.digests, lambda name: self.service(name) is not None)
        problems += [f"broadcasts.service_remind_after_minutes.{name}: not in the service "
                     f"catalogue (services)"
                     for name in self.broadcasts.service_remind_after_minutes
                     if self.service(name) is None]
        problems += self.ambassadors.problems(self.segments)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def digest_channel(self, digest: Digest) -> ChannelTarget:
        """Where `digest` posts: its channel ids, or the `channels` entry it names."""
        channel = digest.channel
        return getattr(self.channels, channel) if isinstance(channel, str) else channel

    def service(self, name: str | None) -> Service | None:
        """The catalogue's service called `name` or one of its aliases (any case), if any."""
        key = (name or "").strip().lower()
        return next((service for service in self.services
                     if key in (service.name.lower(), *(alias.lower()
                                                        for alias in service.aliases))), None)

    @model_validator(mode="after")
    def _csat_complaint_choices(self) -> AppConfig:
        if self.csat.complaint_service not in (None, *self.complaints.services):
            raise ValueError("csat.complaint_service: must be one of complaints.services")
        if self.csat.complaint_category not in (None, *self.complaints.categories):
            raise ValueError("csat.complaint_category: must be one of complaints.categories")
        return self
