"""Complaints: ``/complain`` (the form), ``/complain status``, ``/complain list``, the triage
card's buttons, the complainant's satisfaction buttons and the forms behind them, and the
every-five-minutes check of what is due.

Each handler unpacks its intent into plain values (the origin, the complaint number a button
or form carries, the checked form) and calls one flow; the flows never see an intent."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form
from bot.chat.port import Origin
from bot.flows.board.home import refresh_home
from bot.flows.complaints import cards, forms, ids, lifecycle
from bot.flows.complaints.answers import answer_privately
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


def _form(turn: Turn) -> tuple[FormSubmit, Origin]:
    intent = turn.intent
    assert isinstance(intent, FormSubmit) and intent.origin is not None
    return intent, intent.origin


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
    intent, _origin = _form(turn)
    config = turn.services.settings.app.complaints
    _filing, errors = forms.check_filing(config, intent.values)
    if not errors and await rate_limited(turn.session, turn.services, turn.actor):
        errors = {ids.DESCRIPTION: "error_rate_limited"}
    return forms.filing_form(config, intent.values, errors) if errors else None


async def file(turn: Turn) -> None:
    intent, origin = _form(turn)
    filing, _errors = forms.check_filing(turn.services.settings.app.complaints, intent.values)
    if filing is None:
        # Normally shown in the form already; this is for a check that could not run.
        await answer_privately(turn.session, turn.services, origin, cards.answer("form_invalid"))
        return
    key = f"{origin.platform}:{intent.submission_id or origin.trigger_id}"
    if await complaint_file(turn.session, turn.services, turn.actor, origin, filing, key):
        # Their Home tab lists their open complaints: show the new one there too.
        await refresh_home(turn.session, turn.services, turn.actor)


ComplaintStep = Callable[[AsyncSession, Services, Person, Origin, str], Awaitable[None]]
"""A step on one complaint: (session, services, actor, origin, complaint number)."""


def _on_button(step: ComplaintStep) -> Handler:
    """The handler of a button that takes `step` on the complaint whose number it carries;
    the step itself checks who may take it."""
    async def handler(turn: Turn) -> None:
        press = _button(turn)
        await step(turn.session, turn.services, turn.actor, press.origin, press.value)
    return handler


async def assign(turn: Turn) -> None:
    intent, origin = _form(turn)
    owner = intent.values.get(ids.OWNER, "")
    await lifecycle.complaint_assign(turn.session, turn.services, turn.actor, origin,
                                     intent.metadata, int(owner) if owner.isdigit() else -1)


async def check_resolution(turn: Turn) -> Form | None:
    intent, _origin = _form(turn)
    config = turn.services.settings.app.complaints
    _resolution, errors = forms.check_resolution(config, intent.values)
    return forms.resolve_form(config, intent.metadata, intent.values, errors) if errors else None


async def resolve(turn: Turn) -> None:
    intent, origin = _form(turn)
    resolution, _errors = forms.check_resolution(turn.services.settings.app.complaints,
                                                 intent.values)
    if resolution is None:
        return
    await lifecycle.complaint_resolve(turn.session, turn.services, turn.actor, origin,
                                      intent.metadata, resolution.note, resolution.root_cause,
                                      shareable=resolution.shareable,
                                      what_changed=resolution.what_changed)


async def check_reply(turn: Turn) -> Form | None:
    intent, _origin = _form(turn)
    _text, errors = forms.check_reply(intent.values)
    return forms.reply_form(intent.metadata, intent.values, errors) if errors else None


async def reply(turn: Turn) -> None:
    intent, origin = _form(turn)
    text, _errors = forms.check_reply(intent.values)
    if text is None:
        return
    await lifecycle.complaint_reply(turn.session, turn.services, turn.actor, origin,
                                    intent.metadata, text)


async def answer(turn: Turn) -> None:
    """The complainant's Yes or No to "are you satisfied?"."""
    press = _button(turn)
    await lifecycle.complaint_answer(turn.session, turn.services, turn.actor, press.origin,
                                     press.value, satisfied=press.action_id == ids.SATISFIED,
                                     question=press.message)


def register(routes: Routes) -> None:
    routes.on_command("complain", None, open_form, reads_only=True)
    routes.on_command("complain", "status", status, reads_only=True)
    routes.on_command("complain", "list", list_open, reads_only=True)
    routes.on_form(ids.FILE_FORM, file, validate=check_filing)
    routes.on_form(ids.RESOLVE_FORM, resolve, validate=check_resolution)
    routes.on_form(ids.ASSIGN_FORM, assign)
    routes.on_form(ids.REPLY_FORM, reply, validate=check_reply)
    routes.on_button(ids.ASSIGN_ME, _on_button(lifecycle.complaint_assign))
    routes.on_button(ids.ASSIGN_START, _on_button(lifecycle.complaint_assign_start))
    routes.on_button(ids.ACKNOWLEDGE, _on_button(lifecycle.complaint_acknowledge))
    routes.on_button(ids.RESOLVE_START, _on_button(lifecycle.complaint_resolve_start))
    routes.on_button(ids.ESCALATE, _on_button(lifecycle.complaint_escalate))
    routes.on_button(ids.REPLY_START, _on_button(lifecycle.complaint_reply_start))
    routes.on_button(ids.SATISFIED, answer)
    routes.on_button(ids.UNSATISFIED, answer)
    routes.on_schedule("complaints.check", check, "interval", minutes=5)


async def check(turn: ScheduledTurn) -> None:
    """What is due now: SLA reminders and breaches, and for resolutions nobody answered, the
    reminder half-way and the close. It opens sessions of its own (see `ScheduledTurn`)."""
    await complaints_check(turn.services, turn.scheduled_for)
