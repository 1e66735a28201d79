"""Scene: Lee, the IT lead, sends the yearly satisfaction survey (anonymous); Erin answers
part of it in one Slack modal, finishes it later from the same button, Tom answers all at
once, and Lee reads the results per aspect with the words given."""

from __future__ import annotations

from bot.demo.cast import ERIN, LEE, TOM
from bot.demo.stage import Stage


async def a_satisfaction_survey(stage: Stage) -> None:
    stage.scene("demo/surveys", lead=LEE.name, erin=ERIN.name)
    await stage.slack_command(LEE, "/touchpoint",
                              "pulse create satisfaction-2026 7 anonymous now "
                              "survey=satisfaction", answers=5)
    erin_dm = stage.slack.dm_channel(ERIN.slack_id)
    await stage.slack_click(ERIN, "pulse.survey", erin_dm)
    await stage.slack_submit(ERIN, {"q0": "4"})
    await stage.slack_click(ERIN, "pulse.survey", erin_dm)
    await stage.slack_submit(ERIN, {"q1": "2", "q2": "Warn us before the Friday updates."})
    await stage.slack_click(TOM, "pulse.survey", stage.slack.dm_channel(TOM.slack_id))
    await stage.slack_submit(TOM, {"q0": "5", "q1": "4"})
    await stage.slack_command(LEE, "/touchpoint", "pulse results satisfaction-2026")
