"""Scene: Lee, the IT lead, puts an improvement on the plan for CSAT with Tom as its owner;
Tom resolves the last open complaint (and lets the newsletter tell what changed), and the next
morning's milestone check celebrates the complaint backlog at zero in the leads' channel and on
the kudos wall. At the quarter's end the newsletter is drafted for Lee, who approves it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.demo.cast import LEE, TOM
from bot.demo.stage import Stage
from bot.flows.complaints import ids as complaint_ids
from bot.flows.newsletter import ids as newsletter_ids
from bot.flows.plans import ids

TRIAGE = "C0TRIAGE1"
LEADS = "C0LEADS01"
ANNOUNCEMENTS = "C0NEWS001"


def next_quarter() -> datetime:
    """09:00 on the first day of the next quarter: when this quarter's newsletter is drafted."""
    today = date.today()
    month = (today.month - 1) // 3 * 3 + 4
    year = today.year + (month > 12)
    return datetime(year, (month - 1) % 12 + 1, 1, 9, tzinfo=UTC)


async def a_plan_and_a_milestone(stage: Stage) -> None:
    stage.scene("demo/milestones", lead=LEE.name, technician=TOM.name)
    await stage.slack_command(LEE, "/touchpoint", "plan add csat")
    due = date.today() + timedelta(days=30)
    await stage.slack_submit(LEE, {ids.CHANGE: "Call back everyone who scores 1 or 2 within "
                                               "one working day",
                                   ids.OWNER_EMAIL: TOM.email, ids.DUE: due.isoformat()},
                             answers=2, answer_last=True)
    await stage.slack_command(TOM, "/touchpoint", "plan list")
    # The complaint logged from Erin's low score is the last one open.
    await stage.slack_click(TOM, complaint_ids.ACKNOWLEDGE, TRIAGE, say_where=True)
    await stage.slack_click(TOM, complaint_ids.RESOLVE_START, TRIAGE)
    await stage.slack_submit(TOM, {complaint_ids.NOTE: "Called Erin: the access point on her "
                                                       "floor was faulty, and is replaced.",
                                   complaint_ids.ROOT_CAUSE: "Tooling",
                                   complaint_ids.SHAREABLE: "yes",
                                   complaint_ids.WHAT_CHANGED: "Faulty Wi-Fi access points are "
                                                               "now found and replaced within "
                                                               "a day."})
    await stage.scheduled_run("milestones.check", LEE, LEADS, answers=2)
    await stage.scheduled_run("newsletter.draft", LEE, LEADS, at=next_quarter())
    await stage.slack_click(LEE, newsletter_ids.APPROVE, LEADS, answers=2, say_where=True)
