"""Who and where in the demo workspace: the people, the channels, and the app.yaml naming them.

The same people are seeded into the local Slack and Teams emulators and into the directory, so
every scene starts from a workspace where everyone is already known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.chat.port import Platform, Profile


@dataclass(frozen=True)
class Actor:
    name: str
    """How the transcript calls them, and their display name in chat."""
    full_name: str
    email: str
    tz: str
    slack_id: str | None = None
    teams_id: str | None = None
    """Azure AD object id."""

    @property
    def platform(self) -> Platform:
        """Where they talk to Touchpoint in the scenes."""
        return "slack" if self.slack_id else "teams"

    @property
    def teams_account(self) -> str:
        """Their Teams account id, as activities name the sender."""
        return f"29:{self.teams_id}"

    @property
    def teams_chat(self) -> str:
        """The id of their personal chat with Touchpoint."""
        return f"a:1{self.teams_id}"

    def slack_user(self) -> dict[str, Any]:
        """Their Slack user, as the Slack emulator's `add_user` takes it."""
        return {"id": self.slack_id, "name": self.name.lower(), "email": self.email,
                "tz": self.tz, "real_name": self.full_name, "display_name": self.name}

    def profile(self) -> Profile:
        user_id = self.slack_id or self.teams_id
        assert user_id is not None, "every actor is on a platform"
        return Profile(platform=self.platform, user_id=user_id, display_name=self.name,
                       email=self.email, tz=self.tz)


ERIN = Actor("Erin", "Erin Evans", "erin@example.com", "Europe/London", slack_id="U0ERIN001")
TOM = Actor("Tom", "Tom Tran", "tom@example.com", "Europe/London", slack_id="U0TOM0001")
LEE = Actor("Lee", "Lee Lewis", "lee@example.com", "America/New_York", slack_id="U0LEE0001")
ANN = Actor("Ann", "Ann Andersen", "ann@example.com", "Europe/Berlin",
            teams_id="6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5")
CAST = (ERIN, TOM, LEE, ANN)
AMY = Actor("Amy", "Amy Adams", "amy@example.com", "Europe/London", slack_id="U0AMY0001")
"""Finance's ambassador in IT, who joins in the last scene: not in CAST, so no earlier scene
has her in the workspace (she would have been told of Erin's low score)."""

GENERAL = "C0GENERAL"
"""Where people type their slash commands."""
TENANT = "0d3b6f1e-7c2a-4e59-9a81-5b4c3d2e1f00"
CHANNEL_NAMES = {
    GENERAL: "#general",
    "C0TRIAGE1": "#it-triage",
    "C0LEADS01": "#it-leads",
    "C0KUDOS01": "#kudos",
    "C0STATUS1": "#it-status",
    "C0NEWS001": "#announcements",
}


def app_config() -> dict[str, Any]:
    """The demo's app.yaml: Tom and Amy are IT staff, Lee the IT lead, Erin in Finance, and
    Amy Finance's ambassador."""
    return {
        "organisation": {"name": "Example Corp IT", "timezone": "Europe/London",
                         "holidays": {"country": "GB", "subdivision": "ENG"}},
        "channels": {
            "triage": {"slack": "C0TRIAGE1"},
            "digests": {"slack": "C0LEADS01"},
            "kudos_wall": {"slack": "C0KUDOS01"},
            "broadcasts": [{"slack": "C0STATUS1"}],
        },
        "roles": {
            "it_lead": {"slack_users": [LEE.slack_id]},
            "it_staff": {"emails": [TOM.email, AMY.email]},
        },
        "segments": {"department": {"Finance": {"emails": [ERIN.email]}}},
        "ambassadors": {"segment": "department",
                        "by_value": {"Finance": {"emails": [AMY.email]}}},
        "kudos": {"rewards": [{"key": "lunch", "name": "Lunch with the CIO", "cost": 10,
                               "stock": 3, "needs_approval": True}]},
        # A workspace of four: results show from two answers, so the pulse scene has some; and
        # no cooldown after a CSAT survey, as the scenes follow each other within a minute.
        "pulses": {"min_group": 2, "fatigue_days": 0, "campaigns": {"satisfaction": {
            "recurrence": {"month": "3", "day": "1"}, "anonymity": "anonymous",
            "questions": [
                {"aspect": "service desk", "text": "How satisfied are you with the service desk?"},
                {"aspect": "availability",
                 "text": "How satisfied are you with the availability of your systems?"},
                {"aspect": "communication", "kind": "text",
                 "text": "What one thing should IT do better?"}]}}},
        # Surveys go out at once, whatever the hour the demo is run at.
        "csat": {"quiet_hours": None},
        "newsletter": {"enabled": True, "announcements": {"slack": "C0NEWS001"}},
        "digests": [{"name": "weekly"}],
    }
