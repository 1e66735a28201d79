"""Scene: Lee, the IT lead, sets up the review of the intranet project with Tom as its owner
and Erin as its stakeholder; Tom records Erin's conditions of satisfaction and checks one off,
then closes the project. Erin reviews each condition in one form, Lee rates the project as an
end user, and a week later the results reach Tom and Lee: per condition met or not, and the
end users' figure withheld below K."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.demo.cast import ERIN, LEE, TOM
from bot.demo.stage import Stage
from bot.flows.projects import ids
from bot.flows.projects.closing import REVIEW_DAYS


async def a_project_review(stage: Stage) -> None:
    stage.scene("demo/projects", lead=LEE.name, owner=TOM.name, stakeholder=ERIN.name)
    await stage.slack_command(LEE, "/touchpoint", "project create intranet")
    closes = date.today() + timedelta(days=60)
    await stage.slack_submit(LEE, {ids.OWNER_FIELD: TOM.slack_id or "",
                                   ids.STAKEHOLDERS_FIELD: ERIN.slack_id or "",
                                   ids.CLOSES_FIELD: closes.isoformat()},
                             answers=2, answer_last=True)
    tom_dm = stage.slack.dm_channel(TOM.slack_id or "")
    await stage.slack_click(TOM, ids.CONDITIONS_OPEN, tom_dm)
    await stage.slack_submit(TOM, {f"{ids.STAKEHOLDER_FIELD}0":
                                   "Expense forms work on the phone\n"
                                   "The old intranet links still lead somewhere"})
    await stage.slack_command(TOM, "/touchpoint", "project done intranet 1")
    await stage.slack_command(TOM, "/touchpoint", "project close intranet", answers=4,
                              answer_last=True)
    await stage.slack_click(ERIN, ids.REVIEW_OPEN, stage.slack.dm_channel(ERIN.slack_id or ""))
    await stage.slack_submit(ERIN, {f"{ids.CONDITION_FIELD}0": ids.MET,
                                    f"{ids.CONDITION_FIELD}1": ids.NOT_MET,
                                    ids.OVERALL_FIELD: "4"}, answers=0)
    await stage.slack_click(LEE, f"{ids.RATE_ACTION}5", stage.slack.dm_channel(LEE.slack_id
                                                                               or ""),
                            answers=0)
    await stage.scheduled_run("projects.tick", LEE, stage.slack.dm_channel(LEE.slack_id or ""),
                              answers=2,
                              at=datetime.now(UTC) + timedelta(days=REVIEW_DAYS, minutes=1))
