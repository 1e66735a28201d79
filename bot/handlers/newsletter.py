"""The newsletter: the draft's Approve, Edit and Skip buttons, the edit form, and the drafting
job on the first day of each period at newsletter.draft_hour (when enabled)."""

from __future__ import annotations

from collections.abc import Iterator

from bot.config import AppConfig
from bot.flows.newsletter import ids
from bot.flows.newsletter.periods import draft_months
from bot.flows.newsletter.review import (
    newsletter_decide,
    newsletter_draft,
    newsletter_edit,
    newsletter_edit_start,
)
from bot.handlers.routes import Routes, ScheduledTurn, ScheduleRoute, Turn
from bot.intents import ButtonPress, FormSubmit

JOB = "newsletter.draft"


def _press(turn: Turn) -> ButtonPress:
    assert isinstance(turn.intent, ButtonPress)
    return turn.intent


async def approve(turn: Turn) -> None:
    press = _press(turn)
    await newsletter_decide(turn.session, turn.services, turn.actor, press.origin,
                            press.value, approve=True)


async def skip(turn: Turn) -> None:
    press = _press(turn)
    await newsletter_decide(turn.session, turn.services, turn.actor, press.origin,
                            press.value, approve=False)


async def edit_start(turn: Turn) -> None:
    press = _press(turn)
    await newsletter_edit_start(turn.session, turn.services, turn.actor, press.origin,
                                press.value)


async def edit(turn: Turn) -> None:
    intent = turn.intent
    assert isinstance(intent, FormSubmit) and intent.origin is not None
    await newsletter_edit(turn.session, turn.services, turn.actor, intent.origin,
                          intent.metadata, intent.values.get(ids.INTRO, ""))


async def draft(turn: ScheduledTurn) -> None:
    await newsletter_draft(turn.session, turn.services, turn.scheduled_for)


def drafting(app: AppConfig) -> Iterator[ScheduleRoute]:
    config = app.newsletter
    if config.enabled:
        yield ScheduleRoute(JOB, draft, "cron", {"month": draft_months(config.every),
                                                 "day": 1, "hour": config.draft_hour,
                                                 "minute": 0})


def register(routes: Routes) -> None:
    routes.on_button(ids.APPROVE, approve)
    routes.on_button(ids.SKIP, skip)
    routes.on_button(ids.EDIT, edit_start)
    routes.on_form(ids.EDIT_FORM, edit)
    routes.on_configured_schedules(drafting)
