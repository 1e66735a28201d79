"""The CSAT survey in Teams, end to end: the survey goes out as an Adaptive Card through the
Bot Connector emulator, with the comment as an input on the card; the answer comes back as an
``Action.Submit`` activity into ``/api/messages`` and the card is updated in place."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from bot.flows.csat import ids
from storage.models import Person
from tests.teams_activities import personal_message

TENANT = "8c2f1a9e-0000-4000-8000-0000000000aa"
BOT = {"id": "28:0b5e1a6c-touchpoint", "name": "Touchpoint"}
ANN = {"id": "29:1ann-teams-id", "name": "Ann Teams",
       "aadObjectId": "0A1B2C3D-0000-4000-8000-00000000A1A1"}
PERSONAL = "a:1ann-personal-chat"
TRIAGE = "19:triage@thread.tacv2"


def activity(connector, **fields: Any) -> dict[str, Any]:
    """A message activity from Ann in her 1:1 chat with the bot, as Teams posts it
    (recorded: a card submit when it carries a `value`)."""
    text = fields.pop("text", None)
    return personal_message(connector.url, ANN, PERSONAL, text, tenant=TENANT, **fields)


async def post(bot, body: dict[str, Any]) -> int:
    async with aiohttp.ClientSession() as http, http.post(
            bot.url + "/api/messages", data=json.dumps(body),
            headers={"Content-Type": "application/json"}) as response:
        return response.status


def card(call) -> dict[str, Any]:
    [attachment] = call.body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def texts(content: dict[str, Any]) -> str:
    return "\n".join(block.get("text", "") for block in content["body"])


def actions(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [action for block in content["body"] if block["type"] == "ActionSet"
            for action in block["actions"]]


async def ann_installed(bot, connector) -> None:
    """Ann installs the app and says hello: Teams gives the bot her 1:1 chat and her email."""
    connector.add_member(PERSONAL, id=ANN["id"], name=ANN["name"],
                         aad_object_id=ANN["aadObjectId"], email="ann@example.com",
                         tenant_id=TENANT)
    assert await post(bot, activity(connector, text="help")) == 201
    await connector.wait_for("send")
    connector.clear()


async def score_on_card(bot, connector, kit, score: int, comment: str) -> tuple[int, str]:
    """Ann presses `score` on the survey card in her chat with `comment` typed in it; returns
    the status Touchpoint answers and the card's activity id."""
    [invitation] = await kit.invitations()
    survey_id = connector.activities_in(PERSONAL)[-1]["id"]
    status = await post(bot, activity(connector, replyToId=survey_id, value={
        "action_id": ids.ACTION_SCORE, "value": f"{invitation.id}:{score}",
        ids.FIELD_COMMENT: comment}))
    return status, survey_id


async def test_the_survey_card_is_answered_with_a_comment_and_updated_in_place(
        bot, connector, slack, kit):
    await ann_installed(bot, connector)

    await kit.resolve(await kit.ticket(requester_email="ann@example.com"))

    [sent] = connector.calls_of("send")
    assert sent.conversation_id == PERSONAL
    survey = card(sent)
    assert "**How did we do?**" in texts(survey)
    [comment_input] = [b for b in survey["body"] if b["type"] == "Input.Text"]
    assert (comment_input["id"], comment_input["isRequired"]) == (ids.FIELD_COMMENT, False)
    [invitation] = await kit.invitations()
    assert [(a["type"], a["data"]) for a in actions(survey)] == [
        ("Action.Submit", {"action_id": ids.ACTION_SCORE, "value": f"{invitation.id}:{n}"})
        for n in range(1, 6)]

    status, survey_id = await score_on_card(bot, connector, kit, 2,
                                            "Took *three* days [see](http://x)")

    assert status == 201
    [update] = await connector.wait_for("update")
    assert (update.conversation_id, update.activity_id) == (PERSONAL, survey_id)
    thanks = card(update)
    assert "You rated this ticket **2/5**" in texts(thanks)
    assert r"Your comment: _Took \*three\* days \[see\](http://x)_" in texts(thanks)
    [send_comment] = actions(thanks)
    assert (send_comment["title"], send_comment["data"]["action_id"]) == ("Send comment",
                                                                          ids.ACTION_COMMENT)
    [answer] = await kit.answers()
    assert (answer.score, answer.comment) == (2, "Took *three* days [see](http://x)")

    # A low score: the triage channel hears of it on both platforms.
    _survey, alert = await connector.wait_for("send", 2)
    assert alert.conversation_id == TRIAGE
    assert "Low CSAT score: 2/5 on ticket INC-1001" in texts(card(alert))
    [slack_alert] = await slack.wait_for("chat.postMessage")
    assert slack_alert.args["channel"] == "C0TRIAGE1"

    # The comment can still be changed from the thank-you card.
    await post(bot, activity(connector, replyToId=survey_id, value={
        "action_id": ids.ACTION_COMMENT, "value": str(invitation.id),
        ids.FIELD_COMMENT: "Fixed in the end, thanks"}))

    updates = await connector.wait_for("update", 2)
    assert "Your comment: _Fixed in the end, thanks_" in texts(card(updates[1]))
    [answer] = await kit.answers()
    assert (answer.score, answer.comment) == (2, "Fixed in the end, thanks")


async def test_a_second_click_on_the_card_is_told_it_was_answered(bot, connector, kit):
    await ann_installed(bot, connector)
    await kit.resolve(await kit.ticket(requester_email="ann@example.com"))
    [invitation] = await kit.invitations()
    survey_id = connector.activities_in(PERSONAL)[-1]["id"]
    click = activity(connector, replyToId=survey_id,
                     value={"action_id": ids.ACTION_SCORE, "value": f"{invitation.id}:5",
                            ids.FIELD_COMMENT: ""})

    await post(bot, click)
    await post(bot, click)

    [update] = await connector.wait_for("update")
    assert "You rated this ticket **5/5**" in texts(card(update))
    sends = await connector.wait_for("send", 2)
    notice = card(sends[-1])
    assert "You already answered this survey (you gave **5/5**)" in texts(notice)
    assert [(a.score, a.comment) for a in await kit.answers()] == [(5, None)]
    assert len(connector.calls_of("update")) == 1


async def test_it_staff_reach_out_from_the_teams_triage_channel(bot, connector, slack, kit):
    await ann_installed(bot, connector)
    tom = {"id": "29:1tom-teams-id", "name": "Tom Teams",
           "aadObjectId": "0A1B2C3D-0000-4000-8000-00000000B2B2"}
    await kit.resolve(await kit.ticket(requester_email="ann@example.com"))
    [invitation] = await kit.invitations()
    await post(bot, activity(connector, replyToId=connector.activities_in(PERSONAL)[-1]["id"],
                             value={"action_id": ids.ACTION_SCORE, "value": f"{invitation.id}:1",
                                    ids.FIELD_COMMENT: "Nobody came"}))
    await kit.alert_stored()
    [alert] = connector.activities_in(TRIAGE)
    assert "**Comment**: _Nobody came_" in texts(alert["attachments"][0]["content"])
    thread = f"{TRIAGE};messageid={alert['id']}"
    # Tom is on the helpdesk by email (app.yaml): the team's roster tells the bot his email
    # on his click (a channel's members are the team's; its General channel has its id).
    connector.add_member(TRIAGE, id=tom["id"], name=tom["name"],
                         aad_object_id=tom["aadObjectId"], email="tech1@example.com",
                         tenant_id=TENANT)
    connector.clear()

    status = await post(bot, activity(
        connector, replyToId=alert["id"], **{"from": tom},
        conversation={"id": thread, "conversationType": "channel", "tenantId": TENANT},
        channelData={"tenant": {"id": TENANT}, "team": {"id": TRIAGE},
                     "channel": {"id": TRIAGE}},
        value={"action_id": ids.ACTION_REACH_OUT, "value": str(invitation.id)}))

    assert status == 201
    [update] = await connector.wait_for("update")
    assert (update.conversation_id, update.activity_id) == (TRIAGE, alert["id"])
    assert "Tom Teams is reaching out to the requester" in texts(card(update))
    # Only "Log as complaint" is left to do.
    assert [a["data"]["action_id"] for a in actions(card(update))] == [ids.ACTION_COMPLAINT]
    [slack_update] = await slack.wait_for("chat.update")
    assert slack_update.args["channel"] == "C0TRIAGE1"
    [told] = await connector.wait_for("send")
    assert told.conversation_id == PERSONAL
    assert "Tom Teams from the IT team will get in touch" in texts(card(told))
    [follow_up] = await kit.follow_ups()
    async with bot.services.sessions() as session:
        owner = await session.get(Person, follow_up.owner_id)
    assert (owner.teams_user_id, owner.role) == (tom["aadObjectId"].lower(), "it_staff")
