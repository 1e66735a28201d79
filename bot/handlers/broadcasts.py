"""Broadcasts: ``/broadcast`` (the form), ``/broadcast list``, the Update / Resolve / Reopen
buttons on a broadcast's channel posts and the forms behind them, the subscriptions under
``/touchpoint`` (``subscribe``, ``unsubscribe``, ``subscriptions``), and the every-minute check
of reminders and maintenance windows.

Each handler unpacks its intent into plain values and calls one flow; the flows check who may
act, so a button or form reaching us from anyone else is refused there."""

from __future__ import annotations

from bot.chat.message import Form
from bot.flows.board.home import refresh_home
from bot.flows.broadcasts import forms, ids, states
from bot.flows.broadcasts.answers import refuse
from bot.flows.broadcasts.informed import broadcast_rate
from bot.flows.broadcasts.lifecycle import (
    broadcast_change,
    broadcast_change_checked,
    broadcast_change_start,
    broadcast_list,
    broadcast_open,
    broadcast_open_form,
)
from bot.flows.broadcasts.schedule import broadcasts_check
from bot.flows.broadcasts.subscriptions import (
    subscription_change,
    subscription_follow,
    subscription_list,
)
from bot.handlers.routes import Handler, Routes, ScheduledTurn, Turn
from bot.intents import ButtonPress

_BUTTON_ACTIONS = {ids.UPDATE: states.UPDATED, ids.RESOLVE: states.RESOLVED,
                   ids.REOPEN: states.REOPENED}


async def open_form(turn: Turn) -> None:
    intent = turn.command
    await broadcast_open_form(turn.session, turn.services, turn.actor, intent.origin,
                              intent.text)


async def list_open(turn: Turn) -> None:
    await broadcast_list(turn.session, turn.services, turn.actor, turn.command.origin)


async def check_opening(turn: Turn) -> Form | None:
    intent, _origin = turn.submission
    app = turn.services.settings.app
    _opening, errors = forms.check_opening(app, intent.values)
    return forms.open_form(app, intent.values, errors) if errors else None


async def open_broadcast(turn: Turn) -> None:
    intent, origin = turn.submission
    opening, _errors = forms.check_opening(turn.services.settings.app, intent.values)
    if opening is None:
        # Normally shown in the form already; this is for a check that could not run.
        await refuse(turn.session, turn.services, origin, "form_invalid")
        return
    key = f"{origin.platform}:{intent.submission_id or origin.trigger_id}"
    await broadcast_open(turn.session, turn.services, turn.actor, origin, opening, key)


async def check_change(turn: Turn) -> Form | None:
    intent, _origin = turn.submission
    _change, again = await broadcast_change_checked(turn.session, turn.services,
                                                    intent.metadata, intent.values)
    return again


async def change(turn: Turn) -> None:
    intent, origin = turn.submission
    checked, _again = await broadcast_change_checked(turn.session, turn.services,
                                                     intent.metadata, intent.values)
    if checked is None:
        await refuse(turn.session, turn.services, origin, "form_invalid")
        return
    key = f"{origin.platform}:{intent.submission_id or origin.trigger_id}"
    await broadcast_change(turn.session, turn.services, turn.actor, origin, checked, key)


def _on_button(action: str) -> Handler:
    async def handler(turn: Turn) -> None:
        press = turn.intent
        assert isinstance(press, ButtonPress)
        if not press.value.isdigit():
            await refuse(turn.session, turn.services, press.origin, "form_invalid")
            return
        await broadcast_change_start(turn.session, turn.services, turn.actor, press.origin,
                                     action, int(press.value))
    return handler


async def follow(turn: Turn) -> None:
    press = turn.intent
    assert isinstance(press, ButtonPress)
    await subscription_follow(turn.session, turn.services, turn.actor, press.origin,
                              press.value)
    await refresh_home(turn.session, turn.services, turn.actor)


async def rate(turn: Turn) -> None:
    press = turn.intent
    assert isinstance(press, ButtonPress)
    await broadcast_rate(turn.session, turn.services, turn.actor, press.origin, press.value)


def _subscription(follow: bool) -> Handler:
    async def handler(turn: Turn) -> None:
        await subscription_change(turn.session, turn.services, turn.actor, turn.command.origin,
                                  turn.command.rest, follow=follow)
        await refresh_home(turn.session, turn.services, turn.actor)
    return handler


async def subscriptions(turn: Turn) -> None:
    await subscription_list(turn.session, turn.services, turn.actor, turn.command.origin)


def register(routes: Routes) -> None:
    routes.on_command("broadcast", None, open_form)
    routes.on_command("broadcast", "list", list_open, reads_only=True)
    routes.on_form(ids.OPEN_FORM, open_broadcast, validate=check_opening)
    routes.on_form(ids.CHANGE_FORM, change, validate=check_change)
    for action_id, action in _BUTTON_ACTIONS.items():
        routes.on_button(action_id, _on_button(action))
    routes.on_button(ids.INFORMED, rate)
    routes.on_button(ids.FOLLOW, follow)
    routes.on_command("touchpoint", "subscribe", _subscription(follow=True))
    routes.on_command("touchpoint", "unsubscribe", _subscription(follow=False))
    routes.on_command("touchpoint", "subscriptions", subscriptions, reads_only=True)
    routes.on_schedule("broadcasts.check", check, "interval", minutes=1)


async def check(turn: ScheduledTurn) -> None:
    """Reminders and maintenance windows due now. It opens a session of its own (see
    `ScheduledTurn`)."""
    await broadcasts_check(turn.services, turn.scheduled_for)
