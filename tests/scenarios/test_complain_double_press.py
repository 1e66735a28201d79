"""Every button that changes a complaint, pressed twice by the same person, as Slack delivers a
double click (both at once, or the second after the first was handled) and as the Bot
Connector delivers one Teams card action twice, on SQLite and PostgreSQL: one change, one
audit event, one notice to the complainant, one update of the card, and no private answer to
the second press (its effect is already there to see)."""

from __future__ import annotations

import asyncio

import pytest

from bot.flows.complaints import ids
from storage.complaints import Complaint
from tests.scenarios import complaints_kit as kit
from tests.scenarios.complaints_kit import ERIN, TEAMS_TRIAGE, TOM, TRIAGE
from tests.scenarios.test_help_teams import TENANT, message, post
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings


async def pressed_twice(bot, slack, sender, action: str, complaint: Complaint, *, user: str,
                        channel: str, ts: str, together: bool) -> None:
    """`user` presses `action` twice; once its change is recorded, and all it sent is out,
    waits a little longer for a second change that should not come."""
    async def press() -> None:
        reply = await sender.click(action, complaint.number, user_id=user, channel_id=channel,
                                   message_ts=ts)
        assert reply.status == 200

    before = len(await kit.audit_trail(bot, complaint.number))
    if together:
        await asyncio.gather(press(), press())
    else:
        await press()
        await eventually(lambda: changed(bot, complaint, before))
        await kit.drained(bot)
        await press()
    await eventually(lambda: changed(bot, complaint, before))
    await asyncio.sleep(0.3)
    await bot.dispatcher.drain(5)
    await kit.drained(bot)


async def changed(bot, complaint: Complaint, before: int) -> bool:
    return len(await kit.audit_trail(bot, complaint.number)) > before


def card_updates(slack) -> int:
    return sum(call.args.get("channel") == TRIAGE for call in slack.calls_to("chat.update"))


@pytest.mark.parametrize("together", [True, False], ids=["at-once", "one-after-the-other"])
async def test_each_complaint_button_pressed_twice_acts_once(bot, slack, slack_sender,
                                                             together):
    complaint = await kit.file_and_wait(bot, slack_sender, slack)
    card_ts = kit.triage_message(slack, complaint)["ts"]
    staff_steps = [(ids.ACKNOWLEDGE, "acknowledged"), (ids.ASSIGN_ME, "assigned"),
                   (ids.ESCALATE, "escalated")]
    for action, event in staff_steps:
        answers, notices = len(slack.responses), len(kit.dm_thread(slack, ERIN, complaint))
        updates = card_updates(slack)

        await pressed_twice(bot, slack, slack_sender, action, complaint, user=TOM,
                            channel=TRIAGE, ts=card_ts, together=together)

        trail = [e.action for e in await kit.audit_trail(bot, complaint.number)]
        assert trail.count(event) == 1, (action, trail)
        assert len(kit.dm_thread(slack, ERIN, complaint)) == notices + 1, action
        assert card_updates(slack) == updates + 1, action
        assert [r.body for r in slack.responses[answers:]] == [], action

    resolved = await slack_sender.submit(
        ids.RESOLVE_FORM, {ids.NOTE: "Replaced the toner"}, user_id=TOM,
        private_metadata=complaint.number, selects={ids.ROOT_CAUSE: "Third party"})
    assert resolved.status == 200
    channel = slack.dm_channel(ERIN)

    def questions() -> list[dict]:
        return [m for m in slack.messages_in(channel) if ids.UNSATISFIED in kit.button_ids(m)]

    await eventually(questions)
    answers, notices = len(slack.responses), len(kit.dm_thread(slack, ERIN, complaint))

    await pressed_twice(bot, slack, slack_sender, ids.UNSATISFIED, complaint, user=ERIN,
                        channel=channel, ts=questions()[-1]["ts"], together=together)

    trail = [e.action for e in await kit.audit_trail(bot, complaint.number)]
    assert trail.count("reopened") == 1, trail
    # The notice that it was reopened: one, and no answer to the second press.
    assert len(kit.dm_thread(slack, ERIN, complaint)) == notices + 1
    assert [r.body for r in slack.responses[answers:]] == []
    [complaint] = await kit.complaints(bot)
    assert (complaint.status, complaint.reopen_count) == ("reopened", 1)


async def test_a_teams_card_action_delivered_twice_acts_once(bot, connector, slack,
                                                             slack_sender):
    tom = {"id": "29:1tom-teams", "name": "Tom Tech", "aadObjectId": "TOM-AAD-0001"}
    connector.add_member(TEAMS_TRIAGE, id=tom["id"], name=tom["name"],
                         aad_object_id=tom["aadObjectId"], email="tech1@example.com",
                         tenant_id=TENANT)
    complaint = await kit.file_and_wait(bot, slack_sender, slack)
    [card] = await eventually(lambda: connector.activities_in(TEAMS_TRIAGE))
    for n, (action, event) in enumerate(((ids.ACKNOWLEDGE, "acknowledged"),
                                         (ids.ESCALATE, "escalated"))):
        sends, updates = len(connector.calls_of("send")), len(connector.calls_of("update"))
        # The same activity (one id), as the Bot Connector delivers it again.
        activity = message(connector, None, conversation=TEAMS_TRIAGE, kind="channel",
                           sender=tom, id=f"17000000006{n:02d}", replyToId=card["id"],
                           value={"action_id": action, "value": complaint.number})

        statuses = await asyncio.gather(post(bot.url, activity), post(bot.url, activity))

        assert [status for status, _ in statuses] == [201, 201]
        await bot.dispatcher.drain(5)
        await kit.drained(bot)
        trail = [e.action for e in await kit.audit_trail(bot, complaint.number)]
        assert trail.count(event) == 1, trail
        # The card updated once; nothing said to Tom in a chat of his own.
        assert len(connector.calls_of("update")) == updates + 1
        assert connector.calls_of("create_conversation") == []
        assert len(connector.calls_of("send")) == sends
