"""Improvement plans: ``/touchpoint plan ...``, the "Add plan item" button (a digest's), the
plan form and its checks, and the daily reminder of overdue items (09:00 in the
organisation's time zone, claimed once across replicas)."""

from __future__ import annotations

from bot.chat.message import Form
from bot.flows.plans import ids
from bot.flows.plans.items import plan_add, plan_command, plan_form_problems, plan_open_form
from bot.flows.plans.reminders import plans_remind_overdue
from bot.handlers.routes import Routes, ScheduledTurn, Turn

REMIND_HOUR = 9


async def command(turn: Turn) -> None:
    intent = turn.command
    await plan_command(turn.session, turn.services, turn.actor, intent.origin, intent.rest)


async def add_button(turn: Turn) -> None:
    press = turn.press
    await plan_open_form(turn.session, turn.services, turn.actor, press.origin,
                         press.value.strip().lower() or None)


async def check(turn: Turn) -> Form | None:
    intent, origin = turn.submission
    return await plan_form_problems(turn.session, turn.services, origin, dict(intent.values))


async def submit(turn: Turn) -> None:
    intent, origin = turn.submission
    key = f"{origin.platform}:{intent.submission_id or origin.trigger_id}"
    await plan_add(turn.session, turn.services, turn.actor, origin, dict(intent.values), key)


async def remind(turn: ScheduledTurn) -> None:
    await plans_remind_overdue(turn.session, turn.services)


def register(routes: Routes) -> None:
    routes.on_command("touchpoint", "plan", command)
    routes.on_button(ids.ADD_BUTTON, add_button)
    routes.on_form(ids.FORM, submit, validate=check)
    routes.on_schedule("plans.remind", remind, "cron", hour=REMIND_HOUR, minute=0)
