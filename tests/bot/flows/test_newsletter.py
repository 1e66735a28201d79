"""The newsletter without HTTP in front: periods, the draft (once per period, sent for review
with Approve / Edit / Skip), what it says (public stories, shared complaints without a name,
milestones, plan items), and `touchpoint newsletter export` as Markdown and HTML."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.chat.message import Image
from bot.flows.newsletter import ids
from bot.flows.newsletter.periods import previous_period
from bot.flows.newsletter.review import newsletter_draft
from storage.milestones import record_once
from storage.plans import add_plan_item
from tests import milestones_kit as kit
from tests.clock import Clock
from tests.outbox_kit import outbox_rows

LONDON = ZoneInfo("Europe/London")
DRAFTED = datetime(2027, 1, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(("now", "every", "label", "first", "end"), [
    (DRAFTED, "quarterly", "2026-Q4", datetime(2026, 10, 1), datetime(2027, 1, 1)),
    (DRAFTED, "bimonthly", "2026-B6", datetime(2026, 11, 1), datetime(2027, 1, 1)),
    (datetime(2026, 5, 20, tzinfo=UTC), "bimonthly", "2026-B2", datetime(2026, 3, 1),
     datetime(2026, 5, 1)),
    (datetime(2026, 2, 1, tzinfo=UTC), "quarterly", "2025-Q4", datetime(2025, 10, 1),
     datetime(2026, 1, 1)),
])
def test_the_period_is_the_last_whole_one_in_the_organisations_zone(now, every, label,
                                                                     first, end):
    period = previous_period(now, every, LONDON)
    assert (period.label, period.starts_at, period.ends_at) == (
        label, first.replace(tzinfo=LONDON), end.replace(tzinfo=LONDON))


def enabled(raw) -> None:
    raw["newsletter"] = {"enabled": True, "announcements": {"slack": "C0ANNOUNC"},
                         "stories": 2}


@pytest.fixture
def settings(make_settings):
    return make_settings(config=enabled)


@pytest.fixture
def clock() -> Clock:
    return Clock(DRAFTED)


async def seed(services) -> None:
    async with services.sessions() as session:
        tom, erin = await kit.person(session, "tom"), await kit.person(session, "erin")
        await kit.week_of_tickets(session, erin, [5, 5, 5, 4, 2])
        await kit.kudos(session, erin, tom, 1)
        shared = await kit.complaint(session, erin, resolved=True)
        shared.shareable, shared.what_changed = True, "Docking stations <b>replaced</b>"
        shared.description = "Erin's secret description"
        kept = await kit.complaint(session, erin, resolved=True)
        kept.what_changed = "Not to be told"
        session.add_all([shared, kept])
        await record_once(session, key="csat:80", kind="csat", reached_at=kit.CHECK_AT,
                          detail={"level": 80, "csat": 80.0, "week": "2026-11-30"})
        await add_plan_item(session, submission_key="k", figure="csat",
                            change="Call back every low score", owner_id=tom.id,
                            created_by_id=tom.id, due_on=date(2026, 12, 20), now=kit.CHECK_AT)
        await session.commit()


async def test_a_period_is_drafted_once_and_sent_for_review(services):
    await seed(services)
    async with services.sessions() as session:
        issue_id = await newsletter_draft(session, services, DRAFTED)
        await session.commit()
        assert await newsletter_draft(session, services, DRAFTED + timedelta(hours=1)) is None
        await session.commit()

    [draft] = await outbox_rows(services, "newsletter:")
    assert (draft.key, draft.channel) == (f"newsletter:{issue_id}:draft", "C0DIGEST1")
    assert [button["action_id"] for button in draft.payload["buttons"]] == [
        ids.APPROVE, ids.EDIT, ids.SKIP]
    content = draft.payload["context"]
    # The digest's chart of the quarter's weeks goes with it, not in its words.
    assert "chart" not in content
    chart = Image.from_dict(draft.payload["image"])
    assert chart.size == (800, 400) and "13 weeks to 31 Dec 2026" in chart.alt_text
    assert (content["period"], content["first_day"], content["last_day"]) == (
        "2026-Q4", "2026-10-01", "2026-12-31")
    assert (content["csat"], content["answers"], content["tickets"], content["sla_met"],
            content["kudos"], content["complaints_resolved"]) == (80.0, 5, 5, 100.0, 1, 2)
    assert content["stories"] == [{"story": "Thanks!", "recipients": "tom", "value": None}]
    # Only the complaint its resolver shared, and only what changed: never who, nor what
    # they wrote.
    assert content["changes"] == [{"service": "Service desk", "category": "Responsiveness",
                                   "what_changed": "Docking stations <b>replaced</b>"}]
    assert "erin" not in str(content["changes"]).lower()
    assert content["milestones"] == [{"kind": "csat", "level": 80, "csat": 80.0,
                                      "week": "2026-11-30"}]
    assert content["plans"] == [{"figure": "csat", "change": "Call back every low score",
                                 "due_on": "2026-12-20", "overdue": True}]


async def test_export_writes_markdown_and_html(services, cli_env, database_url, tmp_path):
    await seed(services)
    async with services.sessions() as session:
        await newsletter_draft(session, services, DRAFTED)
        await session.commit()
    env = cli_env(DATABASE_URL=database_url)

    def touchpoint(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(Path(sys.executable).with_name("touchpoint")), *args],  # noqa: S603
                              env=env, capture_output=True, text=True, timeout=60, check=False)

    markdown = await asyncio.to_thread(touchpoint, "newsletter", "export", "--format", "md")
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("# IT service news, 2026-10-01 to 2026-12-31\n")
    assert "- Service desk (Responsiveness): Docking stations \\<b\\>replaced\\</b\\>" in (
        markdown.stdout)
    assert "- Satisfaction: 80.0% of 5 answers were a 4 or a 5" in markdown.stdout
    assert "- Call back every low score (by 2026-12-20, running late)" in markdown.stdout

    out = tmp_path / "news.html"
    await asyncio.to_thread(touchpoint, "newsletter", "export", "--format", "html",
                            "--period", "2026-Q4", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<li>Service desk (Responsiveness): Docking stations &lt;b&gt;replaced&lt;/b&gt;" \
           "</li>" in page
    assert "<b>" not in page and "secret" not in page

    missing = await asyncio.to_thread(touchpoint, "newsletter", "export", "--format", "md",
                                      "--period", "2030-Q1")
    assert (missing.returncode, missing.stderr) == (
        2, "Cannot export:\n  no newsletter 2030-Q1\n")
