"""Words shared by different meanings carry a gettext context (``pgettext``), so a translator
translates each meaning on its own: in German an identified pulse answer is "namentlich" and an
identified incident cause "Ursache gefunden", maintenance in progress "läuft" while a complaint
in progress is "in Arbeit", a closed pulse "beendet" and a closed complaint "geschlossen", a
reward request is approved ("Genehmigen") and a newsletter released ("Freigeben"). Where one
word serves both (a resolved incident and complaint are both "gelöst") each keeps its own
entry. English reads the same words everywhere."""

from __future__ import annotations

import pytest

from bot.chat.templates import templates_for

NAMES = {
    ("broadcasts/_names.j2", "status", "resolved"): ("resolved", "gelöst"),
    ("complaints/_names.j2", "status", "resolved"): ("resolved", "gelöst"),
    ("broadcasts/_names.j2", "action", "reopened"): ("reopened", "wieder eröffnet"),
    ("broadcasts/_names.j2", "status", "identified"): ("identified", "Ursache gefunden"),
    ("pulses/_names.j2", "anonymity", "identified"): ("identified", "namentlich"),
    ("broadcasts/_names.j2", "status", "in_progress"): ("in progress", "läuft"),
    ("complaints/_names.j2", "status", "in_progress"): ("in progress", "in Arbeit"),
    ("pulses/_names.j2", "status", "closed"): ("closed", "beendet"),
    ("complaints/_names.j2", "status", "closed"): ("closed", "geschlossen"),
}
BUTTONS = {
    ("kudos/approval", "approve"): ("Approve", "Genehmigen"),
    ("newsletter/issue", "approve"): ("Approve", "Freigeben"),
    ("broadcasts/post", "resolve"): ("Resolve", "Als gelöst markieren"),
    ("complaints/triage", "resolve"): ("Resolve", "Als gelöst markieren"),
}


@pytest.mark.parametrize("platform", ["slack", "teams"])
@pytest.mark.parametrize(("language", "column"), [("en", 0), ("de", 1)])
def test_each_meaning_is_translated_on_its_own(platform, language, column):
    templates = templates_for(platform, language)
    for (names, macro, value), words in NAMES.items():
        shown = templates.env.from_string(
            f'{{% import "{names}" as names %}}{{{{ names.{macro}(value) }}}}').render(
                value=value)
        assert shown == words[column], (names, macro, value)
    for (template, block), words in BUTTONS.items():
        shown = templates.render_block(template, block, {"kind": "incident"})
        assert shown == words[column], (template, block)
