"""app.yaml's `tickets` section: sensible defaults, and every mistake reported with its path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import ConfigError, parse_app_config
from tests.conftest import app_config


def parse(tickets):
    return parse_app_config({**app_config(), "tickets": tickets})


def test_without_a_tickets_section_there_is_one_generic_source_and_no_sla():
    tickets = parse_app_config(app_config()).tickets

    assert list(tickets.sources) == ["generic"]
    assert tickets.sources["generic"].preset == "generic"
    assert (tickets.sla, tickets.at_risk) == ({}, 0.8)


def test_targets_read_hours_and_minutes():
    sla = parse({"sla": {"P1": {"first_response": "45m", "resolution": "1h30m"},
                         "P2": {"first_response": "2h", "resolution": "16h"}}}).tickets.sla

    assert sla["P1"].first_response == timedelta(minutes=45)
    assert sla["P1"].resolution == timedelta(hours=1, minutes=30)
    assert sla["P2"].resolution == timedelta(hours=16)


def test_every_mistake_is_reported_with_its_path():
    with pytest.raises(ConfigError) as raised:
        parse({
            "sources": {"Desk One": {}, "jira": {"preset": "remedy",
                                                 "statuses": {"Done": "finished"}}},
            "sla": {"P1": {"first_response": "2h", "resolution": "1h"},
                    "P2": {"first_response": "soon", "resolution": "0m"},
                    "P3": {"first_response": "1h"}},
            "at_risk": 1.5,
        })

    problems = raised.value.problems
    assert "tickets.sources.Desk One.[key]: String should match pattern " \
           "'^[a-z][a-z0-9_-]{0,31}$'" in problems
    assert any(p.startswith("tickets.sources.jira.preset: Input should be 'generic'")
               for p in problems)
    assert any(p.startswith("tickets.sources.jira.statuses.Done: Input should be 'open'")
               for p in problems)
    assert "tickets.sla.P1: resolution must not be shorter than first_response" in problems
    assert ("tickets.sla.P2.first_response: 'soon' is not a duration like 30m, 4h or 1h30m"
            in problems)
    assert "tickets.sla.P2.resolution: must be longer than zero" in problems
    assert "tickets.sla.P3.resolution: required" in problems
    assert "tickets.at_risk: Input should be less than 1" in problems
    assert len(problems) == 8


def test_a_source_names_only_generic_fields_it_reads_from_its_own_places():
    sources = parse({"sources": {"snow": {"preset": "servicenow",
                                          "fields": {"requester_email": "u_caller.mail"}}}}
                    ).tickets.sources
    assert sources["snow"].fields == {"requester_email": "u_caller.mail"}

    with pytest.raises(ConfigError) as raised:
        parse({"sources": {"snow": {"fields": {"id": "u_number", "title": ""}}}})

    problems = raised.value.problems
    assert any(p.startswith("tickets.sources.snow.fields.id.[key]: Input should be 'title'")
               for p in problems), problems
    assert any(p.startswith("tickets.sources.snow.fields.title: String should have at least 1")
               for p in problems), problems
