"""Milestones in German (app.yaml ``organisation.locale: de``): the daily check's celebration
posted in the digest channel and on the kudos wall, on Slack and Teams, read back from what the
Slack and Bot Connector emulators recorded; a name typed into Touchpoint (a pulse's) is still
escaped inside the German sentence. German by the organisation's language
(``organisation.locale: de``), the language of channel posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.handlers.milestones import JOB
from tests import milestones_kit as kit
from tests.clock import Clock
from tests.outbox_kit import outbox_settled

TEAMS_DIGESTS, TEAMS_WALL = "19:digests@thread.tacv2", "19:kudoswall@thread.tacv2"
PULSE = "q4 <2026>"


@pytest.fixture
def settings(make_settings, connector):
    def config(raw: dict[str, Any]) -> None:
        raw["organisation"]["locale"] = "de"
        raw["teams"] = {"service_url": connector.url}
        raw["channels"]["digests"]["teams"] = TEAMS_DIGESTS
        raw["channels"]["kudos_wall"]["teams"] = TEAMS_WALL
        raw["milestones"] = {"csat_min_answers": 10, "sla_min_tickets": 5,
                             "kudos_counts": [5]}

    return make_settings(config=config)


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"clock": Clock(kit.CHECK_AT), "scheduler": False}


def slack_text(message: dict[str, Any]) -> str:
    return "\n".join([message.get("text") or ""] + [
        part["text"] for block in message.get("blocks") or []
        for part in [block.get("text"), *(block.get("elements") or [])]
        if isinstance(part, dict) and isinstance(part.get("text"), str)])


async def test_milestones_are_celebrated_in_german_on_slack_and_teams(bot, slack, connector):
    async with bot.services.sessions() as session:
        tom, erin = await kit.person(session, "tom"), await kit.person(session, "erin")
        await kit.week_of_tickets(session, erin, [5] * 9 + [2])
        await kit.kudos(session, erin, tom, 5)
        await kit.pulse(session, PULSE, datetime(2026, 12, 1, tzinfo=UTC),
                        [9] * 6 + [7] * 3 + [3])
        await kit.pulse(session, "q4-2025", datetime(2025, 12, 3, tzinfo=UTC),
                        [9] * 5 + [7] * 3 + [3] * 2)
        await session.commit()

    await bot.run_job(JOB, kit.CHECK_AT)
    await outbox_settled(bot.services, "milestone:")

    for channel in ("C0DIGEST1", "C0KUDOS01"):
        posted = "\n".join(slack_text(m) for m in slack.messages_in(channel))
        assert "🎉 Meilenstein erreicht" in posted
        assert "Die Zufriedenheit hat *90\xa0%* erreicht: 90,0\xa0% der Antworten in der " \
               "Woche vom 2026-11-30 waren eine 4 oder 5. Das ist hervorragender Service." \
            in posted
        assert "Kudos Nummer *5* wurde vergeben: Bisher wurde dem IT-Team 5 Mal gedankt." \
            in posted
        assert "Der NPS liegt 20 Punkte über dem Vorjahr: *50* in `q4 &lt;2026&gt;` " \
               "gegenüber 30 in `q4-2025`." in posted
        assert "Danke an alle im IT-Team, die das möglich gemacht haben." in posted
        assert "Satisfaction" not in posted
    for conversation in (TEAMS_DIGESTS, TEAMS_WALL):
        cards = json.dumps(connector.activities_in(conversation), ensure_ascii=False)
        assert "Meilenstein erreicht" in cards
        assert "Die Zufriedenheit hat **90\xa0%** erreicht" in cards
        assert "Eine Woche ohne eine einzige SLA-Verletzung: Alle 10 Tickets" in cards
        assert "Kudos Nummer **5** wurde vergeben" in cards
        assert "Satisfaction" not in cards
