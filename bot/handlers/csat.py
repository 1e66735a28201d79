"""CSAT: the survey's score and comment buttons, its comment form, the "Reach out" and "Log as
complaint" buttons on low-score alerts, "Send kudos" on the thank-you for praise, and the
scheduled runs that send held-back surveys and close old ones."""

from __future__ import annotations

from datetime import datetime

from bot.flows import csat, csat_links
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

    async def log_complaint(turn: Turn) -> None:
        assert isinstance(turn.intent, ButtonPress)
        await csat_links.log_complaint(turn.services, turn.actor, turn.intent)

    async def send_kudos(turn: Turn) -> None:
        assert isinstance(turn.intent, ButtonPress)
        await csat_links.send_kudos(turn.services, turn.actor, turn.intent)

    dispatcher.on_button(csat.ACTION_SCORE, score)
    dispatcher.on_button(csat.ACTION_COMMENT, comment)
    dispatcher.on_button(csat.ACTION_REACH_OUT, reach_out)
    dispatcher.on_button(csat.ACTION_COMPLAINT, log_complaint)
    dispatcher.on_button(csat.ACTION_KUDOS, send_kudos)
    dispatcher.on_form(csat.FORM_COMMENT, comment_form)


async def send_due_on_schedule(services: Services, _scheduled_for: datetime) -> None:
    """Every minute: surveys whose quiet hours are over (see `bot.scheduler.register_jobs`)."""
    await csat.send_due(services)


async def expire_on_schedule(services: Services, _scheduled_for: datetime) -> None:
    """Every few minutes: close surveys past their expiry."""
    await csat.expire_due(services)
