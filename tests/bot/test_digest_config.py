"""app.yaml's ``digests:``: any number of digests, each checked with the path of a mistake
(unknown services, sections and channels, a bad schedule or target), and the shipped example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError, parse_app_config
from bot.config.digests import SECTIONS
from bot.handlers.digests import trigger_args

ROOT = Path(__file__).resolve().parents[2]


def shipped() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))


def problems_of(digests: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_app_config({**shipped(), "digests": digests})
    return caught.value.problems


def test_the_shipped_digests_are_valid_with_their_defaults():
    app = parse_app_config(shipped())
    weekly, monthly = app.digests
    assert weekly.name == "weekly" and weekly.sections == list(SECTIONS)
    assert app.digest_channel(weekly) == app.channels.digests
    assert (weekly.targets.csat_good, weekly.targets.csat_outstanding) == (80, 90)
    assert weekly.targets.sla_for("P1") == 95 and weekly.targets.sla_for("P4") == 90
    assert trigger_args(weekly) == {"day_of_week": "mon", "hour": 9, "minute": 0}
    assert trigger_args(monthly) == {"day": 1, "hour": 8, "minute": 30}
    assert app.digest_channel(monthly).slack == "C0DIGEST1"
    assert monthly.sections == ["sla", "times", "volume", "callbacks", "csat", "complaints"]


@pytest.mark.parametrize(("digest", "problem"), [
    ({"name": "w", "scope": {"services": ["Email", "Printers"]}},
     "digests.0.scope.services.1: 'Printers' is not in the service catalogue (services)"),
    ({"name": "w", "sections": ["sla", "weather"]},
     "digests.0.sections.1: unknown section 'weather'; known: " + ", ".join(SECTIONS)),
    ({"name": "w", "channel": "general"},
     "digests.0.channel.name: Input should be 'digests', 'triage' or 'kudos_wall'"),
    ({"name": "w", "channel": {"slack": "general"}},
     "digests.0.channel.ids.slack: 'general' is not a Slack channel id"),
    ({"name": "w", "schedule": {"every": "day"}},
     "digests.0.schedule.every: Input should be 'week' or 'month'"),
    ({"name": "w", "schedule": {"day": "monday"}}, "digests.0.schedule.day: Input should be"),
    ({"name": "w", "targets": {"csat_good": 95}},
     "digests.0.targets: csat_outstanding must not be below csat_good"),
    ({"name": "w", "targets": {"sla": {"P1": 120}}},
     "digests.0.targets.sla: each SLA target is a percentage from 0 to 100"),
    ({"name": "Weekly digest"}, "digests.0.name: String should match pattern"),
    ({"name": "w", "scope": {"assignees": ["ann"]}},
     "digests.0.scope.assignees: each assignee is an email address"),
])
def test_a_mistake_is_named_with_its_path(digest, problem):
    assert any(line.startswith(problem) for line in problems_of([digest])), problems_of(
        [digest])


def test_two_digests_of_one_name_are_refused():
    assert problems_of([{"name": "w"}, {"name": "w"}]) == [
        "digests.1.name: 'w' names two digests"]


def test_a_desk_ticket_url_needs_https_and_the_id():
    raw = {**shipped(), "tickets": {"sources": {"desk": {"ticket_url": "http://desk/{id}"}}}}
    with pytest.raises(ConfigError) as caught:
        parse_app_config(raw)
    assert caught.value.problems == [
        "tickets.sources.desk.ticket_url: give an https:// address with {id} where the "
        "ticket's number goes"]
    raw["tickets"]["sources"]["desk"]["ticket_url"] = "https://desk.example.com/t/{id}"
    source = parse_app_config(raw).tickets.sources["desk"]
    assert source.link("INC 1/2") == "https://desk.example.com/t/INC%201%2F2"
