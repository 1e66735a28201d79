"""The `teams` section: Teams details that are not secrets (the secrets are in
`bot.config.environment`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import field_validator

from bot.config.base import Strict


class TeamsSettings(Strict):
    """Teams details that are not secrets."""

    service_url: str = "https://smba.trafficmanager.net/teams/"
    app_name: str = "Touchpoint"
    website_url: str | None = None
    """The app package's links (its developer's website, privacy statement and terms of use).
    Each defaults to the page Touchpoint serves itself (/about, /privacy, /terms) at the
    package's --domain; set them to the organisation's own pages."""
    privacy_url: str | None = None
    terms_url: str | None = None

    @field_validator("website_url", "privacy_url", "terms_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or " " in value:
            raise ValueError(f"{value!r} is not an https address (Teams takes only "
                             "https://... links)")
        return value
