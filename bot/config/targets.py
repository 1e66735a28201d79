"""Channels per enabled platform: the warnings `check-config` gives for a channel setting
with no channel on a platform that is in use.

A `ChannelTarget` may name a Slack channel, a Teams channel, or both. When Slack is enabled
(``SLACK_BOT_TOKEN`` set) and Teams too (``MICROSOFT_APP_ID`` set), a setting that names
only one of them posts nothing for the people on the other: not a mistake (a team may keep
its triage on Slack alone), but worth saying, so each is listed as a warning with its path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bot.config.app import AppConfig
from bot.config.channels import ChannelTarget
from bot.config.environment import Secrets

PLATFORMS = (("slack", "Slack", "SLACK_BOT_TOKEN"), ("teams", "Teams", "MICROSOFT_APP_ID"))


def channel_settings(app: AppConfig) -> Iterator[tuple[str, Sequence[ChannelTarget]]]:
    """Every setting that names where to post, by its path in app.yaml, with its targets (a
    list of broadcast channels is one setting: any of them may be the platform's)."""
    channels = app.channels
    yield "channels.triage", [channels.triage]
    yield "channels.digests", [channels.digests]
    yield "channels.kudos_wall", [channels.kudos_wall]
    yield "channels.broadcasts", channels.broadcasts
    if app.kudos.approvals is not None:
        yield "kudos.approvals", [app.kudos.approvals]
    for index, service in enumerate(app.services):
        if service.broadcast_channel is not None:
            yield f"services.{index}.broadcast_channel", [service.broadcast_channel]


def enabled_platforms(secrets: Secrets) -> list[tuple[str, str, str]]:
    """(platform, its name, the variable that enables it) for each platform in use."""
    enabled = {"slack": secrets.slack_bot_token is not None,
               "teams": secrets.microsoft_app_id is not None}
    return [platform for platform in PLATFORMS if enabled[platform[0]]]


def untargeted(app: AppConfig, secrets: Secrets) -> list[str]:
    """One ``path: message`` line for each channel setting with no channel on an enabled
    platform."""
    warnings = []
    for path, targets in channel_settings(app):
        for platform, name, variable in enabled_platforms(secrets):
            if all(getattr(target, platform) is None for target in targets):
                warnings.append(f"{path}: no {platform} channel, so nothing is posted there "
                                f"for {name} (enabled: {variable} is set)")
    return warnings
