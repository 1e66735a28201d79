"""Project end users and the cooldown across every kind of survey: a pulse invite waits
`pulses.fatigue_days` after a project's end-user question, and a project closing within that
time of a pulse invite does not ask the person (its stakeholders are asked whatever)."""

from __future__ import annotations

from sqlmodel import col, select

from bot.flows.projects.closing import close_project
from bot.flows.pulses.campaigns import tick
from bot.services import Services
from storage.models import Person
from storage.projects import END_USER, STAKEHOLDER, Project, ProjectReview, ProjectStakeholder
from tests.bot.flows.test_pulses import clock, settings, utc
from tests.bot.flows.test_pulses import services as pulse_services
from tests.bot.flows.test_survey_fatigue import deliveries_of

__all__ = ["clock", "pulse_services", "settings"]


async def closed_project(services: Services, name: str) -> dict[str, set[int]]:
    """A project owned by Lee, with Lee as its stakeholder and everyone else as its end users,
    closed now; who was asked, by kind."""
    async with services.sessions() as session:
        lee = Person(slack_user_id=f"U0LEAD{name}", email=f"lee-{name}@example.com")
        session.add(lee)
        await session.flush()
        project = Project(name=name, owner_id=lee.id, created_at=services.clock(),
                          closes_at=services.clock())
        session.add(project)
        await session.flush()
        session.add(ProjectStakeholder(project_id=project.id, person_id=lee.id))
        await session.flush()
        assert await close_project(session, services, project)
        await session.commit()
    async with services.sessions() as session:
        reviews = (await session.exec(select(ProjectReview).where(
            col(ProjectReview.project_id) == project.id))).all()
        await session.commit()
    return {kind: {r.person_id for r in reviews if r.kind == kind}
            for kind in (STAKEHOLDER, END_USER)}


async def test_a_pulse_waits_out_the_cooldown_after_a_project_question(pulse_services):
    services = pulse_services
    services.clock.now = utc(2026, 11, 28, 9)  # type: ignore[attr-defined]
    asked = await closed_project(services, "intranet")
    assert len(asked[END_USER]) == 2 and len(asked[STAKEHOLDER]) == 1

    services.clock.now = utc(2026, 12, 1, 10)  # type: ignore[attr-defined]
    await tick(services, services.clock())
    invites = await deliveries_of(services, "q4", "invite")
    assert {(r.status, r.reason, r.due_at) for r in invites} == {
        ("pending", "recently surveyed", utc(2026, 12, 12, 9))}


async def test_a_project_does_not_ask_someone_a_pulse_just_reached(pulse_services):
    services = pulse_services
    await tick(services, services.clock())  # q4's invites go at 10:00 on 1 December
    assert {r.status for r in await deliveries_of(services, "q4", "invite")} == {"queued"}

    services.clock.now = utc(2026, 12, 3, 9)  # type: ignore[attr-defined]
    asked = await closed_project(services, "intranet")
    assert asked[END_USER] == set() and len(asked[STAKEHOLDER]) == 1
