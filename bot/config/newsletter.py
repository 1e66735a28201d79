"""The `newsletter` section: the newsletter for the user community, drafted at the end of
every period (two months or a quarter), reviewed by IT leads and, once approved, posted in
an announcements channel."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bot.config.base import Strict
from bot.config.channels import ChannelTarget

Every = Literal["bimonthly", "quarterly"]


class NewsletterConfig(Strict):
    enabled: bool = False
    every: Every = "quarterly"
    """bimonthly: Jan-Feb, Mar-Apr, ...; quarterly: Jan-Mar, Apr-Jun, ..."""
    draft_hour: int = Field(default=9, ge=0, le=23)
    """The draft is made on the first day after the period, at this hour in
    organisation.timezone."""
    announcements: ChannelTarget | None = None
    """Where an approved newsletter is posted; required when enabled."""
    review: ChannelTarget | None = None
    """Where the draft goes for IT leads to approve, edit or skip; channels.digests if unset."""
    stories: int = Field(default=3, ge=0, le=10)
    """Public kudos stories shown (those people reacted to most, then the newest)."""

    @model_validator(mode="after")
    def _somewhere_to_post(self) -> NewsletterConfig:
        if self.enabled and self.announcements is None:
            raise ValueError("announcements: needed when the newsletter is enabled")
        return self
