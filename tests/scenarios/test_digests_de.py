"""The digest in German (app.yaml's `organisation.locale: de`): the scheduled post on Slack and
Teams has German headings, German number formats (66,7 %) and a German chart (its alt text, and
the title, legend and week labels drawn into it); an IT lead's `/touchpoint digest` look at the
week so far is German too; a ticket's typed title is still escaped. German by two rules: what
is posted in a channel is in the organisation's language (``organisation.locale: de``), and
what is said to a person in the language their platform gives (their Slack and Teams clients
are ``de-DE``, `tests.german`)."""

from __future__ import annotations

import json

import pytest

from bot.flows.digests import chart
from tests import german
from tests.outbox_kit import outbox_rows
from tests.scenarios import digest_kit
from tests.scenarios.digest_kit import IMAGE_ENV, posted_weekly, week_so_far

people_locale = german.people_locale
bot_options, clock = digest_kit.bot_options, digest_kit.clock

PCT = "\u00a0%"  # German writes a (no-break) space before the percent sign


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(digest_kit.configure(connector, locale="de"), env=IMAGE_ENV)


@pytest.fixture
def drawn(monkeypatch) -> list[tuple[chart.Series, dict[str, str]]]:
    """What the chart was drawn with: its week labels and its words."""
    calls: list[tuple[chart.Series, dict[str, str]]] = []
    draw = chart.draw

    def recording(series, labels):
        calls.append((series, dict(labels)))
        return draw(series, labels)

    monkeypatch.setattr(chart, "draw", recording)
    return calls


async def test_the_digest_is_posted_in_german_on_both_platforms(bot, slack, connector, drawn):
    posted, text = await posted_weekly(bot, slack)
    assert "Mo. 23 Nov. bis So. 29 Nov. 2026." in text
    assert "*SLA erfüllt*" in text and "*Zufriedenheit (CSAT)*" in text
    assert (f"Erste Reaktion: 66,7{PCT} (↓ gesunken von 100,0{PCT} in der Vorwoche; "
            f"↓ gesunken von 100,0{PCT} im 4-Wochen-Durchschnitt") in text
    assert f"• P1: 2 Tickets; Reaktion 50,0{PCT} ✗, Lösung 50,0{PCT} ✗ (Ziel 95{PCT})" in text
    assert "Mailbox down &lt;everyone&gt; (P1, Email and calendar): Lösung 5 Std. 0 Min. zu spät" \
        in text
    assert f"Durchschnitt 3,67 von 5 aus 3 Antworten; Rücklaufquote 75,0{PCT}" in text
    assert f"Email and calendar: 1 Störung, Ausfallzeit 1 Std. 20 Min., Verfügbarkeit 99,21{PCT}" \
        in text
    assert "Vorwoche" in str(posted["blocks"]) and "last week" not in str(posted["blocks"])
    [actions] = [block for block in posted["blocks"] if block["type"] == "actions"]
    assert actions["elements"][0]["text"]["text"] == "Planpunkt hinzufügen"
    [image] = [block for block in posted["blocks"] if block["type"] == "image"]
    assert image["alt_text"].startswith("Liniendiagramm der 12 Wochen bis 29 Nov. 2026. CSAT:")
    # Alt text is one line of plain spaces (bot.chat.message.Image), the German "67 %" kept.
    assert image["alt_text"].endswith("keine, 100 %, 40 %.")

    [sent] = connector.calls_of("send")
    card = sent.body["attachments"][0]["content"]
    body = json.dumps(card, ensure_ascii=False)
    assert "**SLA erfüllt**" in body and f"Erste Reaktion: 66,7{PCT}" in body
    assert "Planpunkt hinzufügen" in body
    [card_image] = [element for element in card["body"] if element["type"] == "Image"]
    assert card_image["altText"] == image["alt_text"]

    # The picture's own words and week labels are German too (drawn once, shared by both).
    [(series, labels)] = drawn
    assert labels["title"] == "CSAT und SLA erfüllt, 12 Wochen bis 29 Nov. 2026"
    assert labels["good_band"] == f"gut (80\u201390{PCT})"  # an en dash between
    assert labels["resolution"] == "SLA erfüllt in %, Lösung"
    assert series.weeks[-1] == "23 Nov."


async def test_an_it_lead_sees_the_week_so_far_in_german(bot, slack, slack_sender, clock):
    lead, employee = await week_so_far(bot, slack, slack_sender, clock)
    assert lead.body["response_type"] == "ephemeral"
    assert lead.body["blocks"][0]["text"]["text"] == "weekly: 2026-W48 bisher"
    assert "Erste Reaktion:" in str(lead.body["blocks"])
    assert ("Nur die IT-Leitung und Administratoren können den Wochenbericht vor der "
            "Veröffentlichung sehen.") in str(employee.body["blocks"])
    assert await outbox_rows(bot.services, "digest:") == []
