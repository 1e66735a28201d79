"""A project's review results, from storage.projects' aggregates: per condition how many
stakeholders found it met and not met, the stakeholders' overall satisfaction (% satisfied,
4 or 5, and the average), the end users' (withheld below K, `pulses.min_group`: end users are
many and their answers must not single anyone out) and each group's response rate; and the
message that carries them to the owner and the IT leads."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from storage import projects as store
from storage.projects import END_USER, STAKEHOLDER, Project, Satisfaction


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _figures(found: Satisfaction, withheld: bool = False) -> dict:
    return {"invited": found.invited, "answered": found.answered, "withheld": withheld,
            "response_rate": _pct(found.answered, found.invited),
            "satisfied": None if withheld else _pct(found.satisfied, found.answered),
            "average": None if withheld or found.average is None else round(found.average, 1)}


async def project_results(session: AsyncSession, project: Project, min_group: int) -> dict:
    assert project.id is not None
    counts = await store.condition_counts(session, project.id)
    people = {p.id: p.display_name for p in await store.stakeholders(session, project.id)}
    conditions = [{"text": c.text, "stakeholder": people.get(c.stakeholder_id, ""),
                   "met": counts.get(c.id, (0, 0))[0], "not_met": counts.get(c.id, (0, 0))[1]}
                  for c in await store.conditions(session, project.id)]
    end_users = await store.satisfaction(session, project.id, END_USER)
    return {"name": project.name, "min_group": min_group, "conditions": conditions,
            "conditions_met": sum(c["met"] > c["not_met"] for c in conditions),
            "stakeholders": _figures(await store.satisfaction(session, project.id, STAKEHOLDER)),
            "end_users": _figures(end_users, withheld=end_users.answered < min_group)}


def results_message(results: dict, tz: str) -> Message:
    return Message("projects/results", {"results": results, "tz": tz})
