"""The `board` section: the performance bulletin board at ``/board``."""

from __future__ import annotations

from pydantic import Field

from bot.config.base import Strict


class SlackSigninConfig(Strict):
    """Sign in with Slack (OpenID Connect), beside the links from chat. The client secret is
    SLACK_CLIENT_SECRET, from the environment only."""

    client_id: str = Field(min_length=3, max_length=100, pattern=r"^[0-9.]+$")
    """The Slack app's Client ID (Basic Information > App Credentials)."""
    team: str | None = Field(default=None, pattern=r"^[TE][A-Z0-9]+$")
    """The workspace people must sign in with (``T…``); another workspace's is refused."""


class BoardConfig(Strict):
    public: bool = False
    """Show everyone, signed in or not, a read-only page of service status and headlines
    (good news stories); the figures stay behind the sign-in."""
    sla_goal: int = Field(default=90, ge=1, le=100)
    """The share of tickets (%) that should meet their SLA target, drawn on the dashboard."""
    cache_seconds: int = Field(default=60, ge=0, le=3600)
    """How long each replica keeps the organisation's figures before counting them again (0:
    count them for every page)."""
    slack_signin: SlackSigninConfig | None = None
    """Offer "Sign in with Slack" on the board's sign-in page (needs SLACK_CLIENT_SECRET and
    TOUCHPOINT_PUBLIC_URL, whose /board/signin/slack/callback is the redirect URL)."""
