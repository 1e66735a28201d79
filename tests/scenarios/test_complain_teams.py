"""Complaints over Teams, end to end through ``/api/messages`` and the Bot Connector emulator:
"complain" sends the form as a card, an invalid submission gets the card back with its errors
and stores nothing, a valid one (submitted twice) is stored once, and the complainant answers
"are you satisfied?" from their Teams chat."""

from __future__ import annotations

import json
from typing import Any

from bot.flows.complaints import ids
from bot.flows.complaints.notify import triage_key
from tests.scenarios import complaints_kit as kit
from tests.scenarios.complaints_kit import TEAMS_TRIAGE, TOM
from tests.scenarios.test_help_teams import PERSONAL, card_of, message, post, seed_erin
from tests.waiting import eventually

bot_options, clock, settings = kit.bot_options, kit.clock, kit.settings

VALID = {ids.DESCRIPTION: "My laptop has been in repair <at>for</at> three weeks",
         ids.SERVICE: "Laptops and devices", ids.CATEGORY: "Communication", ids.IMPACT: "medium",
         ids.TICKET: "", ids.ANONYMOUS: "no"}


def submission(connector, card_id: str, values: dict, activity_id: str) -> dict:
    """An Action.Submit from the form card: the card's data plus every input's value."""
    return message(connector, None, id=activity_id, replyToId=card_id,
                   value={"callback_id": ids.FILE_FORM, "metadata": "", **values})


async def resolved_on_slack(slack_sender, connector, complaint, note: str) -> Any:
    """IT (Tom, on Slack) resolves the complaint, saying `note`; the reply that asks Erin in
    her Teams thread whether she is satisfied."""
    resolved = await slack_sender.submit(
        ids.RESOLVE_FORM, {ids.NOTE: note}, user_id=TOM, private_metadata=complaint.number,
        selects={ids.ROOT_CAUSE: "Third party"})
    assert resolved.status == 200
    replies = await connector.wait_for("reply", 1)
    return replies[-1]


async def test_complain_in_teams_files_through_the_form_card(bot, connector, slack,
                                                              slack_sender):
    seed_erin(connector)

    status, _ = await post(bot.url, message(connector, "complain my laptop is slow"))

    assert status == 201
    [sent] = await connector.wait_for("send")
    form = card_of(sent)
    inputs = {item["id"]: item for item in form["body"] if "id" in item}
    assert inputs["description"]["value"] == "my laptop is slow"
    assert [c["value"] for c in inputs["impact"]["choices"]] == ["low", "medium", "high"]
    assert form["actions"][0]["data"] == {"callback_id": ids.FILE_FORM, "metadata": ""}
    card_id = connector.activities_in(PERSONAL)[-1]["id"]

    # Invalid: the submitted card itself turns into the form as typed, with each error
    # under its field.
    bad = {**VALID, ids.DESCRIPTION: " ", ids.TICKET: "??"}
    await post(bot.url, submission(connector, card_id, bad, "1700000000201"))
    [again] = await connector.wait_for("update")
    assert again.activity_id == card_id
    assert len(connector.calls_of("send")) == 1
    inputs = {item["id"]: item for item in card_of(again)["body"] if "id" in item}
    assert inputs["ticket"]["value"] == "??"
    texts = [item.get("text") for item in card_of(again)["body"]]
    assert "Please tell us what happened." in texts
    assert any(t and t.startswith("That does not look like a ticket number") for t in texts)
    errors = [item for item in card_of(again)["body"] if item.get("color") == "Attention"]
    assert len(errors) == 2
    assert await kit.complaints(bot) == []

    # Valid, and clicked twice: one complaint.
    for activity_id in ("1700000000202", "1700000000203"):
        status, _ = await post(bot.url, submission(connector, card_id, VALID, activity_id))
        assert status == 201

    def receipts() -> list:
        return [c for c in connector.calls_of("send") if c.conversation_id == PERSONAL
                and "We have your complaint" in json.dumps(c.body)]

    async def out() -> bool:
        rows = await kit.complaints(bot)
        return (len(rows) == 1 and bool(receipts())
                and len(connector.activities_in(TEAMS_TRIAGE)) == 1
                and kit.keyed(slack, kit.TRIAGE, triage_key(rows[0].id)) is not None)

    await eventually(out)
    [complaint] = await kit.complaints(bot)
    assert complaint.number == "CMP-2026-0001"
    assert complaint.description == VALID["description"]
    assert len(receipts()) == 1
    # Typed text is escaped for the card's Markdown, and the Slack card alike.
    triage = json.dumps(connector.activities_in(TEAMS_TRIAGE)[0])
    assert "\\\\<at\\\\>for\\\\</at\\\\>" in triage
    assert "&lt;at&gt;for&lt;/at&gt;" in kit.blocks_text(kit.triage_message(slack, complaint))

    # IT (on Slack) resolves it; Erin is asked in her Teams thread and answers No.
    reply = await resolved_on_slack(slack_sender, connector, complaint,
                                    "A new laptop is on its way")
    asked = card_of(reply)
    buttons = [a["data"] for row in asked["body"] if row["type"] == "ActionSet"
               for a in row["actions"]]
    assert buttons == [{"action_id": ids.SATISFIED, "value": complaint.number},
                       {"action_id": ids.UNSATISFIED, "value": complaint.number}]
    await post(bot.url, message(connector, None, id="1700000000300",
                                replyToId=reply.body.get("id") or "x",
                                value=buttons[1]))

    async def reopened() -> bool:
        return (await kit.complaints(bot))[0].status == "reopened"

    await eventually(reopened)
    await eventually(lambda: "*Status*: reopened" in kit.blocks_text(
        kit.triage_message(slack, complaint)))



async def test_it_staff_act_from_the_teams_triage_card(bot, connector, slack, slack_sender):
    tom_teams = {"id": "29:1tom-teams", "name": "Tom Tech", "aadObjectId": "TOM-AAD-0001"}
    connector.add_member(TEAMS_TRIAGE, id=tom_teams["id"], name=tom_teams["name"],
                         aad_object_id=tom_teams["aadObjectId"], email="tech1@example.com",
                         tenant_id="8c2f1a9e-0000-4000-8000-0000000000aa")
    complaint = await kit.file_and_wait(bot, slack_sender, slack)
    [card] = await eventually(lambda: connector.activities_in(TEAMS_TRIAGE))

    status, _ = await post(bot.url, message(
        connector, None, conversation=TEAMS_TRIAGE, kind="channel", sender=tom_teams,
        id="1700000000400", replyToId=card["id"],
        value={"action_id": ids.ACKNOWLEDGE, "value": complaint.number}))

    assert status == 201

    async def acknowledged() -> bool:
        return (await kit.complaints(bot))[0].status == "acknowledged"

    await eventually(acknowledged)
    # Both triage cards show it, updated in place, and the complainant hears in Slack.
    await eventually(lambda: "*Status*: acknowledged · *Owner*: Tom Tech" in kit.blocks_text(
        kit.triage_message(slack, complaint)))
    await connector.wait_for("update")
    [updated] = connector.activities_in(TEAMS_TRIAGE)
    assert updated["id"] == card["id"] and "acknowledged" in json.dumps(updated)
    await eventually(lambda: _erin_told(slack, complaint))


async def _erin_told(slack, complaint) -> bool:
    return any("Tom Tech has acknowledged" in kit.blocks_text(m)
               for m in kit.dm_thread(slack, kit.ERIN, complaint))


async def test_a_form_whose_card_cannot_be_updated_comes_back_as_a_new_card(bot, connector):
    seed_erin(connector)
    await post(bot.url, message(connector, "complain"))
    await connector.wait_for("send")
    card_id = connector.activities_in(PERSONAL)[-1]["id"]
    connector.fail_next("update", 404)

    bad = {**VALID, ids.DESCRIPTION: " "}
    await post(bot.url, submission(connector, card_id, bad, "1700000000401"))

    [_, again] = await connector.wait_for("send", 2)
    texts = [item.get("text") for item in card_of(again)["body"]]
    assert "Please tell us what happened." in texts
    assert await kit.complaints(bot) == []
