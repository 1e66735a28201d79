"""The `teams` section: Teams details that are not secrets (the secrets are in
`bot.config.environment`)."""

from __future__ import annotations

from bot.config.base import Strict


class TeamsSettings(Strict):
    """Teams details that are not secrets."""

    service_url: str = "https://smba.trafficmanager.net/teams/"
    app_name: str = "Touchpoint"
