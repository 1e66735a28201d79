"""The CSAT survey over Slack, end to end: a resolved ticket's requester gets a DM through the
Slack emulator, clicks a score with a signed request, the answer is stored once and the
message updated in place; the fatigue rules, expiry, reopening, unreachable requesters, rate
limits and the low-score alert with its "Reach out" button."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot.emulators.requests import SlackSender
from bot.flows.csat import ids
from bot.flows.csat.invitations import decide_surveys, sampled_in
from bot.server import create_app
from storage.tickets import Ticket
from tests import ticket_events
from tests.conftest import SIGNING_SECRET, start_bot
from tests.outbox_kit import outbox_rows

ERIN = "U0EMPL001"
TOM = "U0TECH001"


def dm(slack, user_id: str = ERIN) -> str:
    return slack.dm_channel(user_id)


def survey(slack, user_id: str = ERIN) -> dict:
    """The one survey message in the person's DM, as it stands now."""
    [message] = slack.messages_in(dm(slack, user_id))
    return message


def score_value(message: dict, score: int) -> str:
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    [button] = [e for e in actions["elements"] if e["value"].endswith(f":{score}")]
    return button["value"]


async def click_score(slack, slack_sender, score: int, user_id: str = ERIN):
    """Click the score's button as Slack would: with its action id as rendered (a repeat of
    ``csat.score`` carries its copy number, like ``csat.score#4``)."""
    message = survey(slack)
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    [button] = [e for e in actions["elements"] if e["value"].endswith(f":{score}")]
    return await slack_sender.click(button["action_id"], button["value"], user_id=user_id,
                                    channel_id=dm(slack), message_ts=message["ts"])


async def test_resolved_ticket_dm_click_stored_once_and_thanked_in_place(bot, slack,
                                                                         slack_sender, kit):
    ticket_id = await kit.ticket(title="Laptop <won't> boot & beeps")

    await kit.resolve(ticket_id)

    [lookup] = slack.calls_to("users.lookupByEmail")
    assert lookup.args["email"] == "erin@example.com"
    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == ERIN
    message = survey(slack)
    text = kit.text_of(message["blocks"])
    assert "Ticket INC-1001: Laptop <won't> boot & beeps" in text  # header is plain text
    assert "*How did we do?*" in text
    assert message["text"] == "How did we do with ticket INC-1001?"
    # Slack messages carry no comment box: a comment comes after the score, in a modal.
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "actions"]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    [invitation] = await kit.invitations()
    # Slack wants each action id once per block: the adapter numbers the repeats.
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (ids.ACTION_SCORE, f"{invitation.id}:1")] + [
        (f"{ids.ACTION_SCORE}#{n}", f"{invitation.id}:{n}") for n in range(2, 6)]
    assert (invitation.status, invitation.sent_at, invitation.expires_at.day) == (
        "sent", bot.services.clock(), 21)

    reply = await click_score(slack, slack_sender, 4)

    assert reply.status == 200
    [update] = await slack.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (dm(slack), message["ts"])
    thanks = kit.text_of(survey(slack)["blocks"])
    assert "You rated this ticket *4/5*" in thanks
    assert "Add a comment" in thanks
    [answer] = await kit.answers()
    assert (answer.invitation_id, answer.score, answer.comment) == (invitation.id, 4, None)
    [invitation] = await kit.invitations()
    assert invitation.status == "answered"
    assert kit.counter("touchpoint_csat_answers_total", score="4") == 1
    assert kit.counter("touchpoint_csat_invitations_total", outcome="sent", reason="") == 1
    assert slack.calls_to("chat.postMessage") == [post]  # 4 is no low score: no alert
    async with aiohttp.ClientSession() as http, http.get(bot.url + "/metrics") as response:
        exposition = await response.text()
    assert 'touchpoint_csat_answers_total{score="4"} 1.0' in exposition
    assert 'touchpoint_csat_invitations_total{outcome="sent",reason=""} 1.0' in exposition


async def test_double_clicks_store_one_answer_and_a_later_click_is_told_kindly(
        bot, slack, slack_sender, kit):
    await kit.resolve(await kit.ticket())

    replies = await asyncio.gather(*(click_score(slack, slack_sender, 5) for _ in range(4)))

    assert [r.status for r in replies] == [200] * 4
    already = await slack.wait_for_response(3)
    assert all("You already answered this survey (you gave *5/5*)" in
               kit.text_of(r.body["blocks"]) for r in already)
    assert all(r.body["response_type"] == "ephemeral" for r in already)
    # The winner's thank-you may land after the others' notices.
    await slack.wait_for("chat.update")
    assert len(slack.calls_to("chat.update")) == 1
    assert [a.score for a in await kit.answers()] == [5]

    [invitation] = await kit.invitations()
    await slack_sender.click(ids.ACTION_SCORE, f"{invitation.id}:1", user_id=ERIN,
                             channel_id=dm(slack), message_ts=survey(slack)["ts"])

    later = await slack.wait_for_response(4)
    assert "you gave *5/5*" in kit.text_of(later[-1].body["blocks"])
    assert [a.score for a in await kit.answers()] == [5]
    assert kit.counter("touchpoint_csat_answers_total", score="5") == 1


async def test_two_replicas_clicked_at_once_store_one_answer(bot, settings, bot_options, slack,
                                                             slack_sender, kit):
    await kit.resolve(await kit.ticket())
    message = survey(slack)
    other, replica = await start_bot(create_app(settings, **bot_options))
    try:
        async with SlackSender(replica.url, SIGNING_SECRET,
                               response_base=slack.response_url("")) as second:
            senders = [slack_sender, second] * 3
            replies = await asyncio.gather(*(
                sender.click(ids.ACTION_SCORE, score_value(message, score), user_id=ERIN,
                             channel_id=dm(slack), message_ts=message["ts"])
                for sender, score in zip(senders, (5, 4, 3, 2, 1, 5), strict=True)))
            await slack.wait_for_response(5)
    finally:
        await other.cleanup()

    assert [r.status for r in replies] == [200] * 6
    [answer] = await kit.answers()
    await slack.wait_for("chat.update")
    assert len(slack.calls_to("chat.update")) == 1
    assert f"You rated this ticket *{answer.score}/5*" in kit.text_of(survey(slack)["blocks"])
    counted = [registry.get_sample_value("touchpoint_csat_answers_total",
                                         {"score": str(answer.score)}) or 0.0
               for registry in (bot.services.metrics.registry, replica.services.metrics.registry)]
    assert sorted(counted) == [0.0, 1.0]  # counted by the replica that stored it


async def test_someone_else_cannot_answer_anothers_survey(bot, slack, slack_sender, kit):
    await kit.resolve(await kit.ticket())

    await click_score(slack, slack_sender, 1, user_id=TOM)

    [notice] = await slack.wait_for_response(1)
    assert "only they can answer it" in kit.text_of(notice.body["blocks"])
    assert await kit.answers() == []
    assert slack.calls_to("chat.update") == []


async def test_a_comment_is_added_after_the_score_in_a_modal(bot, slack, slack_sender, kit):
    await kit.resolve(await kit.ticket())
    await click_score(slack, slack_sender, 3)
    await slack.wait_for("chat.update")
    [invitation] = await kit.invitations()
    [actions] = [b for b in survey(slack)["blocks"] if b["type"] == "actions"]
    [comment_button] = actions["elements"]
    assert comment_button["action_id"] == ids.ACTION_COMMENT

    await slack_sender.click(ids.ACTION_COMMENT, comment_button["value"], user_id=ERIN,
                             channel_id=dm(slack), message_ts=survey(slack)["ts"])

    [opened] = await slack.wait_for("views.open")
    view = opened.args["view"]
    assert (view["callback_id"], view["private_metadata"]) == (ids.FORM_COMMENT,
                                                               str(invitation.id))
    assert view["blocks"][1]["block_id"] == ids.FIELD_COMMENT

    reply = await slack_sender.submit(ids.FORM_COMMENT,
                                      {ids.FIELD_COMMENT: "<!channel> slow & *rude*"},
                                      user_id=ERIN, private_metadata=str(invitation.id))

    assert reply.status == 200
    await slack.wait_for("chat.update", 2)
    [answer] = await kit.answers()
    assert (answer.score, answer.comment) == (3, "<!channel> slow & *rude*")
    shown = kit.text_of(survey(slack)["blocks"])
    assert "Your comment: _&lt;!channel&gt; slow &amp; *rude*_" in shown
    assert "<!channel>" not in str(survey(slack))


async def test_resolved_twice_sends_one_survey(bot, slack, kit):
    ticket_id = await kit.ticket()

    await asyncio.gather(ticket_events.resolve(bot.services, ticket_id, wait=False),
                         ticket_events.resolve(bot.services, ticket_id, wait=False))
    await bot.services.background.drain()
    await kit.resolve(ticket_id)

    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(await kit.invitations()) == 1


async def test_one_survey_per_person_per_week(bot, slack, kit, clock):
    first, second = await kit.ticket("INC-1"), await kit.ticket("INC-2")

    await kit.resolve(first)
    clock.advance(days=6, hours=23)
    await kit.resolve(second)

    assert len(slack.calls_to("chat.postMessage")) == 1
    assert [(i.status, i.reason) for i in await kit.invitations()] == [
        ("sent", None), ("skipped", "throttled")]
    assert kit.counter("touchpoint_csat_invitations_total", outcome="skipped",
                       reason="throttled") == 1

    clock.advance(hours=2)
    await kit.resolve(await kit.ticket("INC-3"))

    assert len(slack.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize("csat_config", [{"sample_one_in": 3}])
async def test_sampled_out_tickets_get_no_survey(bot, slack, kit):
    numbers = [f"INC-{n}" for n in range(1, 40)]
    out = next(n for n in numbers if not sampled_in("desk", n, 3))
    inside = next(n for n in numbers if sampled_in("desk", n, 3))

    await kit.resolve(await kit.ticket(out))
    assert slack.calls_to("chat.postMessage") == []
    await kit.resolve(await kit.ticket(inside))

    assert len(slack.calls_to("chat.postMessage")) == 1
    assert [(i.status, i.reason) for i in await kit.invitations()] == [
        ("skipped", "sampled_out"), ("sent", None)]
    assert kit.counter("touchpoint_csat_invitations_total", outcome="skipped",
                       reason="sampled_out") == 1


async def test_quiet_hours_hold_the_survey_until_the_persons_morning(bot, slack, kit, clock):
    slack.add_user(id="U0NEWYORK", name="nat.york", email="nat@example.com",
                   tz="America/New_York")
    # 01:30 UTC on Thursday is 20:30 on Wednesday in New York: quiet until 08:00 there.
    clock.now = clock.now.replace(day=15, hour=1, minute=30)

    await kit.resolve(await kit.ticket(requester_email="nat@example.com"))

    assert slack.calls_to("chat.postMessage") == []
    [invitation] = await kit.invitations()
    assert invitation.status == "pending"
    assert invitation.send_after.isoformat() == "2026-01-15T13:00:00+00:00"
    assert kit.counter("touchpoint_csat_invitations_total", outcome="deferred",
                       reason="quiet_hours") == 1

    # Its DM is in the outbox, due at 08:00 in New York.
    clock.now = invitation.send_after.replace(minute=0) - clock.now.resolution
    await ticket_events.delivered(bot.services)
    assert slack.calls_to("chat.postMessage") == []

    clock.advance(minutes=1)
    await ticket_events.delivered(bot.services)
    await bot.run_job("csat.send_due", clock.now)

    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "U0NEWYORK"
    [invitation] = await kit.invitations()
    assert (invitation.status, invitation.sent_at) == ("sent", clock.now)


async def test_surveys_held_overnight_go_out_side_by_side_in_the_morning(bot, slack, kit,
                                                                          clock):
    people = [f"U0NY{n:05d}" for n in range(5)]
    for user_id in people:
        slack.add_user(id=user_id, name=user_id.lower(), email=f"{user_id.lower()}@example.com",
                       tz="America/New_York")
    clock.now = clock.now.replace(day=15, hour=1, minute=30)  # 20:30 in New York
    for n, user_id in enumerate(people):
        await kit.resolve(await kit.ticket(f"INC-{n}", requester_email=f"{user_id.lower()}"
                                                                        "@example.com"))
    assert slack.calls_to("chat.postMessage") == []

    # 08:00 in New York, and Slack is slow to answer: the DMs are in flight together.
    slow_slack = slack.hold("chat.postMessage")
    clock.now = clock.now.replace(hour=13, minute=0)
    posts = await slack.wait_for("chat.postMessage", len(people))
    slow_slack.set()
    await ticket_events.delivered(bot.services)

    assert sorted(post.args["channel"] for post in posts) == people
    assert {i.status for i in await kit.invitations()} == {"sent"}


async def test_a_look_up_left_by_a_replica_that_died_is_finished_by_the_scheduled_sender(
        bot, slack, kit, clock):
    ticket_id = await kit.ticket(requester_email="nat@example.com")
    slack.add_user(id="U0NAT0001", name="nat", email="nat@example.com", tz="Europe/London")
    # The survey was recorded as waiting for its look-up; the replica died before looking.
    async with bot.services.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        await decide_surveys(session, bot.services.settings.app.csat, [ticket], clock.now)
        await session.commit()
    assert [i.status for i in await kit.invitations()] == ["lookup"]

    await bot.run_job("csat.send_due", clock.now)
    assert slack.calls_to("users.lookupByEmail") == []  # its claim still stands

    clock.advance(minutes=11)
    await bot.run_job("csat.send_due", clock.now)
    await bot.run_job("csat.send_due", clock.now)
    await ticket_events.delivered(bot.services)

    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "U0NAT0001"
    assert [i.status for i in await kit.invitations()] == ["sent"]


async def test_a_ticket_reopened_while_its_requester_is_looked_up_is_not_surveyed(bot, slack,
                                                                                 kit):
    ticket_id = await kit.ticket(requester_email="nat@example.com")
    slack.add_user(id="U0NAT0001", name="nat", email="nat@example.com", tz="Europe/London")
    slow_slack = slack.hold("users.lookupByEmail")
    await ticket_events.resolve(bot.services, ticket_id, wait=False)
    await slack.wait_for("users.lookupByEmail")

    # Reopened while Slack is still looking: the waiting survey is withdrawn with it.
    await ticket_events.reopen(bot.services, ticket_id)
    slow_slack.set()
    await ticket_events.delivered(bot.services)

    assert slack.calls_to("chat.postMessage") == []
    assert [(i.status, i.reason) for i in await kit.invitations()] == [("void", "reopened")]


async def test_an_expired_survey_closes_and_its_buttons_say_so(bot, slack, slack_sender, kit,
                                                               clock):
    await kit.resolve(await kit.ticket())
    clock.advance(days=6)
    await bot.run_job("csat.expire", clock.now)
    assert slack.calls_to("chat.update") == []

    clock.advance(days=1, seconds=1)
    await bot.run_job("csat.expire", clock.now)
    await bot.run_job("csat.expire", clock.now)
    await ticket_events.delivered(bot.services)

    [update] = slack.calls_to("chat.update")
    assert "This survey about ticket *INC-1001* has closed" in kit.text_of(update.args["blocks"])
    assert not [b for b in survey(slack)["blocks"] if b["type"] == "actions"]
    assert [(i.status) for i in await kit.invitations()] == ["expired"]
    assert kit.counter("touchpoint_csat_invitations_total", outcome="expired", reason="") == 1

    # A click on a copy of the buttons still open somewhere (another device).
    [invitation] = await kit.invitations()
    await slack_sender.click(ids.ACTION_SCORE, f"{invitation.id}:5", user_id=ERIN,
                             channel_id=dm(slack), message_ts=survey(slack)["ts"])

    [notice] = await slack.wait_for_response(1)
    assert "has closed, so it no longer takes answers" in kit.text_of(notice.body["blocks"])
    assert await kit.answers() == []


async def test_a_click_after_the_expiry_but_before_the_job_is_refused(bot, slack, slack_sender,
                                                                      kit, clock):
    await kit.resolve(await kit.ticket())
    clock.advance(days=8)

    await click_score(slack, slack_sender, 5)

    [notice] = await slack.wait_for_response(1)
    assert "has closed" in kit.text_of(notice.body["blocks"])
    await slack.wait_for("chat.update")
    assert "has closed" in kit.text_of(survey(slack)["blocks"])
    assert [(i.status) for i in await kit.invitations()] == ["expired"]
    assert await kit.answers() == []
    assert kit.counter("touchpoint_csat_invitations_total", outcome="expired", reason="") == 1
    await bot.run_job("csat.expire", clock.now)
    await ticket_events.delivered(bot.services)
    assert len(slack.calls_to("chat.update")) == 1


async def test_reopening_before_an_answer_withdraws_the_survey(bot, slack, slack_sender, kit):
    ticket_id = await kit.ticket()
    await kit.resolve(ticket_id)

    await kit.reopen(ticket_id)
    await kit.reopen(ticket_id)

    [update] = slack.calls_to("chat.update")
    assert "was reopened, so this survey has been withdrawn" in kit.text_of(
        update.args["blocks"])
    assert [(i.status, i.reason) for i in await kit.invitations()] == [("void", "reopened")]

    [invitation] = await kit.invitations()
    await slack_sender.click(ids.ACTION_SCORE, f"{invitation.id}:2", user_id=ERIN,
                             channel_id=dm(slack), message_ts=survey(slack)["ts"])
    [notice] = await slack.wait_for_response(1)
    assert "has been withdrawn" in kit.text_of(notice.body["blocks"])
    assert await kit.answers() == []
    # Resolved again: still one invitation per ticket, nothing new is sent.
    await kit.resolve(ticket_id)
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_reopening_after_an_answer_changes_nothing(bot, slack, slack_sender, kit):
    ticket_id = await kit.ticket()
    await kit.resolve(ticket_id)
    await click_score(slack, slack_sender, 4)
    await slack.wait_for("chat.update")

    await kit.reopen(ticket_id)

    assert len(slack.calls_to("chat.update")) == 1
    assert [(i.status) for i in await kit.invitations()] == ["answered"]


async def test_a_quiet_hours_survey_reopened_before_morning_is_never_sent(bot, slack, kit,
                                                                          clock):
    clock.now = clock.now.replace(hour=22)
    ticket_id = await kit.ticket()
    await kit.resolve(ticket_id)

    await kit.reopen(ticket_id)
    clock.advance(hours=12)
    await ticket_events.delivered(bot.services)

    assert slack.calls_to("chat.postMessage") == []
    assert slack.calls_to("chat.update") == []
    assert [(i.status, i.reason) for i in await kit.invitations()] == [("void", "reopened")]
    assert [row.status for row in await outbox_rows(bot.services, "csat:")] == ["cancelled"]


async def test_unknown_requesters_are_stored_unreachable_without_a_message(bot, slack, kit):
    nobody = await kit.ticket("INC-1", requester_email="nobody@example.com")
    no_email = await kit.ticket("INC-2", requester_email=None)

    await kit.resolve(nobody)
    await kit.resolve(no_email)

    assert [c.args["email"] for c in slack.calls_to("users.lookupByEmail")] == [
        "nobody@example.com"]
    assert slack.calls_to("chat.postMessage") == []
    assert [(i.status, i.reason, i.person_id) for i in await kit.invitations()] == [
        ("unreachable", "unknown_requester", None), ("unreachable", "unknown_requester", None)]
    assert kit.counter("touchpoint_csat_invitations_total", outcome="unreachable",
                       reason="unknown_requester") == 2


async def test_a_requester_slack_will_not_message_is_unreachable(bot, slack, kit):
    slack.fail_next("chat.postMessage", 200, error="user_disabled")

    await kit.resolve(await kit.ticket())

    assert [(i.status, i.reason) for i in await kit.invitations()] == [
        ("unreachable", "undeliverable")]


async def test_the_directory_is_used_before_slack_by_requester_id(bot, slack, kit):
    person = await kit.person(slack_user_id="U0DIRECT1", email="dee@example.com",
                              display_name="Dee", tz="Europe/London")

    await kit.resolve(await kit.ticket(requester_email=None,
                                                         requester_id=person.id))

    assert slack.calls_to("users.lookupByEmail") == []
    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "U0DIRECT1"


async def test_a_directory_entry_without_a_chat_account_is_found_in_slack(bot, slack, kit):
    known = await kit.person(email="erin@example.com", display_name="Erin")

    await kit.resolve(await kit.ticket(requester_email=None,
                                                         requester_id=known.id))

    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == ERIN
    [invitation] = await kit.invitations()
    assert invitation.person_id == known.id  # the same person, now with their Slack id


async def test_a_429_while_sending_is_waited_out_and_delivers_once(bot, slack, kit):
    slack.fail_next("chat.postMessage", 429, retry_after=1)

    await kit.resolve(await kit.ticket())

    first, second = slack.calls_to("chat.postMessage")
    assert first.faulted and not second.faulted
    assert second.at - first.at >= 0.95
    assert len(slack.messages_in(dm(slack))) == 1
    assert [(i.status) for i in await kit.invitations()] == ["sent"]


async def test_a_slack_outage_leaves_the_survey_to_the_outbox_s_next_try(bot, slack, kit,
                                                                         clock):
    slack.fail_next("chat.postMessage", 500, count=3)

    await kit.resolve(await kit.ticket())

    assert slack.messages_in(dm(slack)) == []
    [invitation] = await kit.invitations()
    assert invitation.status == "pending"

    # Each try is due a while after the last (on the test's clock).
    for _try in range(3):
        clock.advance(minutes=10)
        await ticket_events.delivered(bot.services)

    assert len(slack.messages_in(dm(slack))) == 1
    assert [(i.status) for i in await kit.invitations()] == ["sent"]


async def test_a_low_score_alerts_triage_and_it_staff_reach_out(bot, slack, slack_sender, kit):
    tom = await kit.person(slack_user_id=TOM, email="tech1@example.com",
                           display_name="Tom Tech", role="it_staff")
    ticket_id = await kit.ticket(title="VPN <drops>", assignee_id=tom.id, service="VPN",
                                 priority="P2")
    await kit.resolve(ticket_id)
    await click_score(slack, slack_sender, 1)
    await slack.wait_for("chat.update")
    [invitation] = await kit.invitations()

    [_dm, alert_post] = await slack.wait_for("chat.postMessage", 2)

    assert alert_post.args["channel"] == "C0TRIAGE1"
    [alert] = slack.messages_in("C0TRIAGE1")
    text = kit.text_of(alert["blocks"])
    assert "Low CSAT score: 1/5 on ticket INC-1001" in text
    assert "*Ticket*: INC-1001: VPN &lt;drops&gt;" in text
    assert f"*Requester*: <@{ERIN}>" in text
    assert f"*Assignee*: <@{TOM}>" in text
    assert "*Service*: VPN (P2)" in text
    [actions] = [b for b in alert["blocks"] if b["type"] == "actions"]
    [button, complaint_button] = actions["elements"]
    assert (button["action_id"], button["value"]) == (ids.ACTION_REACH_OUT, str(invitation.id))
    assert complaint_button["action_id"] == ids.ACTION_COMPLAINT

    # An employee may not take it on.
    await slack_sender.click(ids.ACTION_REACH_OUT, button["value"], user_id=ERIN,
                             channel_id="C0TRIAGE1", message_ts=alert["ts"])
    [refused] = await slack.wait_for_response(1)
    assert "Only IT staff can take on a follow-up." in kit.text_of(refused.body["blocks"])
    assert await kit.follow_ups() == []

    await slack_sender.click(ids.ACTION_REACH_OUT, button["value"], user_id=TOM,
                             channel_id="C0TRIAGE1", message_ts=alert["ts"])

    updates = await slack.wait_for("chat.update", 2)
    assert updates[-1].args["channel"] == "C0TRIAGE1"
    [alert] = slack.messages_in("C0TRIAGE1")
    text = kit.text_of(alert["blocks"])
    assert f"<@{TOM}> is reaching out to the requester (since Wed 14 Jan 2026, 10:00 GMT)" in text
    # Reaching out is done; logging it as a complaint is still open.
    [actions] = [b for b in alert["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [ids.ACTION_COMPLAINT]
    [follow_up] = await kit.follow_ups()
    assert (follow_up.invitation_id, follow_up.owner_id) == (invitation.id, tom.id)
    told = await slack.wait_for("chat.postMessage", 3)
    assert told[-1].args["channel"] == ERIN
    assert "Tom Tech from the IT team will get in touch" in kit.text_of(told[-1].args["blocks"])

    # A second click, by anyone on staff, finds it taken.
    await slack_sender.click(ids.ACTION_REACH_OUT, button["value"], user_id=TOM,
                             channel_id="C0TRIAGE1", message_ts=alert["ts"])
    taken = await slack.wait_for_response(2)
    assert "Tom Tech is already reaching out" in kit.text_of(taken[-1].body["blocks"])
    assert len(await kit.follow_ups()) == 1


async def test_a_comment_after_a_low_score_shows_in_the_alert(bot, slack, slack_sender, kit,
                                                                connector):
    await kit.resolve(await kit.ticket())
    await click_score(slack, slack_sender, 2)
    [invitation] = await kit.invitations()
    await kit.alert_stored()

    await slack_sender.submit(ids.FORM_COMMENT,
                              {ids.FIELD_COMMENT: "Nobody called <@U0LEAD001> back"},
                              user_id=ERIN, private_metadata=str(invitation.id))

    await slack.wait_for("chat.update", 3)
    [alert] = slack.messages_in("C0TRIAGE1")
    assert ("*Comment*: _Nobody called &lt;@U0LEAD001&gt; back_"
            in kit.text_of(alert["blocks"]))
    [teams_update] = await connector.wait_for("update")
    assert teams_update.conversation_id == "19:triage@thread.tacv2"
    card = teams_update.body["attachments"][0]["content"]
    texts = "\n".join(block.get("text", "") for block in card["body"])
    assert r"**Comment**: _Nobody called \<@U0LEAD001\> back_" in texts


@pytest.mark.parametrize(("action", "value"), [
    (ids.ACTION_SCORE, "not-a-survey"), (ids.ACTION_SCORE, "1:9"), (ids.ACTION_SCORE, "999:3"),
    (ids.ACTION_COMMENT, "x"), (ids.ACTION_REACH_OUT, "999"),
])
async def test_garbled_or_unknown_buttons_get_a_kind_reply_and_write_nothing(
        bot, slack, slack_sender, kit, action, value):
    await kit.person(slack_user_id=TOM, email="tech1@example.com", display_name="Tom Tech",
                     role="it_staff")
    await kit.resolve(await kit.ticket())

    reply = await slack_sender.click(action, value, user_id=TOM, channel_id=dm(slack))

    assert reply.status == 200
    [notice] = await slack.wait_for_response(1)
    assert "I can't find that survey any more" in kit.text_of(notice.body["blocks"])
    assert (await kit.answers(), await kit.follow_ups()) == ([], [])
    assert slack.calls_to("chat.update") == []


async def test_a_comment_form_with_no_survey_behind_it_is_refused_kindly(bot, slack,
                                                                         slack_sender, kit):
    await kit.resolve(await kit.ticket())
    [invitation] = await kit.invitations()

    await slack_sender.submit(ids.FORM_COMMENT, {ids.FIELD_COMMENT: "hello"}, user_id=ERIN,
                              private_metadata="garbage")
    await slack_sender.submit(ids.FORM_COMMENT, {ids.FIELD_COMMENT: "hello"}, user_id=ERIN,
                              private_metadata=str(invitation.id))

    # No response_url with a modal: the bot answers in a private message instead.
    ephemeral = await slack.wait_for("chat.postEphemeral", 2)
    texts = sorted(kit.text_of(call.args["blocks"]) for call in ephemeral)
    assert texts == ["Please pick a score first; you can add a comment after that.",
                     "Sorry, I can't find that survey any more."]
    assert {call.args["user"] for call in ephemeral} == {ERIN}
    # In the app's DM with her: an ephemeral message needs a conversation, not a user id.
    assert {call.args["channel"] for call in ephemeral} == {dm(slack)}
    assert await kit.answers() == []
