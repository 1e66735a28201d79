"""Scene: Erin complains about a printer; Tom acknowledges and resolves it from the triage
card; Erin confirms she is satisfied, and the complaint is closed."""

from __future__ import annotations

from bot.demo.cast import ERIN, TOM
from bot.demo.stage import Stage
from bot.flows.complaints import ids

TRIAGE = "C0TRIAGE1"


async def a_complaint_put_right(stage: Stage) -> None:
    stage.scene("demo/complaints", complainant=ERIN.name, technician=TOM.name)
    await stage.slack_command(ERIN, "/complain",
                              "The floor 2 printer ate my board report, twice, an hour "
                              "before the meeting")
    await stage.slack_submit(ERIN, {ids.SERVICE: "Laptops and devices",
                                    ids.CATEGORY: "Quality of fix", ids.IMPACT: "high",
                                    ids.TICKET: "INC0012345"}, answers=2)
    await stage.slack_click(TOM, ids.ACKNOWLEDGE, TRIAGE, answers=2)
    await stage.slack_click(TOM, ids.RESOLVE_START, TRIAGE)
    await stage.slack_submit(TOM, {ids.NOTE: "The fuser was worn out: replaced it, and the "
                                           "printer is now on the monthly service round.",
                                   ids.ROOT_CAUSE: "Tooling"}, answers=2)
    await stage.slack_click(ERIN, ids.SATISFIED, stage.slack.dm_channel(ERIN.slack_id
                                                                                or ""),
                            answers=3)
