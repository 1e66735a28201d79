"""Plan items: ``/touchpoint plan add [figure]`` (the form), the form's submission, ``plan
list`` and ``plan done N``, and the "Add plan item" button a digest carries.

Only IT leads and admins add plan items; IT staff may list them; an item is marked done by an
IT lead, an admin or its owner. Each role is checked here, on the server, at every step
(opening the form and submitting it), and anyone else is told kindly and nothing is written.
Adding and closing an item are audit events; the owner hears of their item through the outbox.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form, Message
from bot.chat.port import Origin
from bot.config import Role
from bot.flows.plans import ids
from bot.flows.plans.forms import Draft, check_plan, plan_form
from bot.services import Services
from storage import audit
from storage.models import Person
from storage.plans import (
    FIGURES,
    SUBJECT,
    add_plan_item,
    mark_done,
    open_plan_items,
    plan_item,
)

log = logging.getLogger(__name__)


def today(services: Services) -> date:
    """The organisation's date now: what "overdue" is measured against."""
    return services.clock().astimezone(services.settings.app.organisation.zone).date()


def _may(person: Person, role: Role) -> bool:
    return Role(person.role).at_least(role)


async def _answer(session: AsyncSession, services: Services, origin: Origin, reason: str,
                  **context: Any) -> None:
    """End the turn's transaction (what it did is kept), then answer the person privately."""
    await session.commit()
    await services.chat.reply_privately(
        origin, Message("plans/answer", {"reason": reason, **context}))


async def _refuse(session: AsyncSession, services: Services, origin: Origin, reason: str,
                  **context: Any) -> None:
    """Undo anything begun, then say kindly why nothing happened."""
    await session.rollback()
    await services.chat.reply_privately(
        origin, Message("plans/answer", {"reason": reason, **context}))


async def plan_command(session: AsyncSession, services: Services, actor: Person,
                       origin: Origin, text: str) -> None:
    """``/touchpoint plan add [figure] | list | done N``: what follows ``plan``."""
    word, _, rest = text.strip().partition(" ")
    word = word.lower()
    if word == "add":
        await plan_open_form(session, services, actor, origin, rest.strip().lower())
    elif word == "list":
        await plan_list(session, services, actor, origin)
    elif word == "done":
        await plan_done(session, services, actor, origin, rest.strip())
    else:
        await _answer(session, services, origin, "usage")


async def plan_open_form(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin, figure: str | None) -> None:
    """Open the plan form, with `figure` chosen when it is one (a digest's button, or
    ``plan add csat``)."""
    if not _may(actor, Role.IT_LEAD):
        await _refuse(session, services, origin, "not_lead")
        return
    if figure and figure not in FIGURES:
        await _answer(session, services, origin, "unknown_figure", figure=figure,
                      figures=list(FIGURES))
        return
    # Slack's trigger lasts 3 seconds: end the transaction before asking for the form.
    await session.commit()
    await services.chat.open_form(origin, plan_form({ids.FIGURE: figure or ""}))


async def plan_form_problems(session: AsyncSession, services: Services, origin: Origin,
                             values: dict[str, str]) -> Form | None:
    """The form again with its errors, or None when the submission is valid."""
    _draft, errors = await check_plan(session, origin.platform, values, today(services))
    return plan_form(values, errors) if errors else None


async def plan_add(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                   values: dict[str, str], submission_key: str) -> int | None:
    """Store the plan item once per submission, tell its owner, and answer the lead; the
    item's id, or None when nothing was stored (refused, invalid, or a double submit)."""
    if not _may(actor, Role.IT_LEAD):
        await _refuse(session, services, origin, "not_lead")
        return None
    draft, _errors = await check_plan(session, origin.platform, values, today(services))
    if draft is None:
        # Normally shown in the form already; this is for a check that could not run.
        await _refuse(session, services, origin, "form_invalid")
        return None
    assert actor.id is not None and draft.owner.id is not None
    item_id = await add_plan_item(
        session, submission_key=submission_key, figure=draft.figure, change=draft.change,
        owner_id=draft.owner.id, created_by_id=actor.id, due_on=draft.due_on,
        now=services.clock())
    if item_id is None:
        log.info("plan submission %s was stored before", submission_key)
        return None
    audit.record(session, actor_id=actor.id, action="plan_added", subject_type=SUBJECT,
                 subject_id=item_id, figure=draft.figure, owner_id=draft.owner.id,
                 due_on=draft.due_on.isoformat())
    context = _item_context(item_id, draft, actor)
    await services.outbox.send_dm(session, draft.owner, Message("plans/assigned", context),
                                  key=f"plan:{item_id}:assigned")
    await _answer(session, services, origin, "added", **context)
    return item_id


def _item_context(item_id: int, draft: Draft, lead: Person) -> dict[str, Any]:
    return {"id": item_id, "figure": draft.figure, "change": draft.change,
            "due_on": draft.due_on.isoformat(), "owner": draft.owner.display_name,
            "owner_slack_id": draft.owner.slack_user_id, "lead": lead.display_name,
            "lead_slack_id": lead.slack_user_id}


async def plan_list(session: AsyncSession, services: Services, actor: Person,
                    origin: Origin) -> None:
    if not _may(actor, Role.IT_STAFF):
        await _refuse(session, services, origin, "not_staff")
        return
    items = await open_plan_items(session, today(services))
    await session.commit()
    await services.chat.reply_privately(origin, Message("plans/list", {"items": [
        {"id": item.id, "figure": item.figure, "change": item.change,
         "due_on": item.due_on.isoformat(), "overdue": item.overdue,
         "owner": item.owner_name, "owner_slack_id": item.owner_slack_id}
        for item in items]}))


async def plan_done(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                    text: str) -> None:
    number = text.removeprefix("#")
    item = await plan_item(session, int(number)) if number.isdigit() else None
    if item is None or item.id is None:
        await _refuse(session, services, origin, "not_found", number=text)
        return
    if not (_may(actor, Role.IT_LEAD) or item.owner_id == actor.id):
        await _refuse(session, services, origin, "not_yours", id=item.id)
        return
    assert actor.id is not None
    if not await mark_done(session, item.id, actor.id, services.clock()):
        await _refuse(session, services, origin, "already_done", id=item.id)
        return
    audit.record(session, actor_id=actor.id, action="plan_done", subject_type=SUBJECT,
                 subject_id=item.id, figure=item.figure)
    await _answer(session, services, origin, "done", id=item.id, change=item.change)
