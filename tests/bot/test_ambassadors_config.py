"""app.yaml's ``ambassadors:``: the shipped example, and every mistake refused by
`check-config` with its path (an unknown segment or value, a Slack user group, nobody named,
values without a segment)."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from bot.config import ConfigError, parse_app_config
from bot.handlers.ambassadors import scheduled
from tests.bot.test_config import SLACK_ENV, _cli, shipped, write


def problems_of(ambassadors: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_app_config({**shipped(), "ambassadors": ambassadors})
    return caught.value.problems


def test_the_shipped_ambassadors_are_valid_and_scheduled_monthly_with_a_catch_up():
    app = parse_app_config(shipped())
    config = app.ambassadors
    assert config.segment == "department" and config.time == time(9, 0)
    assert config.by_value["Finance"].emails == ["tech1@example.com"]
    assert [(route.job, route.trigger, dict(route.trigger_args))
            for route in scheduled(app)] == [
        ("ambassadors.monthly", "cron", {"day": 1, "hour": 9, "minute": 0}),
        ("ambassadors.catch_up", "interval", {"minutes": 15})]


def test_without_ambassadors_nothing_is_scheduled():
    config = shipped()
    del config["ambassadors"]
    assert list(scheduled(parse_app_config(config))) == []


def test_each_mistake_is_named_with_its_path():
    assert problems_of({"segment": "dept", "by_value": {"Finance": {"emails": ["a@b.co"]}}}) \
        == ["ambassadors.segment: 'dept' is not one of segments"]
    assert problems_of({"segment": "department", "by_value": {
        "Finance": {"emails": ["a@b.co"]}, "Sales": {"emails": ["s@b.co"]},
        "Engineering": {"slack_usergroups": ["S0ENGINEER"]}}}) == [
        "ambassadors.by_value.Sales: not a value of segments.department",
        "ambassadors.by_value.Engineering.slack_usergroups: name ambassadors by Slack user "
        "id, Teams id or email"]
    assert problems_of({"segment": "department", "by_value": {"Finance": {}}}) == [
        "ambassadors.by_value.Finance: name at least one ambassador"]
    assert problems_of({"by_value": {"Finance": {"emails": ["a@b.co"]}}}) == [
        "ambassadors.segment: give the segment the values of by_value belong to"]
    assert problems_of({"segment": "department", "day_of_month": 31}) == [
        "ambassadors.day_of_month: Input should be less than or equal to 28"]
    assert problems_of({"segment": "department", "by_value": {
        "Finance": {"emails": ["not-an-email"]}}}) == [
        "ambassadors.by_value.Finance.emails: 'not-an-email' is not an email address"]


def test_check_config_refuses_an_unknown_value_and_exits_2(tmp_path, cli_env):
    config = shipped()
    config["ambassadors"]["by_value"]["Marketing"] = {"emails": ["m@example.com"]}
    done = _cli("check-config", env=cli_env(TOUCHPOINT_CONFIG=str(write(tmp_path, config)),
                                            **SLACK_ENV))
    assert done.returncode == 2, done.stderr
    assert "  ambassadors.by_value.Marketing: not a value of segments.department" in \
        done.stderr.splitlines()
