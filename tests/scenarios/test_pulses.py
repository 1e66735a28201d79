"""NPS pulses end to end, on SQLite and PostgreSQL: an IT lead starts a pulse with a signed
slash command, the sender fans it out through the Slack emulator at each person's 10:00, people
answer with the buttons (once, changeable in place) and say why, reminders reach only those who
have not answered, and at the close the results card reaches the leads' channel, with every
group under K answers withheld. The clock is the test's."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import sqlalchemy
from sqlmodel import col, select

from bot.chat.outbox import FRESH_TOKEN
from bot.emulators.requests import SlackSender
from bot.flows.pulses import campaigns as pulses
from storage.models import Person
from storage.pulses import answer_ref
from tests.outbox_kit import outbox_rows
from tests.scenarios import pulse_kit
from tests.scenarios.pulse_kit import (
    EVERYONE,
    FINANCE,
    LONDON,
    SALES,
    SEAL_KEY,
    TOKYO,
    answers,
    at,
    buttons,
    configure,
    deliveries,
    dm,
    latest_in,
    move_to,
    pulse_dms,
    recipients,
    settled,
    start_pulse,
    text_of,
)
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
slack, pulse_bot, sender = pulse_kit.slack, pulse_kit.pulse_bot, pulse_kit.sender


@pytest.fixture
def settings(make_settings):
    return make_settings(config=configure, env=SEAL_KEY)


async def press(sender: SlackSender, slack, user_id: str, score: int | str) -> dict:
    """`user_id` presses a button on their newest pulse DM; returns the message pressed."""
    message = latest_in(slack, user_id)
    action = f"pulse.score.{score}" if isinstance(score, int) else score
    reply = await sender.click(action, buttons(message)[action], user_id=user_id,
                               channel_id=dm(user_id), message_ts=message["ts"])
    assert reply.status == 200
    return message


async def answer(sender: SlackSender, slack, user_id: str, score: int,
                 thanks: str = "You gave us *{score}*") -> dict:
    """Press a score and wait until the message says thank you (`thanks`, in the reader's
    language); returns the message."""
    message = await press(sender, slack, user_id, score)
    await eventually(lambda: thanks.format(score=score) in text_of(
        slack.message(dm(user_id), message["ts"])))
    return message


async def results_card(pulse_bot, sender: SlackSender, slack, clock, options: str,
                       answer: Callable[[SlackSender, Any, str, int], Awaitable[Any]] = answer
                       ) -> Any:
    """`pulse create <options>`; at 10:00 London everyone there is invited and nine answer
    (Finance 10, 10, 9, 8, 5, 3; Sales 2, 7; Tom 9), each by `answer`; at the close on day 8
    the results card reaches the leads' channel. Returns its chat.postMessage call."""
    await start_pulse(sender, slack, options)
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    for user_id, score in (*zip(FINANCE, (10, 10, 9, 8, 5, 3), strict=True),
                           *zip(SALES, (2, 7), strict=True), ("U0TECH001", 9)):
        await answer(sender, slack, user_id, score)

    await move_to(pulse_bot.services, clock, at(8, 9))
    [card] = await eventually(lambda: [c for c in slack.calls_to("chat.postMessage")
                                       if c.args["channel"] == "C0DIGEST1"])
    return card


async def test_a_pulse_reaches_each_person_at_ten_their_time(pulse_bot, sender, slack, clock):
    said = await start_pulse(sender, slack, "q4 7")
    assert "`q4`" in said and "10:00 their time" in said

    # 08:00 in London: nobody's 10:00 yet.
    assert await settled(pulse_bot.services)
    assert recipients(slack) == []

    await move_to(pulse_bot.services, clock, at(1, 10))  # 10:00 London
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    assert recipients(slack) == sorted(LONDON)

    await move_to(pulse_bot.services, clock, at(1, 15))  # 10:00 New York
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON) + 1)
    assert "U0LEAD001" in recipients(slack)

    # 10:00 Tokyo, the next day: it was 17:00 there at the opening.
    await move_to(pulse_bot.services, clock, at(2, 1))
    await eventually(lambda: len(pulse_dms(slack)) == len(EVERYONE))
    assert recipients(slack) == sorted(EVERYONE)

    rows = await settled(pulse_bot.services)
    invites = [r for r in rows if r.kind == "invite"]
    assert len(invites) == len(EVERYONE) and {r.status for r in invites} == {"sent"}
    message = latest_in(slack, TOKYO)
    assert "How likely are you to recommend IT" in text_of(message)
    assert sorted(buttons(message)) == sorted(f"pulse.score.{n}" for n in range(11))
    # The answer token is made as the DM is sent: the outbox holds only its placeholder.
    token = buttons(message)["pulse.score.0"].split(".", 1)[1]
    assert len(token) >= 16 and FRESH_TOKEN not in token
    stored = [json.dumps(row.payload) for row in await outbox_rows(pulse_bot.services)]
    assert len(stored) == len(EVERYONE) and all(FRESH_TOKEN in row for row in stored)
    assert not any(token in row for row in stored)


async def test_an_answer_is_kept_once_changed_in_place_and_explained(
        pulse_bot, sender, slack, clock):
    await start_pulse(sender, slack, "q4 7")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))

    ts = (await answer(sender, slack, "U0EMPL001", 6))["ts"]
    [kept] = await answers(pulse_bot.services)
    assert (kept.score, kept.segments) == (6, {"department": "Finance"})
    shown = slack.message(dm("U0EMPL001"), ts)
    assert "You gave us *6*" in text_of(shown)
    assert "pulse.why" in buttons(shown)

    # Changing the score replaces it; a double click changes nothing more.
    await press(sender, slack, "U0EMPL001", 9)
    await eventually(lambda: "You gave us *9*" in text_of(slack.message(dm("U0EMPL001"), ts)))
    await press(sender, slack, "U0EMPL001", 9)
    [kept] = await answers(pulse_bot.services)
    assert kept.score == 9

    # Why? The form opens; what is typed comes back escaped, in place.
    await press(sender, slack, "U0EMPL001", "pulse.why")
    [opened] = await slack.wait_for("views.open")
    view = opened.args["view"]
    reply = await sender.submit("pulse.comment", {"comment": "Fast <!channel> fixes"},
                                user_id="U0EMPL001",
                                private_metadata=view["private_metadata"])
    assert reply.status == 200
    await eventually(lambda: "Fast &lt;!channel&gt; fixes" in text_of(
        slack.message(dm("U0EMPL001"), ts)))
    [kept] = await answers(pulse_bot.services)
    assert (kept.score, kept.comment) == (9, "Fast <!channel> fixes")
    invites = {r.person_id: r for r in await deliveries(pulse_bot.services)
               if r.kind == "invite"}
    assert sum(r.answered for r in invites.values()) == 1


def reminded(slack) -> list[str]:
    return sorted(channel for channel, args in pulse_dms(slack)
                  if "A reminder" in text_of(args))


async def test_reminders_reach_only_those_who_have_not_answered(pulse_bot, sender, slack,
                                                                clock):
    await start_pulse(sender, slack, "q4 7")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    for user_id in FINANCE:
        await answer(sender, slack, user_id, 10)
    slack.clear()

    await move_to(pulse_bot.services, clock, at(4, 10))  # day 3, 10:00 London
    await eventually(lambda: len(reminded(slack)) == len(LONDON) - len(FINANCE))
    assert reminded(slack) == sorted(set(LONDON) - set(FINANCE))
    await settled(pulse_bot.services)  # Lee's and Toshi's late invites too

    # Sales answer the reminder; on day 5 only the rest hear from us again, and Lee (New
    # York) and Toshi (Tokyo) get their first reminder, at their 10:00.
    for user_id in SALES:
        await answer(sender, slack, user_id, 3)
    slack.clear()
    await move_to(pulse_bot.services, clock, at(6, 10))
    await eventually(lambda: len(reminded(slack)) == 4)
    assert reminded(slack) == sorted(["U0EMPL001", "U0TECH001", "U0LEAD001", TOKYO])
    rows = await settled(pulse_bot.services)
    skipped = {(r.person_id, r.kind) for r in rows if r.status == "skipped"}
    assert len(skipped) == len(FINANCE) * 2 + len(SALES)
    assert {r.reason for r in rows if r.status == "skipped"} == {"answered"}


async def test_the_close_posts_results_with_small_groups_withheld(pulse_bot, sender, slack,
                                                                  clock):
    card = await results_card(pulse_bot, sender, slack, clock, "q4 7 anonymous")
    text = text_of(card.args)
    # 9 answers, 4 promoters and 3 detractors: NPS +11. Finance (6) is shown; Sales (2) and
    # Tom, in no department (1), are not.
    assert "*NPS*: +11 (44% promoters, 22% passives, 33% detractors)" in text
    assert "Finance: NPS +17 (6 answers)" in text
    assert "Sales: not enough answers" in text
    assert "(no department): not enough answers" in text
    assert "Sales: NPS" not in text
    assert "Response rate*: 90% (9 of 10 people reached)" in text

    # Anonymous: no answer row knows who gave it, nor was it written with an invite's flag.
    assert all(a.person_id is None and a.answered_at is None
               for a in await answers(pulse_bot.services))
    if pulse_bot.services.engine.dialect.name == "postgresql":
        async with pulse_bot.services.engine.connect() as connection:
            flags = set((await connection.execute(sqlalchemy.text(
                "SELECT xmin::text FROM pulse_delivery WHERE answered"))).scalars())
            written = set((await connection.execute(sqlalchemy.text(
                "SELECT xmin::text FROM pulse_answer"))).scalars())
        assert len(flags) == 9 and not flags & written
    # The tick counted the outbox for /metrics.
    async with aiohttp.ClientSession() as http, http.get(f"{pulse_bot.url}/metrics") as got:
        exposition = await got.text()
    assert f'touchpoint_pulse_outbox{{kind="invite",status="sent"}} {len(LONDON)}.0' \
        in exposition
    assert 'touchpoint_pulse_outbox{kind="answer",status="answered"} 9.0' in exposition
    # Closed: nothing more is sent, and a late press is told so.
    rows = await deliveries(pulse_bot.services)
    assert not [r for r in rows if r.status == "pending"]
    await press(sender, slack, "U0EMPL001", 7)
    posted = await slack.wait_for_response(1)
    assert "This pulse has closed" in posted[-1].body["blocks"][0]["text"]["text"]
    assert len(await answers(pulse_bot.services)) == 9


async def test_people_who_opt_out_get_no_pulse(pulse_bot, sender, slack, clock):
    reply = await sender.command("/touchpoint", "pulses off", user_id="U0EMPL001")
    assert reply.status == 200
    [said] = await slack.wait_for_response(1)
    assert "you will get no more pulses" in said.body["blocks"][0]["text"]["text"]
    slack.clear()

    await start_pulse(sender, slack, "q4 7")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON) - 1)
    assert "U0EMPL001" not in recipients(slack)

    await sender.command("/touchpoint", "pulses on", user_id="U0EMPL001")
    [said] = await slack.wait_for_response(1)
    assert "you will get pulses again" in said.body["blocks"][0]["text"]["text"]


async def test_only_it_leads_may_run_pulses(pulse_bot, sender, slack):
    await sender.command("/touchpoint", "pulse create sneaky", user_id="U0EMPL001")
    [said] = await slack.wait_for_response(1)
    assert "only IT leads can run pulses" in said.body["blocks"][0]["text"]["text"]
    assert await deliveries(pulse_bot.services) == []


async def test_a_forged_button_value_changes_nothing(pulse_bot, sender, slack, clock):
    await start_pulse(sender, slack, "q4 7")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    for value in ("1.short", "garbage", "999.abcdefghijklmnopqrstuv"):
        reply = await sender.click("pulse.score.5", value, user_id="U0EMPL001")
        assert reply.status == 200
    posted = await slack.wait_for_response(3)
    assert all("could not match that to a pulse" in p.body["blocks"][0]["text"]["text"]
               for p in posted)
    assert await answers(pulse_bot.services) == []


async def test_someone_who_cannot_be_reached_is_failed_with_the_reason(pulse_bot, sender, slack,
                                                                      clock):
    await start_pulse(sender, slack, "q4 7")
    slack.fail_next("chat.postMessage", status=200, error="user_not_found")
    await move_to(pulse_bot.services, clock, at(1, 10))
    rows = await settled(pulse_bot.services)
    assert len(slack.calls_to("chat.postMessage")) == len(LONDON)
    failed = [r for r in rows if r.status == "failed"]
    assert [(r.kind, r.reason, r.attempts) for r in failed] == [
        ("invite", "unreachable: user_not_found", 1)]
    # Never tried again; the reminders of someone never reached are dropped.
    await move_to(pulse_bot.services, clock, at(6, 10))
    rows = await settled(pulse_bot.services)
    theirs = sorted((r.kind, r.status, r.reason) for r in rows
                    if r.person_id == failed[0].person_id)
    assert theirs == [("invite", "failed", "unreachable: user_not_found"),
                      ("reminder-1", "skipped", "invite not delivered"),
                      ("reminder-2", "skipped", "invite not delivered")]
    async with aiohttp.ClientSession() as http, http.get(f"{pulse_bot.url}/metrics") as got:
        exposition = await got.text()
    assert 'touchpoint_outbox_results_total{purpose="pulse",status="failed"} 1.0' in exposition


async def comment(sender: SlackSender, slack, user_id: str, text: str) -> None:
    """Press "Tell us why" on the newest pulse DM and send `text` in the form."""
    slack.clear()
    await press(sender, slack, user_id, "pulse.why")
    [opened] = await slack.wait_for("views.open")
    reply = await sender.submit("pulse.comment", {"comment": text}, user_id=user_id,
                                private_metadata=opened.args["view"]["private_metadata"])
    assert reply.status == 200


async def test_a_lead_replies_to_an_anonymous_comment_and_hears_back(pulse_bot, sender,
                                                                     slack, clock):
    await start_pulse(sender, slack, "q4 7 anonymous")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    await answer(sender, slack, "U0EMPL001", 4)
    await comment(sender, slack, "U0EMPL001", "The VPN drops <@U0LEAD001>")
    for user_id in FINANCE[:4]:
        await answer(sender, slack, user_id, 8)
    kept = await eventually(lambda: _commented(pulse_bot))
    assert kept.person_id is None and kept.reply_route
    slack.clear()

    await sender.command("/touchpoint", "pulse results q4", user_id="U0LEAD001")
    [results] = await slack.wait_for_response(1)
    shown = "\n".join(b["text"]["text"] for b in results.body["blocks"]
                      if b["type"] == "section")
    assert f"`#{answer_ref(kept.respondent_key)}` *4*: _The VPN drops &lt;@U0LEAD001&gt;_" in shown
    assert "erin" not in shown.lower()
    slack.clear()

    ref = answer_ref(kept.respondent_key)
    await sender.command("/touchpoint", f"pulse reply {ref} Sorry! Which office?",
                         user_id="U0LEAD001")
    [ack] = await slack.wait_for_response(1)
    assert "is on its way" in ack.body["blocks"][0]["text"]["text"]
    reply = await eventually(lambda: "Which office?" in text_of(latest_in(slack, "U0EMPL001"))
                             and latest_in(slack, "U0EMPL001"))
    assert "from IT replied" in text_of(reply) and "The VPN drops" in text_of(reply)
    assert "answer_back" in " ".join(buttons(reply))
    assert "IT does not see who wrote the comment" in text_of(reply)
    slack.clear()

    await press(sender, slack, "U0EMPL001", "pulse.answer_back")
    [opened] = await slack.wait_for("views.open")
    await sender.submit("pulse.answer_back", {"text": "London, third floor"},
                        user_id="U0EMPL001",
                        private_metadata=opened.args["view"]["private_metadata"])
    heard = await eventually(lambda: [m for m in slack.messages_in(dm("U0LEAD001"))
                                      if "London, third floor" in text_of(m)])
    assert "erin" not in text_of(heard[0]).lower()
    [passed] = await slack.wait_for("chat.postEphemeral")
    assert passed.args["user"] == "U0EMPL001"
    assert "on its way to IT" in passed.args["blocks"][0]["text"]["text"]


async def _commented(pulse_bot):
    found = [a for a in await answers(pulse_bot.services) if a.comment]
    return found[0] if found else None


async def test_without_a_seal_key_an_anonymous_comment_cannot_be_replied_to(
        pulse_bot, sender, slack, clock):
    pulse_bot.services.settings = pulse_bot.services.settings.model_copy(update={
        "secrets": pulse_bot.services.settings.secrets.model_copy(update={"seal_key": None})})
    await start_pulse(sender, slack, "q4 7 anonymous")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    await answer(sender, slack, "U0EMPL001", 4)
    await comment(sender, slack, "U0EMPL001", "Slow")
    kept = await eventually(lambda: _commented(pulse_bot))
    assert kept.reply_route is None
    slack.clear()
    await sender.command("/touchpoint", f"pulse reply #{answer_ref(kept.respondent_key)} Hello",
                         user_id="U0LEAD001")
    [said] = await slack.wait_for_response(1)
    assert "I cannot reach whoever wrote" in said.body["blocks"][0]["text"]["text"]


async def lead_says(sender: SlackSender, slack, text: str) -> str:
    slack.clear()
    reply = await sender.command("/touchpoint", text, user_id="U0LEAD001")
    assert reply.status == 200
    [said] = await slack.wait_for_response(1)
    return "\n".join(b["text"]["text"] for b in said.body["blocks"] if b["type"] == "section")


async def test_leads_follow_pulses_in_chat_and_bad_input_is_answered_kindly(
        pulse_bot, sender, slack, clock):
    assert "No pulses yet" in await lead_says(sender, slack, "pulse")
    await start_pulse(sender, slack, "q4 7")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    await answer(sender, slack, "U0EMPL001", 9)
    await settled(pulse_bot.services)

    listing = await lead_says(sender, slack, "pulse")
    assert f"*q4* (open, closes Tue 08 Dec 2026, 03:00 EST): {len(LONDON)} of {len(EVERYONE)} " \
           f"sent, 2 pending, 0 failed, 0 skipped; 0 reminders; 1 answered" in listing
    assert listing == await lead_says(sender, slack, "pulse status q4")
    assert "no pulse called `nope`" in await lead_says(sender, slack, "pulse status nope")
    assert "no pulse called `last quarter`" in await lead_says(sender, slack,
                                                               "pulse results last quarter")
    assert "`department`" in await lead_says(sender, slack, "pulse results q4 by floor")
    assert "*NPS*: not enough answers" in await lead_says(sender, slack,
                                                          "pulse results q4 by department")
    assert "cannot name a pulse" in await lead_says(sender, slack, "pulse create Bad!Name")
    assert "already a pulse called `q4`" in await lead_says(sender, slack, "pulse create q4")
    assert "Pulse commands for IT leads" in await lead_says(sender, slack, "pulse create q5 x")


async def test_someone_who_opts_out_mid_pulse_gets_no_reminder(pulse_bot, sender, slack, clock):
    await start_pulse(sender, slack, "q4 7")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    await sender.command("/touchpoint", "pulses off", user_id="U0EMPL001")
    await slack.wait_for_response(1)
    slack.clear()
    await move_to(pulse_bot.services, clock, at(4, 10))
    await eventually(lambda: len(reminded(slack)) == len(LONDON) - 1)
    assert "U0EMPL001" not in reminded(slack)
    rows = await settled(pulse_bot.services)
    async with pulse_bot.services.sessions() as session:
        erin = (await session.exec(select(Person).where(
            col(Person.slack_user_id) == "U0EMPL001"))).one()
        await session.commit()
    assert {(r.kind, r.status, r.reason) for r in rows if r.person_id == erin.id} == {
        ("invite", "sent", None), ("reminder-1", "skipped", "opted out"),
        ("reminder-2", "pending", None)}


async def test_a_results_card_the_platform_refuses_for_a_while_is_posted_once(pulse_bot,
                                                                            sender, slack,
                                                                            clock):
    await start_pulse(sender, slack, "q4 7 anonymous")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    await answer(sender, slack, FINANCE[0], 9)
    slack.fail_next("chat.postMessage", 200, error="internal_error")

    await move_to(pulse_bot.services, clock, at(8, 9))

    def cards() -> list:
        return [c for c in slack.calls_to("chat.postMessage")
                if c.args["channel"] == "C0DIGEST1" and not c.faulted]

    [refused] = await eventually(lambda: [c for c in slack.calls_to("chat.postMessage")
                                          if c.faulted])
    assert refused.args["channel"] == "C0DIGEST1"
    assert cards() == []
    # The outbox tries again once its wait is over, on the clock of the bot.
    [row] = await eventually(lambda: _results_row(pulse_bot))
    assert (row.status, row.reason) == ("pending", "retrying: SlackApiError: internal_error")
    clock.set(row.due_at)

    [card] = await eventually(cards)
    assert "Response rate*: 10% (1 of 10 people reached)" in text_of(card.args)
    await pulses.tick(pulse_bot.services, clock())  # once out, never again
    await pulses.tick(pulse_bot.services, clock())
    assert len(cards()) == 1


async def _results_row(pulse_bot):
    rows = [r for r in await outbox_rows(pulse_bot.services, "pulse:")
            if r.key.endswith(":results") and r.status == "pending"]
    return rows or None
