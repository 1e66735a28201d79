"""The ``kudos:`` section of app.yaml: defaults that keep older files valid, and a clear
problem, with its path, for each mistake."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import ConfigError, Role, parse_app_config

BASE = {"organisation": {"name": "Example"},
        "channels": {"triage": {"slack": "C0TRIAGE1"}, "digests": {"slack": "C0DIGEST1"},
                     "kudos_wall": {"slack": "C0KUDOS01"},
                     "broadcasts": [{"slack": "C0STATUS1"}]}}


def with_kudos(kudos: dict[str, Any]) -> dict[str, Any]:
    return {**BASE, "kudos": kudos}


def test_a_file_without_kudos_gets_the_defaults():
    kudos = parse_app_config(BASE).kudos

    assert kudos.recipient_roles == [Role.IT_STAFF, Role.IT_LEAD, Role.ADMIN]
    assert (kudos.weekly_allowance, kudos.points_per_voucher) == (5, 10)
    assert (kudos.values, kudos.rewards, kudos.approvals) == ([], [], None)


def test_rewards_are_found_by_key_whatever_the_case():
    kudos = parse_app_config(with_kudos({"rewards": [
        {"key": "coffee", "name": "Coffee", "cost": 5}]})).kudos

    reward = kudos.reward("Coffee")
    assert reward is not None
    assert (reward.stock, reward.needs_approval) == (None, True)
    assert kudos.reward("tea") is None


@pytest.mark.parametrize(("kudos", "problem"), [
    ({"weekly_allowance": 0}, "kudos.weekly_allowance: Input should be greater than or equal "
                              "to 1"),
    ({"recipient_roles": ["wizard"]}, "kudos.recipient_roles.0: Input should be 'employee', "
                                      "'it_staff', 'it_lead' or 'admin'"),
    ({"rewards": [{"key": "Half Day", "name": "Half a day", "cost": 10}]},
     "kudos.rewards.0.key: String should match pattern"),
    ({"rewards": [{"key": "x", "name": "X", "cost": 0}]},
     "kudos.rewards.0.cost: Input should be greater than or equal to 1"),
    ({"rewards": [{"key": "x", "name": "X", "cost": 1}, {"key": "x", "name": "Y", "cost": 2}]},
     "kudos: rewards: each reward needs its own key"),
    ({"approvals": {"slack": "general"}}, "kudos.approvals.slack: 'general' is not a Slack "
                                          "channel id"),
    ({"bonus": 1}, "kudos.bonus: unknown key"),
])
def test_each_mistake_is_named_by_its_path(kudos, problem):
    with pytest.raises(ConfigError) as raised:
        parse_app_config(with_kudos(kudos))

    assert any(found.startswith(problem) for found in raised.value.problems), \
        raised.value.problems
