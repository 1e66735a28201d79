"""Improvement plans in German: ``/touchpoint plan add``, ``list`` and ``done`` over signed
Slack requests and Teams activities, the form's errors and the owner's DM, read back from what
the Slack and Bot Connector emulators recorded. Typed text inside the German sentences is still
escaped. German by the platform's language: the people's Slack and Teams clients are ``de-DE``
(`tests.german`); the organisation's language stays English."""

from __future__ import annotations

import json

import pytest

from bot.flows.plans import ids
from tests import german
from tests.outbox_kit import outbox_all_sent
from tests.scenarios import plans_kit
from tests.scenarios.complaints_kit import LEE, TOM, blocks_text, keyed
from tests.scenarios.plans_kit import VALID_NPS, answer, count, items, submit, teams_form, true
from tests.scenarios.test_help_teams import PERSONAL, card_of, message, post
from tests.waiting import eventually

people_locale = german.people_locale
bot_options, clock = plans_kit.bot_options, plans_kit.clock
teams_settings, teams_bot = plans_kit.teams_settings, plans_kit.teams_bot


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=plans_kit.erin_leads(connector))


async def test_plan_add_list_and_done_on_slack_in_german(bot, slack, slack_sender):
    assert "Keine offenen Maßnahmen. `/touchpoint plan add` fügt eine hinzu." in await answer(
        slack, slack_sender, TOM, "plan list")

    await slack_sender.command("/touchpoint", "plan add CSAT", user_id=LEE)
    await slack.wait_for("views.open")
    reply = await submit(slack_sender, change="  ", owner=[], due="2026-11-30")
    assert reply.json()["errors"] == {
        ids.CHANGE: "Bitte beschreiben Sie, was sich ändern wird.",
        ids.OWNER: "Bitte wählen Sie die zuständige Person, oder geben Sie ihre "
                   "E-Mail-Adresse an.",
        ids.DUE: "Dieses Datum liegt in der Vergangenheit: Bitte geben Sie heute oder ein "
                 "späteres Datum an."}
    slack.clear()
    assert (await submit(slack_sender)).status == 200
    await eventually(lambda: count(bot, 1))
    [item] = await items(bot)
    [added] = await slack.wait_for("chat.postEphemeral")
    assert f"Maßnahme #{item.id} zu CSAT hinzugefügt" in str(added.args["blocks"])
    await outbox_all_sent(bot.services, "plan:", 1)
    assigned = blocks_text(keyed(slack, slack.dm_channel(TOM), f"plan:{item.id}:assigned"))
    assert f"hat Maßnahme #{item.id} zu *CSAT* angelegt, und Sie sind dafür zuständig:" \
        in assigned
    assert "&lt;!channel&gt;" in assigned and "<!channel>" not in assigned
    assert "Fällig am 2026-12-10." in assigned

    listed = await answer(slack, slack_sender, TOM, "plan list")
    assert f"#{item.id} *CSAT*: Callback within 2 hours for every &lt;!channel&gt; complaint " \
           "(<@U0TECH001>, fällig am 2026-12-10)" in listed
    assert f"Maßnahme #{item.id} ist erledigt:" in await answer(
        slack, slack_sender, TOM, f"plan done {item.id}")


async def test_plan_add_list_and_done_from_teams_in_german(teams_bot, connector):
    bot = teams_bot
    card, submit_card = await teams_form(bot, connector, "nps")
    form = json.dumps(card, ensure_ascii=False)
    assert "Maßnahme hinzufügen" in form and "Was wird sich ändern?" in form

    valid = VALID_NPS
    await submit_card({**valid, ids.DUE: "soon"}, "1700000000401")
    [again] = await connector.wait_for("update")
    assert "Bitte geben Sie das Fälligkeitsdatum als JJJJ-MM-TT an, etwa 2027-03-31." in [
        item.get("text") for item in card_of(again)["body"]]

    await submit_card(valid, "1700000000402")
    await eventually(lambda: count(bot, 1))
    [item] = await items(bot)

    def said(words: str) -> list[str]:
        return [text for text in (json.dumps(c.body, ensure_ascii=False)
                                  for c in connector.calls_of("send")
                                  if c.conversation_id == PERSONAL) if words in text]

    await eventually(lambda: true(bool(said("Sie sind für eine Maßnahme im Verbesserungsplan "
                                             "zuständig"))))
    [told] = said("und Sie sind dafür zuständig:")
    # Typed text is escaped for the card's Markdown inside the German sentence.
    assert "Ask \\\\*every\\\\* detractor" in told and "**NPS**" in told

    await post(bot.url, message(connector, "plan list", id="1700000000403"))
    await eventually(lambda: true(bool(said("Verbesserungsplan"))))
    assert said(f"#{item.id} **NPS**: Ask \\\\*every\\\\* detractor back within a week "
                "(Erin Employee, fällig am 2027-01-15)")
    await post(bot.url, message(connector, f"plan done {item.id}", id="1700000000404"))
    await eventually(lambda: true(bool(said(f"Maßnahme #{item.id} ist erledigt"))))
