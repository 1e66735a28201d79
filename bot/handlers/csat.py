"""CSAT: the survey's score and comment buttons, its comment form, the "Reach out" button on
low-score alerts, and the scheduled runs that send held-back surveys and close old ones."""

from __future__ import annotations

from datetime import datetime

from bot.flows import csat
from bot.handlers.dispatcher import Routes, Turn
from bot.intents import ButtonPress, FormSubmit
from bot.services import Services


def register(dispatcher: Routes) -> None:
    async def score(turn: Turn) -> None:
        assert isinstance(turn.intent, ButtonPress)
        await csat.answer(turn.services, turn.actor, turn.intent)

    async def comment(turn: Turn) -> None:
        assert isinstance(turn.intent, ButtonPress)
        await csat.comment_pressed(turn.services, turn.actor, turn.intent)

    async def comment_form(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, FormSubmit)
        invitation_id = int(intent.metadata) if intent.metadata.isdigit() else None
        await csat.save_comment(turn.services, turn.actor, intent.origin, invitation_id,
                                intent.values.get(csat.COMMENT_FIELD, ""))

    async def reach_out(turn: Turn) -> None:
        assert isinstance(turn.intent, ButtonPress)
        await csat.reach_out(turn.services, turn.actor, turn.intent)

    dispatcher.on_button(csat.ACTION_SCORE, score)
    dispatcher.on_button(csat.ACTION_COMMENT, comment)
    dispatcher.on_button(csat.ACTION_REACH_OUT, reach_out)
    dispatcher.on_form(csat.FORM_COMMENT, comment_form)


async def send_due_on_schedule(services: Services, _scheduled_for: datetime) -> None:
    """Every minute: surveys whose quiet hours are over (see `bot.scheduler.register_jobs`)."""
    await csat.send_due(services)


async def expire_on_schedule(services: Services, _scheduled_for: datetime) -> None:
    """Every few minutes: close surveys past their expiry."""
    await csat.expire_due(services)
