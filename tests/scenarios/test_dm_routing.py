"""Someone on both Slack and Teams: answers to what they did come back where they did it, other
direct messages go where they chose in ``settings`` (else where they last acted), and a DM that
one platform cannot deliver is sent on the other, once, through the outbox. End to end:
signed Slack requests and Teams activities into the running bot, the emulators answering."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.chat import sender as sender_module
from bot.chat.message import Message
from bot.emulators.slack import SlackEmulator
from bot.flows.settings.ids import PLATFORM_ACTION
from storage.models import Person
from tests.outbox_kit import outbox_quiet, outbox_rows, outbox_settled
from tests.scenarios import complaints_kit as kit
from tests.scenarios.test_complain_teams import VALID, submission
from tests.scenarios.test_help_teams import PERSONAL, card_of, message, post, seed_erin
from tests.waiting import eventually

bot_options, clock = kit.bot_options, kit.clock
HELLO = Message("help", {"usages": [], "unknown": None})
SLACK_DM = SlackEmulator.dm_channel(kit.ERIN)


@pytest.fixture
def settings(make_settings, connector):
    """Teams at the connector emulator; the outbox gives up on a row after two tries."""
    return make_settings(config=lambda raw: raw.update(
        teams={"service_url": connector.url}, outbox={"max_attempts": 2}))


async def erin(bot) -> Person | None:
    async with bot.services.sessions() as session:
        person = (await session.exec(select(Person).where(Person.email == "erin@example.com"))
                  ).one_or_none()
        await session.commit()
    return person


async def on_both(bot, connector, slack_sender, *, last: str) -> Person:
    """Erin writes to the bot in Teams and in Slack (the directory joins her two accounts by
    email), the one named `last` last."""
    seed_erin(connector)
    for platform in ("teams", "slack") if last == "slack" else ("slack", "teams"):
        if platform == "teams":
            await post(bot.url, message(connector, "help", id="1700000000401"))
            await connector.wait_for("send", 1)
        else:
            await slack_sender.command("/touchpoint", "help")
        # One after the other: Slack is answered before its turn has run.
        person = await eventually(lambda p=platform: _acted(bot, p))
    assert person.slack_user_id and person.teams_user_id
    connector.clear()
    return person


async def _acted(bot, platform: str) -> Person | None:
    person = await erin(bot)
    return person if person is not None and person.last_platform == platform else None


def teams_dms(connector, text: str) -> list:
    return [call for call in connector.calls_of("send") if call.conversation_id == PERSONAL
            and text in json.dumps(call.body)]


def slack_dms(slack, text: str) -> list:
    return [call for call in slack.calls_to("chat.postMessage") if not call.faulted
            and call.args.get("channel") in (kit.ERIN, SLACK_DM) and text in json.dumps(
                call.args)]


async def dm_erin(bot, key: str) -> None:
    """A direct message tied to nothing Erin did (a reminder, a survey)."""
    person = await erin(bot)
    async with bot.services.sessions() as session:
        await bot.services.outbox.send_dm(session, person, HELLO, key=key)
        await session.commit()


async def test_a_complaint_filed_in_teams_is_answered_in_teams(bot, connector, slack,
                                                                slack_sender):
    await on_both(bot, connector, slack_sender, last="slack")
    # She even chose Slack for her messages: the answer to what she does in Teams is in Teams.
    await slack_sender.command("/touchpoint", "settings slack")
    await eventually(lambda: _chose(bot, "slack"))

    await post(bot.url, message(connector, "complain my laptop is slow", id="1700000000501"))
    [form] = await connector.wait_for("send")
    card_id = connector.activities_in(PERSONAL)[-1]["id"]
    assert card_of(form)["actions"]
    await post(bot.url, submission(connector, card_id, VALID, "1700000000502"))

    [row] = await eventually(lambda: _sent(bot, "complaint:", "receipt"))
    assert row.platform == "teams"
    assert len(teams_dms(connector, "We have your complaint")) == 1
    assert slack_dms(slack, "We have your complaint") == []


async def test_other_dms_go_where_the_person_chose_else_where_they_last_acted(
        bot, connector, slack, slack_sender):
    await on_both(bot, connector, slack_sender, last="teams")

    # Automatic: where she last acted (Teams).
    await dm_erin(bot, "test:1:auto")
    [row] = await outbox_settled(bot.services, "test:1:auto")
    assert (row.platform, row.status) == ("teams", "sent")

    # She chooses Slack, from Teams, with the settings card's button.
    connector.clear()
    await post(bot.url, message(connector, "settings", id="1700000000601"))
    [shown] = await connector.wait_for("send")
    buttons = [action["data"] for block in card_of(shown)["body"]
               if block["type"] == "ActionSet" for action in block["actions"]]
    assert [b["action_id"] for b in buttons] == [
        f"{PLATFORM_ACTION}{choice}" for choice in ("automatic", "slack", "teams")]
    await post(bot.url, message(connector, None, id="1700000000602",
                                value=buttons[1]))
    await eventually(lambda: _chose(bot, "slack"))
    await eventually(lambda: teams_dms(connector, "Where my direct messages go"))

    # Though she last acted in Teams, the next DM is in Slack.
    await dm_erin(bot, "test:2:chosen")
    [row] = await outbox_settled(bot.services, "test:2:chosen")
    assert (row.platform, row.status) == ("slack", "sent")
    assert len(slack_dms(slack, "how can IT help")) == 1

    # Back to automatic, typed in Slack.
    slack.clear()
    await slack_sender.command("/touchpoint", "settings automatic")
    await eventually(lambda: _chose(bot, None))
    [answer] = await eventually(lambda: slack.responses)
    assert "automatic, to where you last used me (now Slack)" in json.dumps(answer.body)


async def test_a_dm_slack_cannot_deliver_is_sent_on_teams_once(bot, connector, slack,
                                                               slack_sender):
    await on_both(bot, connector, slack_sender, last="slack")
    slack.fail_next("chat.postMessage", status=200, error="user_not_found")

    await dm_erin(bot, "test:3:dm")

    rows = await outbox_settled(bot.services, "test:3:dm")
    assert [(r.platform, r.status, r.reason) for r in rows] == [
        ("slack", "failed", "unreachable: user_not_found"), ("teams", "sent", None)]
    assert len(teams_dms(connector, "how can IT help")) == 1
    assert slack_dms(slack, "how can IT help") == []


async def test_a_dm_given_up_on_slack_after_its_tries_is_sent_on_teams(
        bot, connector, slack, slack_sender, clock):
    await on_both(bot, connector, slack_sender, last="slack")
    slack.fail_for("chat.postMessage", 30, status=503)

    await dm_erin(bot, "test:4:dm")
    # The first try failed; the second, when its retry is due, is the last (max_attempts 2).
    await eventually(lambda: _retrying(bot, "test:4:dm"))
    await outbox_quiet(bot.services, ahead_s=0)  # no send in flight sees its lease lapse
    clock.advance(seconds=sender_module.MAX_RETRY_S * 2)

    rows = await eventually(lambda: _both_settled(bot, "test:4:dm"))
    assert [(r.platform, r.status) for r in rows] == [("slack", "failed"), ("teams", "sent")]
    assert rows[0].reason.startswith("gave up after 2 attempts")
    assert len(teams_dms(connector, "how can IT help")) == 1


async def test_someone_on_one_platform_has_nothing_to_fall_back_to(bot, connector, slack,
                                                                   slack_sender):
    await slack_sender.command("/touchpoint", "help")
    person = await eventually(lambda: erin(bot))
    assert person.teams_user_id is None
    slack.fail_next("chat.postMessage", status=200, error="user_not_found")

    await dm_erin(bot, "test:5:dm")

    [row] = await outbox_settled(bot.services, "test:5:dm")
    assert (row.platform, row.status) == ("slack", "failed")
    assert connector.calls_of("send") == []


async def _chose(bot, platform: str | None) -> bool:
    return (await erin(bot)).preferred_platform == platform


async def _sent(bot, prefix: str, purpose: str) -> list | None:
    rows = [r for r in await outbox_rows(bot.services, prefix) if r.key.endswith(purpose)]
    return rows if rows and all(r.status == "sent" for r in rows) else None


async def _both_settled(bot, key: str) -> list | None:
    rows = await outbox_rows(bot.services, key)
    return rows if len(rows) == 2 and rows[1].status == "sent" else None


async def _retrying(bot, key: str) -> bool:
    rows = await outbox_rows(bot.services, key)
    return len(rows) == 1 and rows[0].status == "pending" and rows[0].attempts == 1


async def test_slack_settings_offer_the_three_choices_as_buttons(bot, connector, slack,
                                                                  slack_sender):
    await slack_sender.command("/touchpoint", "settings")
    [shown] = await eventually(lambda: slack.responses)
    actions = [element["action_id"] for block in shown.body["blocks"]
               if block["type"] == "actions" for element in block["elements"]]
    assert actions == [f"{PLATFORM_ACTION}{choice}" for choice in ("automatic", "slack", "teams")]
    assert "automatic, to where you last used me (now Slack)" in json.dumps(shown.body)

    await slack_sender.click(f"{PLATFORM_ACTION}teams", "teams")

    await eventually(lambda: _chose(bot, "teams"))
    await eventually(lambda: len(slack.responses) == 2)
    assert "Done." in json.dumps(slack.responses[-1].body)
    assert "*Where my direct messages go:* Teams." in json.dumps(slack.responses[-1].body)

    # A word that is no choice: said kindly, nothing changed.
    await slack_sender.command("/touchpoint", "settings email")
    await eventually(lambda: len(slack.responses) == 3)
    assert "Sorry, I don't know `email` here" in json.dumps(slack.responses[-1].body)
    assert await _chose(bot, "teams")


async def test_a_reply_to_a_dm_that_fell_back_follows_it_to_teams(bot, connector, slack,
                                                                 slack_sender, clock):
    await on_both(bot, connector, slack_sender, last="slack")
    slack.fail_for("chat.postMessage", 30, status=200, error="user_not_found")

    person = await erin(bot)
    async with bot.services.sessions() as session:
        # Recorded together, while the DM is still on its way to Slack: the reply's row is
        # for Slack too.
        await bot.services.outbox.send_dm(session, person, HELLO, key="test:6:dm")
        await bot.services.outbox.reply(session, "test:6:dm", HELLO, key="test:6:reply",
                                        person=person)
        await session.commit()

    async def settled() -> list | None:
        # The reply looks for its parent again a second later, on the bot's clock; moved only
        # while no send is in flight, or seconds of polling would outlast a claim's lease.
        await outbox_quiet(bot.services, ahead_s=0)
        clock.advance(seconds=1)
        return await _all_settled(bot, "test:6:", 4)

    rows = await eventually(settled)
    assert [(r.key, r.platform, r.status) for r in rows] == [
        ("test:6:dm", "slack", "failed"), ("test:6:reply", "slack", "failed"),
        ("test:6:dm", "teams", "sent"), ("test:6:reply", "teams", "sent")]
    # Once each on Teams, the reply in the thread of the DM.
    assert len(teams_dms(connector, "how can IT help")) == 1
    assert [call.conversation_id for call in connector.calls_of("reply")] == [PERSONAL]
    assert rows[3].ref_channel == PERSONAL


async def _all_settled(bot, prefix: str, count: int) -> list | None:
    rows = await outbox_rows(bot.services, prefix)
    done = len(rows) == count and all(r.status in ("sent", "failed") for r in rows)
    return rows if done else None
