"""Ambassadors' monthly summaries in German (app.yaml ``organisation.locale: de``): the
scheduled run sends Finance's summary to Amber on Slack and Engineering's to Ann on Teams, read
back from what the Slack and Bot Connector emulators recorded: words, month names, numbers and
percentages in German, complaint statuses translated, and a typed category name still escaped.
German by two rules: what is posted in a channel is in the organisation's language
(``organisation.locale: de``), and what is said to a person in the language their platform
gives (their Slack and Teams clients are ``de-DE``, `tests.german`). A person Touchpoint has
not heard from yet has no platform language known, so theirs is the organisation's too (Amber's
summary is the first word Touchpoint sends her)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from bot.flows.ambassadors.ids import JOB
from storage.complaints import Complaint
from tests import ambassador_data as data
from tests import german
from tests.clock import Clock
from tests.outbox_kit import outbox_settled
from tests.scenarios.complaints_kit import blocks_text
from tests.scenarios.csat.test_csat_teams import PERSONAL, ann_installed

people_locale = german.people_locale

CATEGORY = "Speed <&> *manners*"


@pytest.fixture
def settings(make_settings, connector):
    def config(raw: dict[str, Any]) -> None:
        data.config(raw)
        raw["segments"]["department"]["Engineering"]["emails"].append("ann@example.com")
        raw["ambassadors"]["by_value"]["Engineering"] = {"emails": ["ann@example.com"]}
        raw["organisation"]["locale"] = "de"
        raw["teams"] = {"service_url": connector.url}

    return make_settings(config=config)


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"clock": Clock(data.SLOT), "scheduler": False}


async def test_monthly_summaries_reach_ambassadors_in_german_on_slack_and_teams(
        bot, slack, connector):
    await ann_installed(bot, connector)
    async with bot.services.sessions() as session:
        await data.seed(session)
        for complaint in (await session.exec(select(Complaint))).all():
            if complaint.category == "Speed":
                complaint.category = CATEGORY
                session.add(complaint)
        await session.commit()

    await bot.run_job(JOB, data.SLOT)
    await outbox_settled(bot.services, "ambassador:")

    [summary] = slack.messages_in(slack.dm_channel(data.AMBER))
    text = blocks_text(summary)
    assert "Finance: IT-Service im November 2026" in text
    assert "Als IT-Botschafter/in von Finance erhalten Sie hier den Überblick, wie der " \
           "November 2026 für die Kolleginnen und Kollegen verlief." in text
    assert "*Zufriedenheit mit Tickets (CSAT)*" in text
    assert "66,7\xa0% zufrieden (4 oder 5), Durchschnitt 3,7/5, aus 3 Antworten auf " \
           "4 Umfragen" in text
    assert "Oktober 2026: 50,0\xa0% (+16,7 Prozentpunkte)" in text
    assert "3 eingereicht, davon 1 anonym." in text
    assert "Aktueller Stand: neu 1, in Arbeit 1, gelöst 1" in text
    assert "Speed &lt;&amp;&gt; *manners* 2" in text  # typed by an admin: escaped
    assert "Q4 pulse (beendet am 20 Nov. 2026): NPS +33 aus 3 Antworten" in text
    assert "satisfied" not in text and "November 2026" in summary["text"]

    [to_ann] = [call for call in connector.calls_of("send")
                if call.conversation_id == PERSONAL]
    card = json.dumps(to_ann.body, ensure_ascii=False)
    assert "Engineering: IT-Service im November 2026" in card
    assert "Als IT-Botschafter/in von Engineering" in card
    assert "**Zufriedenheit mit Tickets (CSAT)**" in card
    assert "**Letzte Puls-Umfrage und Umfrage**" in card
    assert "satisfied" not in card
