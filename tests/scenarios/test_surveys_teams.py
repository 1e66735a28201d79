"""A satisfaction survey in Microsoft Teams, end to end on SQLite and PostgreSQL: a person who
uses only Teams gets the survey card through the Bot Connector emulator, its button sends one
card of choice sets, a partial answer is kept and the pulse card says so, and the form comes
back pre-filled to finish it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scenarios import pulse_kit
from tests.scenarios.pulse_kit import ANN, ANN_CHAT, ann_installed, buttons_of, teams_config
from tests.scenarios.test_help_teams import card_of, message, post
from tests.scenarios.test_surveys import QUESTIONS, responses
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=lambda raw: raw.update(
        teams_config(connector),
        pulses={"campaigns": {"satisfaction": {"recurrence": {"month": "1"},
                                               "questions": QUESTIONS}}}))


def inputs_of(card: dict) -> dict[str, dict]:
    return {item["id"]: item for item in card["body"] if "id" in item}


async def ann_answers(bot, connector, value: dict, activity_id: str) -> tuple[int, Any]:
    """Ann submits the survey's form card with `value`; the status Touchpoint answers and the
    update of her survey card that follows."""
    connector.clear()
    status, _ = await post(bot.url, message(connector, None, conversation=ANN_CHAT, sender=ANN,
                                            value=value, id=activity_id))
    [updated] = await connector.wait_for("update")
    return status, updated


async def test_a_teams_only_person_answers_a_survey_in_parts(bot, connector, slack_sender):
    await ann_installed(bot, connector)

    await slack_sender.command("/touchpoint", "pulse create sat-teams 7 now survey=satisfaction",
                               user_id="U0LEAD001")
    [sent] = await connector.wait_for("send")
    card = card_of(sent)
    assert "How satisfied are you with IT? 3 short questions" in str(card)
    [stored] = [a for a in connector.activities_in(ANN_CHAT)
                if "short questions" in str(a.get("attachments"))]
    open_button = buttons_of(card)["pulse.survey"]

    async def press(activity_id: str) -> dict:
        connector.clear()
        status, _ = await post(bot.url, message(connector, None, conversation=ANN_CHAT,
                                                sender=ANN, value=open_button, id=activity_id,
                                                replyToId=stored["id"]))
        assert status == 201
        [form] = await connector.wait_for("send")
        return card_of(form)

    # One card of choice sets, each shown expanded (radio buttons), the words last.
    form = await press("1700000000301")
    inputs = inputs_of(form)
    assert inputs["q0"]["type"] == "Input.ChoiceSet" and inputs["q0"]["style"] == "expanded"
    assert [c["title"] for c in inputs["q0"]["choices"]][0::4] == [
        "Very dissatisfied", "Very satisfied"]
    assert inputs["q2"]["type"] == "Input.Text"
    data = form["actions"][0]["data"]
    assert data["callback_id"] == "pulse.survey.form"

    # Part of it: kept, and the survey card says how far Ann got.
    status, updated = await ann_answers(bot, connector, {**data, "q0": "5", "q1": "", "q2": ""},
                                        "1700000000302")
    assert status == 201
    assert updated.activity_id == stored["id"]
    assert "You have answered 1 of 3 questions" in str(card_of(updated))
    [(kept, answers)] = await eventually(lambda: responses(bot))
    assert not kept.finished and {n: a.value for n, a in answers.items()} == {0: 5}

    # Later: the form comes back pre-filled, and Ann finishes.
    form = await press("1700000000303")
    assert inputs_of(form)["q0"]["value"] == "5" and "value" not in inputs_of(form)["q1"]
    _, updated = await ann_answers(bot, connector,
                                   {**data, "q0": "5", "q1": "1", "q2": "Call *me* back"},
                                   "1700000000304")
    assert "Your answers are kept" in str(card_of(updated))
    [(kept, answers)] = await responses(bot)
    assert kept.finished
    assert {n: (a.value, a.text) for n, a in answers.items()} == {
        0: (5, None), 1: (1, None), 2: (None, "Call *me* back")}
