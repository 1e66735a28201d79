"""The newsletter's review over Slack: the drafting job posts the draft for IT leads; an
employee's Approve is refused on the server; a lead edits the intro (the draft updates in
place), approves it (posted once in the announcements channel) or skips another period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.flows.newsletter import ids
from storage.models import AuditEvent
from storage.newsletter import NewsletterIssue
from tests.clock import Clock
from tests.conftest import RunningBot
from tests.outbox_kit import outbox_all_sent
from tests.scenarios import complaints_kit
from tests.scenarios.complaints_kit import ERIN, LEE, blocks_text, button_ids, keyed
from tests.waiting import eventually

DIGESTS, ANNOUNCEMENTS = "C0DIGEST1", "C0ANNOUNC"
NEW_YEAR = datetime(2027, 1, 1, 9, tzinfo=UTC)


def configure(raw: dict[str, Any], announcements: dict[str, str] | None = None) -> None:
    """A quarterly newsletter, announced in `announcements` (by default Slack's
    `ANNOUNCEMENTS`)."""
    raw["newsletter"] = {"enabled": True, "every": "quarterly",
                         "announcements": announcements or {"slack": ANNOUNCEMENTS}}


@pytest.fixture
def settings(make_settings):
    return make_settings(config=configure)


@pytest.fixture
def clock() -> Clock:
    return Clock(NEW_YEAR)


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    return {"clock": clock, "scheduler": False}


async def issues(bot: RunningBot) -> list[NewsletterIssue]:
    async with bot.services.sessions() as session:
        found = (await session.exec(select(NewsletterIssue)
                                    .order_by(col(NewsletterIssue.id)))).all()
        await session.commit()
    return list(found)


async def _draft(bot: RunningBot, slack, when: datetime) -> tuple[NewsletterIssue, dict]:
    await bot.run_job("newsletter.draft", when)
    issue = (await issues(bot))[-1]
    await outbox_all_sent(bot.services, f"newsletter:{issue.id}:draft", 1)
    card = keyed(slack, DIGESTS, f"newsletter:{issue.id}:draft")
    assert card is not None
    return issue, card


async def test_leads_edit_and_approve_the_draft_and_it_is_posted_once(bot, slack,
                                                                       slack_sender):
    issue, card = await _draft(bot, slack, NEW_YEAR)
    assert issue.period == "2026-Q4"
    assert button_ids(card) == [ids.APPROVE, ids.EDIT, ids.SKIP]
    assert "Draft for IT leads" in blocks_text(card)
    assert "No tickets this period." in blocks_text(card)  # an empty period, said plainly
    # The job again (a rerun, another replica's slot): the period has its issue.
    await bot.run_job("newsletter.draft", NEW_YEAR.replace(hour=10))
    assert len(await issues(bot)) == 1

    # An employee: refused, nothing changes, nothing is posted.
    await slack_sender.click(ids.APPROVE, str(issue.id), user_id=ERIN, channel_id=DIGESTS,
                             message_ts=card["ts"])
    [refused] = await slack.wait_for_response(1)
    assert "Only IT leads and admins" in blocks_text(refused.body)
    await slack_sender.click(ids.EDIT, str(issue.id), user_id=ERIN, channel_id=DIGESTS,
                             message_ts=card["ts"])
    await slack.wait_for_response(2)
    assert slack.calls_to("views.open") == []
    assert [i.status for i in await issues(bot)] == ["draft"]

    # The lead edits the intro: the draft shows it, escaped.
    await slack_sender.click(ids.EDIT, str(issue.id), user_id=LEE, channel_id=DIGESTS,
                             message_ts=card["ts"])
    view = await complaints_kit.opened_view(slack)
    assert view["callback_id"] == ids.EDIT_FORM and view["private_metadata"] == str(issue.id)
    await slack_sender.submit(ids.EDIT_FORM, {ids.INTRO: "A good quarter <!channel>"},
                              user_id=LEE, private_metadata=str(issue.id))

    async def edited() -> bool:
        shown = keyed(slack, DIGESTS, f"newsletter:{issue.id}:draft")
        return shown is not None and "A good quarter" in blocks_text(shown)

    await eventually(edited)
    shown = blocks_text(keyed(slack, DIGESTS, f"newsletter:{issue.id}:draft") or {})
    assert "A good quarter &lt;!channel&gt;" in shown and "<!channel>" not in shown

    # Approved: posted once in the announcements channel, the draft says so, no buttons.
    for _ in range(2):
        await slack_sender.click(ids.APPROVE, str(issue.id), user_id=LEE, channel_id=DIGESTS,
                                 message_ts=card["ts"])
    await outbox_all_sent(bot.services, f"newsletter:{issue.id}:issue", 1)
    [posted] = slack.messages_in(ANNOUNCEMENTS)
    assert "IT service news, 2026-10-01 to 2026-12-31" in blocks_text(posted)
    assert "A good quarter" in blocks_text(posted) and "Draft" not in blocks_text(posted)

    async def approved() -> bool:
        shown = keyed(slack, DIGESTS, f"newsletter:{issue.id}:draft")
        return shown is not None and "Approved" in blocks_text(shown)

    await eventually(approved)
    assert button_ids(keyed(slack, DIGESTS, f"newsletter:{issue.id}:draft") or {}) == []
    # The second click is told nothing changed (already approved, or, when both clicks are
    # handled at once, decided a moment ago by the first).
    [answer] = (await slack.wait_for_response(3))[2:]
    assert ("already approved" in blocks_text(answer.body)
            or "decided this newsletter a moment ago" in blocks_text(answer.body))
    async with bot.services.sessions() as session:
        actions = (await session.exec(select(AuditEvent.action).where(
            AuditEvent.subject_type == "newsletter").order_by(col(AuditEvent.id)))).all()
    assert list(actions) == ["newsletter_drafted", "newsletter_edited", "newsletter_approved"]


async def test_a_lead_skips_a_period_and_nothing_is_announced(bot, slack, slack_sender):
    issue, card = await _draft(bot, slack, NEW_YEAR)
    await slack_sender.click(ids.SKIP, str(issue.id), user_id=LEE, channel_id=DIGESTS,
                             message_ts=card["ts"])

    async def skipped() -> bool:
        shown = keyed(slack, DIGESTS, f"newsletter:{issue.id}:draft")
        return shown is not None and "Skipped" in blocks_text(shown)

    await eventually(skipped)
    assert [i.status for i in await issues(bot)] == ["skipped"]
    assert slack.messages_in(ANNOUNCEMENTS) == []
