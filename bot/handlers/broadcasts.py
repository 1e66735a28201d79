"""Broadcasts: ``/broadcast`` (the form), ``/broadcast list``, the Update / Resolve / Reopen
buttons on a broadcast's channel posts and the forms behind them, the subscriptions under
``/touchpoint`` (``subscribe``, ``unsubscribe``, ``subscriptions``), and the every-minute check
of reminders and maintenance windows.

Each handler unpacks its intent into plain values and calls one flow; the flows check who may
act, so a button or form reaching us from anyone else is refused there."""

from __future__ import annotations

from bot.chat.message import Form
from bot.chat.port import Origin
from bot.flows.broadcasts import forms, ids, states
from bot.flows.broadcasts.answers import refuse
from bot.flows.broadcasts.lifecycle import (
    broadcast_change,
    broadcast_change_start,
    broadcast_list,
    broadcast_open,
    broadcast_open_form,
)
from bot.flows.broadcasts.schedule import broadcasts_check
from bot.flows.broadcasts.subscriptions import (
    subscription_add,
    subscription_list,
    subscription_remove,
)
from bot.handlers.routes import Handler, Routes, ScheduledTurn, Turn
from bot.intents import ButtonPress, Command, FormSubmit
from storage.broadcasts import by_id

_BUTTON_ACTIONS = {ids.UPDATE: states.UPDATED, ids.RESOLVE: states.RESOLVED,
                   ids.REOPEN: states.REOPENED}


def _command(turn: Turn) -> Command:
    assert isinstance(turn.intent, Command)
    return turn.intent


def _form(turn: Turn) -> tuple[FormSubmit, Origin]:
    intent = turn.intent
    assert isinstance(intent, FormSubmit) and intent.origin is not None
    return intent, intent.origin


async def open_form(turn: Turn) -> None:
    intent = _command(turn)
    await broadcast_open_form(turn.session, turn.services, turn.actor, intent.origin,
                              intent.text)


async def list_open(turn: Turn) -> None:
    await broadcast_list(turn.session, turn.services, turn.actor, _command(turn).origin)


async def check_opening(turn: Turn) -> Form | None:
    intent, _origin = _form(turn)
    app = turn.services.settings.app
    _opening, errors = forms.check_opening(app, intent.values)
    return forms.open_form(app, intent.values, errors) if errors else None


async def open_broadcast(turn: Turn) -> None:
    intent, origin = _form(turn)
    opening, _errors = forms.check_opening(turn.services.settings.app, intent.values)
    if opening is None:
        # Normally shown in the form already; this is for a check that could not run.
        await refuse(turn.session, turn.services, origin, "form_invalid")
        return
    key = f"{origin.platform}:{intent.submission_id or origin.trigger_id}"
    await broadcast_open(turn.session, turn.services, turn.actor, origin, opening, key)


async def _changing(turn: Turn):
    """The change form's action and broadcast, and the checked change (or its errors)."""
    intent, _origin = _form(turn)
    parsed = forms.parse_metadata(intent.metadata)
    if parsed is None:
        return None
    action, broadcast_id = parsed
    broadcast = await by_id(turn.session, broadcast_id)
    if broadcast is None:
        return None
    change, errors = forms.check_change(turn.services.settings.app, broadcast, action,
                                        intent.values)
    return action, broadcast, change, errors


async def check_change(turn: Turn) -> Form | None:
    found = await _changing(turn)
    if found is None:
        return None  # the flow says why, kindly
    action, broadcast, _change, errors = found
    return (forms.change_form(turn.services.settings.app, action, broadcast,
                              _form(turn)[0].values, errors) if errors else None)


async def change(turn: Turn) -> None:
    _intent, origin = _form(turn)
    found = await _changing(turn)
    if found is None or found[2] is None:
        await refuse(turn.session, turn.services, origin, "form_invalid")
        return
    await broadcast_change(turn.session, turn.services, turn.actor, origin, found[2])


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


async def subscribe(turn: Turn) -> None:
    intent = _command(turn)
    await subscription_add(turn.session, turn.services, turn.actor, intent.origin, intent.rest)


async def unsubscribe(turn: Turn) -> None:
    intent = _command(turn)
    await subscription_remove(turn.session, turn.services, turn.actor, intent.origin,
                              intent.rest)


async def subscriptions(turn: Turn) -> None:
    await subscription_list(turn.session, turn.services, turn.actor, _command(turn).origin)


def register(routes: Routes) -> None:
    routes.on_command("broadcast", None, open_form)
    routes.on_command("broadcast", "list", list_open)
    routes.on_form(ids.OPEN_FORM, open_broadcast, validate=check_opening)
    routes.on_form(ids.CHANGE_FORM, change, validate=check_change)
    for action_id, action in _BUTTON_ACTIONS.items():
        routes.on_button(action_id, _on_button(action))
    routes.on_command("touchpoint", "subscribe", subscribe)
    routes.on_command("touchpoint", "unsubscribe", unsubscribe)
    routes.on_command("touchpoint", "subscriptions", subscriptions)
    routes.on_schedule("broadcasts.check", check, "interval", minutes=1)


async def check(turn: ScheduledTurn) -> None:
    """Reminders and maintenance windows due now. It opens a session of its own (see
    `ScheduledTurn`)."""
    await broadcasts_check(turn.services, turn.scheduled_for)
