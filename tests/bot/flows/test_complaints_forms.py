"""The complaint forms' checks, how their errors render on each platform, the complaints
section of app.yaml, and the CSV export's formula guard."""

from __future__ import annotations

import csv
import io

import pytest

from bot.config import ComplaintsConfig, ConfigError, parse_app_config
from bot.flows.complaints import forms
from bot.flows.spreadsheet_cells import neutralise
from bot.slack.render import SlackRenderer
from bot.teams.render import TeamsRenderer

CONFIG = ComplaintsConfig()
VALID = {"description": "  The VPN drops every hour  ", "service": "Service desk",
         "category": "Attitude", "impact": "low", "ticket": "inc0042", "anonymous": "yes"}


def test_a_valid_filing_is_cleaned_up():
    filing, errors = forms.check_filing(CONFIG, VALID)

    assert errors == {}
    assert filing == forms.Filing("The VPN drops every hour", "Service desk", "Attitude", "low",
                                  "INC0042", True)


@pytest.mark.parametrize(("change", "errors"), [
    ({"description": ""}, {"description": "error_description_empty"}),
    ({"description": "x" * 3001}, {"description": "error_description_long"}),
    ({"service": "Canteen"}, {"service": "error_service"}),
    ({"category": ""}, {"category": "error_category"}),
    ({"impact": "critical"}, {"impact": "error_impact"}),
    ({"ticket": "INC 42; DROP"}, {"ticket": "error_ticket"}),
    ({"anonymous": "maybe"}, {"anonymous": "error_anonymous"}),
    ({"ticket": "", "anonymous": ""}, {}),
])
def test_each_bad_field_is_named(change, errors):
    filing, found = forms.check_filing(CONFIG, {**VALID, **change})

    assert found == errors
    assert (filing is None) == bool(errors)


def test_resolution_needs_a_note_and_a_known_root_cause():
    assert forms.check_resolution(CONFIG, {"note": " ", "root_cause": "Gremlins"})[1] == {
        "note": "error_note_empty", "root_cause": "error_root_cause"}
    assert forms.check_resolution(CONFIG, {"note": "Fixed", "root_cause": "Process"}) == (
        forms.Resolution("Fixed", "Process"), {})


def test_a_shared_resolution_says_what_changed():
    values = {"note": "Fixed", "root_cause": "Process", "shareable": "yes"}
    assert forms.check_resolution(CONFIG, {**values, "what_changed": "  "})[1] == {
        "what_changed": "error_what_changed_empty"}
    assert forms.check_resolution(CONFIG, {**values, "shareable": "maybe"})[1] == {
        "shareable": "error_shareable"}
    assert forms.check_resolution(CONFIG, {**values, "what_changed": " Faster laptops "}) == (
        forms.Resolution("Fixed", "Process", True, "Faster laptops"), {})


def test_slack_gets_errors_by_block_id_in_plain_text():
    form = forms.filing_form(CONFIG, VALID, {"description": "error_description_empty",
                                             "ticket": "error_ticket"})

    errors = SlackRenderer().form_errors(form)

    assert errors == {
        "description": "Please tell us what happened.",
        "ticket": "That does not look like a ticket number (like INC0012345 or SD-42). "
                  "Leave it empty if you are not sure."}


def test_teams_shows_each_error_under_its_field_and_keeps_what_was_typed():
    form = forms.filing_form(CONFIG, {**VALID, "description": "half <b>typed</b>"},
                             {"service": "error_service"})

    body = TeamsRenderer().form_card(form)["body"]

    ids = [item.get("id") for item in body]
    error = body[ids.index("service") + 1]
    assert (error["text"], error["color"]) == ("Please choose a service from the list.",
                                               "Attention")
    assert body[ids.index("description")]["value"] == "half <b>typed</b>"
    assert [item for item in body if item.get("color") == "Attention"] == [error]


def test_the_complaints_section_is_checked_with_paths():
    raw = {"organisation": {"name": "X"},
           "channels": {"triage": {"slack": "C1TRIAGE"}, "digests": {"slack": "C1DIGEST"},
                        "kudos_wall": {"slack": "C1KUDOS"}, "broadcasts": [{"slack": "C1B"}]},
           "complaints": {"sla": {"low": {"acknowledge_hours": 9, "resolve_hours": 8}},
                          "ticket_pattern": "([", "services": ["A", "a"]}}

    with pytest.raises(ConfigError) as raised:
        parse_app_config(raw)

    problems = "\n".join(raised.value.problems)
    assert "complaints.sla.low: acknowledge_hours must not be more than resolve_hours" \
        in problems
    assert "complaints.ticket_pattern: not a regular expression" in problems
    assert "complaints.services: names must be distinct" in problems


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("plain = fine", "plain = fine"), (None, ""), (True, "yes"), (3, "3"), (-20, "-20"),
])
def test_formula_cells_are_neutralised(value, cell):
    assert neutralise(value) == cell
    out = io.StringIO()
    csv.writer(out).writerow([neutralise(value)])
    assert next(csv.reader(io.StringIO(out.getvalue())), [""]) == [cell]
