"""Satisfaction surveys (multi-question pulses) on Slack, end to end on SQLite and PostgreSQL:
an IT lead starts the survey app.yaml defines with a signed slash command, each person opens
one modal of radio groups from the DM's button, answers part of it, is reminded (those who
finished are not), reopens it pre-filled and finishes. One answer set per person, and an
anonymous survey's answers never hold the person."""

from __future__ import annotations

import json

import pytest
import sqlalchemy.exc
from sqlmodel import col, select

from bot.emulators.requests import SlackSender
from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from tests.conftest import RunningBot
from tests.scenarios import pulse_kit
from tests.scenarios.pulse_kit import (
    FINANCE,
    LONDON,
    at,
    buttons,
    configure,
    deliveries,
    dm,
    latest_in,
    move_to,
    pulse_dms,
    text_of,
)
from tests.scenarios.pulse_kit import start_pulse as start_survey
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
slack, pulse_bot, sender = pulse_kit.slack, pulse_kit.pulse_bot, pulse_kit.sender

QUESTIONS = [
    {"text": "How satisfied are you with the service desk?", "aspect": "service desk"},
    {"text": "How satisfied are you with how incidents are handled?",
     "aspect": "incident response"},
    {"text": "What should we do better?", "aspect": "communication", "kind": "text"},
]


def with_survey(raw: dict, questions: list[dict] = QUESTIONS) -> None:
    """The kit's app.yaml with the survey `satisfaction` asking `questions`."""
    configure(raw)
    raw.setdefault("pulses", {})["campaigns"] = {"satisfaction": {
        "recurrence": {"month": "1", "day": "1"}, "questions": questions}}


@pytest.fixture
def settings(make_settings):
    return make_settings(config=with_survey)


async def open_form(sender: SlackSender, slack, user_id: str,
                    message: dict | None = None) -> tuple[dict, dict]:
    """Press the survey button on `message` (the newest DM); returns the modal and message."""
    message = message or latest_in(slack, user_id)
    before = len(slack.calls_to("views.open"))
    reply = await sender.click("pulse.survey", buttons(message)["pulse.survey"],
                               user_id=user_id, channel_id=dm(user_id),
                               message_ts=message["ts"])
    assert reply.status == 200
    opened = await eventually(lambda: slack.calls_to("views.open")[before:])
    return opened[0].args["view"], message


async def answer(sender: SlackSender, slack, user_id: str, view: dict,
                 radios: dict[str, str | None], text: str = "") -> None:
    reply = await sender.submit("pulse.survey.form", {"q2": text}, user_id=user_id,
                                private_metadata=view["private_metadata"], radios=radios)
    assert reply.status == 200


async def responses(bot: RunningBot) -> list[tuple[PulseResponse, dict[int, PulseQuestionAnswer]]]:
    async with bot.services.sessions() as session:
        found = (await session.exec(select(PulseResponse)
                                    .order_by(col(PulseResponse.id)))).all()
        rows = (await session.exec(select(PulseQuestionAnswer))).all()
        await session.commit()
    return [(r, {a.question: a for a in rows if a.response_id == r.id}) for r in found]


def initial(view: dict, block_id: str) -> str | None:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    element = block["element"]
    return (element.get("initial_option") or {}).get("value") or element.get("initial_value")


def reminded(slack) -> list[str]:
    return sorted(channel for channel, args in pulse_dms(slack)
                  if "A reminder" in text_of(args))


async def test_a_survey_answered_in_parts_on_slack(pulse_bot, sender, slack, clock):
    said = await start_survey(sender, slack, "sat-q4 7 now survey=satisfaction")
    assert "Survey `sat-q4` (3 questions)" in said
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON) + 2)
    dm_text = text_of(latest_in(slack, "U0EMPL001"))
    assert "3 short questions about communication, incident response, service desk" in dm_text

    # One modal: a radio group per satisfaction question, words for the last.
    view, message = await open_form(sender, slack, "U0EMPL001")
    assert view["callback_id"] == "pulse.survey.form"
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds == {"q0": "radio_buttons", "q1": "radio_buttons", "q2": "plain_text_input"}
    [q0] = [b for b in view["blocks"] if b.get("block_id") == "q0"]
    assert q0["label"]["text"] == "Service desk: How satisfied are you with the service desk?"
    assert [o["text"]["text"] for o in q0["element"]["options"]] == [
        "Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied",
        "Very satisfied"]
    assert all(b["optional"] for b in view["blocks"] if b["type"] == "input")

    # Part of it now: the message says how far Erin got, and what she answered is kept.
    await answer(sender, slack, "U0EMPL001", view, {"q0": "4", "q1": None})
    await eventually(lambda: "You have answered 1 of 3 questions" in text_of(
        slack.message(dm("U0EMPL001"), message["ts"])))
    [(kept, kept_answers)] = await responses(pulse_bot)
    assert not kept.finished and kept.person_id is not None
    assert {n: a.value for n, a in kept_answers.items()} == {0: 4}

    # A Finance colleague finishes at once, with words that must not reach anyone as markup.
    view_fin, _ = await open_form(sender, slack, FINANCE[0])
    await answer(sender, slack, FINANCE[0], view_fin, {"q0": "5", "q1": "3"},
                 text="More <!channel> updates")
    assert await eventually(lambda: _finished_count(pulse_bot, 1))

    # Day 3: the reminder reaches Erin (partial) but not the colleague who finished.
    slack.clear()
    await move_to(pulse_bot.services, clock, at(4, 8, 1))
    await eventually(lambda: len(reminded(slack)) == len(LONDON) + 1)
    assert "U0EMPL001" in reminded(slack) and FINANCE[0] not in reminded(slack)

    # Erin reopens it from her first message: pre-filled; she finishes.
    view, _ = await open_form(sender, slack, "U0EMPL001", message)
    assert initial(view, "q0") == "4" and initial(view, "q1") is None
    await answer(sender, slack, "U0EMPL001", view, {"q0": "4", "q1": "2"}, text="Faster")
    await eventually(lambda: "Your answers are kept" in text_of(
        slack.message(dm("U0EMPL001"), message["ts"])))
    erin = [(r, a) for r, a in await responses(pulse_bot) if r.id == kept.id]
    [(done, done_answers)] = erin
    assert done.finished
    assert {n: (a.value, a.text) for n, a in done_answers.items()} == {
        0: (4, None), 1: (2, None), 2: (None, "Faster")}
    invites = {r.person_id: r for r in await deliveries(pulse_bot.services)
               if r.kind == "invite"}
    assert invites[kept.person_id].answered

    # The reminder Erin got from day 5 on is skipped: she has finished.
    await move_to(pulse_bot.services, clock, at(6, 8, 1))
    reminders = [r for r in await deliveries(pulse_bot.services)
                 if r.person_id == kept.person_id and r.kind == "reminder-2"]
    assert [(r.status, r.reason) for r in reminders] == [("skipped", "answered")]

    # One answer set per person, whatever tries to write a second.
    async with pulse_bot.services.sessions() as session:
        session.add(PulseResponse(campaign_id=kept.campaign_id, respondent_key="x" * 64,
                                  person_id=kept.person_id, segments={}))
        with pytest.raises(sqlalchemy.exc.IntegrityError):
            await session.commit()


async def _finished_count(bot: RunningBot, n: int) -> bool:
    return sum(r.finished for r, _ in await responses(bot)) == n


async def test_an_anonymous_survey_keeps_no_one_with_the_answers(pulse_bot, sender, slack,
                                                                 clock):
    await start_survey(sender, slack, "anon-q4 7 now anonymous survey=satisfaction")
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON) + 2)
    view, message = await open_form(sender, slack, "U0EMPL001")
    await answer(sender, slack, "U0EMPL001", view, {"q0": "2"})
    await eventually(lambda: "You have answered 1 of 3" in text_of(
        slack.message(dm("U0EMPL001"), message["ts"])))
    [(kept, _)] = await responses(pulse_bot)
    assert kept.person_id is None and kept.answered_at is None
    assert kept.segments == {"department": "Finance"}

    # Her reminder cannot lead back to her answers (nothing links them): it has no button and
    # says where to finish; the first message still does.
    slack.clear()
    await move_to(pulse_bot.services, clock, at(4, 8, 1))
    await eventually(lambda: "U0EMPL001" in reminded(slack))
    reminder = latest_in(slack, "U0EMPL001")
    assert "pulse.survey" not in buttons(reminder)
    assert "open it again from the first survey message" in text_of(reminder)
    view, _ = await open_form(sender, slack, "U0EMPL001", message)
    assert initial(view, "q0") == "2"
    await answer(sender, slack, "U0EMPL001", view, {"q0": "3", "q1": "5"})
    await eventually(lambda: "Your answers are kept" in text_of(
        slack.message(dm("U0EMPL001"), message["ts"])))
    [(kept, kept_answers)] = await responses(pulse_bot)
    assert kept.finished and kept.person_id is None
    assert {n: a.value for n, a in kept_answers.items()} == {0: 3, 1: 5}

    # A second answer set from Erin under another token (nothing links the two but her
    # invite's flag) is refused, and nothing changes.
    state = json.loads(view["private_metadata"])
    campaign_id = state["value"].split(".")[0]
    state["value"] = f"{campaign_id}.{'z' * 32}"
    reply = await sender.submit("pulse.survey.form", {"q2": ""}, user_id="U0EMPL001",
                                private_metadata=json.dumps(state),
                                radios={"q0": "1", "q1": "1"})
    assert reply.status == 200
    await eventually(lambda: any("already answered" in json.dumps(c.args)
                                 for c in slack.calls) or any(
        "already answered" in json.dumps(r.body) for r in slack.responses))
    [(again, again_answers)] = await responses(pulse_bot)
    assert again.id == kept.id
    assert {n: a.value for n, a in again_answers.items()} == {0: 3, 1: 5}


@pytest.mark.parametrize("user_id", ["U0EMPL001", "U0TECH001"])
async def test_only_it_leads_create_a_survey(pulse_bot, sender, slack, user_id):
    """Employees and IT staff are refused on the server; nothing is created or sent."""
    slack.clear()
    reply = await sender.command("/touchpoint", "pulse create sneaky 7 now survey=satisfaction",
                                 user_id=user_id)
    assert reply.status == 200
    [said] = await slack.wait_for_response(1)
    assert "only IT leads can run pulses" in said.body["blocks"][0]["text"]["text"]
    assert await deliveries(pulse_bot.services) == []
    assert pulse_dms(slack) == []


async def test_an_unknown_survey_is_named_back(pulse_bot, sender, slack):
    said = await start_survey(sender, slack, "q 7 survey=canteen")
    assert "app.yaml has no survey called `canteen`" in said and "`satisfaction`" in said
    assert await deliveries(pulse_bot.services) == []


async def test_the_close_posts_results_per_aspect_and_a_lead_reads_the_words(
        pulse_bot, sender, slack, clock):
    await start_survey(sender, slack, "sat-q4 7 now anonymous survey=satisfaction")
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON) + 2)
    for user_id in ["U0EMPL001", *FINANCE]:
        view, _ = await open_form(sender, slack, user_id)
        await answer(sender, slack, user_id, view, {"q0": "5", "q1": "4"},
                     text="Tell <!channel> first" if user_id == "U0EMPL001" else "")
    for user_id in pulse_kit.SALES:
        view, _ = await open_form(sender, slack, user_id)
        await answer(sender, slack, user_id, view, {"q0": "1", "q1": "1"})
    assert await eventually(lambda: _finished_count(pulse_bot, 9))

    await move_to(pulse_bot.services, clock, at(8, 9))
    [card] = await eventually(lambda: [c for c in slack.calls_to("chat.postMessage")
                                       if c.args["channel"] == "C0DIGEST1"])
    text = text_of(card.args)
    assert "Satisfaction survey results: sat-q4" in text
    # 18 answers, 14 of them 4 or 5, summing to 67.
    assert "*Satisfied overall*: 78% satisfied, average 3.7 of 5 (9 people, 18 answers) · " \
        "below the 80% mark" in text
    assert "*Response rate*: 75% (9 of 12 people reached; 9 finished)" in text
    assert "• Service desk: 78% satisfied, average 4.1 of 5 (9 people, 9 answers)" in text
    # Sales (2) is withheld, and Finance with it: one could be worked out from the other.
    assert "• Sales: not enough answers" in text and "• Finance: not enough answers" in text
    # The channel's card has no words people wrote.
    assert "first" not in text

    slack.clear()
    await sender.command("/touchpoint", "pulse results sat-q4", user_id="U0LEAD001")
    [said] = await slack.wait_for_response(1)
    private = "\n".join(b["text"]["text"] for b in said.body["blocks"] if "text" in b
                        and isinstance(b["text"], dict))
    assert "*In their words*" in private
    assert "Communication: _Tell &lt;!channel&gt; first_" in private
