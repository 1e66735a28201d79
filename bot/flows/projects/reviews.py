"""The review, the respondents' side: a stakeholder's DM button opens one form (per condition
met or not, 1-5 overall; Slack: a modal of radio groups, Teams: a card of choice sets), and an
end user's DM has the five satisfaction buttons. Only people invited at the close may answer,
and only until the results are sent; answering again changes the answer (one review per
person, project and kind)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Origin
from bot.flows.projects.closing import rating_message, review_message
from bot.flows.projects.commands import answer, find_by_id
from bot.flows.projects.forms import parse_review, review_form
from bot.services import Services
from storage import projects as store
from storage.models import Person
from storage.projects import END_USER, STAKEHOLDER, Project, ProjectReview

log = logging.getLogger(__name__)


async def _review(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                  value: str, kind: str) -> tuple[Project, ProjectReview] | None:
    """The project a button or form names and the actor's invitation to review it; None when
    there is none to answer (the person has been told why)."""
    project = await find_by_id(session, value)
    review = None
    if project is not None and project.id is not None and actor.id is not None:
        review = await store.review_of(session, project.id, actor.id, kind)
    problem = ("not invited" if review is None else
               "review closed" if project is not None and project.results_sent_at else None)
    if project is None or review is None or problem:
        # Read before the rollback, which expires every loaded row.
        name = project.name if project else ""
        await session.rollback()
        await services.chat.reply_privately(origin, answer({
            "problem": problem or "not invited", "name": name}))
        return None
    return project, review


async def open_review(session: AsyncSession, services: Services, actor: Person,
                      origin: Origin, value: str) -> None:
    found = await _review(session, services, actor, origin, value, STAKEHOLDER)
    if found is None:
        return
    project, review = found
    assert project.id is not None and review.id is not None
    conditions = await store.conditions(session, project.id)
    people = {p.id: p.display_name for p in await store.stakeholders(session, project.id)}
    verdicts = await store.verdicts_of(session, review.id)
    # Ends the read before opening the form (Slack's trigger lasts 3 s).
    await session.commit()
    await services.chat.open_form(origin, review_form(project.id, project.name, conditions,
                                                      people, verdicts, review.satisfaction))


async def record_review(session: AsyncSession, services: Services, actor: Person,
                        origin: Origin, metadata: str, values: Mapping[str, str]) -> None:
    found = await _review(session, services, actor, origin, metadata, STAKEHOLDER)
    if found is None:
        return
    project, review = found
    assert project.id is not None and review.id is not None
    parsed = parse_review(await store.conditions(session, project.id), values)
    if parsed is None:
        log.info("project review with a missing or unknown answer refused")
        await session.rollback()
        await services.chat.reply_privately(origin, answer({
            "problem": "incomplete", "name": project.name}))
        return
    verdicts, overall = parsed
    await store.replace_verdicts(session, review.id, verdicts)
    review.satisfaction, review.answered_at = overall, services.clock()
    session.add(review)
    await services.outbox.edit(session, f"project:{project.id}:{actor.id}:review",
                               review_message(project, "answered", tz=actor.tz))


async def rate(session: AsyncSession, services: Services, actor: Person, origin: Origin,
               value: str, score: int) -> None:
    found = await _review(session, services, actor, origin, value, END_USER)
    if found is None:
        return
    project, review = found
    review.satisfaction, review.answered_at = score, services.clock()
    session.add(review)
    await services.outbox.edit(session, f"project:{project.id}:{actor.id}:rate",
                               rating_message(project, score, tz=actor.tz))
