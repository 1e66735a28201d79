"""The broadcast clock, end to end with a controlled clock (tests/clock.py): an open broadcast
that goes quiet reminds its owner once per interval of its impact (tighter for a service that
asks for it), then the IT leads; planned maintenance reminds its subscribers a day and an hour
before, starts itself on time and asks its owner to complete it when its window ends. Each
reminder and step happens once, however many replicas run the check at the same moment."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.emulators.tickets import TicketSender
from bot.flows.broadcasts import ids
from bot.flows.broadcasts.schedule import broadcasts_check
from tests.scenarios import broadcast_kit as kit
from tests.scenarios.broadcast_kit import ERIN, LEE, STATUS, TOM
from tests.scenarios.complaints_kit import MONDAY_9AM
from tests.waiting import eventually

bot_options, clock = kit.bot_options, kit.clock


DESK_SECRET = "test-webhook-secret"


@pytest.fixture
def settings(make_settings, connector):
    def config(raw):
        kit.configure(raw, connector.url)
        raw["broadcasts"] = {"service_remind_after_minutes": {"vpn": {"outage": 15}}}
        raw["tickets"] = {"sources": {"desk": {"preset": "generic"}}}
    return make_settings(config=config, env={"TOUCHPOINT_WEBHOOK_SECRET": DESK_SECRET})


async def _check_at(bot, clock, moment) -> None:
    await kit.settled(bot)
    clock.now = moment
    # Two replicas running the same check at once still send each reminder once.
    await asyncio.gather(broadcasts_check(bot.services, moment),
                         broadcasts_check(bot.services, moment))
    await kit.settled(bot)


def _dms(slack, user: str) -> list[dict]:
    return slack.messages_in(slack.dm_channel(user))


async def _opened(bot) -> None:
    async def out() -> bool:
        return len(await kit.broadcasts(bot)) == 1
    await eventually(out)


async def test_a_quiet_broadcast_reminds_its_owner_then_the_leads(bot, slack, slack_sender,
                                                                 clock):
    await slack_sender.command("/broadcast", "list", user_id=LEE)  # the lead is known
    await slack.wait_for_response(1)
    await kit.submit_opening(slack_sender, title="Email down", services=["1"])
    await _opened(bot)
    [broadcast] = await kit.broadcasts(bot)

    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=29))
    assert _dms(slack, TOM) == []
    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=31))
    [reminder] = _dms(slack, TOM)
    assert "*Email down* has had no update for 30 minutes" in kit.blocks_text(reminder)
    assert kit.button_ids(reminder) == [ids.UPDATE]
    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=45))
    assert len(_dms(slack, TOM)) == 1
    assert _dms(slack, LEE) == []

    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=61))
    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=65))
    assert len(_dms(slack, TOM)) == 2
    [to_lead] = _dms(slack, LEE)
    assert "owned by tom.tech) has had no update for 60 minutes" in kit.blocks_text(to_lead)

    # An update starts the interval again.
    await kit.submit_change(slack_sender, "updated", broadcast.id, services=["1"])
    await eventually(lambda: _updated(bot))
    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=65 + 29))
    assert len(_dms(slack, TOM)) == 2
    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=65 + 31))
    assert len(_dms(slack, TOM)) == 3


async def test_a_service_may_ask_for_a_tighter_cadence(bot, slack, slack_sender, clock):
    await kit.submit_opening(slack_sender, title="VPN down", services=[kit.NETWORK])
    await _opened(bot)

    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=14))
    assert _dms(slack, TOM) == []
    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=16))
    [reminder] = _dms(slack, TOM)
    assert "no update for 15 minutes" in kit.blocks_text(reminder)


async def test_maintenance_keeps_to_its_window(bot, slack, slack_sender, clock):
    await slack_sender.command("/touchpoint", "subscribe Email and Calendar", user_id=ERIN)
    await slack.wait_for_response(1)
    # Tuesday 22:00 to 23:30 in London (on UTC in winter), opened on Monday at 09:00.
    await kit.submit_opening(slack_sender, kind="maintenance", title="Mail server upgrade",
                             services=["1"], impact="informational",
                             window=("2026-12-01 22:00", "2026-12-01 23:30"))
    await _opened(bot)
    await kit.settled(bot)
    [broadcast] = await kit.broadcasts(bot)
    assert len(_dms(slack, ERIN)) == 1  # announced when created
    start = broadcast.window_start

    await _check_at(bot, clock, start - timedelta(days=1, minutes=1))
    assert len(_dms(slack, ERIN)) == 1
    await _check_at(bot, clock, start - timedelta(days=1))
    assert "starts tomorrow, Tue 01 Dec 2026, 22:00" in kit.blocks_text(_dms(slack, ERIN)[-1])
    await _check_at(bot, clock, start - timedelta(hours=1))
    await _check_at(bot, clock, start - timedelta(minutes=30))
    assert len(_dms(slack, ERIN)) == 3
    assert "starts within the hour" in kit.blocks_text(_dms(slack, ERIN)[-1])

    updates_before = len(slack.calls_to("chat.update"))
    await _check_at(bot, clock, start)
    [row] = await kit.broadcasts(bot)
    assert row.status == "in_progress"
    assert len(slack.calls_to("chat.update")) > updates_before
    post = kit.post_in(slack, STATUS, broadcast.id, 0)
    assert "*Status*: in progress" in kit.blocks_text(post)
    started = kit.thread(slack, STATUS, post)[-1]
    assert "*Started on schedule* · in progress" in started
    assert "The maintenance window has begun." in started
    assert len(_dms(slack, ERIN)) == 4
    trail = await kit.audit_trail(bot, broadcast.id)
    assert [(e.action, e.actor_id) for e in trail][-1] == ("started", None)

    await _check_at(bot, clock, broadcast.window_end - timedelta(minutes=1))
    assert _dms(slack, TOM) == []
    await _check_at(bot, clock, broadcast.window_end)
    await _check_at(bot, clock, broadcast.window_end + timedelta(minutes=15))
    [ask] = _dms(slack, TOM)
    assert "ended at Tue 01 Dec 2026, 23:30" in kit.blocks_text(ask)
    assert kit.button_ids(ask) == [ids.RESOLVE]
    assert len(_dms(slack, ERIN)) == 4


def _ticket(number: int, service: str, created: str) -> dict:
    return {"id": f"INC-{number}", "title": "Cannot connect", "priority": "P2",
            "requester_email": "erin@example.com", "service": service, "status": "open",
            "created_at": created, "updated_at": created}


async def test_tickets_for_an_affected_service_are_counted_on_the_posts(bot, slack,
                                                                      slack_sender, clock):
    await slack_sender.command("/broadcast", "list", user_id=ERIN)  # Erin is known
    await slack.wait_for_response(1)
    await kit.submit_opening(slack_sender, title="VPN down", services=[kit.NETWORK])
    await _opened(bot)
    await kit.settled(bot)
    [broadcast] = await kit.broadcasts(bot)
    async with TicketSender(bot.url, secret=DESK_SECRET) as desk:
        for ticket in (_ticket(1, "VPN", "2026-11-30T09:05:00Z"),  # an alias of Network
                       _ticket(2, "Network and Wi-Fi", "2026-11-30T09:06:00Z"),
                       _ticket(3, "Printing", "2026-11-30T09:07:00Z"),  # not affected
                       _ticket(4, "VPN", "2026-11-30T08:00:00Z")):  # before it opened
            reply = await desk.send(ticket, source="desk")
            assert reply.status == 200, reply.text

    edits = len(slack.calls_to("chat.update"))
    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=10))
    post = kit.post_in(slack, STATUS, broadcast.id, 0)
    assert "· 2 related tickets" in kit.blocks_text(post)
    assert len(slack.calls_to("chat.update")) == edits + 2  # both posts, once
    assert kit.thread(slack, STATUS, post) == []  # a count is no update
    await _check_at(bot, clock, MONDAY_9AM + timedelta(minutes=11))
    assert len(slack.calls_to("chat.update")) == edits + 2
    [row] = await kit.broadcasts(bot)
    assert (row.related_tickets, row.update_count) == (2, 1)

    # Erin raised both tickets: she is offered the updates once, and follows them.
    [offer] = _dms(slack, ERIN)
    assert "IT already knows about this: *VPN down*" in kit.blocks_text(offer)
    await slack_sender.click(ids.FOLLOW, str(broadcast.id), user_id=ERIN,
                             channel_id=slack.dm_channel(ERIN), message_ts=offer["ts"])
    [_listed, followed] = await slack.wait_for_response(2)
    assert "You now follow Network and Wi-Fi" in kit.blocks_text(followed.body)
    await kit.submit_change(slack_sender, "updated", broadcast.id)
    await eventually(lambda: _updated(bot))
    await kit.settled(bot)
    assert len(_dms(slack, ERIN)) == 2  # the offer, then the update


async def _updated(bot) -> bool:
    return (await kit.broadcasts(bot))[0].update_count == 2
