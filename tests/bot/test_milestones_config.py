"""The ``milestones:`` and ``newsletter:`` sections of app.yaml: defaults that keep older files
valid (milestones on, the newsletter off), and a clear problem, with its path, for each
mistake."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import ConfigError, parse_app_config
from tests.bot.test_kudos_config import BASE


def test_a_file_without_either_section_gets_the_defaults():
    app = parse_app_config(BASE)

    assert (app.milestones.enabled, app.milestones.check_hour, app.milestones.csat_levels,
            app.milestones.kudos_counts, app.milestones.nps_gain,
            app.milestones.again_after_weeks) == (True, 8, [80, 90], [100, 500], 3, None)
    assert (app.newsletter.enabled, app.newsletter.every, app.newsletter.announcements) == (
        False, "quarterly", None)


@pytest.mark.parametrize(("section", "problem"), [
    ({"milestones": {"check_hour": 24}},
     "milestones.check_hour: Input should be less than or equal to 23"),
    ({"milestones": {"csat_levels": [90, 80]}},
     "milestones.csat_levels: list each value once, smallest first"),
    ({"milestones": {"csat_levels": [101]}},
     "milestones.csat_levels.0: Input should be less than or equal to 100"),
    ({"milestones": {"kudos_counts": [100, 100]}},
     "milestones.kudos_counts: list each value once"),
    ({"milestones": {"again_after_weeks": 0}},
     "milestones.again_after_weeks: Input should be greater than or equal to 1"),
    ({"milestones": {"party": True}}, "milestones.party: unknown key"),
    ({"newsletter": {"enabled": True}},
     "newsletter: announcements: needed when the newsletter is enabled"),
    ({"newsletter": {"every": "monthly"}},
     "newsletter.every: Input should be 'bimonthly' or 'quarterly'"),
    ({"newsletter": {"announcements": {"slack": "news"}}},
     "newsletter.announcements.slack: 'news' is not a Slack channel id"),
])
def test_each_mistake_is_named_by_its_path(section: dict[str, Any], problem: str):
    with pytest.raises(ConfigError) as raised:
        parse_app_config({**BASE, **section})

    assert any(found.startswith(problem) for found in raised.value.problems), \
        raised.value.problems
