"""The ambassador's summary pools a department's CSAT answers across languages and says how
many were given in each, on the fixed data set (tests/ambassador_data.py): Finance's three
November answers, one read in German; with one language (the golden text) nothing is said."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from storage.csat import SurveyAnswer
from tests import ambassador_data as data
from tests.bot.flows import test_ambassadors
from tests.bot.flows.test_ambassadors import _summary
from tests.bot.flows.test_digests import slack_text, teams_text

settings, clock = test_ambassadors.settings, test_ambassadors.clock


@pytest.mark.parametrize("platform", ["slack", "teams"])
async def test_the_csat_answers_say_how_many_in_each_language(services, platform):
    async with services.sessions() as session:
        await data.seed(session)
        answers = (await session.exec(select(SurveyAnswer).order_by(col(SurveyAnswer.id)))
                   ).all()
        for answer in answers:
            answer.locale = "de" if answer.score == 5 else "en"  # Erin's November 5 (and an
            # October one, another month's)
            session.add(answer)
        await session.commit()
    message = await _summary(services)
    text = slack_text(message) if platform == "slack" else teams_text(message)
    assert "from 3 answers to 4 surveys" in text  # pooled
    assert "Answered in: English 2, Deutsch 1 (the figures count every language together)" \
        in text
