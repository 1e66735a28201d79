"""A project review in Microsoft Teams, end to end on SQLite and PostgreSQL, through the Bot
Connector emulator, in English and in German (everyone's Slack and Teams in German, and
``organisation.locale: de`` for the channel posts): Ann, an IT lead
who uses only Teams, creates a project from its form card, owns it, records her conditions of
satisfaction on a card and checks one off; at the close she reviews them on a card of choice
sets while the Slack end users rate the project with one button; a week later the results
card reaches her and the Slack IT lead's DM. Typed conditions stay text (Teams Markdown
escaped) in both languages, the employees' refusals are kind, and someone who opted out
of pulses is not asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import german
from tests.scenarios import pulse_kit
from tests.scenarios.project_kit import CLOSE_DAY, CLOSES, run_tick
from tests.scenarios.pulse_kit import buttons, dm, latest_in, sync, text_of
from tests.scenarios.test_help_teams import TENANT, card_of, message, post
from tests.scenarios.test_pulses_teams import ANN, ANN_CHAT, buttons_of
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
ANN_AAD = ANN["aadObjectId"]
TYPED = "Ledger *balanced* [click](https://evil.example) <b>now</b>"

WORDS = {
    "en": {"refused": "only IT leads can create projects", "owner": "You own project erp",
           "met": "(met)", "review": "Review the project",
           "overall": "Overall, how satisfied are you with the project?",
           "kept": "Your review is kept", "results": "Review results: project erp",
           "figures": ["1 of 1 condition of satisfaction met",
                       "Stakeholders: 100% satisfied (4-5), average 5.0 of 5; 1 of 1 answered",
                       "End users: 1 of 2 answered, fewer than 5, so no figure is shown"],
           "rate": "How satisfied are you with what project `erp` delivered?"},
    "de": {"refused": "Leider können nur Mitglieder der IT-Leitung Projekte anlegen",
           "owner": "Sie sind für das Projekt erp zuständig",
           "met": "(erfüllt)", "review": "Projekt bewerten",
           "overall": "Wie zufrieden sind Sie insgesamt mit dem Projekt?",
           "kept": "Ihre Bewertung ist gespeichert",
           "results": "Bewertungsergebnisse: Projekt erp",
           "figures": ["1 von 1 Zufriedenheitskriterium erfüllt",
                       "Stakeholder: 100 % zufrieden (4-5), Durchschnitt 5,0 von 5",
                       "Anwender: 1 von 2 haben geantwortet, weniger als 5"],
           "rate": "Wie zufrieden sind Sie mit dem, was das Projekt `erp` geliefert hat?"},
}


@pytest.fixture(params=["en", "de"])
def language(request) -> str:
    return request.param


@pytest.fixture
def people_locale(language) -> str:
    """In German, everyone's Slack and Teams are in German too (tests/german.py)."""
    return german.GERMAN if language == "de" else "en-US"


@pytest.fixture
def settings(make_settings, connector, language):
    def change(raw: dict) -> None:
        raw.update(teams={"service_url": connector.url},
                   outbox={"poll_seconds": 0.05, "send_rate": {"slack": 100, "teams": 100}})
        raw["roles"]["it_lead"]["teams_users"] = [ANN_AAD]
        if language == "de":
            raw["organisation"]["locale"] = "de"
    return make_settings(config=change)


async def ann_says(bot, connector, text: str | None, n: int, **extra) -> dict:
    """What Ann sends (a message, a button press or a card's submission); the card sent back."""
    connector.clear()
    status, _ = await post(bot.url, message(connector, text, conversation=ANN_CHAT, sender=ANN,
                                            id=f"17000000004{n:02d}", **extra))
    assert status == 201
    sent = await connector.wait_for("send")
    return card_of(sent[-1])


def card_text(card: dict) -> str:
    return "\n".join(str(item.get("text", "")) for item in card["body"])


def card_with(connector, action_id: str) -> tuple[dict, dict] | None:
    """The newest card in Ann's chat with `action_id`'s button, as it is now, and its
    activity; None before there is one."""
    found = [a for a in connector.activities_in(ANN_CHAT)
             if action_id in str(a.get("attachments"))]
    return (found[-1]["attachments"][0]["content"], found[-1]) if found else None


async def test_a_project_review_in_teams(bot, connector, slack_sender, slack, clock, language):
    words = WORDS[language]
    connector.add_member(ANN_CHAT, id=ANN["id"], name=ANN["name"], aad_object_id=ANN_AAD,
                         email="ann@example.com", tenant_id=TENANT)
    await ann_says(bot, connector, "help", 0)
    await sync(bot.services)

    # An employee (on Slack) is refused kindly; Ann, an IT lead, gets the project form card.
    await slack_sender.command("/touchpoint", "project create erp", user_id="U0EMPL001")
    [refusal] = await slack.wait_for_response(1)
    assert words["refused"] in text_of(refusal.body)
    form = await ann_says(bot, connector, "project create erp", 1)
    data = form["actions"][0]["data"]
    assert data["callback_id"] == "project.create"
    await ann_says(bot, connector, None, 2, value={
        **data, "owner": ANN_AAD, "stakeholders": ANN_AAD, "audience": "everyone",
        "closes": CLOSE_DAY})
    owner_card, owner_activity = await eventually(
        lambda: card_with(connector, "project.conditions"))
    assert words["owner"] in str(owner_card)

    # Her conditions, on a card; condition 1 checked off.
    form = await ann_says(bot, connector, None, 3,
                          value=buttons_of(owner_card)["project.conditions"],
                          replyToId=owner_activity["id"])
    data = form["actions"][0]["data"]
    assert data["callback_id"] == "project.conditions.form"
    await ann_says(bot, connector, None, 4, value={**data, "s0": TYPED})
    shown = card_text(await ann_says(bot, connector, "project done erp 1", 5))
    assert words["met"] in shown
    assert "\\*balanced\\*" in shown and "\\[click\\]" in shown and "*balanced*" not in shown

    # Tom wants no more surveys: the end users' question keeps to the pulses' opt-out.
    slack.clear()
    await slack_sender.command("/touchpoint", "pulses off", user_id="U0TECH001")
    await slack.wait_for_response(1)

    # The close: Ann's review card; Slack end users get the one-click question.
    connector.clear()
    await run_tick(bot, clock, CLOSES)
    review_card, review_activity = await eventually(
        lambda: card_with(connector, "project.review"))
    assert words["review"] in str(review_card)
    await eventually(lambda: slack.messages_in(dm("U0EMPL001")))
    erin_dm = latest_in(slack, "U0EMPL001")
    await eventually(lambda: slack.messages_in(dm("U0LEAD001")))
    assert "project.rate" not in str(slack.messages_in(dm("U0TECH001")))
    assert words["rate"] in text_of(erin_dm)
    await slack_sender.click("project.rate.4", buttons(erin_dm)["project.rate.4"],
                             user_id="U0EMPL001", channel_id=dm("U0EMPL001"),
                             message_ts=erin_dm["ts"])

    form = await ann_says(bot, connector, None, 6,
                          value=buttons_of(review_card)["project.review"],
                          replyToId=review_activity["id"])
    inputs = {item["id"]: item for item in form["body"] if "id" in item}
    assert inputs["c0"]["type"] == "Input.ChoiceSet" and inputs["c0"]["style"] == "expanded"
    assert "Ann Andersen: Ledger" in inputs["c0"]["label"]
    assert inputs["overall"]["label"] == words["overall"]
    connector.clear()
    status, _ = await post(bot.url, message(connector, None, conversation=ANN_CHAT, sender=ANN,
                                            id="1700000000407", value={
                                                **form["actions"][0]["data"], "c0": "met",
                                                "overall": "5"}))
    assert status == 201
    [updated] = await connector.wait_for("update")
    assert words["kept"] in str(card_of(updated))
    await eventually(lambda: "project.rate.4" in str(
        latest_in(slack, "U0EMPL001").get("blocks")) and "primary" in str(
        latest_in(slack, "U0EMPL001").get("blocks")))

    # A week on: the results card to Ann, the DM to the Slack IT lead.
    connector.clear()
    await run_tick(bot, clock, CLOSES + timedelta(days=7))
    [results] = await connector.wait_for("send")
    said = card_text(card_of(results))
    assert words["results"] in said
    for figure in words["figures"]:
        assert figure.replace(" ", "\u00a0") in said.replace(" ", "\u00a0")
    await eventually(lambda: words["results"] in text_of(latest_in(slack, "U0LEAD001")))
