"""Project post-implementation reviews: a project (owner, close date, end-user audience), its
stakeholders and their conditions of satisfaction, and at the close one review per invited
person (`ProjectReview`, a stakeholder's or an end user's, unique per project, person and
kind) with a stakeholder's verdict on each condition (`ProjectConditionAnswer`). The queries
that keep and read them; the results are aggregated here, in SQL.

Closing and sending the results are each one conditional update (`storage.once.update_if`),
so of several replicas' schedulers exactly one closes a project and sends its review DMs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint, case, func, union
from sqlmodel import Field, SQLModel, col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.csat import SurveyInvitation
from storage.models import Person
from storage.once import insert_many_once, update_if
from storage.pulses import INVITE, QUEUED, SENT, PulseDelivery, PulseOptOut
from storage.types import UTCDateTime

OPEN, DONE, AT_RISK = "open", "done", "at_risk"
CONDITION_STATES = (OPEN, DONE, AT_RISK)
STAKEHOLDER, END_USER = "stakeholder", "end_user"


class Project(SQLModel, table=True):
    __tablename__ = "project"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    owner_id: int = Field(foreign_key="person.id")
    created_by: int | None = Field(default=None, foreign_key="person.id")
    audience_segment: str | None = Field(
        default=None, max_length=100, description="none: every active person is an end user")
    audience_value: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                       description="set once, by whoever closed it first")
    results_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProjectStakeholder(SQLModel, table=True):
    __tablename__ = "project_stakeholder"
    __table_args__ = (UniqueConstraint("project_id", "person_id",
                                       name="uq_project_stakeholder"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    position: int = 0


class ProjectCondition(SQLModel, table=True):
    """One condition of satisfaction a stakeholder set, as the owner recorded it."""

    __tablename__ = "project_condition"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    stakeholder_id: int = Field(foreign_key="person.id")
    position: int = 0
    text: str = Field(max_length=300)
    state: str = Field(default=OPEN, max_length=8)


class ProjectReview(SQLModel, table=True):
    """One invited person's review, written when the invitation is recorded at the close;
    `satisfaction` (1-5) once they answered."""

    __tablename__ = "project_review"
    __table_args__ = (
        UniqueConstraint("project_id", "person_id", "kind", name="uq_project_review"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="ck_project_review_satisfaction"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    kind: str = Field(max_length=12)
    satisfaction: int | None = None
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProjectConditionAnswer(SQLModel, table=True):
    __tablename__ = "project_condition_answer"
    __table_args__ = (UniqueConstraint("review_id", "condition_id",
                                       name="uq_project_condition_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="project_review.id", index=True)
    condition_id: int = Field(foreign_key="project_condition.id", index=True)
    met: bool


async def find(session: AsyncSession, name: str) -> Project | None:
    return (await session.exec(select(Project).where(col(Project.name) == name))).first()


async def latest(session: AsyncSession, limit: int) -> list[Project]:
    return list((await session.exec(
        select(Project).order_by(col(Project.closes_at).desc()).limit(limit))).all())


async def add(session: AsyncSession, project: Project, stakeholders: list[Person]) -> bool:
    """False when the name is taken (nothing is written)."""
    if await find(session, project.name) is not None:
        return False
    session.add(project)
    await session.flush()
    session.add_all(ProjectStakeholder(project_id=project.id, person_id=person.id, position=n)
                    for n, person in enumerate(stakeholders))
    return True


async def stakeholders(session: AsyncSession, project_id: int) -> list[Person]:
    return list((await session.exec(
        select(Person).join(ProjectStakeholder, col(ProjectStakeholder.person_id) == Person.id)
        .where(col(ProjectStakeholder.project_id) == project_id)
        .order_by(col(ProjectStakeholder.position)))).all())


async def conditions(session: AsyncSession, project_id: int) -> list[ProjectCondition]:
    return list((await session.exec(
        select(ProjectCondition).where(col(ProjectCondition.project_id) == project_id)
        .order_by(col(ProjectCondition.stakeholder_id), col(ProjectCondition.position)))).all())


async def replace_conditions(session: AsyncSession, project_id: int,
                             by_stakeholder: dict[int, list[str]]) -> None:
    """Each stakeholder's conditions become the texts given (their states start again)."""
    await session.exec(delete(ProjectCondition).where(
        col(ProjectCondition.project_id) == project_id))
    session.add_all(ProjectCondition(project_id=project_id, stakeholder_id=person_id,
                                     position=n, text=text)
                    for person_id, texts in by_stakeholder.items()
                    for n, text in enumerate(texts))


async def condition(session: AsyncSession, condition_id: int) -> ProjectCondition | None:
    return await session.get(ProjectCondition, condition_id)


async def due_to_close(session: AsyncSession, now: datetime) -> list[int]:
    return list((await session.exec(select(Project.id).where(
        col(Project.closed_at).is_(None), col(Project.closes_at) <= now))).all())


async def claim_close(session: AsyncSession, project_id: int, now: datetime) -> bool:
    """True for the one caller that closes the project."""
    return await update_if(session, Project, project_id, col(Project.closed_at).is_(None),
                           closed_at=now)


async def due_results(session: AsyncSession, closed_before: datetime) -> list[int]:
    return list((await session.exec(select(Project.id).where(
        col(Project.results_sent_at).is_(None), col(Project.closed_at) <= closed_before))).all())


async def claim_results(session: AsyncSession, project_id: int, now: datetime) -> bool:
    return await update_if(session, Project, project_id,
                           col(Project.results_sent_at).is_(None), results_sent_at=now)


async def audience(session: AsyncSession, project: Project) -> list[Person]:
    """The end users: every active person, or those of the project's segment value; the
    owner and stakeholders are asked as what they are, not as end users."""
    inside = select(ProjectStakeholder.person_id).where(
        col(ProjectStakeholder.project_id) == project.id)
    query = select(Person).where(col(Person.active).is_(True),
                                 col(Person.id) != project.owner_id,
                                 col(Person.id).not_in(inside))
    people = (await session.exec(query.order_by(col(Person.id)))).all()
    if project.audience_segment is None:
        return list(people)
    # Segments are JSON; compared here rather than in each dialect's JSON syntax.
    return [p for p in people if p.segments.get(project.audience_segment)
            == project.audience_value]


async def rested(session: AsyncSession, people: list[Person], project_id: int,
                 since: datetime) -> list[Person]:
    """Those of `people` who may be asked one more survey question: not opted out of pulses,
    and sent no survey of any kind since `since` (a CSAT survey, a pulse or satisfaction
    survey invite, or another project's end-user question), as the pulses' cooldown has it."""
    ids = [p.id for p in people]
    csat = select(SurveyInvitation.person_id).where(
        col(SurveyInvitation.person_id).in_(ids), col(SurveyInvitation.sent_at) >= since)
    pulses = select(PulseDelivery.person_id).where(
        col(PulseDelivery.person_id).in_(ids), col(PulseDelivery.kind) == INVITE,
        col(PulseDelivery.status).in_([QUEUED, SENT]), col(PulseDelivery.due_at) >= since)
    projects = select(ProjectReview.person_id).join(
        Project, col(Project.id) == ProjectReview.project_id).where(
        col(ProjectReview.person_id).in_(ids), col(ProjectReview.kind) == END_USER,
        col(Project.id) != project_id, col(Project.closed_at) >= since)
    opted = select(PulseOptOut.person_id).where(col(PulseOptOut.person_id).in_(ids))
    tired = set((await session.exec(union(csat, pulses, projects, opted))).scalars().all())
    return [p for p in people if p.id not in tired]


async def add_reviews(session: AsyncSession, project_id: int, kind: str,
                      people: list[Person]) -> set[int]:
    """Invitations recorded once; the ids of the people this call invited."""
    rows = [{"project_id": project_id, "person_id": p.id, "kind": kind} for p in people]
    return {person_id for (person_id,) in await insert_many_once(
        session, ProjectReview, rows, ProjectReview.person_id)}


async def review_of(session: AsyncSession, project_id: int, person_id: int,
                    kind: str) -> ProjectReview | None:
    return (await session.exec(select(ProjectReview).where(
        col(ProjectReview.project_id) == project_id, col(ProjectReview.person_id) == person_id,
        col(ProjectReview.kind) == kind))).first()


async def verdicts_of(session: AsyncSession, review_id: int) -> dict[int, bool]:
    rows = (await session.exec(select(ProjectConditionAnswer).where(
        col(ProjectConditionAnswer.review_id) == review_id))).all()
    return {row.condition_id: row.met for row in rows}


async def replace_verdicts(session: AsyncSession, review_id: int,
                           verdicts: dict[int, bool]) -> None:
    await session.exec(delete(ProjectConditionAnswer).where(
        col(ProjectConditionAnswer.review_id) == review_id))
    session.add_all(ProjectConditionAnswer(review_id=review_id, condition_id=cid, met=met)
                    for cid, met in verdicts.items())


@dataclass(frozen=True)
class Satisfaction:
    invited: int
    answered: int
    satisfied: int
    average: float | None


async def satisfaction(session: AsyncSession, project_id: int, kind: str) -> Satisfaction:
    answered = col(ProjectReview.satisfaction).is_not(None)
    row = (await session.exec(select(
        func.count(),
        func.count(col(ProjectReview.satisfaction)),
        func.coalesce(func.sum(case((col(ProjectReview.satisfaction) >= 4, 1), else_=0)), 0),
        func.avg(case((answered, ProjectReview.satisfaction)))).where(
        col(ProjectReview.project_id) == project_id, col(ProjectReview.kind) == kind))).one()
    return Satisfaction(row[0], row[1], row[2], None if row[3] is None else float(row[3]))


async def condition_counts(session: AsyncSession, project_id: int
                           ) -> dict[int, tuple[int, int]]:
    """Condition id -> (met, not met), over the stakeholders' answers."""
    met = col(ProjectConditionAnswer.met)
    rows = (await session.exec(
        select(ProjectConditionAnswer.condition_id,
               func.sum(case((met, 1), else_=0)), func.sum(case((met, 0), else_=1)))
        .join(ProjectCondition, col(ProjectCondition.id) == ProjectConditionAnswer.condition_id)
        .where(col(ProjectCondition.project_id) == project_id)
        .group_by(col(ProjectConditionAnswer.condition_id)))).all()
    return {cid: (int(m), int(n)) for cid, m, n in rows}


async def results_sent_between(session: AsyncSession, start: datetime,
                               end: datetime) -> list[Project]:
    return list((await session.exec(select(Project).where(
        col(Project.results_sent_at) >= start, col(Project.results_sent_at) < end)
        .order_by(col(Project.closed_at)))).all())


async def it_leads(session: AsyncSession) -> list[Person]:
    return list((await session.exec(select(Person).where(
        col(Person.role).in_(["it_lead", "admin"]), col(Person.active).is_(True))
        .order_by(col(Person.id)))).all())
