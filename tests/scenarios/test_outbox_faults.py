"""The outbox in the running bot when Slack misbehaves, on SQLite and PostgreSQL: an outage
of 500s, then 503s, then 429s loses no message and sends none twice; and while Slack takes
5 s to answer each post, `/touchpoint help` is still answered within a second, because no
handler waits on a send."""

from __future__ import annotations

import time

import pytest

from bot.chat.message import Message
from bot.config import ChannelTarget
from bot.services import Services
from storage.models import Person
from tests.outbox_kit import messages_with_key, outbox_all_sent

PEOPLE = ["U0EMPL001", "U0TECH001", "U0LEAD001"]


@pytest.fixture
def settings(make_settings):
    return make_settings(config=lambda raw: raw.update(outbox={"poll_seconds": 0.1}))


async def record_many(services: Services, dms: int, posts: int) -> list[str]:
    """DMs (bulk, as a fan-out's) and channel posts with a reply each (interactive, as a
    card's), recorded in one transaction; their keys."""
    keys = []
    async with services.sessions() as session:
        people = [Person(slack_user_id=user_id) for user_id in PEOPLE]
        session.add_all(people)
        await session.flush()
        for n in range(dms):
            keys.append(f"test:dm:{n}")
            await services.outbox.send_dm(session, people[n % len(people)], Message(
                "pulses/problem", {"problem": "closed"}), key=keys[-1], bulk=True)
        for n in range(posts):
            keys += [f"test:card:{n}", f"test:card:{n}:note"]
            await services.outbox.post(session, ChannelTarget(slack="C0TRIAGE1"), Message(
                "pulses/problem", {"problem": "unknown"}), key=keys[-2])
            await services.outbox.reply(session, keys[-2], Message(
                "pulses/problem", {"problem": "comment kept"}), key=keys[-1])
        await session.commit()
    return keys


async def test_an_outage_of_500s_503s_and_429s_loses_nothing_and_doubles_nothing(bot, slack):
    for status in (500, 503, 429):
        slack.fail_for("chat.postMessage", 2.5, status, retry_after=1)
    keys = await record_many(bot.services, dms=20, posts=5)

    rows = await outbox_all_sent(bot.services, "test:", len(keys), within_s=90)
    assert {r.status for r in rows} == {"sent"}
    assert {key: len(messages_with_key(slack, key)) for key in keys} == dict.fromkeys(keys, 1)
    refused = {call.faulted for call in slack.calls_to("chat.postMessage")}
    assert refused == {True, False}, "the outage did not happen while sending"
    notes = [messages_with_key(slack, f"test:card:{n}:note")[0] for n in range(5)]
    cards = {r.key: r.ref_id for r in rows}
    assert [note["thread_ts"] for note in notes] == [cards[f"test:card:{n}"] for n in range(5)]


async def test_help_is_answered_within_a_second_while_slack_takes_5s_per_post(
        bot, slack, slack_sender):
    slack.slow("chat.postMessage", 5)
    await record_many(bot.services, dms=40, posts=5)
    await slack.wait_for("chat.postMessage", 10)

    started = time.monotonic()
    reply = await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")
    [answer] = await slack.wait_for_response(1)
    took = time.monotonic() - started
    assert reply.status == 200
    assert answer.body["text"] == "Touchpoint: how can IT help?"
    assert took < 1.0, f"help took {took:.2f}s while the outbox was sending"
