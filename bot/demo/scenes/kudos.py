"""Scene: an employee thanks a technician with kudos, the wall shows it, the technician spends
the points on a reward and the IT lead approves it."""

from __future__ import annotations

from bot.demo.cast import ERIN, LEE, TOM
from bot.demo.stage import Stage
from bot.flows.kudos.ids import APPROVE

TRIAGE = "C0TRIAGE1"


async def thanking_a_technician(stage: Stage) -> None:
    stage.scene("demo/kudos", employee=ERIN.name, technician=TOM.name, lead=LEE.name)
    # Tom hears of it directly, the wall shows it, and Erin sees what she has left.
    await stage.slack_command(ERIN, "/kudos", f"@{TOM.name} had my laptop back in ten "
                              "minutes, right before the board meeting", answers=3,
                              answer_last=True)
    await stage.slack_command(TOM, "/kudos", "redeem lunch", answers=2, answer_last=True)
    # The card is updated in place, and Tom is told.
    await stage.slack_click(LEE, APPROVE, TRIAGE, answers=2, say_where=True)
