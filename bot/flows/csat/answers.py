"""The requester's answer to a survey: a score button (`answer_survey`), and the comment that
may follow it, typed into the survey card (Teams) or a form (Slack: `open_comment_form`, then
`save_comment`). The answer is stored once per invitation, the survey DM turns into the
thank-you (an update of its outbox key), and a low score alerts the triage channel
(`bot.flows.csat.alerts`) and the requester's department's ambassadors
(`bot.flows.ambassadors.low_score`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form, TextField
from bot.chat.port import Origin
from bot.chat.router import answer_language
from bot.flows.ambassadors import low_score
from bot.flows.board.changes import home_changed
from bot.flows.csat import alerts, ids
from bot.flows.csat.survey import (
    MAX_COMMENT,
    Survey,
    clean_comment,
    count,
    load_survey,
    notice,
    survey_message,
    thanks_message,
)
from bot.services import Services
from storage import csat as store
from storage import outbox
from storage.csat import InvitationStatus, SurveyAnswer, alert_key, survey_key
from storage.models import Person
from storage.once import insert_once


async def answer_survey(session: AsyncSession, services: Services, actor: Person,
                        origin: Origin, invitation_id: int | None, score: int,
                        comment: str = "") -> None:
    """A score button: store the answer once, thank the person in place, alert on a low
    score. `comment` is what the survey card's comment box held (Teams)."""
    now = services.clock()
    stored = closed_now = False
    survey = await load_survey(session, invitation_id)
    if survey is not None and survey.invitation.person_id == actor.id:
        expires_at = survey.invitation.expires_at
        if expires_at is not None and expires_at <= now:
            # Past its time but not yet closed by the scheduled run: close it now.
            closed_now = await store.transition(session, survey.invitation.id,
                                                InvitationStatus.SENT,
                                                status=InvitationStatus.EXPIRED)
        else:
            stored = await _store_answer(
                session, survey, score, clean_comment(comment) or None, now,
                answer_language(origin, services.settings.app.organisation.locale))
        survey = await load_survey(session, invitation_id)
    if survey is None or survey.invitation.person_id != actor.id:
        await notice(session, services, origin, "unknown" if survey is None else "not_yours")
        return
    invitation, ticket = survey.invitation, survey.ticket
    if stored and survey.answer is not None:
        services.metrics.csat_answers.labels(str(score)).inc()
        await home_changed(session, services, [actor.id])
        await services.outbox.edit(session, survey_key(invitation.id),
                                     await thanks_message(session, services, survey,
                                                          origin.platform))
        if score <= services.settings.app.csat.low_score:
            await alerts.post_alert(session, services, invitation.id)
            await low_score.tell_ambassadors(session, services, invitation.id)
        return
    if closed_now:
        count(services, InvitationStatus.EXPIRED, "")
        await services.outbox.edit(session, survey_key(invitation.id),
                                     survey_message("closed", ticket, invitation.id))
    if survey.answer is not None:
        await notice(session, services, origin, "answered", ticket, score=survey.answer.score)
    elif invitation.status == InvitationStatus.VOID:
        await notice(session, services, origin, "void", ticket)
    else:
        await notice(session, services, origin, "closed", ticket)


async def _store_answer(session: AsyncSession, survey: Survey, score: int,
                        comment: str | None, now: datetime, locale: str) -> bool:
    """True when this call stored the answer (the turn commits it); `locale` is the language
    the survey was read in."""
    invitation = survey.invitation
    # Pending too: a click can come before the outbox has recorded the DM as sent (a click
    # shows it arrived: it counts as sent now, unless it was noted before). The state moves
    # first, conditionally, so of two clicks (or a click and a reopening, or the expiry)
    # exactly one wins, and only the winner inserts the answer.
    if not await store.mark_answered(session, invitation.id, now):
        return False
    return await insert_once(session, SurveyAnswer, invitation_id=invitation.id, score=score,
                             comment=comment, answered_at=now, locale=locale)


async def open_comment_form(session: AsyncSession, services: Services, actor: Person,
                            origin: Origin, invitation_id: int | None) -> None:
    """"Add a comment" on the thank-you (Slack): the comment form, with the comment so far."""
    survey = await load_survey(session, invitation_id)
    problem = _comment_problem(survey, actor)
    if problem is not None or survey is None or survey.answer is None:
        await notice(session, services, origin, problem or "unknown",
                     survey.ticket if survey else None)
        return
    ticket = survey.ticket
    # Committed before the platform call: the form must open within Slack's 3 seconds, and
    # the transaction (SQLite's one connection) must not wait on it.
    await session.commit()
    await services.chat.open_form(origin, Form(
        "csat/comment", ids.FORM_COMMENT,
        (TextField(ids.FIELD_COMMENT, "comment_label", multiline=True, max_length=MAX_COMMENT,
                   initial=survey.answer.comment or ""),),
        context={"number": ticket.external_id, "title": ticket.title,
                 "score": survey.answer.score},
        metadata=str(invitation_id)))


async def save_comment(session: AsyncSession, services: Services, actor: Person,
                       origin: Origin | None, invitation_id: int | None, text: str) -> None:
    """Keep the person's comment on their answer (the latest one wins) and show it in the
    survey DM and in the low-score alert, if there is one."""
    comment = clean_comment(text)
    survey = await load_survey(session, invitation_id)
    problem = _comment_problem(survey, actor) or (None if comment else "empty_comment")
    if problem is not None or survey is None or survey.answer is None:
        await notice(session, services, origin, problem or "unknown",
                     survey.ticket if survey else None)
        return
    await store.set_comment(session, survey.invitation.id, comment)
    survey = await load_survey(session, invitation_id)
    assert survey is not None
    await services.outbox.edit(session, survey_key(survey.invitation.id),
                                 await thanks_message(session, services, survey,
                                                      origin.platform if origin else None))
    if await outbox.rows_for(session, alert_key(survey.invitation.id)):
        await alerts.refresh_alert(session, services, survey.invitation.id)
        await low_score.refresh_notices(session, services, survey.invitation.id)


def _comment_problem(survey: Survey | None, actor: Person) -> str | None:
    if survey is None:
        return "unknown"
    if survey.invitation.person_id != actor.id:
        return "not_yours"
    if survey.answer is None:
        return "score_first"
    return None
