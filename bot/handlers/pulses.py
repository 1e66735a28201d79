"""NPS pulses: the 0-10 buttons and the "why?" form of a pulse DM, ``/touchpoint pulses
off|on`` for everyone, ``/touchpoint pulse ...`` for IT leads, and the answer-back button and
form of a lead's reply to a comment."""

from __future__ import annotations

from bot.flows.pulses.answers import ask_why, record_comment, record_score, set_opt_out
from bot.flows.pulses.ids import (
    ANSWER_BACK,
    ANSWER_BACK_FIELD,
    COMMENT_FIELD,
    COMMENT_FORM,
    SCORE_ACTION,
    SCORES,
    WHY_ACTION,
)
from bot.flows.pulses.leads import lead_command
from bot.flows.pulses.loop import ask_answer_back, record_answer_back
from bot.handlers.dispatcher import Routes, Turn
from bot.intents import ButtonPress, Command, FormSubmit


def register(dispatcher: Routes) -> None:
    async def score(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, ButtonPress)
        await record_score(turn.session, turn.services, turn.actor, intent.origin,
                           intent.message, intent.value,
                           int(intent.action_id.removeprefix(SCORE_ACTION)))

    async def why(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, ButtonPress)
        await ask_why(turn.session, turn.services, intent.origin, intent.message, intent.value)

    async def comment(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, FormSubmit) and intent.origin is not None
        await record_comment(turn.session, turn.services, turn.actor, intent.origin,
                             intent.metadata, intent.values.get(COMMENT_FIELD, ""))

    async def opt_out(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        await set_opt_out(turn.session, turn.services, turn.actor, intent.origin,
                          intent.rest.strip().lower())

    async def lead(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        await lead_command(turn.session, turn.services, turn.actor, intent.origin, intent.rest)

    async def answer_back(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, ButtonPress)
        await ask_answer_back(turn.session, turn.services, turn.actor, intent.origin,
                              intent.value)

    async def answer_back_sent(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, FormSubmit) and intent.origin is not None
        await record_answer_back(turn.session, turn.services, turn.actor, intent.origin,
                                 intent.metadata, intent.values.get(ANSWER_BACK_FIELD, ""))

    for n in SCORES:
        dispatcher.on_button(f"{SCORE_ACTION}{n}", score)
    dispatcher.on_button(WHY_ACTION, why)
    dispatcher.on_form(COMMENT_FORM, comment)
    dispatcher.on_button(ANSWER_BACK, answer_back)
    dispatcher.on_form(ANSWER_BACK, answer_back_sent)
    dispatcher.on_command("touchpoint", "pulses", opt_out)
    dispatcher.on_command("touchpoint", "pulse", lead)
