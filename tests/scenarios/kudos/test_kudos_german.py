"""Kudos in German (app.yaml ``organisation.locale: de``): giving, the recipient's DM, the wall
post and a redemption decided on its card, over signed Slack requests and Teams activities,
read back from what the Slack and Bot Connector emulators recorded. Typed text inside the
translated sentences is still escaped for each platform. German by two rules: what is posted in
a channel is in the organisation's language (``organisation.locale: de``), and what is said to
a person in the language their platform gives (their Slack and Teams clients are ``de-DE``,
`tests.german`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.flows.kudos.ids import APPROVE, FULFIL
from tests import german
from tests.outbox_kit import outbox_settled

from .conftest import EMPLOYEE, LEAD, TECH, TRIAGE, WALL, kudos_config, mention, text_of
from .test_kudos_teams import (
    CHATS,
    ERIN,
    LEE,
    TEAMS_TRIAGE,
    TEAMS_WALL,
    TENANT,
    TOM,
    activity,
    card_text,
    fulfil_button,
    lee_presses,
    post,
    sent_to,
    thanks_sent_in_teams,
    tom_redeems_coffee,
)

people_locale = german.people_locale


@pytest.fixture
def settings(make_settings, connector):
    def config(raw: dict[str, Any]) -> None:
        kudos_config(raw)
        raw["organisation"]["locale"] = "de"
        raw["teams"] = {"service_url": connector.url}
        raw["channels"]["kudos_wall"]["teams"] = TEAMS_WALL
        raw["kudos"]["approvals"] = {"slack": TRIAGE, "teams": TEAMS_TRIAGE}
        raw["roles"]["it_lead"]["teams_users"] = [LEE["aadObjectId"]]

    return make_settings(config=config)


def dms_to(slack, user_id: str) -> list[str]:
    return [text_of(call.args) for call in slack.calls_to("chat.postMessage")
            if call.args["channel"] == user_id]


async def test_giving_on_slack_is_answered_dmed_and_posted_in_german(bot, slack, kudos):
    answer = await kudos.command(f"{mention(TECH, 'tom.tech')} hat Drucker & <Scanner> "
                                 "gerettet")

    assert "Danke! Ihre Kudos `K-1` sind unterwegs an <@U0TECH001> und auf der Kudos-Wand." \
        in answer
    assert "Sie haben diese Woche noch 4 Kudos." in answer
    await kudos.sent()
    [dm] = dms_to(slack, TECH)
    assert "<@U0EMPL001> sagt Danke:" in dm
    assert "+10 Punkte: Ihr Guthaben beträgt 10." in dm
    [wall] = [text_of(call.args) for call in slack.calls_to("chat.postMessage")
              if call.args["channel"] == WALL]
    assert "<@U0EMPL001> dankt <@U0TECH001>:" in wall
    for text in (dm, wall):
        # Typed text stays text inside the German sentence: no markup, no link.
        assert "“hat Drucker &amp; Scanner gerettet”" in text
    balance = await kudos.command("balance", user=TECH)
    assert "Sie haben *10* Kudos-Punkte." in balance
    assert "Was Sie dafür bekommen, sehen Sie mit `/kudos rewards`." in balance


async def test_a_redemption_on_slack_is_decided_in_german(bot, slack, kudos):
    await kudos.grant(TECH, 50)

    answer = await kudos.command("redeem half-day", user=TECH)

    assert "Sie haben 30 Punkte für *Half a day off* eingelöst; Ihnen bleiben 20 Punkte." \
        in answer
    assert "Die IT-Leitung sieht es sich bald an" in answer
    await kudos.sent()
    [card] = slack.messages_in(TRIAGE)
    assert "<@U0TECH001> hat 30 Punkte für *Half a day off* eingelöst." in text_of(card)
    assert "Bitte genehmigen oder ablehnen" in text_of(card)
    redemption_id = next(element["value"] for block in card["blocks"]
                         if block["type"] == "actions" for element in block["elements"])
    labels = [element["text"]["text"] for block in card["blocks"] if block["type"] == "actions"
              for element in block["elements"]]
    assert labels == ["Genehmigen", "Ablehnen"]

    await kudos.click(APPROVE, redemption_id, user=LEAD, ts=card["ts"])
    await slack.wait_for("chat.update")

    [card] = slack.messages_in(TRIAGE)
    assert "Genehmigt von <@U0LEAD001>. Markieren Sie es als ausgehändigt, sobald es " \
           "übergeben ist." in text_of(card)
    await slack.wait_for("chat.postMessage", 2)
    assert "Gute Nachricht: <@U0LEAD001> hat *Half a day off* genehmigt." in \
        dms_to(slack, TECH)[-1]
    assert EMPLOYEE not in [call.args["channel"] for call in slack.calls_to("chat.postMessage")]


async def test_giving_in_teams_is_answered_sent_and_posted_in_german(bot, connector, slack):
    on_wall, to_tom, to_erin = await thanks_sent_in_teams(bot, connector)

    assert "Erin Employee dankt Tom Tech:" in card_text(on_wall)
    assert "Erin Employee sagt Danke:" in card_text(to_tom)
    assert "+10 Punkte: Ihr Guthaben beträgt 10." in card_text(to_tom)
    # Typed Markdown inside the German sentence is shown as typed, not as bold.
    assert "“got my \\*VPN\\* working from the airport”" in card_text(to_tom)
    assert "sind unterwegs an Tom Tech und auf der Kudos-Wand." in card_text(to_erin)


async def test_the_giving_form_in_teams_is_in_german(bot, connector, slack):
    connector.add_member(CHATS[ERIN["id"]], id=ERIN["id"], name=ERIN["name"],
                         aad_object_id=ERIN["aadObjectId"], email="erin@example.com",
                         tenant_id=TENANT)

    assert await post(bot, activity(connector, ERIN, "kudos")) == 201

    [form] = await connector.wait_for("send")
    card = json.dumps(form.body["attachments"][0]["content"], ensure_ascii=False)
    for words in ("Wem möchten Sie danken?", "Was hat die Person getan?",
                  "Alle: auf der Kudos-Wand veröffentlichen", "Nur die bedankte Person",
                  "Kudos senden"):
        assert words in card
    assert "Only them" not in card and "Everyone" not in card


async def test_a_redemption_in_teams_is_fulfilled_in_german(bot, connector, slack, clock):
    card, answer = await tom_redeems_coffee(bot, connector, clock)

    assert "Tom Tech hat 20 Punkte für **Coffee on IT** eingelöst." in card_text(card)
    assert "Sie haben 20 Punkte für **Coffee on IT** eingelöst" in card_text(answer)
    fulfil = fulfil_button(card)
    assert (fulfil["data"]["action_id"], fulfil["title"]) == (FULFIL, "Ausgehändigt")

    update = await lee_presses(bot, connector, fulfil)

    assert "Ausgehändigt von Lee Lead." in card_text(update)
    await outbox_settled(bot.services, "kudos:")
    done = sent_to(connector.calls_of("send"), CHATS[TOM["id"]])[-1]
    assert "**Coffee on IT** wurde Ihnen übergeben. Viel Freude damit!" in card_text(done)
