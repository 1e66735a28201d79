"""Complaints: ``/complain`` (the form), ``/complain status``, ``/complain list``, the triage
card's buttons, the complainant's satisfaction buttons and the forms behind them, and the
every-five-minutes check of what is due."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form
from bot.chat.port import Origin
from bot.flows.complaints import cards, forms, lifecycle
from bot.flows.complaints.filing import complaint_file, complaint_open_form, rate_limited
from bot.flows.complaints.sla import complaints_check
from bot.flows.complaints.status import complaint_list, complaint_status
from bot.handlers.routes import Handler, Routes, ScheduledTurn, Turn
from bot.intents import ButtonPress, Command, FormSubmit
from bot.services import Services
from storage.models import Person

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


ComplaintStep = Callable[[AsyncSession, Services, Person, Origin, str], Awaitable[None]]
"""A lifecycle step on one complaint: (session, services, actor, origin, complaint number)."""


def _takes_step(step: ComplaintStep) -> Handler:
    """The handler of a card's button that takes `step` on the complaint whose number the
    button carries; the step itself checks who may take it."""
    async def handler(turn: Turn) -> None:
        press = _button(turn)
        await step(turn.session, turn.services, turn.actor, press.origin, press.value)
    return handler


def _opens_staff_form(build: Callable[[Turn, ButtonPress], Awaitable[Form]]) -> Handler:
    """The handler of a card's button that opens a form only IT staff may use: the role is
    checked here, on the server, and anyone else is told kindly instead of getting the form."""
    async def handler(turn: Turn) -> None:
        press = _button(turn)
        if not lifecycle.is_staff(turn.actor):
            await lifecycle.refuse(turn.session, turn.services.chat, press.origin, "not_staff",
                                   number=press.value)
            return
        form = await build(turn, press)
        await turn.session.commit()  # no transaction is held across the chat call
        await turn.services.chat.open_form(press.origin, form)
    return handler


assign_me = _takes_step(lifecycle.complaint_assign)


@_opens_staff_form
async def assign_start(turn: Turn, press: ButtonPress) -> Form:
    staff = await lifecycle.people_with_roles(turn.session, lifecycle.STAFF_ROLES)
    return forms.assign_form(press.value, staff)


async def assign(turn: Turn) -> None:
    intent = _form(turn)
    owner = intent.values.get("owner", "")
    await lifecycle.complaint_assign(turn.session, turn.services, turn.actor, intent.origin,
                                     intent.metadata, int(owner) if owner.isdigit() else -1)


acknowledge = _takes_step(lifecycle.complaint_acknowledge)


@_opens_staff_form
async def resolve_start(turn: Turn, press: ButtonPress) -> Form:
    return forms.resolve_form(turn.services.settings.app.complaints, press.value)


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


escalate = _takes_step(lifecycle.complaint_escalate)


@_opens_staff_form
async def reply_start(turn: Turn, press: ButtonPress) -> Form:
    return forms.reply_form(press.value)


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


async def answer(turn: Turn) -> None:
    """The complainant's Yes or No to "are you satisfied?"."""
    press = _button(turn)
    await lifecycle.complaint_answer(turn.session, turn.services, turn.actor, press.origin,
                                     press.value, satisfied=press.action_id == cards.SATISFIED,
                                     question=press.message)


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
    routes.on_button(cards.SATISFIED, answer)
    routes.on_button(cards.UNSATISFIED, answer)
    routes.on_schedule("complaints.check", check, "interval", minutes=5)


async def check(turn: ScheduledTurn) -> None:
    """What is due now: SLA reminders and breaches, and for resolutions nobody answered, the
    reminder half-way and the close."""
    await complaints_check(turn.services, turn.scheduled_for)
