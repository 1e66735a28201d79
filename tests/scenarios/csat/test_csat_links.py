"""From a survey answer into the other features, end to end over signed HTTP: the service desk
resolves a ticket through the webhook, the requester answers in Slack, and then IT staff log
a low score as a complaint from the triage alert, or the requester sends the assignee kudos
from the thank-you for praise (in Slack, and in Teams from the card). Each goes through the
other feature's own flow, once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import select

from bot.emulators.tickets import TicketSender
from bot.flows.csat import ids
from storage.complaints import Complaint
from storage.csat_links import SurveyKudos
from storage.kudos import KudosRecipient, KudosVoucher
from storage.models import AuditEvent
from tests import ticket_events
from tests.outbox_kit import outbox_settled
from tests.scenarios.csat.test_csat_teams import (
    actions,
    activity,
    ann_installed,
    card,
    post,
    score_on_card,
    texts,
)
from tests.waiting import eventually

SECRET = "test-webhook-secret"
ERIN, TOM, LEE = "U0EMPL001", "U0TECH001", "U0LEAD001"
TRIAGE = "C0TRIAGE1"


@pytest.fixture
def settings(make_settings, connector, csat_config):
    return make_settings(
        config=lambda raw: raw.update(csat=csat_config, teams={"service_url": connector.url},
                                      outbox={"poll_seconds": 0.05}),
        env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET})


@pytest.fixture
async def tom(kit):
    return await kit.person(slack_user_id=TOM, email="tech1@example.com",
                            display_name="Tom Tech", role="it_staff", tz="Europe/London")


@pytest.fixture
async def desk(bot):
    async with TicketSender(bot.url, secret=SECRET) as sender:
        yield sender


async def resolve(bot, desk: TicketSender, **fields: Any) -> None:
    """The desk resolves Erin's ticket; returns once the survey it records is out."""
    reply = await desk.send({
        "id": "INC-77", "title": "VPN drops every hour", "status": "resolved",
        "requester_email": "erin@example.com", "assignee_email": "tech1@example.com",
        "priority": "P2", "service": "Network", "created_at": "2026-01-14T08:00:00Z",
        "updated_at": "2026-01-14T09:40:00Z", **fields})
    assert reply.status == 200, reply.text
    await ticket_events.delivered(bot.services)


def buttons(message: dict) -> dict[str, dict]:
    """The message's buttons by action id (the last one of an id wins)."""
    return {element["action_id"]: element for block in message["blocks"]
            if block["type"] == "actions" for element in block["elements"]}


async def answer(slack, slack_sender, score: int, comment: str | None = None) -> None:
    """Erin clicks `score` on her survey, then (if given) sends `comment` from the modal."""
    dm = slack.dm_channel(ERIN)
    [survey] = slack.messages_in(dm)
    [button] = [b for block in survey["blocks"] if block["type"] == "actions"
                for b in block["elements"] if b["value"].endswith(f":{score}")]
    updates = len(slack.calls_to("chat.update"))
    reply = await slack_sender.click(ids.ACTION_SCORE, button["value"], user_id=ERIN, channel_id=dm,
                                     message_ts=survey["ts"])
    assert reply.status == 200
    await slack.wait_for("chat.update", updates + 1)
    if comment is not None:
        invitation_id = button["value"].partition(":")[0]
        updates = len(slack.calls_to("chat.update"))
        reply = await slack_sender.submit(ids.FORM_COMMENT, {ids.FIELD_COMMENT: comment},
                                          user_id=ERIN, private_metadata=invitation_id)
        assert reply.status == 200
        await slack.wait_for("chat.update", updates + 1)


async def rows(kit, table) -> list:
    async with kit.services.sessions() as session:
        return list((await session.exec(select(table))).all())


def alert(slack) -> dict:
    [message] = [m for m in slack.messages_in(TRIAGE) if "Low CSAT" in m.get("text", "")]
    return message


async def press(slack, slack_sender, action_id: str, user_id: str, channel: str,
                message: dict):
    return await slack_sender.click(action_id, buttons(message)[action_id]["value"],
                                    user_id=user_id, channel_id=channel,
                                    message_ts=message["ts"])


# ------------------------------------------------------------------ log as complaint


async def test_it_staff_log_a_low_score_as_a_complaint_once(bot, slack, slack_sender, desk,
                                                            kit, tom):
    await resolve(bot, desk)
    await answer(slack, slack_sender, 1, "Fixed for a day, then <!channel> it dropped again")
    await kit.alert_stored()
    assert list(buttons(alert(slack))) == [ids.ACTION_REACH_OUT, ids.ACTION_COMPLAINT]
    assert buttons(alert(slack))[ids.ACTION_COMPLAINT]["text"]["text"] == "Log as complaint"

    # The requester herself (an employee) may not.
    await press(slack, slack_sender, ids.ACTION_COMPLAINT, ERIN, TRIAGE, alert(slack))
    [refused] = await slack.wait_for_response(1)
    assert "Only IT staff can log" in kit.text_of(refused.body["blocks"])
    assert await rows(kit, Complaint) == []

    updates = len(slack.calls_to("chat.update"))
    reply = await press(slack, slack_sender, ids.ACTION_COMPLAINT, TOM, TRIAGE, alert(slack))

    assert reply.status == 200
    await slack.wait_for("chat.update", updates + 1)
    [complaint] = await rows(kit, Complaint)
    [invitation] = await kit.invitations()
    assert (complaint.complainant_id, complaint.ticket, complaint.description,
            complaint.anonymous) == (invitation.person_id, "INC-77",
                                     "Fixed for a day, then <!channel> it dropped again", False)
    # "Network" is not one of complaints.services: the last one ("Other") is taken.
    assert (complaint.service, complaint.category, complaint.impact) == (
        "Other", "Responsiveness", "medium")
    assert complaint.number.startswith("CMP-2026-")
    assert complaint.acknowledge_due_at > complaint.created_at  # the complaint log's SLA
    # The requester gets the complaint log's own receipt; triage gets its card (both sent by
    # the outbox once the filing is committed).
    def receipts() -> list[dict[str, Any]]:
        return [m for m in slack.messages_in(slack.dm_channel(ERIN))
                if "We have your complaint" in m.get("text", "")]

    def cards() -> list[dict[str, Any]]:
        return [m for m in slack.messages_in(TRIAGE) if complaint.number in str(m["blocks"])]

    await eventually(lambda: receipts() and len(cards()) == 2)
    assert len(receipts()) == 1 and complaint.number in receipts()[0]["text"]
    assert len(cards()) == 2  # the complaint's triage card, and the alert now naming it
    shown = kit.text_of(alert(slack)["blocks"])
    assert f"Logged as complaint *{complaint.number}*." in shown
    assert ids.ACTION_COMPLAINT not in buttons(alert(slack))
    assert ids.ACTION_REACH_OUT in buttons(alert(slack))
    assert kit.counter("touchpoint_csat_links_total", link="complaint") == 1
    async with kit.services.sessions() as session:
        events = (await session.exec(select(AuditEvent).where(
            AuditEvent.action == "csat.complaint"))).all()
    assert [(e.actor_id, e.subject_id) for e in events] == [(tom.id, str(invitation.id))]

    # A press on a stale copy of the alert files nothing more, and says where it went.
    await slack_sender.click(ids.ACTION_COMPLAINT, str(invitation.id), user_id=TOM,
                             channel_id=TRIAGE, message_ts=alert(slack)["ts"])
    answers = await slack.wait_for_response(2)
    assert f"already logged as complaint *{complaint.number}*" in kit.text_of(
        answers[-1].body["blocks"])
    assert len(await rows(kit, Complaint)) == 1
    assert kit.counter("touchpoint_csat_links_total", link="complaint") == 1


async def test_two_presses_at_once_file_one_complaint(bot, slack, slack_sender, desk, kit,
                                                      tom):
    await resolve(bot, desk)
    await answer(slack, slack_sender, 2)
    await kit.alert_stored()
    message = alert(slack)

    replies = await asyncio.gather(*(press(slack, slack_sender, ids.ACTION_COMPLAINT, who,
                                           TRIAGE, message) for who in (TOM, LEE)))

    assert [r.status for r in replies] == [200, 200]
    await eventually(lambda: "Logged as complaint" in kit.text_of(alert(slack)["blocks"]))
    [complaint] = await rows(kit, Complaint)
    # No comment: the description says so, in the template's words.
    assert complaint.description == "Rated 2/5 in the satisfaction survey, with no comment."
    def receipts() -> list[dict[str, Any]]:
        return [m for m in slack.messages_in(slack.dm_channel(ERIN))
                if "We have your complaint" in m.get("text", "")]

    # The receipt goes out with the outbox, after the filing's commit; a second one would
    # follow it as closely.
    await eventually(receipts)
    await outbox_settled(bot.services, "complaint:")
    assert len(receipts()) == 1


@pytest.mark.parametrize("csat_config", [{"complaint_service": "Network and Wi-Fi",
                                          "complaint_category": "Quality of fix",
                                          "complaint_impact": "high"}])
async def test_the_complaint_takes_its_service_category_and_impact_from_app_yaml(
        bot, slack, slack_sender, desk, kit, tom):
    await resolve(bot, desk, service="Printing")
    await answer(slack, slack_sender, 1, "Still broken")
    await kit.alert_stored()

    await press(slack, slack_sender, ids.ACTION_COMPLAINT, TOM, TRIAGE, alert(slack))

    [complaint] = await eventually(lambda: rows(kit, Complaint))
    assert (complaint.service, complaint.category, complaint.impact) == (
        "Network and Wi-Fi", "Quality of fix", "high")


async def test_the_ticket_service_is_kept_when_the_complaint_log_names_it(
        bot, slack, slack_sender, desk, kit, tom):
    await resolve(bot, desk, service="network AND wi-fi")
    await answer(slack, slack_sender, 1)
    await kit.alert_stored()

    await press(slack, slack_sender, ids.ACTION_COMPLAINT, TOM, TRIAGE, alert(slack))

    [complaint] = await eventually(lambda: rows(kit, Complaint))
    assert complaint.service == "Network and Wi-Fi"


# ------------------------------------------------------------------ kudos for praise


def survey_now(slack) -> dict:
    [message] = [m for m in slack.messages_in(slack.dm_channel(ERIN))
                 if "How did we do" in m.get("text", "")]
    return message


async def test_praise_offers_kudos_that_go_through_the_kudos_flow_once(bot, slack,
                                                                       slack_sender, desk,
                                                                       kit, tom):
    await resolve(bot, desk)
    await answer(slack, slack_sender, 5)
    # A score without a comment is not praise of anyone yet.
    assert ids.ACTION_KUDOS not in buttons(survey_now(slack))

    await answer_comment(slack, slack_sender, "Tom fixed it in *five* minutes & explained why")

    offer = buttons(survey_now(slack))[ids.ACTION_KUDOS]
    assert offer["text"]["text"] == "Send Tom Tech kudos with this comment"
    assert "Glad Tom Tech helped." in kit.text_of(survey_now(slack)["blocks"])

    updates = len(slack.calls_to("chat.update"))
    reply = await press(slack, slack_sender, ids.ACTION_KUDOS, ERIN, slack.dm_channel(ERIN),
                        survey_now(slack))

    assert reply.status == 200
    await slack.wait_for("chat.update", updates + 1)
    [voucher] = await rows(kit, KudosVoucher)
    [invitation] = await kit.invitations()
    assert (voucher.giver_id, voucher.story, voucher.public) == (
        invitation.person_id, "Tom fixed it in *five* minutes & explained why", False)
    [recipient] = await rows(kit, KudosRecipient)
    assert recipient.person_id == tom.id
    [link] = await rows(kit, SurveyKudos)
    assert (link.invitation_id, link.voucher_id) == (invitation.id, voucher.id)
    # The kudos flow's own messages: Tom hears of it; Erin is told it is on its way.
    told = [m for m in slack.messages_in(slack.dm_channel(TOM))]
    assert len(told) == 1 and "five" in kit.text_of(told[0]["blocks"])
    [given] = await slack.wait_for_response(1)
    assert f"Your kudos `{voucher.code}` is on its way" in kit.text_of(given.body["blocks"])
    # Private by default: nothing on the wall.
    assert slack.messages_in("C0KUDOS01") == []
    shown = kit.text_of(survey_now(slack)["blocks"])
    assert f"You sent Tom Tech kudos `{voucher.code}` with your comment." in shown
    assert ids.ACTION_KUDOS not in buttons(survey_now(slack))

    # A stale copy of the button gives nothing more.
    await slack_sender.click(ids.ACTION_KUDOS, str(invitation.id), user_id=ERIN,
                             channel_id=slack.dm_channel(ERIN),
                             message_ts=survey_now(slack)["ts"])
    answers = await slack.wait_for_response(2)
    assert f"You already sent kudos `{voucher.code}`" in kit.text_of(answers[-1].body["blocks"])
    assert len(await rows(kit, KudosVoucher)) == 1
    assert kit.counter("touchpoint_csat_links_total", link="kudos") == 1


async def answer_comment(slack, slack_sender, comment: str) -> None:
    message = survey_now(slack)
    invitation_id = buttons(message)[ids.ACTION_COMMENT]["value"]
    updates = len(slack.calls_to("chat.update"))
    reply = await slack_sender.submit(ids.FORM_COMMENT, {ids.FIELD_COMMENT: comment}, user_id=ERIN,
                                      private_metadata=invitation_id)
    assert reply.status == 200
    await slack.wait_for("chat.update", updates + 1)


async def test_the_kudos_rules_still_apply_and_refuse_kindly(bot, slack, slack_sender, desk,
                                                             kit, tom):
    await resolve(bot, desk)
    await answer(slack, slack_sender, 4, "Great help")
    # Erin already thanked Tom today with /kudos: one per pair per day.
    await slack_sender.command("/kudos", f"<@{TOM}|tom.tech> for the printer", user_id=ERIN)
    await slack.wait_for_response(1)
    assert len(await rows(kit, KudosVoucher)) == 1

    await press(slack, slack_sender, ids.ACTION_KUDOS, ERIN, slack.dm_channel(ERIN),
                survey_now(slack))

    answers = await slack.wait_for_response(2)
    assert "already" in kit.text_of(answers[-1].body["blocks"]).lower()
    assert len(await rows(kit, KudosVoucher)) == 1
    assert await rows(kit, SurveyKudos) == []
    assert ids.ACTION_KUDOS in buttons(survey_now(slack))


async def test_only_the_requester_may_send_the_kudos(bot, slack, slack_sender, desk, kit,
                                                     tom):
    await resolve(bot, desk)
    await answer(slack, slack_sender, 5, "Brilliant")

    await press(slack, slack_sender, ids.ACTION_KUDOS, LEE, slack.dm_channel(ERIN),
                survey_now(slack))

    [refused] = await slack.wait_for_response(1)
    assert "only they can answer it" in kit.text_of(refused.body["blocks"])
    assert await rows(kit, KudosVoucher) == []


@pytest.mark.parametrize(("score", "role"), [(3, "it_staff"), (5, "employee")])
async def test_no_offer_below_praise_or_for_someone_who_cannot_receive_kudos(
        bot, slack, slack_sender, desk, kit, score, role):
    await kit.person(slack_user_id=TOM, email="tech1@example.com", display_name="Tom Tech",
                     role=role)
    await resolve(bot, desk)

    await answer(slack, slack_sender, score, "It was fine")

    assert "Your comment" in kit.text_of(survey_now(slack)["blocks"])
    assert ids.ACTION_KUDOS not in buttons(survey_now(slack))


async def test_kudos_for_praise_from_the_teams_card(bot, connector, kit):
    tom = await kit.person(teams_user_id="0a1b2c3d-0000-4000-8000-00000000707a",
                           email="tech1@example.com", display_name="Tom Tech",
                           role="it_staff")
    await ann_installed(bot, connector)
    ticket_id = await kit.ticket(requester_email="ann@example.com", assignee_id=tom.id)
    await kit.resolve(ticket_id)

    _, survey_id = await score_on_card(bot, connector, kit, 5, "Tom sorted it _fast_")

    [update] = await connector.wait_for("update")
    offer = [a for a in actions(card(update)) if a["data"]["action_id"] == ids.ACTION_KUDOS]
    assert [a["title"] for a in offer] == ["Send Tom Tech kudos with this comment"]

    status = await post(bot, activity(connector, replyToId=survey_id,
                                      value=offer[0]["data"]))

    assert status == 201
    updates = await connector.wait_for("update", 2)
    assert "You sent Tom Tech kudos" in texts(card(updates[1]))
    assert ids.ACTION_KUDOS not in str(actions(card(updates[1])))
    [voucher] = await rows(kit, KudosVoucher)
    assert (voucher.story, voucher.public) == ("Tom sorted it _fast_", False)
    [recipient] = await rows(kit, KudosRecipient)
    assert recipient.person_id == tom.id
