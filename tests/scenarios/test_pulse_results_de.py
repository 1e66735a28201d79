"""An NPS pulse's results at the close of its campaign, in German: the leads' channel
(`channels.digests`) is German (its own ``locale: de``, while the organisation's language stays
English), so the card the close posts reads German on Slack and Teams: heading, NPS with German
number formats, response rate, segments, and how many answered in each language (three
people's Slack is German, the rest English; the figures pool them)."""

from __future__ import annotations

import json

import pytest

from tests.scenarios import pulse_kit, test_pulses
from tests.scenarios.pulse_kit import (
    FINANCE,
    LONDON,
    SALES,
    at,
    configure,
    move_to,
    pulse_dms,
    seed_people,
    text_of,
)
from tests.scenarios.test_pulses import answer, start_pulse
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
pulse_bot, sender = test_pulses.pulse_bot, test_pulses.sender

TEAMS_DIGESTS = "19:digests@thread.tacv2"
GERMAN = FINANCE[:3]


@pytest.fixture
def settings(make_settings, connector):
    def german_channel(raw: dict) -> None:
        configure(raw)
        raw["teams"] = {"service_url": connector.url}
        raw["channels"]["digests"] = {"slack": "C0DIGEST1", "teams": TEAMS_DIGESTS,
                                      "locale": "de"}
    return make_settings(config=german_channel, env={"TOUCHPOINT_SEAL_KEY": "test-seal-key"})


@pytest.fixture
def slack(slack):
    seed_people(slack)
    for user_id in GERMAN:
        slack.add_user(id=user_id, name=user_id.lower(), email=f"{user_id.lower()}@example.com",
                       locale="de-DE")
    return slack


async def test_the_results_at_the_close_are_posted_in_german_on_slack_and_teams(
        pulse_bot, sender, slack, connector, clock):
    await start_pulse(sender, slack, "q4 7")
    await move_to(pulse_bot.services, clock, at(1, 10))
    await eventually(lambda: len(pulse_dms(slack)) == len(LONDON))
    for user_id, score in zip(FINANCE, (10, 10, 9, 8, 5, 3), strict=True):
        if user_id in GERMAN:
            await press_in_german(sender, slack, user_id, score)
        else:
            await answer(sender, slack, user_id, score)
    for user_id, score in zip(SALES, (2, 7), strict=True):
        await answer(sender, slack, user_id, score)
    await answer(sender, slack, "U0TECH001", 9)

    await move_to(pulse_bot.services, clock, at(8, 9))
    [card] = await eventually(lambda: [c for c in slack.calls_to("chat.postMessage")
                                       if c.args["channel"] == "C0DIGEST1"])
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

    [sent] = await connector.wait_for("send")
    assert sent.conversation_id == TEAMS_DIGESTS
    shown = json.dumps(sent.body, ensure_ascii=False)
    assert "Ergebnisse der NPS-Puls-Umfrage: q4" in shown
    assert "**NPS**: +11 (44\xa0% Promotoren, 22\xa0% Passive, 33\xa0% Kritiker)" in shown
    assert "Beantwortet auf: English 6, Deutsch 3" in shown


async def press_in_german(sender, slack, user_id: str, score: int) -> None:
    """`answer` for someone whose Slack is German: the thanks they wait for is German."""
    message = await test_pulses.press(sender, slack, user_id, score)
    await eventually(lambda: f"Sie haben uns *{score}* gegeben." in text_of(
        slack.message(pulse_kit.dm(user_id), message["ts"])))
