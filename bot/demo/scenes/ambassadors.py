"""Scene: Amy joins IT as Finance's ambassador. She opens her summary in Slack, and on the
1st of next month her monthly summary of Finance reaches her: the CSAT of this month's
surveys, the complaints Finance's people filed (nobody named), and the pulse and survey
figures for Finance alone, withheld below K."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.demo.cast import AMY, ERIN, app_config
from bot.demo.stage import Stage
from bot.flows.ambassadors.ids import JOB


def _next_month_slot() -> datetime:
    """The summary's slot after this month: the 1st of next month at 09:00, the demo's
    organisation time."""
    zone = ZoneInfo(app_config()["organisation"]["timezone"])
    first = (datetime.now(zone).date().replace(day=1) + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time(9), zone).astimezone(UTC)


async def a_department_ambassador(stage: Stage) -> None:
    stage.scene("demo/ambassadors", ambassador=AMY.name, member=ERIN.name,
                department="Finance")
    stage.joins(AMY)
    await stage.slack_command(AMY, "/touchpoint", "home")
    await stage.scheduled_run(JOB, AMY, stage.slack.dm_channel(AMY.slack_id or ""),
                              at=_next_month_slot())
