"""app.yaml's ``services:`` catalogue: one list of services that complaints, tickets,
broadcasts and digests share, filled from ``complaints.services`` for older files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError, parse_app_config

ROOT = Path(__file__).resolve().parents[2]


def shipped() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_app_config(raw)
    return caught.value.problems


def test_the_shipped_catalogue_names_the_complaint_services_too():
    app = parse_app_config(shipped())

    names = [service.name for service in app.services]
    assert names[:3] == ["Service desk", "Laptops and devices", "Email and calendar"]
    assert app.complaints.services == names
    assert app.service("exchange").name == "Email and calendar"
    assert app.service("  NETWORK ").name == "Network and Wi-Fi"
    assert app.service("Printers") is None
    assert app.service(None) is None
    assert app.service("Network and Wi-Fi").broadcast_channel.slack == "C0NETSTAT"


def test_without_a_catalogue_the_complaint_services_are_it():
    raw = shipped()
    del raw["services"]
    raw["complaints"]["services"] = ["Printing", "VPN"]

    app = parse_app_config(raw)

    assert [service.name for service in app.services] == ["Printing", "VPN"]
    assert app.service("vpn").name == "VPN"


def test_with_neither_the_default_list_is_the_catalogue():
    raw = shipped()
    del raw["services"]

    app = parse_app_config(raw)

    assert app.complaints.services[0] == "Service desk"
    assert [service.name for service in app.services] == app.complaints.services


def test_complaint_services_must_come_from_the_catalogue():
    raw = shipped()
    raw["complaints"]["services"] = ["Service desk", "Printing"]

    assert problems_of(raw) == [
        "complaints.services[1]: 'Printing' is not in the service catalogue (services)"]


def test_a_name_or_alias_used_twice_is_named_with_its_path():
    raw = shipped()
    raw["services"] = [{"name": "Email", "aliases": ["Mail"]},
                       {"name": "Network", "aliases": ["mail", "WAN", "wan"]}]

    assert problems_of(raw) == [
        "services[1].aliases[0]: 'mail' already names services[0]",
        "services[1].aliases[2]: 'wan' already names services[1]"]


@pytest.mark.parametrize(("service", "expected"), [
    ({"name": ""}, "services.0.name: each name must be 1 to 75 characters"),
    ({"name": "VPN", "colour": "red"}, "services.0.colour: unknown key"),
    ({"name": "VPN", "broadcast_channel": {"slack": "#status"}},
     "services.0.broadcast_channel.slack: '#status' is not a Slack channel id (like C012ABC)"),
    ({"name": "VPN", "owners": {"emails": ["not-an-address"]}},
     "services.0.owners.emails: 'not-an-address' is not an email address"),
])
def test_a_bad_service_is_named_with_its_path(service, expected):
    raw = shipped()
    raw["services"] = [service]

    assert expected in problems_of(raw)


def test_broadcast_settings_name_services_from_the_catalogue():
    raw = shipped()
    raw["broadcasts"]["service_remind_after_minutes"] = {"Email and calendar": {"outage": 15}}
    app = parse_app_config(raw)
    assert app.broadcasts.service_remind_after_minutes == {"Email and calendar": {"outage": 15}}
    assert app.broadcasts.remind_after_minutes["outage"] == 30

    raw["broadcasts"]["service_remind_after_minutes"] = {"exchange": {"degraded": 60},
                                                         "Printers": {"outage": 10}}
    assert problems_of(raw) == ["broadcasts.service_remind_after_minutes.Printers: not in the "
                                "service catalogue (services)"]


def test_broadcast_intervals_are_checked_with_their_path():
    raw = shipped()
    raw["broadcasts"]["remind_after_minutes"] = {"outage": 0, "degraded": 60,
                                                 "informational": 60}
    raw["broadcasts"]["service_remind_after_minutes"] = {"Other": {"meltdown": 5}}

    assert sorted(problems_of(raw)) == [
        "broadcasts.remind_after_minutes: minutes must be at least 1",
        "broadcasts.service_remind_after_minutes: impacts are outage, degraded, informational;"
        " not meltdown"]
