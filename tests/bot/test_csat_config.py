"""app.yaml's ``csat:`` section: optional, with defaults, and every problem named by its path."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
ENV = {"SLACK_BOT_TOKEN": "xoxb-config-test", "SLACK_SIGNING_SECRET": "config-test-secret"}


def load(tmp_path: Path, csat: Any = None, *, drop: bool = False):
    config = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    if drop:
        del config["csat"]
    elif csat is not None:
        config["csat"] = csat
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return load_settings({**ENV, "TOUCHPOINT_CONFIG": str(path)}).app.csat


def test_the_shipped_section_spells_out_the_defaults(tmp_path):
    shipped, absent = load(tmp_path), load(tmp_path, drop=True)

    assert shipped == absent
    assert (absent.enabled, absent.min_days_between, absent.sample_one_in,
            absent.expire_after_days, absent.low_score) == (True, 7, 1, 7, 2)
    assert absent.quiet_hours is not None
    assert (absent.quiet_hours.start, absent.quiet_hours.end) == (time(20), time(8))


def test_quiet_hours_can_be_turned_off_and_sampling_on(tmp_path):
    csat = load(tmp_path, {"quiet_hours": None, "sample_one_in": 3, "min_days_between": 0})

    assert (csat.quiet_hours, csat.sample_one_in, csat.min_days_between) == (None, 3, 0)


@pytest.mark.parametrize(("section", "problem"), [
    ({"sample_one_in": 0}, "csat.sample_one_in: Input should be greater than or equal to 1"),
    ({"low_score": 6}, "csat.low_score: Input should be less than or equal to 5"),
    ({"expire_after_days": 0},
     "csat.expire_after_days: Input should be greater than or equal to 1"),
    ({"quiet_hours": {"start": "07:00", "end": "07:00"}},
     "csat.quiet_hours: start and end must differ"),
    ({"quiet_hours": {"start": "late"}},
     "csat.quiet_hours.start: Input should be in a valid time format, input is too short"),
    ({"every_days": 3}, "csat.every_days: unknown key"),
])
def test_each_problem_is_named_by_its_path(tmp_path, section, problem):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, section)

    assert caught.value.problems == [problem]


def test_the_links_default_to_the_complaint_log_and_private_kudos(tmp_path):
    csat = load(tmp_path, drop=True)

    assert (csat.complaint_service, csat.complaint_category, csat.complaint_impact,
            csat.kudos_public) == (None, None, "medium", False)


@pytest.mark.parametrize(("section", "problem"), [
    ({"complaint_service": "Canteen"}, "csat.complaint_service: must be one of "
                                       "complaints.services"),
    ({"complaint_category": "Rudeness"}, "csat.complaint_category: must be one of "
                                         "complaints.categories"),
    ({"complaint_impact": "huge"},
     "csat.complaint_impact: Input should be 'low', 'medium' or 'high'"),
])
def test_a_complaint_default_must_be_one_the_complaint_log_knows(tmp_path, section, problem):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, section)

    assert caught.value.problems == [problem]
