"""The whole path of a survey, from the service desk to the stored answer: a signed ticket
event resolves a ticket, the requester gets the DM, clicks a score, the answer is stored and
the message thanked in place; a reopening event withdraws an unanswered survey."""

from __future__ import annotations

from typing import Any

import pytest

from bot.chat.port import MessageRef
from bot.emulators.tickets import TicketSender
from bot.flows.csat import ids
from storage.outbox import sent_ref
from tests import ticket_events
from tests.outbox_kit import outbox_rows
from tests.waiting import eventually

SECRET = "test-webhook-secret"
ERIN = "U0EMPL001"
TOM = "U0TECH001"


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(
        config=lambda raw: raw.update(teams={"service_url": connector.url},
                                      outbox={"poll_seconds": 0.05}),
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


async def rate(slack_sender, slack, message: dict, invitation_id: int, score: int):
    """Erin clicks `score` on the survey `message` in her DM."""
    return await slack_sender.click(ids.ACTION_SCORE, f"{invitation_id}:{score}", user_id=ERIN,
                                    channel_id=slack.dm_channel(ERIN),
                                    message_ts=message["ts"])


async def test_a_resolved_event_surveys_the_requester_who_answers(bot, slack, slack_sender,
                                                                  desk, kit):
    opened = await desk.send(event("open", "2026-01-14T09:00:00Z"))
    assert opened.status == 200
    assert slack.calls_to("chat.postMessage") == []

    resolved = await desk.send(event("resolved", "2026-01-14T09:40:00Z"))

    assert resolved.status == 200
    # The desk has its answer once the survey is decided; the outbox sends the DM right after.
    await ticket_events.delivered(bot.services)
    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == ERIN
    [message] = slack.messages_in(slack.dm_channel(ERIN))
    assert "Ticket INC-77: VPN drops <every> hour" in kit.text_of(message["blocks"])
    [invitation] = await kit.invitations()
    assert invitation.status == "sent"

    reply = await rate(slack_sender, slack, message, invitation.id, 5)

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
    await ticket_events.delivered(bot.services)
    [message] = slack.messages_in(slack.dm_channel(ERIN))

    reopened = await desk.send(event("open", "2026-01-14T10:05:00Z"))

    assert reopened.status == 200
    # Withdrawn with the reopening; the message says so, updated by the outbox.
    assert [(i.status, i.reason) for i in await kit.invitations()] == [("void", "reopened")]
    [update] = await slack.wait_for("chat.update")
    assert update.args["ts"] == message["ts"]
    assert "withdrawn" in kit.text_of(update.args["blocks"])
    assert [(i.status, i.reason) for i in await kit.invitations()] == [("void", "reopened")]


async def test_the_desk_is_answered_once_the_survey_is_decided_not_when_slack_answers(
        bot, slack, desk, kit):
    slow_slack = slack.hold("chat.postMessage")

    resolved = await desk.send(event("resolved", "2026-01-14T09:40:00Z"))

    # Slack has not answered the DM yet, and the desk has its 200: the survey and its DM
    # are recorded, so a crash from here on delays the DM and does not lose it.
    assert resolved.status == 200
    [invitation] = await kit.invitations()
    assert invitation.status == "pending"
    [dm] = await outbox_rows(bot.services, "csat:")
    assert (dm.key, dm.person_id) == (f"csat:{invitation.id}:survey", invitation.person_id)

    slow_slack.set()
    await ticket_events.delivered(bot.services)

    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == ERIN
    [invitation] = await kit.invitations()
    assert invitation.status == "sent"


async def test_a_click_before_slack_confirms_the_dm_counts_and_keeps_the_message(
        bot, slack, slack_sender, desk, kit):
    # Slack shows Erin the survey but its answer to the bot is late; she clicks meanwhile.
    slow_slack = slack.hold("chat.postMessage")
    await desk.send(event("resolved", "2026-01-14T09:40:00Z"))
    await slack.wait_for("chat.postMessage")
    [message] = slack.messages_in(slack.dm_channel(ERIN))
    [invitation] = await kit.invitations()
    assert invitation.status == "pending"

    reply = await rate(slack_sender, slack, message, invitation.id, 4)
    assert reply.status == 200
    answers = await eventually(kit.answers)
    # The thank-you follows as soon as the outbox knows where the DM went.
    slow_slack.set()
    [thanks] = await slack.wait_for("chat.update")
    await ticket_events.delivered(bot.services)

    assert [answer.score for answer in answers] == [4]
    [invitation] = await kit.invitations()
    assert invitation.status == "answered"
    assert invitation.sent_at is not None
    async with bot.services.sessions() as session:
        assert await sent_ref(session, f"csat:{invitation.id}:survey", "slack") == MessageRef(
            "slack", slack.dm_channel(ERIN), message["ts"])
    # The thank-you stands: the late confirmation did not withdraw the message.
    assert slack.calls_to("chat.update") == [thanks]
    assert (thanks.args["channel"], thanks.args["ts"]) == (slack.dm_channel(ERIN),
                                                           message["ts"])
    assert "4" in kit.text_of(thanks.args["blocks"])


async def test_a_requester_known_only_by_email_is_looked_up_after_the_desk_has_its_answer(
        bot, slack, desk, kit):
    # The directory has Nat's email (from a role list, say) but no chat account yet; the
    # assignee it knows already.
    await kit.person(email="nat@example.com", display_name="Nat", tz="Europe/London")
    await kit.person(email="tech1@example.com", slack_user_id=TOM, display_name="Tom")
    slack.add_user(id="U0NAT0001", name="nat", email="nat@example.com", tz="Europe/London")
    slow_slack = slack.hold("users.lookupByEmail")

    resolved = await desk.send(event("resolved", "2026-01-14T09:40:00Z",
                                     requester_email="nat@example.com"))

    # Answered while Slack is still looking: the survey waits for the look-up, claimed.
    assert resolved.status == 200
    [invitation] = await kit.invitations()
    assert (invitation.status, invitation.claimed_at is not None) == ("lookup", True)

    slow_slack.set()
    await ticket_events.delivered(bot.services)

    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "U0NAT0001"
    [invitation] = await kit.invitations()
    assert invitation.status == "sent"
