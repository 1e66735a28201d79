"""The newsletter's life: drafted at a period's end (once per period: a unique row), posted for
IT leads to review with Approve / Edit / Skip, and, approved, posted in the announcements
channel. Only IT leads and admins decide or edit (checked here, on the server, at every step);
anyone else is told kindly and nothing changes. Each decision is an audit event, and the draft
card is updated in place through the outbox."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Form, Image, Message, TextField
from bot.chat.port import Origin
from bot.config import Role
from bot.flows.newsletter import ids
from bot.flows.newsletter.content import gather
from bot.flows.newsletter.periods import previous_period
from bot.services import Services
from storage import audit
from storage.models import Person
from storage.newsletter import (
    MAX_INTRO,
    SUBJECT,
    IssueStatus,
    NewsletterIssue,
    add_issue,
    decide,
    issue,
    set_intro,
)

log = logging.getLogger(__name__)


def draft_key(issue_id: int) -> str:
    return f"newsletter:{issue_id}:draft"


def issue_message(found: NewsletterIssue, **extra: Any) -> Message:
    """The newsletter as readers see it (and as its draft shows it, with `extra`), with the
    chart of its period when it has one, in the language it was drafted in (issues drafted
    before it was kept: the renderer's, the organisation's)."""
    content = dict(found.content)
    chart = content.pop("chart", None)
    locale = content.pop("locale", None)
    return Message("newsletter/issue", {**content, "intro": found.intro, **extra},
                   sections=("text", "stories", "changes", "progress"),
                   image=Image.from_dict(chart) if chart else None, locale=locale)


def _draft_card(found: NewsletterIssue, decided_by: str | None = None) -> Message:
    assert found.id is not None
    value = str(found.id)
    buttons = () if found.status != IssueStatus.DRAFT else (
        Button(ids.APPROVE, "approve", value, style="primary"),
        Button(ids.EDIT, "edit", value),
        Button(ids.SKIP, "skip", value, style="danger"))
    message = issue_message(found, review=found.status, decided_by=decided_by)
    return Message(message.template, message.context,
                   sections=("review", *message.sections), buttons=buttons,
                   image=message.image, locale=message.locale)


async def newsletter_draft(session: AsyncSession, services: Services,
                           now: datetime) -> int | None:
    """Draft the newsletter of the period that ended before `now` and send it for review;
    its id, or None when that period was drafted before."""
    app = services.settings.app
    period = previous_period(now, app.newsletter.every, app.organisation.zone)
    content = await gather(session, app, period, now)
    issue_id = await add_issue(session, period=period.label, starts_at=period.starts_at,
                               ends_at=period.ends_at, content=content, now=now)
    if issue_id is None:
        return None
    found = await issue(session, issue_id)
    assert found is not None
    audit.record(session, actor_id=None, action="newsletter_drafted", subject_type=SUBJECT,
                 subject_id=issue_id, period=period.label)
    await services.outbox.post(session, app.newsletter.review or app.channels.digests,
                               _draft_card(found), key=draft_key(issue_id))
    log.info("newsletter %s drafted", period.label)
    return issue_id


async def _lead_and_draft(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, value: str) -> NewsletterIssue | None:
    """The draft a button or form names, if `actor` may act on it; else they are told why."""
    reason = None
    found = await issue(session, int(value)) if value.isdigit() else None
    if not Role(actor.role).at_least(Role.IT_LEAD):
        reason = "not_lead"
    elif found is None:
        reason = "not_found"
    elif found.status != IssueStatus.DRAFT:
        reason = "decided"
    if reason is None:
        return found
    status = found.status if found else None  # read before the rollback expires it
    await session.rollback()
    await services.chat.reply_privately(origin, Message("newsletter/answer", {
        "reason": reason, "status": status}))
    return None


async def _decided_meanwhile(session: AsyncSession, services: Services, origin: Origin
                             ) -> None:
    """Another lead decided the draft between our read and our change (a double click, two
    leads at once): nothing was changed, and the person is told."""
    await session.rollback()
    await services.chat.reply_privately(origin, Message("newsletter/answer",
                                                        {"reason": "decided_meanwhile"}))


async def newsletter_decide(session: AsyncSession, services: Services, actor: Person,
                            origin: Origin, value: str, *, approve: bool) -> None:
    """Approve (post it to the announcements channel) or skip a draft, once."""
    found = await _lead_and_draft(session, services, actor, origin, value)
    if found is None or found.id is None:
        return
    assert actor.id is not None
    status = IssueStatus.APPROVED if approve else IssueStatus.SKIPPED
    if not await decide(session, found.id, status, actor.id, services.clock()):
        await _decided_meanwhile(session, services, origin)
        return
    await session.refresh(found)
    audit.record(session, actor_id=actor.id, action=f"newsletter_{status}",
                 subject_type=SUBJECT, subject_id=found.id, period=found.period)
    await services.outbox.edit(session, draft_key(found.id),
                               _draft_card(found, decided_by=actor.display_name))
    announcements = services.settings.app.newsletter.announcements
    if approve and announcements is not None:
        await services.outbox.post(session, announcements, issue_message(found),
                                   key=f"newsletter:{found.id}:issue")


def edit_form(found: NewsletterIssue, errors: dict[str, str] | None = None,
              intro: str | None = None) -> Form:
    return Form("newsletter/edit_form", ids.EDIT_FORM,
                (TextField(ids.INTRO, "intro_label", multiline=True, required=False,
                           initial=found.intro if intro is None else intro,
                           max_length=MAX_INTRO),),
                context={"period": found.period}, metadata=str(found.id), errors=errors or {})


async def newsletter_edit_start(session: AsyncSession, services: Services, actor: Person,
                                origin: Origin, value: str) -> None:
    found = await _lead_and_draft(session, services, actor, origin, value)
    if found is None:
        return
    form = edit_form(found)
    await session.commit()  # Slack's trigger lasts 3 seconds: no transaction held across it
    await services.chat.open_form(origin, form)


async def newsletter_edit(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, value: str, intro: str) -> None:
    """Save a draft's intro and show it in the draft."""
    found = await _lead_and_draft(session, services, actor, origin, value)
    if found is None or found.id is None:
        return
    if not await set_intro(session, found.id, intro.strip()[:MAX_INTRO]):
        await _decided_meanwhile(session, services, origin)
        return
    await session.refresh(found)
    audit.record(session, actor_id=actor.id, action="newsletter_edited", subject_type=SUBJECT,
                 subject_id=found.id)
    await services.outbox.edit(session, draft_key(found.id), _draft_card(found))
