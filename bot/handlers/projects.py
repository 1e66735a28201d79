"""Project reviews: ``/touchpoint project ...``, the project form and its checks, the owner's
conditions button and form, a stakeholder's review button and form, an end user's 1-5
buttons, and the every-minute ``projects.tick`` that closes due projects and sends due
results (claimed once across replicas)."""

from __future__ import annotations

from bot.chat.message import Form
from bot.flows.projects import closing, commands, ids, reviews
from bot.handlers.routes import Routes, ScheduledTurn, Turn
from bot.intents import ButtonPress, Command, FormSubmit


async def command(turn: Turn) -> None:
    intent = turn.intent
    assert isinstance(intent, Command)
    await commands.project_command(turn.session, turn.services, turn.actor, intent.origin,
                                   intent.rest)


def _form(turn: Turn) -> FormSubmit:
    intent = turn.intent
    assert isinstance(intent, FormSubmit) and intent.origin is not None
    return intent


def _press(turn: Turn) -> ButtonPress:
    intent = turn.intent
    assert isinstance(intent, ButtonPress)
    return intent


async def check_create(turn: Turn) -> Form | None:
    form = _form(turn)
    assert form.origin is not None
    return await commands.create_problems(turn.session, turn.services, form.origin,
                                          form.metadata, dict(form.values))


async def create(turn: Turn) -> None:
    form = _form(turn)
    assert form.origin is not None
    await commands.create_project(turn.session, turn.services, turn.actor, form.origin,
                                  form.metadata, dict(form.values))


async def open_conditions(turn: Turn) -> None:
    press = _press(turn)
    await commands.open_conditions(turn.session, turn.services, turn.actor, press.origin,
                                   press.value)


async def check_conditions(turn: Turn) -> Form | None:
    form = _form(turn)
    return await commands.conditions_problems(turn.session, turn.services, form.metadata,
                                              dict(form.values))


async def conditions(turn: Turn) -> None:
    form = _form(turn)
    assert form.origin is not None
    await commands.record_conditions(turn.session, turn.services, turn.actor, form.origin,
                                     form.metadata, dict(form.values))


async def open_review(turn: Turn) -> None:
    press = _press(turn)
    await reviews.open_review(turn.session, turn.services, turn.actor, press.origin,
                              press.value)


async def review(turn: Turn) -> None:
    form = _form(turn)
    assert form.origin is not None
    await reviews.record_review(turn.session, turn.services, turn.actor, form.origin,
                                form.metadata, dict(form.values))


async def rate(turn: Turn) -> None:
    press = _press(turn)
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
