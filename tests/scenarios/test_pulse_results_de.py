"""An NPS pulse's results at the close of its campaign, in German: the leads' channel
(`channels.digests`) is German (its own ``locale: de``, while the organisation's language stays
English), so the card the close posts reads German on Slack and Teams: heading, NPS with German
number formats, response rate, segments, and how many answered in each language (three
people's Slack is German, the rest English; the figures pool them)."""

from __future__ import annotations

import json

import pytest

from tests.scenarios import pulse_kit, test_pulses
from tests.scenarios.pulse_kit import FINANCE, SEAL_KEY, text_of, with_teams
from tests.scenarios.test_pulses import answer, results_card

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
pulse_bot, sender = test_pulses.pulse_bot, test_pulses.sender

TEAMS_DIGESTS = "19:digests@thread.tacv2"
GERMAN = FINANCE[:3]
slack = pulse_kit.seeded_slack(german=GERMAN)


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=with_teams(connector, lambda raw: raw["channels"].update(
        digests={"slack": "C0DIGEST1", "teams": TEAMS_DIGESTS, "locale": "de"})), env=SEAL_KEY)


async def answer_in_their_language(sender, slack, user_id: str, score: int) -> None:
    """`answer`, waiting for the thanks in German for those whose Slack is German."""
    await answer(sender, slack, user_id, score, thanks="Sie haben uns *{score}* gegeben."
                 if user_id in GERMAN else "You gave us *{score}*")


async def test_the_results_at_the_close_are_posted_in_german_on_slack_and_teams(
        pulse_bot, sender, slack, connector, clock):
    card = await results_card(pulse_bot, sender, slack, clock, "q4 7",
                              answer=answer_in_their_language)
    text = text_of(card.args)
    assert card.args["text"] == "Ergebnisse der NPS-Puls-Umfrage: q4"
    assert "Geschlossen Di. 08 Dez. 2026, 08:00 UTC+0; vertrauliche Antworten." in text
    # 9 answers, 4 promoters and 3 detractors: NPS +11, in German number formats (a
    # no-break space before the percent sign).
    assert "*NPS*: +11 (44\xa0% Promotoren, 22\xa0% Passive, 33\xa0% Kritiker)" in text
    assert "*Rücklaufquote*: 90\xa0% (9 von 10 erreichten Personen)" in text
    assert "Finance: NPS +17 (6 Antworten)" in text
    assert ("Beantwortet auf: English 6, Deutsch 3 (die Zahlen fassen alle Sprachen "
            "zusammen)") in text
    assert "promoters" not in text and "Response rate" not in text

    [sent] = await connector.wait_for("send", timeout=20)
    assert sent.conversation_id == TEAMS_DIGESTS
    shown = json.dumps(sent.body, ensure_ascii=False)
    assert "Ergebnisse der NPS-Puls-Umfrage: q4" in shown
    assert "**NPS**: +11 (44\xa0% Promotoren, 22\xa0% Passive, 33\xa0% Kritiker)" in shown
    assert "Beantwortet auf: English 6, Deutsch 3" in shown

