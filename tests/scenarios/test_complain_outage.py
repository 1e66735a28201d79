"""Complaints while Slack fails or is slow, through signed requests into the running app: filed
while chat.postMessage answers 500, then 503, then 429 for some seconds each, every receipt and
triage card arrives once Slack is back, each exactly once; and while Slack takes 5 s per post,
the complaint form and /complain status are still answered at once (no turn waits on Slack)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest
from sqlmodel import select

from bot.emulators.slack import SlackEmulator
from bot.flows.complaints.notify import receipt_key, triage_key
from storage.complaints import Complaint
from storage.outbox import SENT, OutboxMessage
from tests.scenarios import complaints_kit as kit
from tests.scenarios.complaints_kit import ERIN, LEE, TOM
from tests.waiting import eventually

PEOPLE = (ERIN, TOM, LEE)
OUTAGE_S = 5.0
"""How long each failure lasts: 500s, then 503s, then 429s."""
FILINGS = 30
"""Complaints filed through the outages: one every half second (on a machine slower to answer,
one as soon as the last is answered)."""

settings = kit.settings_without_rate_limit




@pytest.fixture
def bot_options() -> dict[str, Any]:
    # The application's own clock: the outbox waits real seconds between tries.
    return {"scheduler": False}


def _posted(slack: SlackEmulator) -> Counter[str | None]:
    """How many times Slack took a message under each outbox key."""
    return Counter(kit.key_of(call.args) for call in slack.calls_to("chat.postMessage")
                   if not call.faulted)


async def _all_out_once(bot, slack: SlackEmulator, count: int) -> list[Complaint]:
    """Wait until `count` complaints are filed and each receipt and Slack triage card has
    arrived; then they must each have arrived once."""
    async def out() -> list[Complaint] | None:
        rows = await kit.complaints(bot)
        posted = _posted(slack)
        done = len(rows) == count and all(
            posted[receipt_key(row.id)] and posted[triage_key(row.id)] for row in rows)
        return rows if done else None

    rows = await eventually(out, within_s=90)
    posted = _posted(slack)
    assert {posted[receipt_key(row.id)] for row in rows} == {1}
    assert {posted[triage_key(row.id)] for row in rows} == {1}
    return rows


async def _outbox(bot) -> list[OutboxMessage]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(OutboxMessage))).all())


async def test_complaints_filed_while_slack_fails_each_arrive_once_after(bot, slack,
                                                                         slack_sender,
                                                                         connector):
    started = time.monotonic()
    slack.fail_for("chat.postMessage", OUTAGE_S, 500)
    slack.fail_for("chat.postMessage", OUTAGE_S, 503)
    slack.fail_for("chat.postMessage", OUTAGE_S, 429, retry_after=2)
    # A count, not "as many as fit in the outages": that many depends on the machine's pace.
    for filed in range(FILINGS):
        await asyncio.sleep(max(0.0, started + filed * 3 * OUTAGE_S / FILINGS - time.monotonic()))
        reply = await kit.submit_complaint(slack_sender, PEOPLE[filed % len(PEOPLE)],
                                           description=f"complaint {filed}")
        assert (reply.status, reply.text) == (200, "")

    rows = await _all_out_once(bot, slack, FILINGS)

    refused = [call for call in slack.calls_to("chat.postMessage") if call.faulted]
    assert len(refused) >= FILINGS  # every first try in the window failed, and more
    # Refused in each outage in turn: 500s, then 503s, then 429s.
    assert {int((call.at - started) // OUTAGE_S) for call in refused} == {0, 1, 2}
    assert [row.number for row in rows] == [f"CMP-2026-{n:04d}" for n in range(1, FILINGS + 1)]

    async def settled() -> bool:
        return {row.status for row in await _outbox(bot)} == {SENT}

    await eventually(settled)
    # Teams was never down: one card per complaint (counted once all is sent: the last ones
    # may still be on their way when Slack's are in).
    assert len(connector.activities_in(kit.TEAMS_TRIAGE)) == FILINGS


async def test_the_form_and_status_are_answered_at_once_while_slack_takes_5s_a_post(
        bot, slack, slack_sender):
    slack.slow("chat.postMessage", 5)

    async def timed(n: int) -> float:
        start = time.perf_counter()
        reply = await kit.submit_complaint(slack_sender, PEOPLE[n % len(PEOPLE)],
                                           description=f"complaint {n}")
        assert (reply.status, reply.text) == (200, "")
        return time.perf_counter() - start

    # More complaints at once than there are turns running at once (16)...
    burst = await asyncio.gather(*(timed(n) for n in range(24)))
    # ... and while Slack is still taking their receipts and cards, one more, and a question.
    await slack.wait_for("chat.postMessage", 16)
    one_more = await timed(24)
    start = time.perf_counter()
    await slack_sender.command("/complain", "status", user_id=ERIN)
    await slack.wait_for_response(1)
    status = time.perf_counter() - start

    assert max(burst) < 3.0, sorted(burst)  # Slack's limit, with 24 filings queued at once
    assert one_more < 0.5
    assert status < 0.5
    await _all_out_once(bot, slack, 25)
