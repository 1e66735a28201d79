"""NPS pulses: the 0-10 buttons and the "why?" form of a pulse DM, ``/touchpoint pulses
off|on`` for everyone, and ``/touchpoint pulse ...`` for IT leads."""

from __future__ import annotations

from bot.flows.pulses import SCORE_ACTION, SCORES, WHY_ACTION
from bot.flows.pulses_answers import (
    COMMENT_FORM,
    ask_why,
    record_comment,
    record_score,
    set_opt_out,
)
from bot.flows.pulses_leads import lead_command
from bot.handlers.dispatcher import Routes, Turn
from bot.intents import ButtonPress, Command, FormSubmit


def register(dispatcher: Routes) -> None:
    async def score(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, ButtonPress)
        await record_score(turn.services, turn.session, turn.actor, intent.origin,
                           intent.message, intent.value,
                           int(intent.action_id.removeprefix(SCORE_ACTION)))

    async def why(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, ButtonPress)
        await ask_why(turn.services, turn.session, intent.origin, intent.message, intent.value)

    async def comment(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, FormSubmit) and intent.origin is not None
        await record_comment(turn.services, turn.session, turn.actor, intent.origin,
                             intent.metadata, intent.values.get("comment", ""))

    async def opt_out(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        await set_opt_out(turn.services, turn.session, turn.actor, intent.origin,
                          intent.rest.strip().lower())

    async def lead(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        await turn.session.commit()
        await lead_command(turn.services, turn.actor, intent.origin, intent.rest)

    for n in SCORES:
        dispatcher.on_button(f"{SCORE_ACTION}{n}", score)
    dispatcher.on_button(WHY_ACTION, why)
    dispatcher.on_form(COMMENT_FORM, comment)
    dispatcher.on_command("touchpoint", "pulses", opt_out)
    dispatcher.on_command("touchpoint", "pulse", lead)
