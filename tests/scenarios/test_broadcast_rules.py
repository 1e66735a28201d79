"""Broadcasts' rules over Slack: only IT staff open or change one (every command, button and
form is checked on the server), typed text is shown as text wherever it appears, a form with
mistakes shows them and stores nothing, a double submit opens one broadcast, maintenance
windows are read in the organisation's time zone, and subscriptions name services as the
catalogue does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.flows.broadcasts import ids
from tests.scenarios import broadcast_kit as kit
from tests.scenarios.broadcast_kit import ERIN, LEE, NETSTAT, STATUS, TOM
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings

TYPED = "<!channel> <@U0LEAD001> <https://evil.example|click me> & *loud*"


async def _opened(bot, slack, count: int = 1) -> None:
    async def out() -> bool:
        return len(await kit.broadcasts(bot)) == count
    await eventually(out)
    await kit.settled(bot)


async def test_only_it_staff_may_broadcast_on_every_command_button_and_form(
        bot, slack, slack_sender):
    await kit.submit_opening(slack_sender)
    await _opened(bot, slack)
    [broadcast] = await kit.broadcasts(bot)
    slack.clear()

    await slack_sender.command("/broadcast", "the VPN", user_id=ERIN)
    for action in (ids.UPDATE, ids.RESOLVE, ids.REOPEN):
        await slack_sender.click(action, str(broadcast.id), user_id=ERIN, channel_id=STATUS)
    answers = await slack.wait_for_response(4)
    assert all("Broadcasts are posted by IT staff" in kit.blocks_text(a.body) for a in answers)
    # Crafted form submissions are refused on the server too.
    await kit.submit_opening(slack_sender, ERIN)
    for action in ("updated", "resolved", "reopened"):
        await kit.submit_change(slack_sender, action, broadcast.id, ERIN)
    refused = await slack.wait_for("chat.postEphemeral", 4)
    assert all("Broadcasts are posted by IT staff" in kit.blocks_text(r.args) for r in refused)
    await asyncio.sleep(0.2)
    [row] = await kit.broadcasts(bot)
    assert (row.status, row.update_count) == ("investigating", 1)
    assert [e.action for e in await kit.audit_trail(bot, broadcast.id)] == ["opened"]
    assert slack.calls_to("views.open") == []
    assert slack.calls_to("chat.update") == []
    assert slack.calls_to("chat.postMessage") == []


async def test_a_lead_may_act_and_a_button_out_of_turn_is_refused_kindly(bot, slack,
                                                                        slack_sender):
    await kit.submit_opening(slack_sender)
    await _opened(bot, slack)
    [broadcast] = await kit.broadcasts(bot)

    await slack_sender.click(ids.REOPEN, str(broadcast.id), user_id=LEE, channel_id=STATUS)
    [answer] = await slack.wait_for_response(1)
    assert "is investigating, so it cannot be reopened now" in kit.blocks_text(answer.body)
    await slack_sender.click(ids.RESOLVE, str(broadcast.id), user_id=LEE, channel_id=STATUS)
    [opened] = await slack.wait_for("views.open")
    assert "private_metadata" in str(opened.args)
    await slack_sender.click(ids.UPDATE, "999", user_id=TOM, channel_id=STATUS)
    answers = await slack.wait_for_response(2)
    assert "could not find that broadcast" in kit.blocks_text(answers[-1].body)


async def test_typed_text_is_shown_as_text_in_every_field(bot, slack, slack_sender,
                                                          connector):
    await slack_sender.command("/touchpoint", "subscribe Network", user_id=ERIN)
    await slack.wait_for_response(1)
    await kit.submit_opening(slack_sender, title=TYPED, message=TYPED)
    await _opened(bot, slack)
    [broadcast] = await kit.broadcasts(bot)
    await kit.submit_change(slack_sender, "updated", broadcast.id, message=TYPED)
    await eventually(lambda: _updates(bot, 2))
    await kit.settled(bot)

    escaped = ("&lt;!channel&gt; &lt;@U0LEAD001&gt; &lt;https://evil.example|click me&gt; "
               "&amp; *loud*")
    post = kit.post_in(slack, NETSTAT, broadcast.id, 1)
    shown = [kit.marked_up(m) for m in (
        post, *(m for m in slack.messages_in(NETSTAT) if m.get("thread_ts") == post["ts"]),
        *slack.messages_in(slack.dm_channel(ERIN)))]
    assert len(shown) == 4  # the post, one update in its thread, two DMs
    for text in shown:
        assert "<!channel>" not in text and "<@U0LEAD001>" not in text
        assert "<https://evil" not in text
        assert escaped in text
    # The message, two timeline lines and the notification text (the title).
    assert shown[0].count(escaped) == 4
    # The header is plain text, which Slack never reads as markup: the title as typed.
    assert post["blocks"][0]["text"] == {"type": "plain_text", "text": f"Incident: {TYPED}",
                                         "emoji": True}
    # Teams: Markdown made inert.
    teams = str(connector.activities_in(kit.TEAMS_STATUS))
    assert "\\\\<!channel\\\\>" in teams and "\\\\*loud\\\\*" in teams
    assert "[click me](" not in teams


async def test_a_form_with_mistakes_shows_them_and_stores_nothing(bot, slack, slack_sender):
    reply = await kit.submit_opening(slack_sender, title=" ", services=[], status="scheduled",
                                     message="")
    assert reply.json() == {"response_action": "errors", "errors": {
        ids.TITLE: "Please give it a short title.",
        ids.SERVICES: "Please choose at least one affected service from the list.",
        ids.STATUS: "An incident is investigating, identified or monitoring.",
        ids.MESSAGE: "Please write what people should know."}}
    reply = await kit.submit_opening(slack_sender, kind="maintenance",
                                     window=("2026-12-12 22:00", "2026-12-12 21:00"))
    assert reply.json()["errors"] == {ids.WINDOW_END: "The end must come after the start."}
    reply = await kit.submit_opening(slack_sender, kind="maintenance",
                                     window=("tonight", ""), services=["99"])
    assert set(reply.json()["errors"]) == {ids.WINDOW_START, ids.WINDOW_END, ids.SERVICES}
    await asyncio.sleep(0.2)
    assert await kit.broadcasts(bot) == []
    assert slack.calls_to("chat.postMessage") == []


async def test_maintenance_reads_its_window_in_the_organisations_time_zone(
        bot, slack, slack_sender):
    view = kit.view_id()
    # Europe/London is on British Summer Time (UTC+1) in July; submitted twice.
    for _ in range(2):
        await kit.submit_opening(slack_sender, kind="maintenance", view=view,
                                 window=("2027-07-03 22:00", "2027-07-04 02:30"))
    await _opened(bot, slack)
    await asyncio.sleep(0.2)
    [broadcast] = await kit.broadcasts(bot)
    assert (broadcast.status, broadcast.window_start, broadcast.window_end) == (
        "scheduled", datetime(2027, 7, 3, 21, 0, tzinfo=UTC),
        datetime(2027, 7, 4, 1, 30, tzinfo=UTC))
    text = kit.blocks_text(kit.post_in(slack, STATUS, broadcast.id, 0))
    assert "*Window*: Sat 03 Jul 2027, 22:00 UTC+1 to Sun 04 Jul 2027, 02:30 UTC+1" in text
    assert "Planned maintenance: VPN is down" in text
    assert len(slack.messages_in(STATUS)) == 1


async def test_list_shows_what_is_open(bot, slack, slack_sender):
    await slack_sender.command("/broadcast", "list", user_id=ERIN)
    [empty] = await slack.wait_for_response(1)
    assert "Nothing is open" in kit.blocks_text(empty.body)
    await kit.submit_opening(slack_sender, title="Email slow", impact="degraded",
                             services=["1"])
    await kit.submit_opening(slack_sender, title="VPN down")
    await _opened(bot, slack, 2)
    first, _second = await kit.broadcasts(bot)
    await kit.submit_change(slack_sender, "resolved", first.id, message="Fine again")
    await eventually(lambda: _closed(bot, first.id))

    await slack_sender.command("/broadcast", "list", user_id=ERIN)
    answers = await slack.wait_for_response(2)
    text = kit.blocks_text(answers[-1].body)
    assert "*VPN down*: investigating, outage, Network and Wi-Fi (tom.tech" in text
    assert "Email slow" not in text


async def test_subscriptions_name_services_as_the_catalogue_does(bot, slack, slack_sender):
    sent = 0
    for typed in ("subscribe EMAIL AND CALENDAR", "subscribe vpn", "subscribe vpn",
                  "subscribe Printers", "unsubscribe Other", "unsubscribe network",
                  "subscriptions", "subscribe"):
        await slack_sender.command("/touchpoint", typed, user_id=ERIN)
        sent += 1
        await slack.wait_for_response(sent)  # in order
    said = [kit.blocks_text(r.body) for r in await slack.wait_for_response(8)]
    assert "You now follow *Email and calendar*" in said[0]
    assert "You now follow *Network and Wi-Fi*" in said[1]
    assert "You already follow *Network and Wi-Fi*" in said[2]
    assert ("I do not know a service called `Printers`. You can subscribe to: Service desk, "
            "Email and calendar, Network and Wi-Fi, Other.") in said[3]
    assert "You were not following *Other*" in said[4]
    assert "You no longer follow *Network and Wi-Fi*" in said[5]
    assert "You follow: Email and calendar." in said[6]
    assert "Which service? You can subscribe to" in said[7]


async def test_subscribers_are_asked_how_well_they_were_kept_informed(bot, slack,
                                                                     slack_sender):
    await slack_sender.command("/touchpoint", "subscribe vpn", user_id=ERIN)
    await slack.wait_for_response(1)
    await kit.submit_opening(slack_sender)
    await _opened(bot, slack)
    [broadcast] = await kit.broadcasts(bot)
    await kit.submit_change(slack_sender, "resolved", broadcast.id, message="Fixed")
    await eventually(lambda: _closed(bot, broadcast.id))
    await kit.settled(bot)
    question = slack.messages_in(slack.dm_channel(ERIN))[-1]
    assert "How well were you kept informed while it lasted?" in kit.blocks_text(question)
    assert kit.button_ids(question) == [ids.INFORMED] + [f"{ids.INFORMED}#{n}"
                                                          for n in range(2, 6)]

    async def rated() -> bool:
        return bool(await kit.ratings(bot))

    for user, score in ((ERIN, 4), (ERIN, 2), (LEE, 5)):
        await slack_sender.click(ids.INFORMED, f"{broadcast.id}:{score}", user_id=user,
                                 channel_id=slack.dm_channel(user),
                                 message_ts=question["ts"])
        await eventually(rated)  # the first press is the first answer
    # The subscribe answer, then one each for the second press and Lee's: the first press
    # is answered by its question changing.
    answers = await slack.wait_for_response(3)
    said = " ".join(kit.blocks_text(a.body) for a in answers[1:])  # in either order
    assert "we already have your answer about *VPN is down*" in said
    assert "could not find that broadcast" in said
    await kit.settled(bot)
    answered = slack.message(slack.dm_channel(ERIN), question["ts"])
    assert "You said *4/5*" in kit.blocks_text(answered)
    assert kit.button_ids(answered) == []
    assert await kit.ratings(bot) == [(broadcast.id, 4)]


async def _updates(bot, count: int) -> bool:
    rows = await kit.broadcasts(bot)
    return bool(rows) and rows[-1].update_count == count


async def _closed(bot, broadcast_id: int) -> bool:
    return any(b.id == broadcast_id and not b.is_open for b in await kit.broadcasts(bot))


async def test_a_change_delivered_twice_is_posted_once(bot, slack, slack_sender):
    # Slack may deliver one submission twice (a retry, or a double press that reached it
    # twice): the same view, the same words. The timeline gets one update, not two.
    await kit.submit_opening(slack_sender)
    await _opened(bot, slack)
    [broadcast] = await kit.broadcasts(bot)
    view = kit.view_id()

    async def once():
        return await slack_sender.submit(
            ids.CHANGE_FORM, {ids.MESSAGE: "We found the cause."}, user_id=TOM, view_id=view,
            private_metadata=f"updated:{broadcast.id}",
            selects={ids.STATUS: "identified", ids.IMPACT: "outage"},
            multi_selects={ids.SERVICES: [kit.NETWORK]}, checkboxes={ids.NOTIFY: []})

    replies = await asyncio.gather(once(), once())
    assert [reply.status for reply in replies] == [200, 200]
    await kit.settled(bot)
    await asyncio.sleep(0.3)

    [row] = await kit.broadcasts(bot)
    assert row.update_count == 2
    assert len(await kit.updates(bot, broadcast.id)) == 2  # the opening and this one
