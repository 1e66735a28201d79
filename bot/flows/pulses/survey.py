"""Satisfaction surveys, the respondent's side: the DM's button opens one form of every
question (Slack: a modal of radio groups; Teams: a card of choice sets), pre-filled with what
the person answered before; submitting keeps what is answered, so a survey can be finished
later from the same message, which then says how far the person got.

One answer set per person: for an identified or confidential campaign the response is found by
the person (unique per campaign); for an anonymous one by the token's hash, and the person's
invite carries only the "started" and "finished" flags, each written in a transaction of its
own apart from the answers (see storage.pulses on why). As with scores, every write is
committed before the chat platform is called.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import catalogues
from bot.chat.message import ChoiceField, Form, Option, TextField
from bot.chat.port import MessageRef, Origin
from bot.chat.router import answer_language
from bot.flows.pulses.answers import (
    DOUBLE_PRESS_S,
    form_metadata,
    form_state,
    open_for_answers,
    parse_value,
    respondent_key,
    show_invite,
    tell_problem,
)
from bot.flows.pulses.ids import SATISFACTION, SCORES, SURVEY_FIELD, SURVEY_FORM
from bot.flows.pulses.message import ANSWERED_STAGE
from bot.services import Services
from storage import pulse_deliveries as deliveries
from storage import pulse_surveys as surveys
from storage import pulses as store
from storage.models import Person
from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from storage.pulses import PulseCampaign

log = logging.getLogger(__name__)

MAX_TEXT = 1000


def _field(n: int, question: Mapping[str, Any], previous: PulseQuestionAnswer | None
           ) -> ChoiceField | TextField:
    name = f"{SURVEY_FIELD}{n}"
    if question["kind"] == "text":
        return TextField(name, f"q{n}", multiline=True, required=False, max_length=MAX_TEXT,
                         initial=(previous.text or "") if previous else "")
    initial = str(previous.value) if previous and previous.value is not None else None
    if question["kind"] == "satisfaction":
        return ChoiceField(name, f"q{n}", tuple(Option(str(v), label=f"sat_{v}")
                                                for v in SATISFACTION),
                           required=False, initial=initial, style="radio")
    # Eleven choices: more than Slack shows as radio buttons, so a menu.
    return ChoiceField(name, f"q{n}", tuple(Option(str(v), str(v)) for v in SCORES),
                       required=False, initial=initial)


async def _response(session: AsyncSession, campaign: PulseCampaign, actor: Person,
                    token: str) -> PulseResponse | None:
    assert campaign.id is not None
    person = None if campaign.anonymity == "anonymous" else actor.id
    return await surveys.find_response(session, campaign.id, respondent_key(token), person)


async def _open_survey_of(session: AsyncSession, services: Services, origin: Origin,
                          value: str) -> tuple[PulseCampaign, str] | None:
    """The open survey a button's value names, and its token; None when there is none (the
    person has been told why)."""
    parsed = parse_value(value)
    campaign, problem = (None, "unknown") if parsed is None else await open_for_answers(
        session, services, parsed[0])
    if campaign is None or problem is not None or not campaign.is_survey or parsed is None:
        await session.rollback()
        await tell_problem(services, origin, problem or "unknown")
        return None
    return campaign, parsed[1]


async def open_survey(session: AsyncSession, services: Services, actor: Person,
                      origin: Origin, message: MessageRef | None, value: str) -> None:
    """Open the survey's form, pre-filled with the person's earlier answers."""
    found = await _open_survey_of(session, services, origin, value)
    if found is None:
        return
    campaign, token = found
    assert campaign.id is not None and actor.id is not None
    response = await _response(session, campaign, actor, token)
    if response is None and campaign.anonymity == "anonymous" and not await deliveries.invited(
            session, campaign.id, actor.id):
        await session.rollback()
        await tell_problem(services, origin, "not invited")
        return
    previous = await surveys.answers_of(session, response.id) if response and response.id \
        else {}
    # Each question in the reader's language, where app.yaml gives it in several.
    language = services.settings.app.organisation.locale
    questions = [{**question, "text": catalogues.pick(question["text"], origin.locale, language)}
                 for question in campaign.questions or []]
    # Ends the read before opening the form (Slack's trigger lasts 3 s).
    await session.commit()
    await services.chat.open_form(origin, Form(
        "pulses/survey_form", SURVEY_FORM,
        tuple(_field(n, q, previous.get(n)) for n, q in enumerate(questions)),
        context={"questions": questions, "anonymity": campaign.anonymity},
        metadata=form_metadata(value, message)))


def _answers(campaign: PulseCampaign, response_id: int,
             values: Mapping[str, str]) -> list[PulseQuestionAnswer]:
    """The answered questions among `values`; a value no option offers counts as unanswered."""
    assert campaign.id is not None
    found = []
    for n, question in enumerate(campaign.questions or []):
        raw = (values.get(f"{SURVEY_FIELD}{n}") or "").strip()
        kind = question["kind"]
        allowed = SATISFACTION if kind == "satisfaction" else SCORES
        if kind == "text":
            if raw:
                found.append(PulseQuestionAnswer(
                    response_id=response_id, campaign_id=campaign.id, question=n,
                    aspect=question["aspect"], kind=kind, text=raw[:MAX_TEXT]))
        elif raw.isdigit() and int(raw) in allowed:
            found.append(PulseQuestionAnswer(
                response_id=response_id, campaign_id=campaign.id, question=n,
                aspect=question["aspect"], kind=kind, value=int(raw)))
    return found


def _finished(campaign: PulseCampaign, answers: list[PulseQuestionAnswer]) -> bool:
    """Every scale answered (words are optional)."""
    scales = {n for n, q in enumerate(campaign.questions or []) if q["kind"] != "text"}
    return scales <= {a.question for a in answers}


async def _start(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                 campaign: PulseCampaign, token: str) -> PulseResponse | None:
    """The person's one answer set, begun: their invite flips to started once, and only that
    flip may add it. None when it was begun from another message (or by another submission
    of this one, which is waited for a moment, as a double press of a pulse's score is)."""
    assert campaign.id is not None and actor.id is not None
    anonymous = campaign.anonymity == "anonymous"
    if not await deliveries.mark_answered(session, campaign.id, actor.id):
        if not anonymous:
            return None
        await session.commit()
        await asyncio.sleep(DOUBLE_PRESS_S)
        return await _response(session, campaign, actor, token)
    if anonymous:
        # Committed apart from the answers (see storage.pulses on row stamps).
        await session.commit()
    response = PulseResponse(campaign_id=campaign.id, respondent_key=respondent_key(token),
                             person_id=None if anonymous else actor.id,
                             segments=dict(actor.segments),
                             locale=answer_language(
                                 origin, services.settings.app.organisation.locale))
    session.add(response)
    try:
        await session.flush()
    except Exception:
        await session.rollback()
        if anonymous:
            # Not begun after all: the flag must not lock the person out.
            await deliveries.unmark_answered(session, campaign.id, actor.id)
            await session.commit()
        raise
    return response


async def record_survey(session: AsyncSession, services: Services, actor: Person,
                        origin: Origin, metadata: str, values: Mapping[str, str]) -> None:
    """Keep what the form answers, mark the person finished or not, and update their DM."""
    assert actor.id is not None
    state = form_state(metadata)
    if state is None:
        log.info("survey answers with malformed metadata refused")
        await tell_problem(services, origin, "unknown")
        return
    message = state[1]
    found = await _open_survey_of(session, services, origin, state[0])
    if found is None:
        return
    campaign, token = found
    assert campaign.id is not None
    anonymous = campaign.anonymity == "anonymous"
    response = await _response(session, campaign, actor, token)
    if response is None:
        response = await _start(session, services, actor, origin, campaign, token)
        if response is None:
            invited = await deliveries.invited(session, campaign.id, actor.id)
            await session.rollback()
            await tell_problem(services, origin, "answered elsewhere" if invited else "not invited")
            return
    assert response.id is not None
    if not await store.lock_if_open(session, campaign.id, services.clock()):
        # Closed since the check above (the form stayed open meanwhile): nothing kept. The
        # close's tallies count every answer written before it (storage.pulse_tallies).
        campaign_id, actor_id, key = campaign.id, actor.id, respondent_key(token)
        await session.rollback()
        if anonymous and await surveys.find_response(session, campaign_id, key, None) is None:
            # The invite was marked in a transaction of its own: as it was.
            await deliveries.unmark_answered(session, campaign_id, actor_id)
            await session.commit()
        await tell_problem(services, origin, "closed")
        return
    answers = _answers(campaign, response.id, values)
    await surveys.replace_answers(session, response, answers)
    response.finished = _finished(campaign, answers)
    response.answered_at = None if anonymous else services.clock()
    session.add(response)
    finished = response.finished
    if anonymous:
        # The answers are kept before the person's invite says whether they finished, in a
        # transaction apart from them.
        await session.commit()
    await surveys.mark_finished(session, campaign.id, actor.id, finished)
    await session.commit()
    services.metrics.pulse_answers.labels("finished" if finished else "partial").inc()
    if message is not None:
        await show_invite(services, origin, message, campaign, actor, ANSWERED_STAGE, token,
                          answered=len(answers), finished=finished)
