"""Scene: newcomers ask Touchpoint what it can do, in Slack and in Teams, and try a word it
does not know."""

from __future__ import annotations

from bot.demo.cast import ANN, ERIN
from bot.demo.stage import Stage


async def asking_for_help(stage: Stage) -> None:
    stage.scene("demo/help", slack_name=ERIN.name, teams_name=ANN.name)
    await stage.slack_command(ERIN, "/touchpoint", "help")
    await stage.slack_command(ERIN, "/touchpoint", "hello")
    await stage.teams_message(ANN, "help")
