"""The whole path of a survey, from the service desk to the stored answer: a signed ticket
event resolves a ticket, the requester gets the DM, clicks a score, the answer is stored and
the message thanked in place; a reopening event withdraws an unanswered survey."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulators.tickets import TicketSender

SECRET = "test-webhook-secret"
ERIN = "U0EMPL001"


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(
        config=lambda raw: raw.update(teams={"service_url": connector.url}),
        env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET})


@pytest.fixture
async def desk(bot):
    async with TicketSender(bot.url, secret=SECRET) as sender:
        yield sender


def event(status: str, updated_at: str, **fields: Any) -> dict[str, Any]:
    return {"id": "INC-77", "title": "VPN drops <every> hour", "status": status,
            "requester_email": "erin@example.com", "assignee_email": "tech1@example.com",
            "priority": "P2", "service": "Network", "created_at": "2026-01-14T09:00:00Z",
            "updated_at": updated_at, **fields}


async def test_a_resolved_event_surveys_the_requester_who_answers(bot, slack, slack_sender,
                                                                  desk, kit):
    opened = await desk.send(event("open", "2026-01-14T09:00:00Z"))
    assert opened.status == 200
    assert slack.calls_to("chat.postMessage") == []

    resolved = await desk.send(event("resolved", "2026-01-14T09:40:00Z"))

    assert resolved.status == 200
    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == ERIN
    [message] = slack.messages_in(slack.dm_channel(ERIN))
    assert "Ticket INC-77: VPN drops <every> hour" in kit.text_of(message["blocks"])
    [invitation] = await kit.invitations()
    assert invitation.status == "sent"

    reply = await slack_sender.click("csat.score", f"{invitation.id}:5", user_id=ERIN,
                                     channel_id=slack.dm_channel(ERIN),
                                     message_ts=message["ts"])

    assert reply.status == 200
    await slack.wait_for("chat.update")
    [answer] = await kit.answers()
    assert (answer.invitation_id, answer.score) == (invitation.id, 5)
    # The desk sends the same resolution again: no second survey.
    again = await desk.send(event("resolved", "2026-01-14T09:40:00Z"))
    assert again.status == 200
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_reopening_event_withdraws_the_unanswered_survey(bot, slack, desk, kit):
    await desk.send(event("resolved", "2026-01-14T09:40:00Z"))
    [message] = slack.messages_in(slack.dm_channel(ERIN))

    reopened = await desk.send(event("open", "2026-01-14T10:05:00Z"))

    assert reopened.status == 200
    [update] = slack.calls_to("chat.update")
    assert update.args["ts"] == message["ts"]
    assert "withdrawn" in kit.text_of(update.args["blocks"])
    assert [(i.status, i.reason) for i in await kit.invitations()] == [("void", "reopened")]
