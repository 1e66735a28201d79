"""A satisfaction survey whose question app.yaml gives in English and German, on Slack end to
end: each person reads it in their own language (a German Slack user in German, an English
one in English), the answers are pooled, each keeps the language it was given in, and the
results say how many answered in each."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from storage.pulse_surveys import PulseResponse
from tests.scenarios import pulse_kit
from tests.scenarios.pulse_kit import FINANCE, LONDON, pulse_dms, sync
from tests.scenarios.test_surveys import answer, open_form, start_survey, with_survey
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock

GERMAN = FINANCE[:2]
QUESTIONS = [
    {"text": {"en": "How satisfied are you with the service desk?",
              "de": "Wie zufrieden sind Sie mit dem Service Desk?"},
     "aspect": "service desk"},
    {"text": "How satisfied are you with how incidents are handled?",
     "aspect": "incident response"},
    {"text": {"de": "Was sollen wir besser machen?", "en": "What should we do better?"},
     "aspect": "communication", "kind": "text"},
]
slack = pulse_kit.seeded_slack(german=GERMAN)


@pytest.fixture
def settings(make_settings):
    return make_settings(config=lambda raw: with_survey(raw, QUESTIONS))


def labels(view: dict) -> dict[str, str]:
    return {b["block_id"]: b["label"]["text"] for b in view["blocks"] if b["type"] == "input"}


async def test_each_reads_the_question_in_their_language_and_the_results_count_both(
        bot, slack_sender, slack):
    await sync(bot.services)
    await start_survey(slack_sender, slack, "sat-q4 7 now survey=satisfaction")
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON) + 2)

    german, _ = await open_form(slack_sender, slack, GERMAN[0])
    assert labels(german)["q0"].endswith(": Wie zufrieden sind Sie mit dem Service Desk?")
    # A question given in one language is that for everyone.
    assert labels(german)["q1"].endswith(": How satisfied are you with how incidents are "
                                         "handled?")
    assert labels(german)["q2"].endswith(": Was sollen wir besser machen?")
    english, _ = await open_form(slack_sender, slack, "U0EMPL001")
    assert labels(english)["q0"].endswith(": How satisfied are you with the service desk?")
    assert labels(english)["q2"].endswith(": What should we do better?")

    await answer(slack_sender, slack, GERMAN[0], german, {"q0": "5", "q1": "4"})
    await answer(slack_sender, slack, "U0EMPL001", english, {"q0": "2", "q1": "4"})
    view, _ = await open_form(slack_sender, slack, GERMAN[1])
    await answer(slack_sender, slack, GERMAN[1], view, {"q0": "4", "q1": "4"})

    async def given() -> list[str | None] | None:
        async with bot.services.sessions() as session:
            found = (await session.exec(select(PulseResponse.locale)
                                        .order_by(col(PulseResponse.id)))).all()
            await session.commit()
        return list(found) if len(found) == 3 else None
    assert await eventually(given) == ["de", "en", "de"]

    slack.clear()
    await slack_sender.command("/touchpoint", "pulse results sat-q4", user_id="U0LEAD001")
    [said] = await slack.wait_for_response(1)
    text = "\n".join(b["text"]["text"] for b in said.body["blocks"]
                     if isinstance(b.get("text"), dict))
    assert "Answered in: Deutsch 2, English 1 (the figures count every language together)" \
        in text
    assert "(3 of 12 people reached; 3 finished)" in text
