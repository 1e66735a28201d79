"""Scene: Erin complains about a printer; Tom acknowledges and resolves it from the triage
card; Erin confirms she is satisfied, and the complaint is closed."""

from __future__ import annotations

from bot.demo.cast import ERIN, TOM
from bot.demo.stage import Stage

TRIAGE = "C0TRIAGE1"


async def a_complaint_put_right(stage: Stage) -> None:
    stage.scene("demo/complaints", complainant=ERIN.name, technician=TOM.name)
    await stage.slack_command(ERIN, "/complain",
                              "The floor 2 printer ate my board report, twice, an hour "
                              "before the meeting")
    await stage.slack_submit(ERIN, {"service": "Laptops and devices",
                                    "category": "Quality of fix", "impact": "high",
                                    "ticket": "INC0012345"}, answers=2)
    await stage.slack_click(TOM, "complaint.acknowledge", TRIAGE, answers=2)
    await stage.slack_click(TOM, "complaint.resolve_start", TRIAGE)
    await stage.slack_submit(TOM, {"note": "The fuser was worn out: replaced it, and the "
                                           "printer is now on the monthly service round.",
                                   "root_cause": "Tooling"}, answers=2)
    await stage.slack_click(ERIN, "complaint.satisfied", stage.slack.dm_channel(ERIN.slack_id
                                                                                or ""),
                            answers=3)
