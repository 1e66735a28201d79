"""Scene: the service desk resolves Erin's ticket, Erin rates it low and says why, the triage
channel is alerted, and Tom reaches out to her and logs it as a complaint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.demo.cast import ERIN, TOM
from bot.demo.stage import Stage
from bot.flows.csat import ids

TRIAGE = "C0TRIAGE1"
TICKET = "INC0012400"


def _event(status: str, opened: datetime, now: datetime) -> dict[str, Any]:
    """The desk's generic event for the ticket (see README, "Ticket webhook")."""
    return {"id": TICKET, "title": "VPN drops every hour when working from home",
            "status": status, "requester_email": ERIN.email, "assignee_email": TOM.email,
            "priority": "P3", "service": "Network and Wi-Fi",
            "created_at": opened.isoformat(), "updated_at": now.isoformat(),
            **({"resolved_at": now.isoformat()} if status == "resolved" else {})}


async def a_low_score_followed_up(stage: Stage) -> None:
    stage.scene("demo/csat", requester=ERIN.name, technician=TOM.name, ticket=TICKET)
    dm = stage.slack.dm_channel(ERIN.slack_id or "")
    now = datetime.now(UTC).replace(microsecond=0)
    await stage.desk_event(ERIN, _event("resolved", now - timedelta(hours=3), now))
    # The first score button is "1 · Poor". The survey thanks her in place, and the low score
    # reaches triage.
    await stage.slack_click(ERIN, ids.ACTION_SCORE, dm, answers=2)
    await stage.slack_click(ERIN, ids.ACTION_COMMENT, dm)
    await stage.slack_submit(ERIN, {ids.FIELD_COMMENT: "Fixed for a day, then it dropped again "
                                               "during my client call."}, answers=2)
    await stage.slack_click(TOM, ids.ACTION_REACH_OUT, TRIAGE, answers=2)
    # Tracked as a complaint too: the alert names it, Erin gets the complaint's receipt and
    # triage its card.
    await stage.slack_click(TOM, ids.ACTION_COMPLAINT, TRIAGE, answers=3)
