"""/complain in German: with app.yaml's `organisation.locale: de`, the form, the receipt, the
triage card, IT's follow-up and the resolution with its question are in German on Slack and on
Teams, and typed text inside a translated sentence is still escaped. German by two rules: what
is posted in a channel is in the organisation's language (``organisation.locale: de``), and
what is said to a person in the language their platform gives (their Slack and Teams clients
are ``de-DE``, `tests.german`)."""

from __future__ import annotations

import json

import pytest

from bot.flows.complaints import ids
from tests import german
from tests.scenarios import complaints_kit as kit
from tests.scenarios.complaints_kit import ERIN, TEAMS_TRIAGE, TOM, TRIAGE
from tests.scenarios.test_complain_teams import VALID, resolved_on_slack, submission
from tests.scenarios.test_help_teams import PERSONAL, card_of, message, post, seed_erin
from tests.waiting import eventually

bot_options, clock = kit.bot_options, kit.clock
people_locale = german.people_locale


@pytest.fixture
def settings(make_settings, connector):
    def german(raw):
        raw["organisation"]["locale"] = "de"
        raw["teams"] = {"service_url": connector.url}

    return make_settings(config=german)


def _thread_has(slack, complaint, n: int) -> bool:
    return len(kit.dm_thread(slack, ERIN, complaint)) >= n


async def test_a_complaint_on_slack_in_german_from_form_to_resolution(bot, slack,
                                                                      slack_sender):
    await slack_sender.command("/complain", "", user_id=ERIN)
    view = await kit.opened_view(slack)
    assert view["title"]["text"] == "Problem an die IT melden"
    assert "Hoch: Ich konnte nicht weiterarbeiten" in kit.blocks_text(view)

    complaint = await kit.file_and_wait(bot, slack_sender, slack,
                                        description="Niemand <!channel> antwortet *tagelang*")
    number = complaint.number

    receipt = kit.blocks_text(kit.receipt(slack, ERIN, complaint))
    assert f"Ihre Beschwerde ist eingegangen: {number}" in receipt
    assert f"ist unter `{number}` erfasst (Auswirkung: hoch)" in receipt
    assert "innerhalb von 1 Arbeitsstunde und" in receipt
    card = kit.blocks_text(kit.triage_message(slack, complaint))
    assert f"Beschwerde {number}" in card
    assert "*Status*: neu" in card
    assert "Niemand &lt;!channel&gt; antwortet *tagelang*" in card
    assert "<!channel>" not in card

    # Follow-up: IT takes it on and writes; the complainant hears in German in her thread.
    await kit.drained(bot)
    await slack_sender.click(ids.ASSIGN_ME, number, user_id=TOM, channel_id=TRIAGE)
    await eventually(lambda: _thread_has(slack, complaint, 1))
    [taken] = kit.dm_thread(slack, ERIN, complaint)
    assert f"tom.tech hat Ihre Beschwerde `{number}` übernommen" in kit.blocks_text(taken)
    await slack_sender.submit(ids.REPLY_FORM, {ids.TEXT: "Wann passt es <!here>?"},
                              user_id=TOM, private_metadata=number, view_id="V0REPLY01")
    await eventually(lambda: _thread_has(slack, complaint, 2))
    reply = kit.blocks_text(kit.dm_thread(slack, ERIN, complaint)[-1])
    assert f"tom.tech aus der IT schreibt zu Ihrer Beschwerde `{number}`:" in reply
    assert "Wann passt es &lt;!here&gt;?" in reply

    # Resolution: the note, the question and its buttons in German; "Ja" closes it.
    await slack_sender.submit(ids.RESOLVE_FORM, {ids.NOTE: "Den <Server> getauscht"},
                              user_id=TOM, private_metadata=number, view_id="V0RESOLVE1",
                              selects={ids.ROOT_CAUSE: "Tooling"})
    await eventually(lambda: _thread_has(slack, complaint, 3))
    resolved = kit.dm_thread(slack, ERIN, complaint)[-1]
    text = kit.blocks_text(resolved)
    assert f"Ihre Beschwerde `{number}` wurde von tom.tech gelöst:" in text
    assert "Den &lt;Server&gt; getauscht" in text
    assert "Wenn wir innerhalb von 5 Tagen nichts hören, schließen wir sie." in text
    assert "Ja, ich bin zufrieden" in text and "Nein, wieder öffnen" in text
    await kit.answer(slack_sender, slack, ids.SATISFIED, number)
    await eventually(lambda: _thread_has(slack, complaint, 4))
    closed = kit.blocks_text(kit.dm_thread(slack, ERIN, complaint)[-1])
    assert f"Danke: Ihre Beschwerde `{number}` ist geschlossen." in closed


async def test_a_complaint_on_teams_in_german_from_form_to_resolution(bot, connector, slack,
                                                                      slack_sender):
    seed_erin(connector)

    await post(bot.url, message(connector, "complain mein Laptop ist langsam"))
    [sent] = await connector.wait_for("send")
    form = card_of(sent)
    assert "Problem an die IT melden" in json.dumps(form, ensure_ascii=False)
    inputs = {item["id"]: item for item in form["body"] if "id" in item}
    assert [c["title"] for c in inputs["impact"]["choices"]] == [
        "Gering: ein Ärgernis", "Mittel: Es hat meine Arbeit verlangsamt",
        "Hoch: Ich konnte nicht weiterarbeiten"]
    card_id = connector.activities_in(PERSONAL)[-1]["id"]

    await post(bot.url, submission(connector, card_id, VALID, "1700000000202"))

    def receipts() -> list:
        return [c for c in connector.calls_of("send") if c.conversation_id == PERSONAL
                and "Ihre Beschwerde ist eingegangen" in json.dumps(c.body, ensure_ascii=False)]

    async def out() -> bool:
        return bool(receipts()) and len(connector.activities_in(TEAMS_TRIAGE)) == 1

    await eventually(out)
    [complaint] = await kit.complaints(bot)
    receipt = json.dumps(card_of(receipts()[0]), ensure_ascii=False)
    assert "(Auswirkung: mittel)" in receipt
    triage = json.dumps(connector.activities_in(TEAMS_TRIAGE)[0], ensure_ascii=False)
    assert f"Beschwerde {complaint.number}" in triage
    assert "\\\\<at\\\\>for\\\\</at\\\\>" in triage  # typed text escaped for Markdown

    asked = card_of(await resolved_on_slack(slack_sender, connector, complaint,
                                            "Ein neuer Laptop ist unterwegs"))
    text = json.dumps(asked, ensure_ascii=False)
    assert f"Ihre Beschwerde **{complaint.number}** wurde von tom.tech gelöst:" in text
    assert "Sind Sie mit der Bearbeitung zufrieden?" in text
    titles = [a["title"] for row in asked["body"] if row["type"] == "ActionSet"
              for a in row["actions"]]
    assert titles == ["Ja, ich bin zufrieden", "Nein, wieder öffnen"]
