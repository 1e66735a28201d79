"""Transactional CSAT: one "How did we do?" question to the requester of each resolved ticket.

This module owns the survey itself: its message in each state (the invitation, the thank-you,
closed, withdrawn: one DM in the outbox under `storage.csat.survey_key`, updated in place),
what a click on it finds (`load_survey`), what counts as praise of the assignee
(`praise_of`), and the private notices a click may get. The rest of the feature:

- `bot.flows.csat.invitations`: who is asked about which ticket, and when (the fatigue rules),
  decided in the ticket intake's transaction; and the withdrawal on a reopening;
- `bot.flows.csat.sending`: sending what is due, looking requesters up, expiring;
- `bot.flows.csat.answers`: the score buttons, the comment and its form;
- `bot.flows.csat.alerts`: the low-score alert in the triage channel and "Reach out";
- `bot.flows.csat.links`: "Log as complaint" and "Send kudos", into the other features.

Doing a thing once is left to the database: the invitation is unique per ticket, the answer
per invitation, the follow-up per invitation, and each state change is conditional on the
state it starts from. So a retried event, a double click or a second replica does nothing
more. An unanswered survey closes after `expire_after_days` (app.yaml ``csat:``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message, TextField
from bot.chat.port import Origin, Platform
from bot.config import Role
from bot.flows.csat import ids
from bot.services import Services
from storage import csat as store
from storage import csat_links as links
from storage import directory
from storage.csat import SurveyAnswer, SurveyInvitation
from storage.models import Person
from storage.tickets import Ticket

MAX_COMMENT = 3000
SCORES = range(1, 6)
PRAISE_SCORE = 4
"""A score at or above this with a comment counts as praise of the assignee."""


@dataclass(frozen=True)
class Survey:
    """What a click on a survey found, read in one transaction."""

    invitation: SurveyInvitation
    ticket: Ticket
    answer: SurveyAnswer | None


async def load_survey(session: AsyncSession, invitation_id: int | None) -> Survey | None:
    """The survey as stored now (rows read before in this session are read again)."""
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


# ------------------------------------------------------------------ praise


@dataclass(frozen=True)
class Praise:
    """An answer that praises the assignee, and the kudos it became, if any."""

    assignee: Person
    code: str | None
    """The voucher the requester sent from the thank-you message."""


async def praise_of(session: AsyncSession, services: Services, survey: Survey,
                    platform: Platform | None) -> Praise | None:
    """The assignee a requester's answer praises, when they may receive kudos from them on
    `platform`, the one the requester answered on (None: any).

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
        assignee = await directory.find_by_email(session, ticket.assignee_email)
    if assignee is None or assignee.id == survey.invitation.person_id:
        return None
    if voucher is not None:
        return Praise(assignee, voucher.code)
    if not assignee.active or Role(assignee.role) not in (
            services.settings.app.kudos.recipient_roles):
        return None
    # Kudos name the recipient on the platform the requester answered on.
    if platform is not None and not (assignee.slack_user_id if platform == "slack"
                                     else assignee.teams_user_id):
        return None
    return Praise(assignee, None)


# ------------------------------------------------------------------ the survey message


async def thanks_message(session: AsyncSession, services: Services, survey: Survey,
                         platform: Platform | None) -> Message:
    """The survey DM after an answer (given on `platform`), offering kudos for praise of the
    assignee."""
    assert survey.answer is not None
    praise = await praise_of(session, services, survey, platform)
    return survey_message("thanks", survey.ticket, survey.invitation.id or 0, survey.answer,
                          praise)


def survey_message(state: str, ticket: Ticket, invitation_id: int,
                   answer_row: SurveyAnswer | None = None, praise: Praise | None = None,
                   *, question: str | Mapping[str, str] | None = None) -> Message:
    """The survey DM in a state: ``invite``, ``thanks``, ``closed`` or ``void``; `question` is
    app.yaml's ``csat.question`` (every language it gives: the renderer picks the reader's)."""
    context = {"number": ticket.external_id, "title": ticket.title, "question": question,
               "score": answer_row.score if answer_row else None,
               "comment": answer_row.comment if answer_row else None,
               "assignee": praise.assignee.display_name if praise else None,
               "kudos_code": praise.code if praise else None}
    comment = TextField(ids.FIELD_COMMENT, "comment_label", multiline=True, required=False,
                        max_length=MAX_COMMENT,
                        initial=(answer_row.comment or "") if answer_row else "")
    if state == "invite":
        buttons = tuple(Button(ids.ACTION_SCORE, f"score_{score}", f"{invitation_id}:{score}")
                        for score in SCORES)
        return Message("csat/survey", context, sections=("invite",), buttons=buttons,
                       inputs=(comment,))
    if state == "thanks":
        buttons = [Button(ids.ACTION_COMMENT, "comment_button", str(invitation_id))]
        if praise is not None and praise.code is None:
            buttons.append(Button(ids.ACTION_KUDOS, "kudos_button", str(invitation_id),
                                  style="primary"))
        return Message("csat/survey", context, sections=("thanks", "kudos"),
                       buttons=tuple(buttons), inputs=(comment,))
    return Message("csat/survey", context, sections=(state,))


def parse_score(value: str) -> tuple[int | None, int]:
    """``"<invitation id>:<score>"`` from a score button; (None, 0) when it is not one."""
    invitation, _, score = value.partition(":")
    invitation_id = parse_id(invitation)
    if invitation_id is None or not score.isdigit() or int(score) not in SCORES:
        return None, 0
    return invitation_id, int(score)


def parse_id(value: str) -> int | None:
    """The invitation id a button's value or a form's metadata names; None for anything else."""
    return int(value) if value.isdigit() else None


def clean_comment(text: str) -> str:
    return text.strip()[:MAX_COMMENT]


# ------------------------------------------------------------------ telling people


async def notice(session: AsyncSession, services: Services, origin: Origin | None,
                 section: str, ticket: Ticket | None = None, **context: Any) -> None:
    """A private reply to the person who clicked, once what they did is committed."""
    if origin is None:
        return
    # Committed first: what the reply says is decided, and the transaction (on SQLite, the
    # one connection) must not wait on the platform.
    await session.commit()
    context.setdefault("number", ticket.external_id if ticket else "")
    context.setdefault("score", None)
    context.setdefault("owner", "")
    await services.chat.reply_privately(origin, Message("csat/notice", context,
                                                        sections=(section,)))


def count(services: Services, outcome: str, reason: str | None) -> None:
    """Count what became of an invitation (`touchpoint_csat_invitations_total`)."""
    services.metrics.csat_invitations.labels(outcome, reason or "").inc()
