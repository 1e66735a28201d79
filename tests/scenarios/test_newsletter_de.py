"""The newsletter's review in German (app.yaml's `organisation.locale: de`), on Slack and on
Teams: the draft card, an employee's refusal, the edit form, the intro typed by a lead (still
escaped), the approval shown on the draft and the issue posted in the announcements channel,
all in German with German number formats. German by two rules: what is posted in a channel is
in the organisation's language (``organisation.locale: de``), and what is said to a person in
the language their platform gives (their Slack and Teams clients are ``de-DE``,
`tests.german`)."""

from __future__ import annotations

import json

import pytest

from bot.flows.newsletter import ids
from bot.flows.newsletter.export import export_issue
from storage.newsletter import NewsletterIssue, issue_for
from tests import german
from tests.bot.flows.test_newsletter import seed
from tests.conftest import RunningBot
from tests.outbox_kit import outbox_all_sent
from tests.scenarios import complaints_kit, test_newsletter
from tests.scenarios.complaints_kit import ERIN, LEE, blocks_text, button_ids, keyed
from tests.scenarios.test_help_teams import ERIN as ERIN_TEAMS
from tests.scenarios.test_help_teams import TENANT, message, post, seed_erin
from tests.scenarios.test_newsletter import (
    ANNOUNCEMENTS,
    DIGESTS,
    NEW_YEAR,
    configure,
    issues,
)
from tests.waiting import eventually

bot_options, clock = test_newsletter.bot_options, test_newsletter.clock
people_locale = german.people_locale

TEAMS_DIGESTS, TEAMS_ANNOUNCEMENTS = "19:digests@thread.tacv2", "19:news@thread.tacv2"
LEE_TEAMS = {"id": "29:1lee-teams", "name": "Lee Lead", "aadObjectId": "LEE-AAD-0001"}
PCT = "\u00a0%"
SATISFACTION = f"Zufriedenheit: 80,0{PCT} von 5 Antworten waren eine 4 oder 5 (unser Ziel sind " \
               f"80{PCT}, hervorragend sind 90{PCT})."


@pytest.fixture
def settings(make_settings, connector):
    def config(raw):
        configure(raw, {"slack": ANNOUNCEMENTS, "teams": TEAMS_ANNOUNCEMENTS})
        raw["organisation"]["locale"] = "de"
        raw["teams"] = {"service_url": connector.url}
        raw["channels"]["digests"] = {"slack": DIGESTS, "teams": TEAMS_DIGESTS}
        raw["roles"]["it_lead"]["emails"] = ["lee@example.com"]
    return make_settings(config=config)


async def _drafted(bot: RunningBot) -> NewsletterIssue:
    await seed(bot.services)
    await bot.run_job("newsletter.draft", NEW_YEAR)
    [issue] = await issues(bot)
    await outbox_all_sent(bot.services, f"newsletter:{issue.id}:draft", 2)
    return issue


async def test_a_lead_edits_and_approves_the_german_draft_on_slack(bot, slack, slack_sender):
    issue = await _drafted(bot)
    draft_key = f"newsletter:{issue.id}:draft"
    card = keyed(slack, DIGESTS, draft_key)
    assert card is not None
    shown = blocks_text(card)
    assert "Neues vom IT-Service, 2026-10-01 bis 2026-12-31" in shown
    assert "*Entwurf für die IT-Leitung*: „Freigeben“ veröffentlicht ihn" in shown
    assert SATISFACTION in shown and "*So lief es*" in shown
    assert "*Woran wir arbeiten*" in shown and "Call back every low score (bis 2026-12-20, " \
        "verspätet)" in shown
    assert [e["text"]["text"] for block in card["blocks"] if block["type"] == "actions"
            for e in block["elements"]] == ["Freigeben", "Bearbeiten", "Überspringen"]

    await slack_sender.click(ids.APPROVE, str(issue.id), user_id=ERIN, channel_id=DIGESTS,
                             message_ts=card["ts"])
    [refused] = await slack.wait_for_response(1)
    assert ("Nur die IT-Leitung und Administratoren können den Newsletter freigeben, "
            "bearbeiten oder überspringen") in blocks_text(refused.body)

    await slack_sender.click(ids.EDIT, str(issue.id), user_id=LEE, channel_id=DIGESTS,
                             message_ts=card["ts"])
    view = await complaints_kit.opened_view(slack)
    assert view["title"]["text"] == "Newsletter bearbeiten"
    assert view["submit"]["text"] == "Speichern" and "Einleitung" in blocks_text(view)
    await slack_sender.submit(ids.EDIT_FORM, {ids.INTRO: "Ein gutes Quartal <!channel>"},
                              user_id=LEE, private_metadata=str(issue.id))

    async def edited() -> bool:
        now = keyed(slack, DIGESTS, draft_key)
        return now is not None and "Ein gutes Quartal" in blocks_text(now)

    await eventually(edited)
    assert "Ein gutes Quartal &lt;!channel&gt;" in blocks_text(keyed(slack, DIGESTS, draft_key)
                                                               or {})

    for _ in range(2):
        await slack_sender.click(ids.APPROVE, str(issue.id), user_id=LEE, channel_id=DIGESTS,
                                 message_ts=card["ts"])
    await outbox_all_sent(bot.services, f"newsletter:{issue.id}:issue", 2)
    [posted] = slack.messages_in(ANNOUNCEMENTS)
    assert SATISFACTION in blocks_text(posted) and "Entwurf" not in blocks_text(posted)

    async def approved() -> bool:
        now = keyed(slack, DIGESTS, draft_key)
        return now is not None and "*Freigegeben* von " in blocks_text(now)

    await eventually(approved)
    assert "und im Ankündigungskanal veröffentlicht." in blocks_text(
        keyed(slack, DIGESTS, draft_key) or {})
    assert button_ids(keyed(slack, DIGESTS, draft_key) or {}) == []
    [answer] = (await slack.wait_for_response(2))[1:]
    assert ("Dieser Newsletter ist bereits freigegeben" in blocks_text(answer.body)
            or "hat gerade über diesen Newsletter entschieden" in blocks_text(answer.body))


async def test_a_lead_approves_the_german_draft_on_teams(bot, connector):
    connector.add_member(TEAMS_DIGESTS, id=LEE_TEAMS["id"], name=LEE_TEAMS["name"],
                         aad_object_id=LEE_TEAMS["aadObjectId"], email="lee@example.com",
                         tenant_id=TENANT)
    seed_erin(connector, TEAMS_DIGESTS)
    issue = await _drafted(bot)
    [card] = connector.activities_in(TEAMS_DIGESTS)
    content = json.dumps(card["attachments"][0]["content"], ensure_ascii=False)
    assert "Neues vom IT-Service, 2026-10-01 bis 2026-12-31" in content
    assert "**Entwurf für die IT-Leitung**" in content and SATISFACTION in content
    actions = [action for row in card["attachments"][0]["content"]["body"]
               if row["type"] == "ActionSet" for action in row["actions"]]
    assert [action["title"] for action in actions] == ["Freigeben", "Bearbeiten",
                                                       "Überspringen"]
    approve = {"action_id": ids.APPROVE, "value": str(issue.id)}
    assert actions[0]["data"] == approve

    # Erin, an employee, is told in German; nothing is decided.
    await post(bot.url, message(connector, None, conversation=TEAMS_DIGESTS, kind="channel",
                                sender=ERIN_TEAMS, id="1700000000801", replyToId=card["id"],
                                value=approve))

    def refused() -> bool:
        return any("Nur die IT-Leitung und Administratoren können den Newsletter"
                   in json.dumps(call.body, ensure_ascii=False)
                   for kind in ("send", "reply") for call in connector.calls_of(kind))

    await eventually(refused)
    assert connector.activities_in(TEAMS_ANNOUNCEMENTS) == []

    # Lee, an IT lead: the draft card says so in German and the issue is announced.
    status, _ = await post(bot.url, message(
        connector, None, conversation=TEAMS_DIGESTS, kind="channel", sender=LEE_TEAMS,
        id="1700000000802", replyToId=card["id"], value=approve))
    assert status < 300
    await outbox_all_sent(bot.services, f"newsletter:{issue.id}:issue", 2)
    [announced] = connector.activities_in(TEAMS_ANNOUNCEMENTS)
    text = json.dumps(announced["attachments"][0]["content"], ensure_ascii=False)
    assert SATISFACTION in text and "**Sie haben Danke gesagt**" in text
    assert "Entwurf" not in text

    def draft_approved() -> bool:
        [now] = connector.activities_in(TEAMS_DIGESTS)
        shown = json.dumps(now, ensure_ascii=False)
        return "**Freigegeben** von Lee Lead und im Ankündigungskanal veröffentlicht." in shown

    await eventually(draft_approved)


async def test_the_export_is_in_the_language_the_issue_was_drafted_in(bot):
    await _drafted(bot)
    async with bot.services.sessions() as session:
        found = await issue_for(session, "2026-Q4")
        await session.commit()
    assert found is not None
    page = export_issue(found, "html")
    assert page.startswith('<!DOCTYPE html>\n<html lang="de">\n')
    assert "<h1>Neues vom IT-Service, 2026-10-01 bis 2026-12-31</h1>" in page
    assert f"<li>{SATISFACTION}</li>" in page
    assert "Docking stations &lt;b&gt;replaced&lt;/b&gt;" in page
    markdown = export_issue(found, "md")
    assert markdown.startswith("# Neues vom IT-Service, 2026-10-01 bis 2026-12-31\n")
    assert "**Sie haben es uns gesagt, wir haben es geändert**" in markdown
