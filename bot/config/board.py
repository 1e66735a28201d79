"""The `board` section: the performance bulletin board at ``/board``."""

from __future__ import annotations

from pydantic import Field

from bot.config.base import Strict


class BoardConfig(Strict):
    public: bool = False
    """Show everyone, signed in or not, a read-only page of service status and headlines
    (good news stories); the figures stay behind the sign-in."""
    sla_goal: int = Field(default=90, ge=1, le=100)
    """The share of tickets (%) that should meet their SLA target, drawn on the dashboard."""
    cache_seconds: int = Field(default=60, ge=0, le=3600)
    """How long each replica keeps the organisation's figures before counting them again (0:
    count them for every page)."""
