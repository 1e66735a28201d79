"""Broadcasts over Slack, end to end through signed requests and the Slack emulator: IT staff
open one from the /broadcast form, it is posted once per status channel (and the affected
service's own channel), every change edits those posts in place (chat.update) and goes in
their threads, subscribers get a DM per update, and the lifecycle runs open -> updated ->
resolved -> reopened with an audit event for each step."""

from __future__ import annotations

from bot.flows.broadcasts import ids
from tests.scenarios import broadcast_kit as kit
from tests.scenarios.broadcast_kit import ERIN, NETSTAT, STATUS, TEAMS_STATUS, TOM
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings


async def test_broadcast_opens_the_form_for_it_staff(bot, slack, slack_sender):
    reply = await slack_sender.command("/broadcast", "VPN &lt;!channel&gt; down", user_id=TOM)

    assert reply.status == 200
    view = await kit.opened_view(slack)
    assert view["callback_id"] == ids.OPEN_FORM
    inputs = kit.inputs_of(view)
    assert list(inputs) == [ids.KIND, ids.TITLE, ids.SERVICES, ids.IMPACT, ids.STATUS,
                            ids.MESSAGE, ids.WINDOW_START, ids.WINDOW_END, ids.NOTIFY]
    assert inputs[ids.TITLE]["initial_value"] == "VPN <!channel> down"
    assert inputs[ids.SERVICES]["type"] == "multi_static_select"
    assert [o["text"]["text"] for o in inputs[ids.SERVICES]["options"]] == kit.SERVICES
    assert inputs[ids.NOTIFY]["type"] == "checkboxes"
    assert "initial_options" not in inputs[ids.NOTIFY]  # never ticked unless ticked


async def test_the_full_lifecycle_edits_the_posts_in_place(bot, slack, slack_sender, connector):
    await slack_sender.command("/touchpoint", "subscribe vpn", user_id=ERIN)
    [followed] = await slack.wait_for_response(1)
    assert "You now follow *Network and Wi-Fi*" in kit.blocks_text(followed.body)

    reply = await kit.submit_opening(slack_sender, title="VPN <down> & out", notify=True)
    assert (reply.status, reply.text) == (200, "")
    await eventually(lambda: _posted(bot, slack))
    await kit.settled(bot)
    [broadcast] = await kit.broadcasts(bot)
    assert (broadcast.kind, broadcast.status, broadcast.impact, broadcast.services) == (
        "incident", "investigating", "outage", ["Network and Wi-Fi"])
    for channel in (STATUS, NETSTAT):
        post = kit.post_in(slack, channel, broadcast.id, 0 if channel == STATUS else 1)
        text = kit.blocks_text(post)
        assert "Incident: VPN <down> & out" in text  # the header is plain text
        assert text.count("<!channel>") == 1  # the box was ticked
        assert "*Status*: investigating" in text
        assert kit.button_ids(post) == [ids.UPDATE, ids.RESOLVE]
    assert len(connector.activities_in(TEAMS_STATUS)) == 1
    [first_dm] = kit.dms(slack, ERIN)[-1:]
    assert "Nobody can connect from home." in first_dm
    assert "<!channel>" not in first_dm

    # An update: the posts change in place and the update goes in their threads.
    updates_before = len(slack.calls_to("chat.update"))
    await slack_sender.click(ids.UPDATE, str(broadcast.id), user_id=TOM, channel_id=STATUS)
    view = await kit.opened_view(slack)
    assert (view["callback_id"], view["private_metadata"]) == (ids.CHANGE_FORM,
                                                               f"updated:{broadcast.id}")
    inputs = kit.inputs_of(view)
    assert inputs[ids.STATUS]["initial_option"]["value"] == "investigating"
    assert [o["value"] for o in inputs[ids.SERVICES]["initial_options"]] == [kit.NETWORK]
    await kit.submit_change(slack_sender, "updated", broadcast.id, status="identified",
                            impact="degraded", message="A certificate expired.")
    await eventually(lambda: _status(bot, "identified"))
    await kit.settled(bot)
    assert len(slack.calls_to("chat.update")) - updates_before == 2  # one per Slack post
    post = kit.post_in(slack, STATUS, broadcast.id, 0)
    text = kit.blocks_text(post)
    assert "*Status*: identified · *Impact*: degraded" in text
    assert "<!channel>" not in text  # an edit notifies nobody, and says so
    assert "A certificate expired." in text
    [note] = kit.thread(slack, STATUS, post)
    assert "A certificate expired." in note and "tom.tech" in note
    assert "<!channel>" not in note
    assert len([m for m in slack.messages_in(STATUS) if not m.get("thread_ts")]) == 1

    # Resolved: only Reopen is left; reopened: back to investigating.
    await kit.submit_change(slack_sender, "resolved", broadcast.id, message="Renewed it.")
    await eventually(lambda: _status(bot, "resolved"))
    await kit.settled(bot)
    assert kit.button_ids(kit.post_in(slack, NETSTAT, broadcast.id, 1)) == [ids.REOPEN]
    await kit.submit_change(slack_sender, "reopened", broadcast.id, message="It is back.",
                            notify=True)
    await eventually(lambda: _status(bot, "investigating"))
    await kit.settled(bot)
    post = kit.post_in(slack, STATUS, broadcast.id, 0)
    assert kit.button_ids(post) == [ids.UPDATE, ids.RESOLVE]
    notes = kit.thread(slack, STATUS, post)
    assert len(notes) == 3 and "<!channel>" in notes[-1]
    # A DM per update, and once resolved "how well were you kept informed?" (not asked
    # again on the reopening); the answers to commands are ephemeral.
    assert len(kit.dms(slack, ERIN)) == 5
    trail = [(e.action, e.detail.get("from"), e.detail["to"], e.actor_id is not None)
             for e in await kit.audit_trail(bot, broadcast.id)]
    assert trail == [("opened", None, "investigating", True),
                     ("updated", "investigating", "identified", True),
                     ("resolved", "identified", "resolved", True),
                     ("reopened", "resolved", "investigating", True)]
    assert [u.number for u in await kit.updates(bot, broadcast.id)] == [1, 2, 3, 4]


async def _posted(bot, slack) -> bool:
    rows = await kit.broadcasts(bot)
    return bool(rows) and len(slack.messages_in(NETSTAT)) == 1 and len(
        slack.messages_in(STATUS)) == 1


async def _status(bot, status: str) -> bool:
    rows = await kit.broadcasts(bot)
    return bool(rows) and rows[-1].status == status
