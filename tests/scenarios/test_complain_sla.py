"""The complaint clock, end to end with a controlled clock: SLA reminders before a breach and
escalation to the IT leads after it, each sent once however often (and by however many
replicas) the scheduled check runs; unanswered resolutions close themselves."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.flows.complaints import ids
from bot.flows.complaints.sla import complaints_check
from bot.scheduler import OK, SKIPPED, Scheduler
from storage.complaints import ComplaintAlert
from tests.scenarios import complaints_kit as kit
from tests.scenarios.complaints_kit import ERIN, LEE, TOM, TRIAGE
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings


def _thread_replies(slack, complaint) -> list[str]:
    return kit.triage_thread(slack, complaint)


def _dms(slack, user: str) -> list[str]:
    return [kit.blocks_text(m) for m in slack.messages_in(slack.dm_channel(user))]


async def _check_at(bot, clock, moment) -> None:
    await kit.drained(bot)
    clock.now = moment
    # Two replicas running the same check at once still send each alert once.
    await asyncio.gather(complaints_check(bot.services, moment),
                         complaints_check(bot.services, moment))
    await kit.drained(bot)


async def test_reminders_before_and_escalation_after_each_sla_breach(bot, slack, slack_sender,
                                                                     clock):
    # The lead has used Touchpoint, so the directory knows them (and their role).
    await slack_sender.command("/complain", "status", user_id=LEE)
    await slack.wait_for_response(1)
    complaint = await kit.file_and_wait(bot, slack_sender, slack, impact="high")
    monday = kit.MONDAY_9AM

    await _check_at(bot, clock, monday + timedelta(minutes=29))
    assert _thread_replies(slack, complaint) == []

    # Half-way through the 1-hour acknowledgement SLA, nobody owns it: triage is reminded.
    await _check_at(bot, clock, monday + timedelta(minutes=31))
    [reminder] = _thread_replies(slack, complaint)
    assert "needs acknowledging by Mon 30 Nov 2026, 10:00 GMT" in reminder

    # Past the deadline: the leads get a DM and the thread says so, once.
    await _check_at(bot, clock, monday + timedelta(minutes=61))
    await _check_at(bot, clock, monday + timedelta(minutes=75))
    [breach] = [t for t in _dms(slack, LEE) if "CMP-2026-0001" in t]
    # The lead reads it in their own time zone (America/New_York).
    assert "was not acknowledged by Mon 30 Nov 2026, 05:00 EST: the SLA is breached" in breach
    assert len(_thread_replies(slack, complaint)) == 2
    [row] = await kit.complaints(bot)
    assert row.escalated
    assert ids.ESCALATE not in kit.button_ids(kit.triage_message(slack, complaint))

    # Tom takes it on; an hour before the resolution deadline he is reminded, then the
    # leads hear of the breach. Each alert is sent once.
    await slack_sender.click(ids.ASSIGN_ME, complaint.number, user_id=TOM,
                             channel_id=TRIAGE)
    await eventually(lambda: _owned(bot))
    await _check_at(bot, clock, monday + timedelta(hours=7, minutes=1))
    await _check_at(bot, clock, monday + timedelta(hours=7, minutes=30))
    assert len([t for t in _dms(slack, TOM) if "needs resolving by" in t]) == 1
    await _check_at(bot, clock, monday + timedelta(hours=8, minutes=1))
    await _check_at(bot, clock, monday + timedelta(days=1))
    breaches = [t for t in _dms(slack, LEE) if "was not resolved by" in t]
    assert len(breaches) == 1 and "(owner: tom.tech)" in breaches[0]

    async with bot.services.sessions() as session:
        kinds = sorted(a.kind for a in (await session.exec(select(ComplaintAlert))).all())
    assert kinds == ["acknowledge_breach", "acknowledge_reminder", "resolve_breach",
                     "resolve_reminder"]
    trail = [e.action for e in await kit.audit_trail(bot, complaint.number)]
    assert trail == ["filed", "acknowledge_reminder", "acknowledge_breach", "assigned",
                     "resolve_reminder", "resolve_breach"]


async def test_no_reminder_for_a_complaint_handled_in_time(bot, slack, slack_sender, clock):
    complaint = await kit.file_and_wait(bot, slack_sender, slack, impact="low")
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "Sorted"}, user_id=TOM,
                              private_metadata=complaint.number,
                              selects={ids.ROOT_CAUSE: "People"})
    await eventually(lambda: _status(bot, "resolved"))

    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=3))

    assert _thread_replies(slack, complaint) == []
    [row] = await kit.complaints(bot)
    assert not row.escalated


async def test_an_unanswered_resolution_closes_after_the_configured_days(bot, slack,
                                                                         slack_sender, clock):
    complaint = await kit.file_and_wait(bot, slack_sender, slack, impact="medium")
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "Sorted"}, user_id=TOM,
                              private_metadata=complaint.number,
                              selects={ids.ROOT_CAUSE: "People"})
    await eventually(lambda: _status(bot, "resolved"))

    # Half-way, the complainant is followed up once more (once), with the same question.
    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=2, hours=11))
    assert "Following up" not in kit.blocks_text(kit.dm_thread(slack, ERIN, complaint)[-1])
    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=2, hours=13))
    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=3))
    followed = [m for m in kit.dm_thread(slack, ERIN, complaint)
                if "Following up" in kit.blocks_text(m)]
    assert len(followed) == 1
    assert "it closes on Sat 05 Dec 2026, 09:00 GMT" in kit.blocks_text(followed[0])
    assert kit.button_ids(followed[0]) == [ids.SATISFIED, ids.UNSATISFIED]
    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=4, hours=23))
    assert await _status(bot, "resolved")
    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=5, minutes=1))

    assert await _status(bot, "closed")
    thread = kit.dm_thread(slack, ERIN, complaint)
    assert "did not hear back within 5 days" in kit.blocks_text(thread[-1])
    assert [e.action for e in await kit.audit_trail(bot, complaint.number)][-1] == "auto_closed"
    # Too late to answer now; the answer is kind and changes nothing.
    await kit.answer(slack_sender, slack, ids.UNSATISFIED, complaint.number)
    [answer] = await slack.wait_for_response(1)
    assert "we already have your answer" in kit.blocks_text(answer.body)
    assert await _status(bot, "closed")


async def test_a_reopened_complaint_gets_a_new_resolution_deadline_with_its_own_alerts(
        bot, slack, slack_sender, clock):
    await slack_sender.command("/complain", "status", user_id=LEE)
    await slack.wait_for_response(1)
    complaint = await kit.file_and_wait(bot, slack_sender, slack, impact="high")
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "Sorted"}, user_id=TOM,
                              private_metadata=complaint.number,
                              selects={ids.ROOT_CAUSE: "People"})
    await eventually(lambda: _status(bot, "resolved"))

    # Wednesday 10:00, long after the first deadline (Monday 17:00): Erin is not satisfied.
    await kit.drained(bot)
    clock.now = kit.MONDAY_9AM + timedelta(days=2, hours=1)
    await kit.answer(slack_sender, slack, ids.UNSATISFIED, complaint.number)
    await eventually(lambda: _status(bot, "reopened"))

    # Eight business hours from the reopening: Thursday 10:00. No breach for the old one.
    [row] = await kit.complaints(bot)
    assert row.resolve_due_at == kit.MONDAY_9AM + timedelta(days=3, hours=1)
    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=2, hours=1, minutes=5))
    assert [t for t in _dms(slack, LEE) if "was not resolved by" in t] == []

    # Past the new deadline the leads hear of it, once.
    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=3, hours=1, minutes=1))
    await _check_at(bot, clock, kit.MONDAY_9AM + timedelta(days=3, hours=2))
    [breach] = [t for t in _dms(slack, LEE) if "was not resolved by" in t]
    assert "Thu 03 Dec 2026" in breach
    async with bot.services.sessions() as session:
        kinds = sorted(a.kind for a in (await session.exec(select(ComplaintAlert))).all())
    assert kinds == ["resolve_breach:1", "resolve_reminder:1"]


async def test_the_check_runs_as_a_claimed_scheduled_job(bot, slack, slack_sender, clock):
    complaint = await kit.file_and_wait(bot, slack_sender, slack, impact="high")
    await kit.drained(bot)
    clock.now = kit.MONDAY_9AM + timedelta(minutes=40)
    replicas = [Scheduler(bot.dispatcher), Scheduler(bot.dispatcher)]

    outcomes = await asyncio.gather(*(
        replica._claimed_run("complaints.check", clock.now) for replica in replicas))

    assert sorted(outcomes) == [OK, SKIPPED]
    await kit.drained(bot)
    assert len(_thread_replies(slack, complaint)) == 1


async def _owned(bot) -> bool:
    return (await kit.complaints(bot))[0].owner_id is not None


async def _status(bot, status: str) -> bool:
    return (await kit.complaints(bot))[0].status == status
