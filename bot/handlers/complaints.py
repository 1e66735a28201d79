"""Complaints: ``/complain`` (the form), ``/complain status``, ``/complain list``, the triage
card's buttons, the complainant's satisfaction buttons and the forms behind them."""

from __future__ import annotations

import re

from bot.chat.message import Form
from bot.flows import complaints_cards as cards
from bot.flows import complaints_forms as forms
from bot.flows import complaints_lifecycle as lifecycle
from bot.flows.complaints_filing import complaint_file, complaint_open_form, rate_limited
from bot.flows.complaints_status import complaint_list, complaint_status
from bot.handlers.dispatcher import Routes, Turn
from bot.intents import ButtonPress, Command, FormSubmit

_NUMBER = re.compile(r"^CMP-\d{4}-\d{4,}$", re.IGNORECASE)


def _command(turn: Turn) -> Command:
    assert isinstance(turn.intent, Command)
    return turn.intent


def _button(turn: Turn) -> ButtonPress:
    assert isinstance(turn.intent, ButtonPress)
    return turn.intent


def _form(turn: Turn) -> FormSubmit:
    intent = turn.intent
    assert isinstance(intent, FormSubmit) and intent.origin is not None
    return intent


async def open_form(turn: Turn) -> None:
    intent = _command(turn)
    await complaint_open_form(turn.session, turn.services, turn.actor, intent.origin,
                              intent.text)


async def status(turn: Turn) -> None:
    intent = _command(turn)
    rest = intent.rest.strip()
    if rest and not _NUMBER.match(rest):
        # "/complain status of my laptop is ignored" is a complaint, not a question.
        await complaint_open_form(turn.session, turn.services, turn.actor, intent.origin,
                                  intent.text)
        return
    await complaint_status(turn.session, turn.services, turn.actor, intent.origin,
                           rest or None)


async def list_open(turn: Turn) -> None:
    await complaint_list(turn.session, turn.services, turn.actor, _command(turn).origin)


async def check_filing(turn: Turn) -> Form | None:
    intent = _form(turn)
    config = turn.services.settings.app.complaints
    _filing, errors = forms.check_filing(config, intent.values)
    if not errors and await rate_limited(turn.session, turn.services, turn.actor):
        errors = {"description": "error_rate_limited"}
    return forms.filing_form(config, intent.values, errors) if errors else None


async def file(turn: Turn) -> None:
    intent = _form(turn)
    filing, _errors = forms.check_filing(turn.services.settings.app.complaints, intent.values)
    if filing is None:
        # Normally shown in the form already; this is for a check that could not run.
        await turn.services.chat.reply_privately(intent.origin, cards.answer("form_invalid"))
        return
    key = f"{intent.origin.platform}:{intent.submission_id or intent.origin.trigger_id}"
    await complaint_file(turn.session, turn.services, turn.actor, intent.origin, filing, key)


async def _refused_unless_staff(turn: Turn, intent: ButtonPress) -> bool:
    """Whether the actor is refused (and told) a staff-only form a button opens."""
    if lifecycle.is_staff(turn.actor):
        return False
    await lifecycle.refuse(turn.session, turn.services.chat, intent.origin, "not_staff",
                           number=intent.value)
    return True


async def assign_me(turn: Turn) -> None:
    intent = _button(turn)
    await lifecycle.complaint_assign(turn.session, turn.services, turn.actor, intent.origin,
                                     intent.value)


async def assign_start(turn: Turn) -> None:
    intent = _button(turn)
    if await _refused_unless_staff(turn, intent):
        return
    staff = await lifecycle.people_with_roles(turn.session, lifecycle.STAFF_ROLES)
    await turn.session.commit()
    await turn.services.chat.open_form(intent.origin, forms.assign_form(intent.value, staff))


async def assign(turn: Turn) -> None:
    intent = _form(turn)
    owner = intent.values.get("owner", "")
    await lifecycle.complaint_assign(turn.session, turn.services, turn.actor, intent.origin,
                                     intent.metadata, int(owner) if owner.isdigit() else -1)


async def acknowledge(turn: Turn) -> None:
    intent = _button(turn)
    await lifecycle.complaint_acknowledge(turn.session, turn.services, turn.actor,
                                          intent.origin, intent.value)


async def resolve_start(turn: Turn) -> None:
    intent = _button(turn)
    if await _refused_unless_staff(turn, intent):
        return
    await turn.services.chat.open_form(intent.origin, forms.resolve_form(
        turn.services.settings.app.complaints, intent.value))


async def check_resolution(turn: Turn) -> Form | None:
    intent = _form(turn)
    config = turn.services.settings.app.complaints
    _resolution, errors = forms.check_resolution(config, intent.values)
    return forms.resolve_form(config, intent.metadata, intent.values, errors) if errors else None


async def resolve(turn: Turn) -> None:
    intent = _form(turn)
    resolution, _errors = forms.check_resolution(turn.services.settings.app.complaints,
                                                 intent.values)
    if resolution is None:
        return
    note, root_cause = resolution
    await lifecycle.complaint_resolve(turn.session, turn.services, turn.actor, intent.origin,
                                      intent.metadata, note, root_cause)


async def escalate(turn: Turn) -> None:
    intent = _button(turn)
    await lifecycle.complaint_escalate(turn.session, turn.services, turn.actor, intent.origin,
                                       intent.value)


async def reply_start(turn: Turn) -> None:
    intent = _button(turn)
    if await _refused_unless_staff(turn, intent):
        return
    await turn.services.chat.open_form(intent.origin, forms.reply_form(intent.value))


async def check_reply(turn: Turn) -> Form | None:
    intent = _form(turn)
    _text, errors = forms.check_reply(intent.values)
    return forms.reply_form(intent.metadata, intent.values, errors) if errors else None


async def reply(turn: Turn) -> None:
    intent = _form(turn)
    text, _errors = forms.check_reply(intent.values)
    if text is None:
        return
    await lifecycle.complaint_reply(turn.session, turn.services, turn.actor, intent.origin,
                                    intent.metadata, text)


async def satisfied(turn: Turn) -> None:
    intent = _button(turn)
    await lifecycle.complaint_answer(turn.session, turn.services, turn.actor, intent.origin,
                                     intent.value, satisfied=True, question=intent.message)


async def unsatisfied(turn: Turn) -> None:
    intent = _button(turn)
    await lifecycle.complaint_answer(turn.session, turn.services, turn.actor, intent.origin,
                                     intent.value, satisfied=False, question=intent.message)


def register(routes: Routes) -> None:
    routes.on_command("complain", None, open_form)
    routes.on_command("complain", "status", status)
    routes.on_command("complain", "list", list_open)
    routes.on_form(forms.FILE, file, validate=check_filing)
    routes.on_form(forms.RESOLVE, resolve, validate=check_resolution)
    routes.on_form(forms.ASSIGN, assign)
    routes.on_form(forms.REPLY, reply, validate=check_reply)
    routes.on_button(cards.ASSIGN_ME, assign_me)
    routes.on_button(cards.ASSIGN, assign_start)
    routes.on_button(cards.ACKNOWLEDGE, acknowledge)
    routes.on_button(cards.RESOLVE, resolve_start)
    routes.on_button(cards.ESCALATE, escalate)
    routes.on_button(cards.REPLY, reply_start)
    routes.on_button(cards.SATISFIED, satisfied)
    routes.on_button(cards.UNSATISFIED, unsatisfied)
