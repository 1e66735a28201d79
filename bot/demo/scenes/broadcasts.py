"""Scene: Erin follows Email; it goes down, and Tom announces it with /broadcast. The post in
#it-status is edited in place as he updates and resolves it, each update goes in its thread,
and Erin gets a direct message for every step, then "how well were you kept informed?"."""

from __future__ import annotations

from bot.demo.cast import ERIN, TOM
from bot.demo.stage import Stage
from bot.flows.broadcasts import ids

STATUS = "C0STATUS1"
EMAIL = "2"
"""Email and calendar's place in the demo's service catalogue (the form's value)."""


async def an_outage_kept_current(stage: Stage) -> None:
    stage.scene("demo/broadcasts", subscriber=ERIN.name, technician=TOM.name)
    await stage.slack_command(ERIN, "/touchpoint", "subscribe email and calendar")
    await stage.slack_command(TOM, "/broadcast", "Email is down")
    await stage.slack_submit(TOM, {ids.KIND: "incident", ids.SERVICES: EMAIL,
                                   ids.IMPACT: "outage",
                                   ids.MESSAGE: "Outlook cannot connect; we are looking into "
                                                "it.",
                                   ids.NOTIFY: "yes"}, answers=3, answer_last=True)
    await stage.slack_click(TOM, ids.UPDATE, STATUS, say_where=True)
    await stage.slack_submit(TOM, {ids.STATUS: "identified",
                                   ids.MESSAGE: "An expired certificate on the mail gateway: "
                                                "a new one is going in."},
                             answers=4, answer_last=True)
    await stage.slack_click(TOM, ids.RESOLVE, STATUS, say_where=True)
    await stage.slack_submit(TOM, {ids.MESSAGE: "Mail flows again; anything queued is being "
                                                "delivered now."},
                             answers=5, answer_last=True)
