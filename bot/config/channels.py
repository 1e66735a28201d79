"""Where Touchpoint posts: `ChannelTarget`, used by every section that names a channel, and
the `channels` section (triage, digests, kudos wall, broadcasts)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from bot.chat.catalogues import refuse_unshipped
from bot.config.base import Strict

_SLACK_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class ChannelTarget(Strict):
    """Where a kind of message is posted: a Slack channel id and/or a Teams channel id, and
    the language posts there are written in (None: the organisation's)."""

    slack: str | None = None
    teams: str | None = None
    locale: str | None = None

    @field_validator("locale")
    @classmethod
    def _shipped(cls, value: str | None) -> str | None:
        return None if value is None else refuse_unshipped(value)

    @field_validator("slack")
    @classmethod
    def _slack_channel(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_CHANNEL.fullmatch(value):
            raise ValueError(f"{value!r} is not a Slack channel id (like C012ABC)")
        return value

    @model_validator(mode="after")
    def _one_platform(self) -> ChannelTarget:
        if self.slack is None and self.teams is None:
            raise ValueError("give a slack channel id, a teams channel id, or both")
        return self


class Channels(Strict):
    triage: ChannelTarget
    digests: ChannelTarget
    kudos_wall: ChannelTarget
    broadcasts: list[ChannelTarget] = Field(min_length=1)
