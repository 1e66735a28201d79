"""What the CSAT ambassador scenarios share, in English and in German: Amber, Finance's
ambassador on Slack, in app.yaml (with Teams, and the organisation's language when a test gives
one), and Erin's score of 1 on a resolved ticket with a typed title, up to Amber's DM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.scenarios.csat.test_csat import click_score, dm

AMBER = "U0AMBER01"


def configure(connector, csat_config: dict[str, Any], locale: str | None = None
              ) -> Callable[[dict[str, Any]], None]:
    """app.yaml with Amber as Finance's ambassador, and Ann (a Teams requester) in Finance."""
    def change(raw: dict[str, Any]) -> None:
        raw["segments"]["department"]["Finance"]["emails"].append("ann@example.com")
        raw.update(csat=csat_config, teams={"service_url": connector.url},
                   outbox={"poll_seconds": 0.05},
                   ambassadors={"segment": "department",
                                "by_value": {"Finance": {"slack_users": [AMBER]}}})
        if locale:
            raw["organisation"]["locale"] = locale
    return change


async def amber_on_staff(kit) -> None:
    await kit.person(slack_user_id=AMBER, email="amber@example.com", display_name="Amber",
                     role="it_staff")


async def low_score_told(slack, slack_sender, kit) -> tuple[dict, str]:
    """Erin scores ticket INC-1001 ("VPN <drops>") 1 on Slack: Amber's DM and its text."""
    await amber_on_staff(kit)
    await kit.resolve(await kit.ticket(title="VPN <drops>", service="VPN"))
    await click_score(slack, slack_sender, 1)
    await kit.alert_stored()
    await slack.wait_for("chat.postMessage", 3)

    [notice] = slack.messages_in(dm(slack, AMBER))
    return notice, kit.text_of(notice["blocks"])
