"""The demo's scenes, one module per scene, played in the order of `SCENES`.

A scene is an async function given the `Stage`; its words live in messages/demo/<scene>.j2.
A feature adds its scene here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.demo.scenes.ambassadors import a_department_ambassador
from bot.demo.scenes.broadcasts import an_outage_kept_current
from bot.demo.scenes.complaints import a_complaint_put_right
from bot.demo.scenes.csat import a_low_score_followed_up
from bot.demo.scenes.digests import the_week_so_far
from bot.demo.scenes.help import asking_for_help
from bot.demo.scenes.kudos import thanking_a_technician
from bot.demo.scenes.milestones import a_plan_and_a_milestone
from bot.demo.scenes.projects import a_project_review
from bot.demo.scenes.pulses import a_pulse
from bot.demo.scenes.surveys import a_satisfaction_survey
from bot.demo.stage import Stage

Scene = Callable[[Stage], Awaitable[None]]

SCENES: tuple[Scene, ...] = (
    asking_for_help,
    a_low_score_followed_up,
    a_complaint_put_right,
    thanking_a_technician,
    a_pulse,
    a_plan_and_a_milestone,
    the_week_so_far,
    an_outage_kept_current,
    a_satisfaction_survey,
    a_project_review,
    # Last: Amy joins the workspace here, and an earlier scene would count her in.
    a_department_ambassador,
)
