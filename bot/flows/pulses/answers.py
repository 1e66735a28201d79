"""NPS pulses, the respondent's side: a score from the 0-10 buttons (recorded once, changed
in place until the close), the optional "why?" comment, and opting out of pulses.

The button value is ``<campaign id>.<token>``; the answer row is found by the token's hash
(see storage.pulses), the person's invite by who pressed it. The pressed message is updated
straight through the chat port, not the outbox: it answers the person in front of us, and
its buttons carry the token, which no table may hold next to whom it was sent to. Every write
is committed before that update, so no transaction waits on a chat platform.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form, Message, TextField
from bot.chat.port import MessageRef, Origin
from bot.chat.router import answer_language, in_language
from bot.flows.board.changes import home_changed
from bot.flows.pulses.ids import COMMENT_FIELD, COMMENT_FORM
from bot.flows.pulses.loop import seal
from bot.flows.pulses.message import ANSWERED_STAGE, CLOSED_STAGE, pulse_message
from bot.services import Services
from storage import pulse_deliveries as deliveries
from storage import pulses as store
from storage.models import Person
from storage.pulses import PulseAnswer, PulseCampaign

log = logging.getLogger(__name__)

DOUBLE_PRESS_S = 0.3
MAX_COMMENT = 1000
_VALUE = re.compile(r"^(\d{1,12})\.([A-Za-z0-9_-]{16,64})$")


def respondent_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_value(value: str) -> tuple[int, str] | None:
    match = _VALUE.fullmatch(value)
    return (int(match[1]), match[2]) if match else None


def form_metadata(value: str, message: MessageRef | None) -> str:
    """What a pulse's form carries back: the pressed button's value and the message to update."""
    return json.dumps({"value": value,
                       "message": message.to_json() if message is not None else None})


def form_state(metadata: str) -> tuple[str, MessageRef | None] | None:
    """`form_metadata` read back; None when it is not that."""
    try:
        state = json.loads(metadata)
        return (str(state["value"]),
                MessageRef.from_json(state["message"]) if state.get("message") else None)
    except (ValueError, KeyError, TypeError):
        return None


async def tell_problem(services: Services, origin: Origin, problem: str) -> None:
    await services.chat.reply_privately(origin, Message("pulses/problem",
                                                        {"problem": problem}))


async def show_invite(services: Services, origin: Origin, message: MessageRef,
                      campaign: PulseCampaign, actor: Person, stage: str, token: str | None,
                      **state: Any) -> None:
    """Edit `actor`'s invite in place to `stage`, in the language they read: the invite was
    sent to them in it, and the origin of their press carries it (`in_reader_language`)."""
    await services.chat.edit(message, in_language(pulse_message(
        campaign, services.settings.app.organisation.name, actor.tz, stage, token, **state),
        origin.locale))


async def open_for_answers(session: AsyncSession, services: Services,
                         campaign_id: int) -> tuple[PulseCampaign | None, str | None]:
    """The campaign, and the problem that stops an answer to it (unknown, closed)."""
    campaign = await session.get(PulseCampaign, campaign_id)
    if campaign is None:
        return None, "unknown"
    if campaign.status == store.CLOSED or services.clock() >= campaign.closes_at:
        return campaign, "closed"
    return campaign, None


async def record_score(session: AsyncSession, services: Services, actor: Person,
                       origin: Origin, message: MessageRef | None, value: str,
                       score: int) -> None:
    """Record (or change) `actor`'s score, then show the message as answered. The
    transaction writing it checks again that the pulse is open, holding its row
    (storage.pulses.lock_if_open): the close's tallies then count it, or it is refused."""
    assert actor.id is not None
    parsed = parse_value(value)
    if parsed is None or score not in range(11):
        log.info("pulse score with a malformed value refused")
        await tell_problem(services, origin, "unknown")
        return
    campaign_id, token = parsed
    campaign, problem = await open_for_answers(session, services, campaign_id)
    if campaign is None or problem is not None:
        # Ends the read before the chat calls (on SQLite a transaction holds the write lock).
        await session.commit()
        if campaign is not None and message is not None:
            await show_invite(services, origin, message, campaign, actor, CLOSED_STAGE, None)
        await tell_problem(services, origin, problem or "unknown")
        return
    key = respondent_key(token)
    anonymous = campaign.anonymity == "anonymous"
    # The marker first: the person's invite flips to answered once, whichever message they
    # answer from; only that flip may add an answer.
    if await deliveries.mark_answered(session, campaign_id, actor.id):
        # With the marker, not the answer: nothing ties an anonymous answer to the person.
        await home_changed(session, services, [actor.id])
        if anonymous:
            # Committed apart from the answer: PostgreSQL stamps every row a transaction
            # writes with its id (xmin), which would tie the answer to this person's invite.
            await session.commit()
        if not await store.lock_if_open(session, campaign_id, services.clock()):
            # Closed since the check above: no answer, and the invite as it was.
            await deliveries.unmark_answered(session, campaign_id, actor.id)
            await session.commit()
            if message is not None:
                await show_invite(services, origin, message, campaign, actor, CLOSED_STAGE,
                                  None)
            await tell_problem(services, origin, "closed")
            return
        session.add(PulseAnswer(
            campaign_id=campaign_id, respondent_key=key, score=score,
            person_id=None if anonymous else actor.id, segments=dict(actor.segments),
            answered_at=None if anonymous else services.clock(),
            locale=answer_language(origin, services.settings.app.organisation.locale)))
        try:
            # Committed here so the answer is kept before the message shows it.
            await session.commit()
        except Exception:
            await session.rollback()
            if anonymous:
                await deliveries.unmark_answered(session, campaign_id, actor.id)
                await session.commit()
            raise
        change, comment = "new", None
    else:
        answer = await store.find_answer(session, campaign_id, key)
        if answer is None and anonymous:
            # The first press of a double click may be between its two commits.
            await session.commit()
            await asyncio.sleep(DOUBLE_PRESS_S)
            answer = await store.find_answer(session, campaign_id, key)
        if answer is None:
            invited = await deliveries.invited(session, campaign_id, actor.id)
            await session.rollback()
            await tell_problem(services, origin, "answered elsewhere" if invited else "not invited")
            return
        if not await store.lock_if_open(session, campaign_id, services.clock()):
            await session.rollback()
            await tell_problem(services, origin, "closed")
            return
        answer.score = score
        if not anonymous:
            answer.answered_at = services.clock()
        session.add(answer)
        # Committed before the message shows it, as above.
        await session.commit()
        change, comment = "changed", answer.comment
    services.metrics.pulse_answers.labels(change).inc()
    if message is not None:
        await show_invite(services, origin, message, campaign, actor, ANSWERED_STAGE, token,
                          score=score, comment=comment)


async def ask_why(session: AsyncSession, services: Services, origin: Origin,
                  message: MessageRef | None, value: str) -> None:
    """Open the comment form for an answer already given."""
    parsed = parse_value(value)
    answer = campaign = None
    if parsed is not None:
        answer = await store.find_answer(session, parsed[0], respondent_key(parsed[1]))
        campaign = await session.get(PulseCampaign, parsed[0])
    # Ends the read before opening the form (a slow platform call, Slack's 3 s trigger).
    await session.commit()
    if answer is None:
        await tell_problem(services, origin, "unknown")
        return
    await services.chat.open_form(origin, Form(
        "pulses/comment", COMMENT_FORM,
        (TextField(COMMENT_FIELD, "comment_label", multiline=True, required=False,
                   initial=answer.comment or "", max_length=MAX_COMMENT),),
        metadata=form_metadata(value, message),
        # app.yaml's why-question, in every language given: the renderer picks the reader's.
        context={"why_question": ((campaign.wording or {}).get("why") if campaign else None)}))


async def record_comment(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin, metadata: str, text: str) -> None:
    """Keep the comment with the answer (an empty one removes it) and show it was kept."""
    state = form_state(metadata)
    parsed = parse_value(state[0]) if state is not None else None
    if state is None or parsed is None:
        log.info("pulse comment with malformed metadata refused")
        await tell_problem(services, origin, "unknown")
        return
    message = state[1]
    campaign_id, token = parsed
    campaign, problem = await open_for_answers(session, services, campaign_id)
    answer = await store.find_answer(session, campaign_id, respondent_key(token))
    if campaign is None or problem is not None or answer is None:
        await session.rollback()
        await tell_problem(services, origin, problem or "unknown")
        return
    answer.comment = text.strip()[:MAX_COMMENT] or None
    if campaign.anonymity == "anonymous" and answer.reply_route is None and answer.comment:
        assert actor.id is not None
        answer.reply_route = seal(services, actor.id)
    session.add(answer)
    # Committed before the message shows it (no transaction waits on a chat platform).
    await session.commit()
    if message is not None:
        await show_invite(services, origin, message, campaign, actor, ANSWERED_STAGE, token,
                          score=answer.score, comment=answer.comment)
    else:
        await services.chat.reply_privately(origin, Message("pulses/problem",
                                                            {"problem": "comment kept"}))


async def set_opt_out(session: AsyncSession, services: Services, actor: Person,
                      origin: Origin, word: str) -> None:
    """``pulses off`` / ``pulses on`` / ``pulses`` (say which it is now)."""
    assert actor.id is not None
    if word == "off":
        await store.opt_out(session, actor.id, services.clock())
    elif word == "on":
        await store.opt_in(session, actor.id)
    opted_out = await store.opted_out(session, actor.id)
    # Committed before the answer, so the choice holds whatever the platform does.
    await session.commit()
    await services.chat.reply_privately(origin, Message("pulses/opt_out", {
        "opted_out": opted_out, "changed": word in ("on", "off"),
        "unknown": word if word not in ("", "on", "off") else None}))
