"""The CSAT question app.yaml gives per language (``csat.question: {en: ..., de: ...}``): a
requester who reads German gets the German one, another the English one, both on Slack; the
score is stored with the language it was given in. Without it, the shipped question."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.csat import SurveyAnswer
from storage.models import Person
from tests.scenarios.csat.test_csat import ERIN, score_value, survey
from tests.waiting import eventually

QUESTION = {"en": "How happy are you with the fix?",
            "de": "Wie zufrieden sind Sie mit der Lösung?"}
DIETER = "U0DIET001"


@pytest.fixture
def slack(slack):
    slack.add_user(id=DIETER, name="dieter", email="dieter@example.com", locale="de-DE")
    return slack


@pytest.mark.parametrize("csat_config", [{"question": QUESTION}])
async def test_each_requester_reads_the_question_in_their_language(bot, slack, slack_sender,
                                                                   kit):
    # Dieter has written to Touchpoint before: it knows his Slack is in German.
    await slack_sender.command("/touchpoint", "settings", user_id=DIETER)
    await eventually(lambda: slack.responses)
    german = await kit.ticket("INC-2001", requester_email="dieter@example.com")
    english = await kit.ticket("INC-2002", requester_email="erin@example.com")

    await kit.resolve(german)
    await kit.resolve(english)

    assert "*Wie zufrieden sind Sie mit der Lösung?*" in kit.text_of(
        survey(slack, DIETER)["blocks"])
    assert "*How happy are you with the fix?*" in kit.text_of(survey(slack, ERIN)["blocks"])

    message = survey(slack, DIETER)
    await slack_sender.click("csat.score", score_value(message, 4), user_id=DIETER,
                             channel_id=slack.dm_channel(DIETER), message_ts=message["ts"])

    async def answered() -> list[str | None] | None:
        async with bot.services.sessions() as session:
            found = (await session.exec(select(SurveyAnswer.locale))).all()
            await session.commit()
        return list(found) or None
    assert await eventually(answered) == ["de"]
    async with bot.services.sessions() as session:
        dieter = (await session.exec(select(Person).where(Person.slack_user_id == DIETER))
                  ).one()
        await session.commit()
    assert dieter.platform_locale == "de-DE"


async def test_without_one_the_shipped_question(bot, slack, kit):
    await kit.resolve(await kit.ticket("INC-2003"))
    assert "*How did we do?*" in kit.text_of(survey(slack)["blocks"])
