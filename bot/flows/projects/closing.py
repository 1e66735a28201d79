"""The close of a project and, a review window later, its results. The every-minute
``projects.tick`` (claimed once across replicas like every scheduled run) closes each project
whose close time has come, and ``/touchpoint project close NAME`` closes one at once; either
way the close is one conditional update, so whoever wins records the review DMs (one outbox
row per person and purpose, unique) and everyone else does nothing. The results go to the
owner and the IT leads `REVIEW_DAYS` after the close, claimed the same way."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message
from bot.flows.projects import ids
from bot.flows.projects.results import project_results, results_message
from bot.plurals import plural
from bot.services import Services
from storage import projects as store
from storage.models import Person
from storage.projects import END_USER, STAKEHOLDER, Project

log = logging.getLogger(__name__)

REVIEW_DAYS = 7
"""How long stakeholders and end users have to answer before the results are sent: a week
spans everyone's working days whatever day the project closes."""


def review_message(project: Project, stage: str, *, tz: str = "UTC") -> Message:
    """A stakeholder's review DM (stage ``invite`` or ``answered``)."""
    return Message("projects/review", {"name": project.name, "stage": stage, "tz": tz,
                                       "until": _results_at(project)},
                   buttons=(Button(ids.REVIEW_OPEN, "open", str(project.id), style="primary"),))


def rating_message(project: Project, score: int | None, *, tz: str = "UTC") -> Message:
    """An end user's satisfaction question, and their answer once given (still changeable)."""
    return Message("projects/rate", {"name": project.name, "score": score, "tz": tz,
                                     "until": _results_at(project)},
                   buttons=tuple(Button(f"{ids.RATE_ACTION}{n}", f"sat_{n}", str(project.id),
                                        style="primary" if n == score else None)
                                 for n in ids.SATISFACTION))


def _results_at(project: Project) -> datetime | None:
    return project.closed_at + timedelta(days=REVIEW_DAYS) if project.closed_at else None


async def close_project(session: AsyncSession, services: Services, project: Project) -> bool:
    """Close it and record the review DMs; False when it was closed already."""
    assert project.id is not None
    now = services.clock()
    if not await store.claim_close(session, project.id, now):
        return False
    await session.refresh(project)
    stakeholders = await store.stakeholders(session, project.id)
    # End users keep the surveys' cooldown (pulses.fatigue_days); stakeholders are asked
    # whatever: their review is what the project is judged by.
    fatigue = timedelta(days=services.settings.app.pulses.fatigue_days)
    end_users = await store.rested(session, await store.audience(session, project),
                                   project.id, now - fatigue)
    asked = await store.add_reviews(session, project.id, STAKEHOLDER, stakeholders)
    await services.outbox.send_dms(session, [
        (p, review_message(project, "invite", tz=p.tz), f"project:{project.id}:{p.id}:review")
        for p in stakeholders if p.id in asked])
    rated = await store.add_reviews(session, project.id, END_USER, end_users)
    await services.outbox.send_dms(session, [
        (p, rating_message(project, None, tz=p.tz), f"project:{project.id}:{p.id}:rate")
        for p in end_users if p.id in rated], bulk=True)
    log.info("project %s closed: %s, %s asked", project.id,
             plural(len(asked), "stakeholder"), plural(len(rated), "end user"))
    return True


async def send_results(session: AsyncSession, services: Services, project: Project) -> bool:
    """The results to the owner and the IT leads, once; False when they were sent before."""
    assert project.id is not None
    if not await store.claim_results(session, project.id, services.clock()):
        return False
    results = await project_results(session, project, services.settings.app.pulses.min_group)
    readers: dict[int | None, Person] = {p.id: p for p in await store.it_leads(session)}
    owner = await session.get(Person, project.owner_id)
    if owner is not None:
        readers[owner.id] = owner
    await services.outbox.send_dms(session, [
        (p, results_message(results, p.tz), f"project:{project.id}:{p.id}:results")
        for p in readers.values()])
    return True


async def tick(session: AsyncSession, services: Services, now: datetime) -> None:
    for project_id in await store.due_to_close(session, now):
        project = await session.get(Project, project_id)
        if project is not None:
            await close_project(session, services, project)
    for project_id in await store.due_results(session, now - timedelta(days=REVIEW_DAYS)):
        project = await session.get(Project, project_id)
        if project is not None:
            await send_results(session, services, project)
