"""The complaint log: complaints, their yearly tracking-number counters and the SLA alerts
already sent, with the queries the complaint flows need.

A tracking number (CMP-2026-0042) is claimed from a counter row per year in one atomic
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` inside the transaction that stores the
complaint, so replicas never hand out the same number. The submission that filed a complaint
is a unique key, so a double submit or a retry stores one complaint. Each SLA deadline is
worked out in business hours when the complaint is filed, so "met" and "breached" are plain
SQL comparisons; business time to acknowledge and resolve is stored when each happens, so
medians and percentiles are computed in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Index,
    String,
    Text,
    UniqueConstraint,
    case,
    cast,
    exists,
    func,
    literal,
)
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent, Person
from storage.once import dialect_insert, insert_once, update_if
from storage.types import UTCDateTime, utcnow

NUMBER_PREFIX = "CMP"
SATISFACTION_REMINDER = "satisfaction_reminder"
SUBJECT = "complaint"
"""The audit trail's subject type of a complaint (its subject id is the number)."""


class Status:
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"

    OPEN = (NEW, ACKNOWLEDGED, IN_PROGRESS, REOPENED)
    """Still IT's to act on; a resolved complaint waits for the complainant."""
    ALL = (NEW, ACKNOWLEDGED, IN_PROGRESS, RESOLVED, REOPENED, CLOSED)


class ComplaintCounter(SQLModel, table=True):
    """The last tracking number handed out in a year."""

    __tablename__ = "complaint_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = Field(default=0)


class Complaint(SQLModel, table=True):
    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_status_created", "status", "created_at"),
                      # The digest's windows: filed, and resolved, in a period.
                      Index("ix_complaint_created_at", "created_at"),
                      Index("ix_complaint_resolved_at", "resolved_at"))

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, max_length=20)
    submission_key: str = Field(unique=True, max_length=200,
                                description="platform:form id of the filing submission")
    complainant_id: int = Field(foreign_key="person.id", index=True)
    anonymous: bool = Field(default=False)
    description: str = Field(sa_column=Column(Text, nullable=False))
    service: str = Field(max_length=100)
    category: str = Field(max_length=100)
    impact: str = Field(max_length=8)
    ticket: str | None = Field(default=None, max_length=40)
    status: str = Field(default=Status.NEW, max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    escalated: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledge_due_at: datetime = Field(sa_type=UTCDateTime)
    resolve_due_at: datetime = Field(sa_type=UTCDateTime)
    acknowledge_remind_at: datetime = Field(sa_type=UTCDateTime)
    resolve_remind_at: datetime = Field(sa_type=UTCDateTime)
    acknowledge_business_s: int | None = Field(
        default=None, description="business seconds from filing to acknowledgement")
    resolve_business_s: int | None = Field(
        default=None, description="business seconds from filing to (first) resolution")
    resolution_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    root_cause: str | None = Field(default=None, max_length=100)
    satisfied: bool | None = Field(default=None)
    reopen_count: int = Field(default=0)
    shareable: bool = Field(default=False)
    """The resolver agreed its `what_changed` may be told in the newsletter (never a name)."""
    what_changed: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ComplaintAlert(SQLModel, table=True):
    """An SLA reminder or escalation already claimed for sending: each is sent once."""

    __tablename__ = "complaint_alert"
    __table_args__ = (UniqueConstraint("complaint_id", "kind", name="uq_complaint_alert"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id")
    kind: str = Field(max_length=32,
                      description="acknowledge_reminder, acknowledge_breach, resolve_reminder, "
                                  "resolve_breach")
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def format_number(year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{sequence:04d}"


async def claim_number(session: AsyncSession, year: int) -> str:
    """The next tracking number of `year`, in the caller's transaction (rolled back with it).

    One statement both creates the year's counter and increments it, so concurrent callers on
    PostgreSQL queue on the row's lock and each reads its own value.
    """
    insert = dialect_insert(session)
    statement = insert(ComplaintCounter).values(year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[ComplaintCounter.year],
        set_={"last": ComplaintCounter.last + 1},
    ).returning(ComplaintCounter.last)
    sequence = (await session.exec(statement)).scalar_one()
    return format_number(year, sequence)


async def submitted(session: AsyncSession, submission_key: str) -> bool:
    """Whether a complaint was already filed by this submission."""
    return (await session.exec(select(Complaint.id).where(
        col(Complaint.submission_key) == submission_key))).first() is not None


async def insert_complaint(session: AsyncSession, complaint: Complaint) -> int | None:
    """Insert the complaint unless its submission was filed already; its new id, else None."""
    insert = dialect_insert(session)
    statement = (insert(Complaint).values(**complaint.model_dump(exclude={"id"}))
                 .on_conflict_do_nothing(index_elements=[Complaint.submission_key])
                 .returning(Complaint.id))
    return (await session.exec(statement)).scalar_one_or_none()


async def by_number(session: AsyncSession, number: str, *, lock: bool = False
                    ) -> Complaint | None:
    """The complaint with this tracking number (as typed: any case, spaces around); with
    `lock`, its row is locked until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's
    transactions are serial)."""
    statement = select(Complaint).where(col(Complaint.number) == number.strip().upper())
    if lock:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


@dataclass
class Parties:
    """The people a complaint's messages are about and go to."""

    complainant: Person
    owner: Person | None


async def parties(session: AsyncSession, complaint: Complaint) -> Parties:
    complainant = await session.get(Person, complaint.complainant_id)
    assert complainant is not None
    owner = await session.get(Person, complaint.owner_id) if complaint.owner_id else None
    return Parties(complainant, owner)


async def people_with_roles(session: AsyncSession, roles: Iterable[str]) -> list[Person]:
    """Active people with any of `roles`, by name (IT staff to assign, leads to escalate to)."""
    return list((await session.exec(
        select(Person).where(col(Person.role).in_(list(roles)), col(Person.active).is_(True))
        .order_by(col(Person.display_name)))).all())


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def history(session: AsyncSession, number: str) -> list[tuple[AuditEvent, Person | None]]:
    """The complaint's audit trail, oldest first, each event with the person who acted (None
    for the complaint clock, and for an anonymous complainant's own steps)."""
    return list((await session.exec(
        select(AuditEvent, Person).join(Person, isouter=True)
        .where(col(AuditEvent.subject_type) == SUBJECT, col(AuditEvent.subject_id) == number)
        .order_by(col(AuditEvent.occurred_at), col(AuditEvent.id)))).all())


async def filed_since(session: AsyncSession, complainant_id: int, since: datetime) -> int:
    """How many complaints a person filed from `since` on (for the rate limit)."""
    return (await session.exec(
        select(func.count()).select_from(Complaint).where(
            col(Complaint.complainant_id) == complainant_id,
            col(Complaint.created_at) >= since))).one()


async def of_complainant(session: AsyncSession, complainant_id: int,
                         limit: int = 20) -> list[Complaint]:
    return list((await session.exec(
        select(Complaint).where(col(Complaint.complainant_id) == complainant_id)
        .order_by(col(Complaint.created_at).desc()).limit(limit))).all())


async def open_by_age(session: AsyncSession, limit: int = 30) -> list[Complaint]:
    """Open complaints, oldest first (IT's work list)."""
    return list((await session.exec(
        select(Complaint).where(col(Complaint.status).in_(Status.OPEN))
        .order_by(col(Complaint.created_at)).limit(limit))).all())


RESOLVE_STAGES = ("resolve_reminder", "resolve_breach")
"""Alerts about the resolution deadline, which a reopening sets again: sent once per round."""


def alert_kind(stage: str, reopen_count: int) -> str:
    """The key an SLA alert is claimed under: the stage, and for the resolution stages of a
    reopened complaint, which reopening (the first round keeps the plain stage name)."""
    if stage in RESOLVE_STAGES and reopen_count:
        return f"{stage}:{reopen_count}"
    return stage


async def due_alerts(session: AsyncSession, now: datetime) -> list[tuple[Complaint, str]]:
    """(complaint, alert stage) for every SLA reminder or breach due by `now` and not yet
    claimed (under `alert_kind`), oldest deadline first."""
    found: list[tuple[Complaint, str]] = []
    stages = (
        ("acknowledge_reminder", Complaint.acknowledge_remind_at, Complaint.acknowledged_at),
        ("acknowledge_breach", Complaint.acknowledge_due_at, Complaint.acknowledged_at),
        ("resolve_reminder", Complaint.resolve_remind_at, Complaint.resolved_at),
        ("resolve_breach", Complaint.resolve_due_at, Complaint.resolved_at),
    )
    for stage, deadline, done in stages:
        kind = (case((col(Complaint.reopen_count) == 0, stage),
                     else_=stage + ":" + cast(col(Complaint.reopen_count), String))
                if stage in RESOLVE_STAGES else literal(stage))
        claimed = exists().where(col(ComplaintAlert.complaint_id) == col(Complaint.id),
                                 col(ComplaintAlert.kind) == kind)
        rows = (await session.exec(
            select(Complaint).where(
                col(Complaint.status).in_(Status.OPEN), col(done).is_(None),
                col(deadline) <= now, ~claimed)
            .order_by(col(deadline)))).all()
        found.extend((row, stage) for row in rows)
    return found


async def claim_alert(session: AsyncSession, complaint_id: int, kind: str, at: datetime
                      ) -> bool:
    """Claim an alert (or reminder) about a complaint for sending; False when it was claimed
    before (by an earlier run or another replica)."""
    return await insert_once(session, ComplaintAlert, complaint_id=complaint_id, kind=kind,
                             sent_at=at)


async def close_if_resolved(session: AsyncSession, complaint: Complaint, at: datetime) -> bool:
    """Close a complaint that is still resolved (its complainant did not answer meanwhile);
    whether this call closed it (`complaint` then shows it closed)."""
    assert complaint.id is not None
    if not await update_if(session, Complaint, complaint.id,
                           col(Complaint.status) == Status.RESOLVED,
                           status=Status.CLOSED, closed_at=at):
        return False
    await session.refresh(complaint)
    return True


def satisfaction_reminder_kind(complaint: Complaint) -> str:
    """The alert kind of the reminder about one resolution (a reopened complaint that is
    resolved again gets its own)."""
    return f"{SATISFACTION_REMINDER}:{complaint.reopen_count}"


async def unanswered_resolutions(session: AsyncSession, resolved_before: datetime, *,
                                 unreminded: bool = False) -> list[Complaint]:
    """Resolved complaints whose complainant has not said whether they are satisfied; with
    `unreminded`, only those not yet reminded about this resolution."""
    statement = select(Complaint).where(col(Complaint.status) == Status.RESOLVED,
                                        col(Complaint.resolved_at) <= resolved_before)
    if unreminded:
        kind = SATISFACTION_REMINDER + ":" + cast(col(Complaint.reopen_count), String)
        statement = statement.where(~exists().where(
            col(ComplaintAlert.complaint_id) == col(Complaint.id),
            col(ComplaintAlert.kind) == kind))
    return list((await session.exec(statement.order_by(col(Complaint.resolved_at)))).all())
