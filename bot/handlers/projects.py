"""Project reviews: ``/touchpoint project ...``, the project form and its checks, the owner's
conditions button and form, a stakeholder's review button and form, an end user's 1-5
buttons, and the every-minute ``projects.tick`` that closes due projects and sends due
results (claimed once across replicas)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.chat.message import Form
from bot.flows.projects import closing, commands, ids, reviews
from bot.handlers.routes import Handler, Routes, ScheduledTurn, Turn


async def command(turn: Turn) -> None:
    intent = turn.command
    await commands.project_command(turn.session, turn.services, turn.actor, intent.origin,
                                   intent.rest)


async def check_create(turn: Turn) -> Form | None:
    form, origin = turn.submission
    return await commands.create_problems(turn.session, turn.services, turn.actor, origin,
                                          form.metadata, dict(form.values))


def _recorded(flow: Callable[..., Awaitable[None]]) -> Handler:
    """A form of the project's (its metadata names the project) passed to `flow` as sent."""
    async def handle(turn: Turn) -> None:
        form, origin = turn.submission
        await flow(turn.session, turn.services, turn.actor, origin, form.metadata,
                   dict(form.values))
    return handle


def _opened(flow: Callable[..., Awaitable[None]]) -> Handler:
    """A button whose value names the project, opening `flow`'s form."""
    async def handle(turn: Turn) -> None:
        press = turn.press
        await flow(turn.session, turn.services, turn.actor, press.origin, press.value)
    return handle


create = _recorded(commands.create_project)
open_conditions = _opened(commands.open_conditions)
conditions = _recorded(commands.record_conditions)
open_review = _opened(reviews.open_review)
review = _recorded(reviews.record_review)


async def check_conditions(turn: Turn) -> Form | None:
    form, _origin = turn.submission
    return await commands.conditions_problems(turn.session, turn.services, form.metadata,
                                              dict(form.values))


async def rate(turn: Turn) -> None:
    press = turn.press
    await reviews.rate(turn.session, turn.services, turn.actor, press.origin, press.value,
                       int(press.action_id.removeprefix(ids.RATE_ACTION)))


async def tick(turn: ScheduledTurn) -> None:
    await closing.tick(turn.session, turn.services, turn.scheduled_for)


def register(routes: Routes) -> None:
    routes.on_command("touchpoint", "project", command)
    routes.on_form(ids.CREATE_FORM, create, validate=check_create)
    routes.on_button(ids.CONDITIONS_OPEN, open_conditions)
    routes.on_form(ids.CONDITIONS_FORM, conditions, validate=check_conditions)
    routes.on_button(ids.REVIEW_OPEN, open_review)
    routes.on_form(ids.REVIEW_FORM, review)
    for n in ids.SATISFACTION:
        routes.on_button(f"{ids.RATE_ACTION}{n}", rate)
    routes.on_schedule("projects.tick", tick, "interval", minutes=1)
