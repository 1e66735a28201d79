"""Scene: Lee, the IT lead, looks at this week's SLA and satisfaction digest so far: the
tickets, the survey answer, the complaint, the kudos and the pulse of the scenes before."""

from __future__ import annotations

from bot.demo.cast import LEE
from bot.demo.stage import Stage


async def the_week_so_far(stage: Stage) -> None:
    stage.scene("demo/digests", lead=LEE.name)
    await stage.slack_command(LEE, "/touchpoint", "digest weekly")
