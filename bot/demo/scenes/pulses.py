"""Scene: Lee, the IT lead, sends an anonymous NPS pulse; Erin, Tom and Lee answer in Slack and
Erin says why; Lee reads the results and replies to Erin's reason without learning it was
hers, and she answers back."""

from __future__ import annotations

import re

from bot.demo.cast import ERIN, LEE, TOM
from bot.demo.stage import DemoError, Stage

_CODE = re.compile(r"#([0-9a-f]{8})")


async def a_pulse(stage: Stage) -> None:
    stage.scene("demo/pulses", lead=LEE.name, erin=ERIN.name)
    # The lead's answer, and the pulse in four DMs: three in Slack, Ann's in Teams.
    await stage.slack_command(LEE, "/touchpoint", "pulse create q4-pulse 7 anonymous now",
                              answers=5)
    await stage.slack_click(ERIN, "pulse.score.4", stage.slack.dm_channel(ERIN.slack_id))
    await stage.slack_click(ERIN, "pulse.why", stage.slack.dm_channel(ERIN.slack_id))
    await stage.slack_submit(ERIN, {"comment": "The VPN drops every afternoon."})
    await stage.slack_click(TOM, "pulse.score.9", stage.slack.dm_channel(TOM.slack_id))
    await stage.slack_click(LEE, "pulse.score.10", stage.slack.dm_channel(LEE.slack_id))
    await stage.slack_command(LEE, "/touchpoint", "pulse results q4-pulse")
    # The code of Erin's reason (the only one), as Lee reads it in the results.
    found = _CODE.search(str(stage.slack.responses[-1].body))
    if found is None:
        raise DemoError("the results name no reason to reply to")
    await stage.slack_command(LEE, "/touchpoint",
                              f"pulse reply {found[1]} Sorry about that. Which office "
                              "are you in? We are looking at the afternoon load.", answers=2)
    await stage.slack_click(ERIN, "pulse.answer_back", stage.slack.dm_channel(ERIN.slack_id))
    await stage.slack_submit(ERIN, {"text": "London, third floor."}, answers=2,
                             answer_last=True)
