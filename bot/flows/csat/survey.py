"""Transactional CSAT: one "How did we do?" question to the requester of each resolved ticket.

Who is asked and when (the fatigue rules) is decided in `bot.flows.csat.invitations`, in the
ticket intake's own transaction; the ticket handler then calls `survey_decided` (send what is
due, or look for a requester first, in the background) and `survey_withdrawn`. People answer
with the survey's buttons (`answer`, `comment_pressed`, `save_comment`) and IT staff take on
low scores (`reach_out`); two scheduled jobs send surveys held back by quiet hours, and finish
look-ups a dead replica left (`send_due`), and close old ones (`expire_due`). The thank-you
offers kudos for praise of the assignee (`praise_of`); what the "Log as complaint" and "Send
kudos" buttons do is in `bot.flows.csat.links`.

Every step writes in its own short transaction and commits before it talks to a chat
platform (SQLite holds its write lock for the whole transaction). Doing a thing once is left
to the database: the invitation is unique per ticket, the answer per invitation, the follow-up
per invitation, and each state change is conditional on the state it starts from. So a
retried event, a double click or a second replica does nothing more. An unanswered survey
closes after `expire_after_days` (app.yaml ``csat:``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Form, Message, TextField
from bot.chat.port import MessageRef, Origin, Undeliverable
from bot.config import Role
from bot.flows.csat import invitations
from bot.flows.csat.invitations import Invited, Withdrawn
from bot.flows.directory.people import add_profile
from bot.intents import ButtonPress
from bot.services import Services
from storage import audit
from storage import csat as store
from storage import csat_links as links
from storage.csat import InvitationStatus, SurveyAnswer, SurveyFollowUp, SurveyInvitation
from storage.directory import find_by_email
from storage.models import Person
from storage.once import insert_once
from storage.tickets import Ticket

log = logging.getLogger(__name__)

ACTION_SCORE = "csat.score"
ACTION_COMMENT = "csat.comment"
ACTION_REACH_OUT = "csat.reach_out"
ACTION_COMPLAINT = "csat.complaint"
ACTION_KUDOS = "csat.kudos"
FORM_COMMENT = "csat.comment"
COMMENT_FIELD = "comment"
MAX_COMMENT = 3000
SCORES = range(1, 6)
PRAISE_SCORE = 4
"""A score at or above this with a comment counts as praise of the assignee."""

SEND_LEASE = timedelta(minutes=10)
"""A sender that claimed an invitation and has not finished after this is taken to have died,
and the invitation is sent again: a survey sent twice after a crash at the wrong moment is
better than one never sent."""
BATCH = 200
"""Invitations one scheduled run sends or expires at most; the next run takes the rest."""
SEND_CONCURRENCY = 8
"""DMs one scheduled run has in flight at once (each person's DM is its own Slack channel, so
they do not share a per-channel rate limit; slack_sdk waits out a 429 on its own)."""


# ------------------------------------------------------------------ the ticket events


def survey_decided(services: Services, invited: Invited | None) -> None:
    """Act on a survey decision once it is committed: count it, send one due now, or look
    for a requester the directory could not reach by chat and then decide.

    Both go on in the background: the caller (the desk's webhook) is not held by a chat
    platform. The invitation is already claimed: if this replica dies first, the scheduled
    run takes it over once the claim's lease is over.
    """
    if invited is None:
        return  # decided before, or by another replica a moment ago
    if invited.status == InvitationStatus.LOOKUP:
        ticket = invited.ticket
        services.background.spawn(f"csat.lookup:{invited.id}",
                                  lambda: _look_up_and_settle(services, invited.id, ticket))
    elif invited.status != InvitationStatus.PENDING:
        _count(services, invited.status, invited.reason)
    elif not invited.claimed:
        _count(services, "deferred", "quiet_hours")
    elif invited.person is not None:
        person, ticket = invited.person, invited.ticket
        services.background.spawn(f"csat.send:{invited.id}",
                                  lambda: _send(services, invited.id, person, ticket))


async def _look_up_and_settle(services: Services, invitation_id: int, ticket: Ticket) -> None:
    """Find the requester of an invitation claimed for its look-up, then record and act on
    its decision."""
    person, unreachable = await _requester(services, ticket)
    async with services.sessions() as session:
        if person is not None:
            # Locked, as `decide_surveys` locks: the fatigue check is serialised per person.
            person = await session.get(Person, person.id, with_for_update=True)
        invited = await invitations.settle(session, services.settings.app.csat, invitation_id,
                                           ticket, person, unreachable, services.clock())
        await session.commit()
    survey_decided(services, invited)


async def _requester(services: Services, ticket: Ticket) -> tuple[Person | None, str | None]:
    """The person to ask, or None and why not: from the directory by id or email, else from
    the chat platforms by email (added to the directory, or joined to the row with that email
    when the directory knew the email but no chat account). No transaction is held across
    the platform's answer."""
    async with services.sessions() as session:
        person = await invitations.requester_on_file(session, ticket)
        await session.commit()
    if not invitations.needs_look_up(ticket, person):
        return person, None
    email = ticket.requester_email or (person.email if person else "") or ""
    try:
        profile = await services.chat.profile_by_email(email.strip().lower())
    except Exception as error:
        log.warning("csat: looking up the requester of ticket %s failed (%s)", ticket.id,
                    type(error).__name__)
        return None, "lookup_failed"
    if profile is not None:
        async with services.sessions() as session:
            person = await add_profile(session, services.settings.app, profile)
            await session.commit()
    return person, None


def survey_withdrawn(services: Services, withdrawn: Withdrawn | None) -> None:
    """Act on a withdrawal committed with a reopening (`withdraw_surveys`): count it, and
    update the survey message to say so, in the background (the withdrawal stands whatever
    the platform does)."""
    if withdrawn is None:
        return
    _count(services, InvitationStatus.VOID, "reopened")
    if withdrawn.message_ref:
        ref = MessageRef.from_json(withdrawn.message_ref)
        message = survey_message("void", withdrawn.ticket, withdrawn.id)
        services.background.spawn(f"csat.withdraw:{withdrawn.id}",
                                  lambda: update_quietly(services, ref, message))


# ------------------------------------------------------------------ sending and expiring


async def deliver(services: Services, invitation_id: int) -> None:
    """Send a due pending invitation, once. A failure that may pass leaves it pending for the
    next scheduled run; a requester who cannot be reached marks it unreachable."""
    now = services.clock()
    async with services.sessions() as session:
        claimed = await store.claim(session, invitation_id, now, SEND_LEASE)
        invitation = await session.get(SurveyInvitation, invitation_id) if claimed else None
        person = (await session.get(Person, invitation.person_id)
                  if invitation and invitation.person_id else None)
        ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
        await session.commit()
    if invitation is None or person is None or ticket is None:
        return
    await _send(services, invitation_id, person, ticket)


async def _send(services: Services, invitation_id: int, person: Person, ticket: Ticket) -> None:
    """Send an invitation this caller claimed, and record how that went."""
    try:
        ref = await services.chat.send_dm(person, survey_message("invite", ticket, invitation_id))
    except Undeliverable as error:
        log.info("csat: invitation %s cannot be delivered (%s)", invitation_id, error)
        async with services.sessions() as session:
            moved = await store.transition(session, invitation_id, InvitationStatus.PENDING,
                                           status=InvitationStatus.UNREACHABLE,
                                           reason="undeliverable")
            await session.commit()
        if moved:
            _count(services, InvitationStatus.UNREACHABLE, "undeliverable")
        return
    except Exception as error:
        log.warning("csat: sending invitation %s failed (%s); the next run tries again",
                    invitation_id, type(error).__name__)
        async with services.sessions() as session:
            await store.transition(session, invitation_id, InvitationStatus.PENDING,
                                   claimed_at=None)
            await session.commit()
        return
    sent_at = services.clock()
    async with services.sessions() as session:
        sent = await store.transition(
            session, invitation_id, InvitationStatus.PENDING, status=InvitationStatus.SENT,
            sent_at=sent_at, message_ref=ref.to_json(),
            expires_at=sent_at + timedelta(days=services.settings.app.csat.expire_after_days))
        status = InvitationStatus.SENT
        if not sent:
            # Answered by a quick click on the message just sent, or reopened while it was
            # being sent: keep the reference either way.
            await session.exec(update(SurveyInvitation)
                               .where(col(SurveyInvitation.id) == invitation_id)
                               .values(message_ref=ref.to_json(), sent_at=sent_at))
            status = (await session.exec(select(SurveyInvitation.status)
                                         .where(SurveyInvitation.id == invitation_id))).one()
        await session.commit()
    if status != InvitationStatus.VOID:
        _count(services, InvitationStatus.SENT, "")
    else:
        await update_quietly(services, ref, survey_message("void", ticket, invitation_id))


async def send_due(services: Services) -> None:
    """Send every invitation whose quiet hours are over (or whose sending failed before), and
    finish the look-ups of replicas that died, `SEND_CONCURRENCY` at a time: a morning's
    worth of surveys held overnight goes out in minutes, not one platform round trip after
    another."""
    now = services.clock()
    async with services.sessions() as session:
        due = await store.due_for_sending(session, now, BATCH)
        orphans = []
        for invitation_id in await store.reclaim_lookups(session, now, SEND_LEASE, BATCH):
            invitation = await session.get(SurveyInvitation, invitation_id)
            ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
            if ticket is not None:
                orphans.append((invitation_id, ticket))
        await session.commit()
    slots = asyncio.Semaphore(SEND_CONCURRENCY)

    async def one(work: Awaitable[None]) -> None:
        async with slots:
            await work

    await asyncio.gather(*(one(deliver(services, invitation_id)) for invitation_id in due),
                         *(one(_look_up_and_settle(services, invitation_id, ticket))
                           for invitation_id, ticket in orphans))


async def expire_due(services: Services) -> None:
    """Close unanswered surveys past their expiry, updating each message to say so."""
    async with services.sessions() as session:
        due = await store.due_for_expiry(session, services.clock(), BATCH)
        await session.commit()
    for invitation_id in due:
        async with services.sessions() as session:
            expired = await store.transition(session, invitation_id, InvitationStatus.SENT,
                                             status=InvitationStatus.EXPIRED)
            invitation = await session.get(SurveyInvitation, invitation_id)
            ticket = await session.get(Ticket, invitation.ticket_id) if invitation else None
            await session.commit()
        if not expired or invitation is None or ticket is None:
            continue
        _count(services, InvitationStatus.EXPIRED, "")
        if invitation.message_ref:
            await update_quietly(services, MessageRef.from_json(invitation.message_ref),
                                 survey_message("closed", ticket, invitation_id))


# ------------------------------------------------------------------ answers and comments


@dataclass(frozen=True)
class Survey:
    """What a click on a survey found, read in one transaction."""

    invitation: SurveyInvitation
    ticket: Ticket
    answer: SurveyAnswer | None


async def answer(services: Services, actor: Person, press: ButtonPress) -> None:
    """A score button: store the answer once, thank the person in place, alert on a low one."""
    invitation_id, score = _parse_score(press.value)
    comment = _comment(press.inputs.get(COMMENT_FIELD, "")) or None
    now = services.clock()
    stored = closed_now = False
    async with services.sessions() as session:
        survey = await load_survey(session, invitation_id)
        if survey is not None and survey.invitation.person_id == actor.id:
            expires_at = survey.invitation.expires_at
            if expires_at is not None and expires_at <= now:
                # Past its time but not yet closed by the scheduled run: close it now.
                closed_now = await store.transition(session, survey.invitation.id,
                                                    InvitationStatus.SENT,
                                                    status=InvitationStatus.EXPIRED)
            else:
                stored = await _store_answer(session, survey, score, comment, now)
            survey = await load_survey(session, invitation_id)
        await session.commit()
    if closed_now:
        _count(services, InvitationStatus.EXPIRED, "")
    if survey is None or survey.invitation.person_id != actor.id:
        await notice(services, press.origin, "unknown" if survey is None else "not_yours")
        return
    invitation, ticket = survey.invitation, survey.ticket
    ref = _ref_of(invitation) or press.message
    if stored and survey.answer is not None:
        services.metrics.csat_answers.labels(str(score)).inc()
        if ref is not None:
            await update_quietly(services, ref, await thanks_message(services, survey))
        if score <= services.settings.app.csat.low_score:
            await _alert(services, invitation.id)
        return
    if survey.answer is not None:
        await notice(services, press.origin, "answered", ticket, score=survey.answer.score)
    elif invitation.status == InvitationStatus.VOID:
        await notice(services, press.origin, "void", ticket)
    else:
        await notice(services, press.origin, "closed", ticket)
        if ref is not None:
            await update_quietly(services, ref, survey_message("closed", ticket, invitation.id))


async def _store_answer(session: AsyncSession, survey: Survey, score: int,
                        comment: str | None, now: datetime) -> bool:
    """True when this call stored the answer (the caller commits)."""
    invitation = survey.invitation
    # Pending too: a click can come before the sender has recorded the message as sent.
    if invitation.status not in InvitationStatus.OPEN:
        return False
    if not await insert_once(session, SurveyAnswer, invitation_id=invitation.id, score=score,
                             comment=comment, answered_at=now, alert_refs=[]):
        return False
    if not await store.transition(session, invitation.id, InvitationStatus.OPEN,
                                  status=InvitationStatus.ANSWERED):
        # Voided or expired between the read and the insert: the answer does not count.
        await session.rollback()
        return False
    return True


async def comment_pressed(services: Services, actor: Person, press: ButtonPress) -> None:
    """"Add a comment": with the card's comment (Teams) save it, else open the comment form."""
    invitation_id = parse_id(press.value)
    if COMMENT_FIELD in press.inputs:
        await save_comment(services, actor, press.origin, invitation_id,
                           press.inputs[COMMENT_FIELD])
        return
    async with services.sessions() as session:
        survey = await load_survey(session, invitation_id)
        await session.commit()
    problem = _comment_problem(survey, actor)
    if problem is not None or survey is None or survey.answer is None:
        await notice(services, press.origin, problem or "unknown",
                     survey.ticket if survey else None)
        return
    ticket = survey.ticket
    await services.chat.open_form(press.origin, Form(
        "csat/comment", FORM_COMMENT,
        (TextField(COMMENT_FIELD, "comment_label", multiline=True, max_length=MAX_COMMENT,
                   initial=survey.answer.comment or ""),),
        context={"number": ticket.external_id, "title": ticket.title,
                 "score": survey.answer.score},
        metadata=str(invitation_id)))


async def save_comment(services: Services, actor: Person, origin: Origin | None,
                       invitation_id: int | None, text: str) -> None:
    """Keep the person's comment on their answer (the latest one wins) and show it in the
    survey message and in any low-score alert."""
    comment = _comment(text)
    async with services.sessions() as session:
        survey = await load_survey(session, invitation_id)
        problem = _comment_problem(survey, actor) or (None if comment else "empty_comment")
        if problem is None:
            await session.exec(update(SurveyAnswer)
                               .where(col(SurveyAnswer.invitation_id) == invitation_id)
                               .values(comment=comment))
            survey = await load_survey(session, invitation_id)
        await session.commit()
    ticket = survey.ticket if survey else None
    if problem is not None or survey is None or survey.answer is None:
        await notice(services, origin, problem or "unknown", ticket)
        return
    ref = _ref_of(survey.invitation)
    if ref is not None:
        await update_quietly(services, ref, await thanks_message(services, survey))
    else:
        await notice(services, origin, "comment_saved", survey.ticket)
    if survey.answer.alert_refs:
        await refresh_alerts(services, invitation_id)


def _comment_problem(survey: Survey | None, actor: Person) -> str | None:
    if survey is None:
        return "unknown"
    if survey.invitation.person_id != actor.id:
        return "not_yours"
    if survey.answer is None:
        return "score_first"
    return None


# ------------------------------------------------------------------ low scores


async def _alert(services: Services, invitation_id: int) -> None:
    """Post the low-score alert to the triage channel and keep where it went."""
    async with services.sessions() as session:
        message = await alert_message(session, services, invitation_id)
        await session.commit()
    try:
        refs = await services.chat.post(services.settings.app.channels.triage, message)
    except Exception:
        log.exception("csat: the low-score alert for invitation %s was not posted",
                      invitation_id)
        return
    async with services.sessions() as session:
        await session.exec(update(SurveyAnswer)
                           .where(col(SurveyAnswer.invitation_id) == invitation_id)
                           .values(alert_refs=[ref.to_json() for ref in refs]))
        await session.commit()


async def reach_out(services: Services, actor: Person, press: ButtonPress) -> None:
    """"Reach out" on an alert: IT staff take the follow-up on (the first one to click owns
    it); the alert shows who, and the requester is told someone will be in touch."""
    invitation_id = parse_id(press.value)
    if not Role(actor.role).at_least(Role.IT_STAFF):
        await notice(services, press.origin, "not_staff")
        return
    async with services.sessions() as session:
        survey = await load_survey(session, invitation_id)
        won = False
        if survey is not None and survey.answer is not None:
            won = await insert_once(session, SurveyFollowUp, invitation_id=invitation_id,
                                    owner_id=actor.id, created_at=services.clock())
            if won:
                audit.record(session, actor_id=actor.id, action="csat.reach_out",
                             subject_type="survey_invitation", subject_id=invitation_id)
        follow_up = await store.follow_up_of(session, invitation_id)
        owner = await session.get(Person, follow_up.owner_id) if follow_up else None
        requester = (await session.get(Person, survey.invitation.person_id)
                     if survey and survey.invitation.person_id else None)
        await session.commit()
    if survey is None or survey.answer is None:
        await notice(services, press.origin, "unknown")
        return
    if not won:
        await notice(services, press.origin, "taken", survey.ticket,
                     owner=owner.display_name if owner else "")
        return
    await refresh_alerts(services, invitation_id, press.message)
    if requester is not None:
        try:
            await services.chat.send_dm(requester, Message("csat/follow_up", {
                "number": survey.ticket.external_id, "owner": actor.display_name}))
        except Exception as error:
            # The follow-up is recorded and shown on the alert; the owner will call anyway.
            log.warning("csat: could not tell the requester of invitation %s (%s)",
                        invitation_id, type(error).__name__)


async def refresh_alerts(services: Services, invitation_id: int,
                         also: MessageRef | None = None) -> None:
    """Redraw every copy of the alert from what is stored now."""
    async with services.sessions() as session:
        message = await alert_message(session, services, invitation_id)
        answer_row = await store.answer_of(session, invitation_id)
        await session.commit()
    refs = [MessageRef.from_json(raw) for raw in (answer_row.alert_refs if answer_row else [])]
    # The clicked copy, unless it is one already kept (Teams names a channel post's
    # conversation after its thread, so the message id is what identifies it).
    if also is not None and all((ref.platform, ref.message_id) != (also.platform,
                                                                    also.message_id)
                                for ref in refs):
        refs.append(also)
    for ref in refs:
        await update_quietly(services, ref, message)


async def alert_message(session: AsyncSession, services: Services,
                        invitation_id: int) -> Message:
    invitation = await session.get(SurveyInvitation, invitation_id)
    assert invitation is not None, "alerts are only drawn for stored answers"
    ticket = await session.get(Ticket, invitation.ticket_id)
    answer_row = await store.answer_of(session, invitation_id)
    assert ticket is not None and answer_row is not None
    follow_up = await store.follow_up_of(session, invitation_id)
    requester = await session.get(Person, invitation.person_id) if invitation.person_id else None
    assignee = await session.get(Person, ticket.assignee_id) if ticket.assignee_id else None
    owner = await session.get(Person, follow_up.owner_id) if follow_up else None
    context: dict[str, Any] = {
        "number": ticket.external_id, "title": ticket.title, "score": answer_row.score,
        "comment": answer_row.comment, "service": ticket.service, "priority": ticket.priority,
        "requester": _who(requester),
        "assignee": _who(assignee) or ({"id": None, "name": ticket.assignee_email}
                                       if ticket.assignee_email else None),
        "owner": _who(owner),
        "followed_up_at": follow_up.created_at if follow_up else None,
        "tz": services.settings.app.organisation.timezone,
    }
    complaint = await links.complaint_for(session, invitation_id)
    context["complaint"] = complaint.number if complaint else None
    buttons = []
    if follow_up is None:
        buttons.append(Button(ACTION_REACH_OUT, "reach_out", str(invitation_id),
                              style="primary"))
    if complaint is None:
        buttons.append(Button(ACTION_COMPLAINT, "log_complaint", str(invitation_id)))
    return Message("csat/alert", context, sections=("text", "follow_up", "complaint"),
                   buttons=tuple(buttons))


def _who(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.slack_user_id, "name": person.display_name or person.email or ""}


# ------------------------------------------------------------------ praise


@dataclass(frozen=True)
class Praise:
    """An answer that praises the assignee, and the kudos it became, if any."""

    assignee: Person
    code: str | None
    """The voucher the requester sent from the thank-you message."""


async def praise_of(session: AsyncSession, services: Services, survey: Survey) -> Praise | None:
    """The assignee a requester's answer praises, when they may receive kudos from them.

    Praise is deliberately simple: a score of at least `PRAISE_SCORE` with a comment. Reading
    the comment's words for praise would guess wrong too often to put a button on it.
    """
    answer_row, ticket = survey.answer, survey.ticket
    if answer_row is None:
        return None
    voucher = await links.kudos_for(session, survey.invitation.id or 0)
    if answer_row.score < PRAISE_SCORE or not (answer_row.comment or "").strip():
        return None
    assignee = await session.get(Person, ticket.assignee_id) if ticket.assignee_id else None
    if assignee is None and ticket.assignee_email:
        assignee = await find_by_email(session, ticket.assignee_email)
    if assignee is None or assignee.id == survey.invitation.person_id:
        return None
    if voucher is not None:
        return Praise(assignee, voucher.code)
    if not assignee.active or Role(assignee.role) not in (
            services.settings.app.kudos.recipient_roles):
        return None
    # Kudos name the recipient on the platform the requester answered on.
    ref = _ref_of(survey.invitation)
    if ref is not None and not (assignee.slack_user_id if ref.platform == "slack"
                                else assignee.teams_user_id):
        return None
    return Praise(assignee, None)


async def thanks_message(services: Services, survey: Survey) -> Message:
    """The survey DM after an answer, offering kudos for praise of the assignee."""
    assert survey.answer is not None
    async with services.sessions() as session:
        praise = await praise_of(session, services, survey)
        await session.commit()
    return survey_message("thanks", survey.ticket, survey.invitation.id or 0, survey.answer,
                          praise)


# ------------------------------------------------------------------ messages and helpers


def survey_message(state: str, ticket: Ticket, invitation_id: int,
                   answer_row: SurveyAnswer | None = None, praise: Praise | None = None
                   ) -> Message:
    """The survey DM in a state: ``invite``, ``thanks``, ``closed`` or ``void``."""
    context = {"number": ticket.external_id, "title": ticket.title,
               "score": answer_row.score if answer_row else None,
               "comment": answer_row.comment if answer_row else None,
               "assignee": praise.assignee.display_name if praise else None,
               "kudos_code": praise.code if praise else None}
    comment = TextField(COMMENT_FIELD, "comment_label", multiline=True, required=False,
                        max_length=MAX_COMMENT,
                        initial=(answer_row.comment or "") if answer_row else "")
    if state == "invite":
        buttons = tuple(Button(ACTION_SCORE, f"score_{score}", f"{invitation_id}:{score}")
                        for score in SCORES)
        return Message("csat/survey", context, sections=("invite",), buttons=buttons,
                       inputs=(comment,))
    if state == "thanks":
        buttons = [Button(ACTION_COMMENT, "comment_button", str(invitation_id))]
        if praise is not None and praise.code is None:
            buttons.append(Button(ACTION_KUDOS, "kudos_button", str(invitation_id),
                                  style="primary"))
        return Message("csat/survey", context, sections=("thanks", "kudos"),
                       buttons=tuple(buttons), inputs=(comment,))
    return Message("csat/survey", context, sections=(state,))


async def load_survey(session: AsyncSession, invitation_id: int | None) -> Survey | None:
    if invitation_id is None:
        return None
    invitation = await session.get(SurveyInvitation, invitation_id, populate_existing=True)
    if invitation is None:
        return None
    ticket = await session.get(Ticket, invitation.ticket_id)
    if ticket is None:
        return None
    answer_row = await store.answer_of(session, invitation_id)
    if answer_row is not None:
        await session.refresh(answer_row)
    return Survey(invitation, ticket, answer_row)


def _parse_score(value: str) -> tuple[int | None, int]:
    """``"<invitation id>:<score>"`` from a score button; (None, 0) when it is not one."""
    invitation, _, score = value.partition(":")
    invitation_id = parse_id(invitation)
    if invitation_id is None or not score.isdigit() or int(score) not in SCORES:
        return None, 0
    return invitation_id, int(score)


def parse_id(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _comment(text: str) -> str:
    return text.strip()[:MAX_COMMENT]


def _ref_of(invitation: SurveyInvitation) -> MessageRef | None:
    return MessageRef.from_json(invitation.message_ref) if invitation.message_ref else None


async def notice(services: Services, origin: Origin | None, section: str,
                 ticket: Ticket | None = None, **context: Any) -> None:
    """A private reply to the person who clicked."""
    if origin is None:
        return
    context.setdefault("number", ticket.external_id if ticket else "")
    context.setdefault("score", None)
    context.setdefault("owner", "")
    await services.chat.reply_privately(origin, Message("csat/notice", context,
                                                        sections=(section,)))


async def update_quietly(services: Services, ref: MessageRef, message: Message) -> None:
    """Update a message; what is stored stands even if the platform refuses the update."""
    try:
        await services.chat.update(ref, message)
    except Exception as error:
        log.warning("csat: could not update message %s (%s)", ref.message_id,
                    type(error).__name__)


def _count(services: Services, outcome: str, reason: str | None) -> None:
    services.metrics.csat_invitations.labels(outcome, reason or "").inc()
