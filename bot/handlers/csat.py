"""CSAT: the survey's score and comment buttons, its comment form, the "Reach out" and "Log as
complaint" buttons on low-score alerts, "Send kudos" on the thank-you for praise, and the
scheduled jobs that send held-back surveys and close old ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.flows.csat import links as csat_links
from bot.flows.csat import survey as csat
from bot.handlers.routes import Handler, Routes, ScheduledTurn, Turn
from bot.intents import ButtonPress, FormSubmit
from bot.services import Services
from storage.models import Person

PressFlow = Callable[[Services, Person, ButtonPress], Awaitable[None]]
"""A CSAT flow answering a button: (services, actor, the press)."""


def _pressed(flow: PressFlow) -> Handler:
    """The handler of a button whose flow takes the press as it came; the flow checks any
    role the button needs."""
    async def handler(turn: Turn) -> None:
        assert isinstance(turn.intent, ButtonPress)
        await flow(turn.services, turn.actor, turn.intent)
    return handler


def register(dispatcher: Routes) -> None:
    async def comment_form(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, FormSubmit)
        invitation_id = int(intent.metadata) if intent.metadata.isdigit() else None
        await csat.save_comment(turn.services, turn.actor, intent.origin, invitation_id,
                                intent.values.get(csat.COMMENT_FIELD, ""))

    for action, flow in ((csat.ACTION_SCORE, csat.answer),
                         (csat.ACTION_COMMENT, csat.comment_pressed),
                         (csat.ACTION_REACH_OUT, csat.reach_out),
                         (csat.ACTION_COMPLAINT, csat_links.log_complaint),
                         (csat.ACTION_KUDOS, csat_links.send_kudos)):
        dispatcher.on_button(action, _pressed(flow))
    dispatcher.on_form(csat.FORM_COMMENT, comment_form)
    dispatcher.on_schedule("csat.send_due", _send_due, "interval", minutes=1)
    dispatcher.on_schedule("csat.expire", _expire, "interval", minutes=10)


async def _send_due(turn: ScheduledTurn) -> None:
    """Surveys whose quiet hours are over, and look-ups a dead replica left."""
    await csat.send_due(turn.services)


async def _expire(turn: ScheduledTurn) -> None:
    """Close surveys past their expiry."""
    await csat.expire_due(turn.services)
