"""CSAT: the survey's score and comment buttons, its comment form, the "Reach out" and "Log as
complaint" buttons on low-score alerts, "Send kudos" on the thank-you for praise, and the
scheduled jobs that note what became of survey DMs due and close old surveys.

Each handler unpacks its intent into the flow's plain arguments (the invitation id a button's
value or a form's metadata names, what was typed)."""

from __future__ import annotations

from bot.flows.csat import answers, ids, links, sending
from bot.flows.csat.alerts import reach_out
from bot.flows.csat.survey import parse_id, parse_score
from bot.handlers.routes import Routes, ScheduledTurn, Turn
from bot.intents import ButtonPress, FormSubmit


def _press(turn: Turn) -> ButtonPress:
    assert isinstance(turn.intent, ButtonPress)
    return turn.intent


async def score(turn: Turn) -> None:
    press = _press(turn)
    invitation_id, value = parse_score(press.value)
    await answers.answer_survey(turn.session, turn.services, turn.actor, press.origin,
                                invitation_id, value, press.inputs.get(ids.FIELD_COMMENT, ""))


async def comment(turn: Turn) -> None:
    """"Add a comment": with the card's comment box (Teams) saved at once, else the form."""
    press = _press(turn)
    invitation_id = parse_id(press.value)
    if ids.FIELD_COMMENT in press.inputs:
        await answers.save_comment(turn.session, turn.services, turn.actor, press.origin,
                                   invitation_id, press.inputs[ids.FIELD_COMMENT])
    else:
        await answers.open_comment_form(turn.session, turn.services, turn.actor,
                                        press.origin, invitation_id)


async def comment_form(turn: Turn) -> None:
    intent = turn.intent
    assert isinstance(intent, FormSubmit)
    await answers.save_comment(turn.session, turn.services, turn.actor, intent.origin,
                               parse_id(intent.metadata),
                               intent.values.get(ids.FIELD_COMMENT, ""))


async def reach_out_pressed(turn: Turn) -> None:
    press = _press(turn)
    await reach_out(turn.session, turn.services, turn.actor, press.origin,
                    parse_id(press.value))


async def complaint_pressed(turn: Turn) -> None:
    press = _press(turn)
    await links.log_complaint(turn.session, turn.services, turn.actor, press.origin,
                              parse_id(press.value))


async def kudos_pressed(turn: Turn) -> None:
    press = _press(turn)
    await links.send_kudos(turn.session, turn.services, turn.actor, press.origin,
                           parse_id(press.value))


def register(dispatcher: Routes) -> None:
    for action, handler in ((ids.ACTION_SCORE, score), (ids.ACTION_COMMENT, comment),
                            (ids.ACTION_REACH_OUT, reach_out_pressed),
                            (ids.ACTION_COMPLAINT, complaint_pressed),
                            (ids.ACTION_KUDOS, kudos_pressed)):
        dispatcher.on_button(action, handler)
    dispatcher.on_form(ids.FORM_COMMENT, comment_form)
    dispatcher.on_schedule("csat.send_due", _send_due, "interval", minutes=1)
    dispatcher.on_schedule("csat.expire", _expire, "interval", minutes=10)


async def _send_due(turn: ScheduledTurn) -> None:
    """What the outbox did with the survey DMs due, and look-ups a dead replica left; in
    sessions of its own (see `ScheduledTurn`)."""
    await sending.send_due_surveys(turn.services)


async def _expire(turn: ScheduledTurn) -> None:
    """Close surveys past their expiry, in the turn's session."""
    await sending.expire_surveys(turn.session, turn.services)
