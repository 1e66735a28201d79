"""The outbox and its sender, against the Slack emulator: what a flow records is sent once,
the latest version wins, replies wait for their parent (or reach the person when it failed),
cancelled rows stay unsent, interactive rows overtake bulk ones, the unreachable fail at once
and the rest are retried until given up, and a row claimed before a crash is found by its key
rather than sent again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, update

from bot.chat import sender as sender_module
from bot.chat.message import Message
from bot.chat.pacer import Pacer
from bot.chat.port import MessageRef
from bot.chat.sender import OutboxSender
from bot.config import ChannelTarget
from bot.emulators.slack import SlackEmulator
from bot.services import Services
from storage import outbox as store
from storage.models import Person
from storage.outbox import OutboxMessage
from tests.outbox_kit import messages_with_key, outbox_rows, outbox_settled
from tests.waiting import eventually

TRIAGE = ChannelTarget(slack="C0TRIAGE1")


def said(problem: str) -> Message:
    return Message("pulses/problem", {"problem": problem})


def text(args: dict) -> str:
    return args["blocks"][0]["text"]["text"]


@pytest.fixture
def clock():
    return lambda: datetime.now(UTC)


@pytest.fixture
def settings(make_settings):
    return make_settings(config=lambda raw: raw.update(outbox={
        "poll_seconds": 0.05, "send_rate": {"slack": 200}, "max_attempts": 3}))


@pytest.fixture
async def people(services: Services) -> dict[str, Person]:
    async with services.sessions() as session:
        found = {"erin": Person(slack_user_id="U0EMPL001", display_name="Erin"),
                 "tina": Person(teams_user_id="7a1b2c3d-0000-4000-8000-00000000a001"),
                 "lee": Person(slack_user_id="U0LEAD001")}
        session.add_all(found.values())
        await session.commit()
    return found


@pytest.fixture
async def sender(services: Services) -> AsyncIterator[OutboxSender]:
    running = OutboxSender(services)
    running.start()
    yield running
    await running.stop(5)


async def record(services: Services, work) -> None:
    """`work(session)` in one transaction, committed: as a flow's turn would."""
    async with services.sessions() as session:
        await work(session)
        await session.commit()


async def test_a_dm_goes_out_once_with_its_key(services, people, slack, sender):
    async def twice(session):
        await services.outbox.send_dm(session, people["erin"], said("closed"), key="t:1:dm")
        await services.outbox.send_dm(session, people["erin"], said("unknown"), key="t:1:dm")
    await record(services, twice)
    [row] = await outbox_settled(services, "t:")
    assert (row.status, row.platform, row.kind, row.attempts) == ("sent", "slack", "dm", 1)
    [sent] = messages_with_key(slack, "t:1:dm")
    assert sent["channel"] == "U0EMPL001" and "has closed" in text(sent)
    async with services.sessions() as session:
        ref = await store.sent_ref(session, "t:1:dm", "slack")
        assert ref == MessageRef("slack", SlackEmulator.dm_channel("U0EMPL001"), row.ref_id)
        assert await store.key_for_ref(session, ref) == "t:1:dm"


async def test_the_latest_version_wins(services, people, slack, sender):
    gate = slack.hold("chat.postMessage")
    await record(services, lambda session: services.outbox.send_dm(
        session, people["erin"], said("closed"), key="t:2:dm"))
    [posting] = await slack.wait_for("chat.postMessage")
    # Changed twice while the first version is on its way: the last one is shown after it.
    await record(services, lambda session: services.outbox.edit(
        session, "t:2:dm", said("not invited")))
    await record(services, lambda session: services.outbox.edit(
        session, "t:2:dm", said("comment kept")))
    gate.set()
    [row] = await outbox_settled(services, "t:")
    assert (row.status, row.version, row.sent_version) == ("sent", 3, 3)
    [changed] = await slack.wait_for("chat.update")
    assert changed.args["ts"] == row.ref_id and "reason is kept" in text(changed.args)
    assert "has closed" in text(posting.args)
    assert len(messages_with_key(slack, "t:2:dm")) == 1


async def test_a_reply_waits_for_its_parent_then_goes_in_its_thread(services, people, slack,
                                                                    sender):
    gate = slack.hold("chat.postMessage")

    async def card_and_reply(session):
        await services.outbox.post(session, TRIAGE, said("closed"), key="t:3:card")
        await services.outbox.reply(session, "t:3:card", said("unknown"), key="t:3:note")
    await record(services, card_and_reply)
    [card] = await slack.wait_for("chat.postMessage")
    await eventually(lambda: _status(services, "t:3:note", "pending"))
    assert len(slack.calls_to("chat.postMessage")) == 1
    gate.set()
    rows = await outbox_settled(services, "t:3:")
    assert [(r.key, r.status) for r in rows] == [("t:3:card", "sent"), ("t:3:note", "sent")]
    [reply] = messages_with_key(slack, "t:3:note")
    assert (reply["channel"], reply["thread_ts"]) == ("C0TRIAGE1", rows[0].ref_id)
    assert card.args["channel"] == "C0TRIAGE1"


async def _status(services: Services, key: str, status: str) -> bool:
    return any(r.status == status for r in await outbox_rows(services, key))


async def test_a_reply_to_a_failed_parent_reaches_the_person_in_a_dm(services, people, slack,
                                                                     sender):
    slack.fail_next("chat.postMessage", status=200, error="channel_not_found")

    async def card_and_replies(session):
        await services.outbox.post(session, TRIAGE, said("closed"), key="t:4:card")
        await services.outbox.reply(session, "t:4:card", said("unknown"), key="t:4:to-erin",
                                    person=people["erin"])
        await services.outbox.reply(session, "t:4:card", said("unknown"), key="t:4:to-none")
    await record(services, card_and_replies)
    rows = {r.key: r for r in await outbox_settled(services, "t:4:")}
    assert (rows["t:4:card"].status, rows["t:4:card"].reason) == (
        "failed", "unreachable: channel_not_found")
    assert rows["t:4:to-erin"].status == "sent"
    [dm] = messages_with_key(slack, "t:4:to-erin")
    assert dm["channel"] == "U0EMPL001" and "thread_ts" not in dm
    assert (rows["t:4:to-none"].status, rows["t:4:to-none"].reason) == (
        "failed", "unreachable: its parent t:4:card was not delivered")


async def test_cancelled_rows_are_never_sent(services, people, slack, sender):
    later = datetime.now(UTC) + timedelta(hours=1)

    async def fan_out(session):
        for name in ("erin", "lee"):
            await services.outbox.send_dm(session, people[name], said("closed"),
                                          key=f"t:5:{name}", bulk=True, due_at=later)
        await services.outbox.send_dm(session, people["erin"], said("closed"), key="t:50:x")
    await record(services, fan_out)
    async with services.sessions() as session:
        assert await services.outbox.cancel(session, "t:5:", "closed") == 2
        await session.commit()
    rows = await outbox_settled(services, "t:5")
    assert {(r.key, r.status, r.reason) for r in rows} == {
        ("t:5:erin", "cancelled", "closed"), ("t:5:lee", "cancelled", "closed"),
        ("t:50:x", "sent", None)}


async def test_interactive_rows_go_before_bulk_ones(services, people, slack):
    async def fan_out(session):
        for n in range(30):
            await services.outbox.send_dm(session, people["lee"], said("closed"),
                                          key=f"t:6:bulk:{n}", bulk=True)
    await record(services, fan_out)
    paced = OutboxSender(services)
    paced._pacers["slack"] = Pacer(10)  # 3 s for the bulk rows
    paced.start()
    try:
        await slack.wait_for("chat.postMessage", 3)
        await record(services, lambda session: services.outbox.send_dm(
            session, people["erin"], said("unknown"), key="t:6:receipt"))
        await outbox_settled(services, "t:6:")
    finally:
        await paced.stop(5)
    order = [call.args["metadata"]["event_payload"]["key"]
             for call in slack.calls_to("chat.postMessage")]
    # Woken by the commit, claimed past the bulk rows queued, and first at the pacer: out
    # within a few slots of its commit, not after the 27 bulk rows still waiting.
    assert order.index("t:6:receipt") <= 10, order


async def test_the_unreachable_fail_at_once_with_the_reason(services, people, slack, sender):
    slack.fail_next("chat.postMessage", status=200, error="user_not_found")

    async def three(session):
        await services.outbox.send_dm(session, people["erin"], said("closed"), key="t:7:erin")
        # Teams is not configured here, and Tina has no Slack account.
        await services.outbox.send_dm(session, people["tina"], said("closed"), key="t:7:tina")
        await services.outbox.post(session, ChannelTarget(teams="19:x@thread.tacv2"),
                                   said("closed"), key="t:7:teams-post")
    await record(services, three)
    rows = {r.key: r for r in await outbox_settled(services, "t:7:")}
    assert {key: (r.status, r.platform, r.reason, r.attempts) for key, r in rows.items()} == {
        "t:7:erin": ("failed", "slack", "unreachable: user_not_found", 1),
        "t:7:tina": ("failed", "none",
                     f"unreachable: person {people['tina'].id} has no reachable chat account",
                     0),
        "t:7:teams-post": ("failed", "none",
                           "unreachable: the channel is on no configured platform", 0)}


async def test_errors_are_retried_then_given_up_with_the_reason(services, people, slack,
                                                                sender, monkeypatch):
    monkeypatch.setattr(sender_module, "FIRST_RETRY_S", 0.05)
    slack.fail_next("chat.postMessage", status=200, error="internal_error", count=4)

    async def two(session):
        await services.outbox.send_dm(session, people["erin"], said("closed"), key="t:8:a")
    await record(services, two)
    [row] = await outbox_settled(services, "t:8:")
    # max_attempts is 3: three tries, all refused.
    assert (row.status, row.reason, row.attempts) == (
        "failed", "gave up after 3 attempts: SlackApiError: internal_error", 3)
    await record(services, lambda session: services.outbox.send_dm(
        session, people["lee"], said("closed"), key="t:8:b"))
    [_failed, row] = await outbox_settled(services, "t:8:")
    # The fourth fault, then delivered on the second try.
    assert (row.status, row.reason, row.attempts) == ("sent", None, 2)
    assert len(slack.calls_to("chat.postMessage")) == 5


async def test_a_row_claimed_before_a_crash_is_found_not_sent_again(services, people, slack):
    # What a crash leaves: the DM and the channel post went out, the reply in the card's
    # thread too, but none was recorded; their leases have lapsed.
    async def three(session):
        await services.outbox.send_dm(session, people["erin"], said("closed"), key="t:9:dm")
        await services.outbox.post(session, TRIAGE, said("closed"), key="t:9:card")
    await record(services, three)
    card = await services.chat.on("slack").post("C0TRIAGE1", Message(
        "pulses/problem", {"problem": "closed"}, key="t:9:card"))
    await services.chat.on("slack").send_dm("U0EMPL001", Message(
        "pulses/problem", {"problem": "closed"}, key="t:9:dm"))
    async with services.sessions() as session:
        await session.exec(update(OutboxMessage).where(col(OutboxMessage.key) == "t:9:card")
                           .values(ref_channel=card.channel, ref_id=card.message_id,
                                   status="sent", sent_version=1))
        await services.outbox.reply(session, "t:9:card", said("unknown"), key="t:9:note")
        await session.commit()
    await services.chat.on("slack").reply_in_thread(card, Message(
        "pulses/problem", {"problem": "unknown"}, key="t:9:note"))
    async with services.sessions() as session:
        await session.exec(update(OutboxMessage)
                           .where(col(OutboxMessage.key).in_(["t:9:dm", "t:9:note"]))
                           .values(status="claimed", attempts=1,
                                   claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
        await session.commit()
    posted = len(slack.calls_to("chat.postMessage"))

    restarted = OutboxSender(services)
    restarted.start()
    try:
        rows = await outbox_settled(services, "t:9:")
    finally:
        await restarted.stop(5)
    assert {r.key: (r.status, r.attempts) for r in rows} == {
        "t:9:dm": ("sent", 2), "t:9:card": ("sent", 0), "t:9:note": ("sent", 2)}
    assert len(slack.calls_to("chat.postMessage")) == posted
    assert len(slack.calls_to("conversations.history")) == 1
    assert len(slack.calls_to("conversations.replies")) == 1


async def test_an_update_of_a_message_the_outbox_did_not_send(services, people, slack, sender):
    ref = await services.chat.on("slack").post("C0TRIAGE1", said("closed"))
    await record(services, lambda session: services.outbox.edit_ref(
        session, ref, said("unknown")))
    await record(services, lambda session: services.outbox.edit_ref(
        session, ref, said("comment kept")))
    [row] = await outbox_settled(services, "ref:")
    assert (row.kind, row.status, row.ref_id) == ("update", "sent", ref.message_id)
    changes = slack.calls_to("chat.update")
    assert 1 <= len(changes) <= 2 and "reason is kept" in text(changes[-1].args)
    assert "reason is kept" in text(slack.message("C0TRIAGE1", ref.message_id))


async def test_the_pacer_keeps_its_rate_and_lets_interactive_waiters_first():
    pacer = Pacer(50)
    loop = asyncio.get_running_loop()
    started: list[tuple[str, float]] = []

    async def one(name: str, priority: int) -> None:
        await pacer.wait(priority)
        started.append((name, loop.time()))

    first = loop.time()
    bulk = [asyncio.create_task(one(f"bulk{n}", store.BULK)) for n in range(20)]
    await asyncio.sleep(0.05)
    await asyncio.gather(one("receipt", store.INTERACTIVE), *bulk)
    names = [name for name, _at in started]
    # Two or three bulk starts went in the first 50 ms; the receipt took the next slot.
    assert names.index("receipt") <= 4, names
    took = started[-1][1] - first
    # 21 starts at 50/s take 20 intervals. uvloop's timers have millisecond resolution, so a
    # wake-up may come a hair early (0.39999999999963 s was seen); late on a busy machine.
    assert 20 / 50 - 0.002 <= took < 20 / 50 + 0.25, took


async def test_rows_due_unfinished_are_counted_up_to_a_time(services, people):
    """What the demo waits for after each step: rows still to send by then; one due later
    (held for quiet hours), a sent one and one that failed at once are not."""
    now = datetime.now(UTC)
    held = now + timedelta(hours=1)

    async def four(session):
        for name in ("erin", "lee"):
            await services.outbox.send_dm(session, people[name], said("closed"),
                                          key=f"t:12:{name}")
        await services.outbox.send_dm(session, people["erin"], said("closed"), key="t:12:held",
                                      due_at=held)
        # Tina is on Teams only, which these settings leave out: failed at once.
        await services.outbox.send_dm(session, people["tina"], said("closed"), key="t:12:tina")
    await record(services, four)

    async def due(before: datetime) -> int:
        async with services.sessions() as session:
            return await store.due_unfinished(session, before)
    assert await due(now + timedelta(minutes=1)) == 2
    assert await due(held + timedelta(minutes=1)) == 3
    async with services.sessions() as session:
        await session.exec(update(OutboxMessage).where(col(OutboxMessage.key) == "t:12:lee")
                           .values(status=store.SENT))
        await session.commit()
    assert await due(now + timedelta(minutes=1)) == 1
