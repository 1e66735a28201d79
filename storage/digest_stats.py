"""The digest's own figures in SQL, beside those of ticket_stats, csat_stats, complaint_stats,
kudos_stats and pulse_stats: tickets and CSAT counted per week (or any run of periods) in one
grouped query each, response and turnaround percentiles, the backlog, repeat contacts, the
worst breaches and complaint root causes.

Periods are given by their edges (UTC instants: the organisation's midnights), so a week is
the organisation's week, not UTC's; a run of periods is one statement: a UNION ALL of one
range per period for tickets, a CASE over the edges for surveys (see each for why). A
digest's scope narrows tickets, surveys (through their ticket) and complaints (by service).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import Complaint
from storage.csat import SurveyAnswer, SurveyInvitation
from storage.csat_stats import COUNTED, SATISFIED
from storage.percentiles import OVERALL, median_p90
from storage.previous_contacts import PreviousContact
from storage.ticket_stats import SlaState, met_and_breached, resolution_state, response_state
from storage.tickets import Ticket
from storage.types import UTCDateTime


@dataclass(frozen=True)
class Scope:
    """Which tickets count: those of these catalogue services, or of these assignees (emails,
    lower case); everything when both are empty."""

    services: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()

    def tickets(self) -> list[ColumnElement[bool]]:
        where = []
        if self.services:
            where.append(col(Ticket.service).in_(self.services))
        if self.assignees:
            where.append(func.lower(col(Ticket.assignee_email)).in_(self.assignees))
        return where

    def complaints(self) -> list[ColumnElement[bool]]:
        return [col(Complaint.service).in_(self.services)] if self.services else []


@dataclass(frozen=True)
class TicketWeek:
    opened: int = 0
    resolved: int = 0
    response_met: int = 0
    response_breached: int = 0
    resolution_met: int = 0
    resolution_breached: int = 0
    reopened: int = 0
    """Of those opened, how many were reopened since."""


@dataclass(frozen=True)
class CsatWeek:
    sent: int = 0
    answered: int = 0
    satisfied: int = 0
    score_sum: int = 0


def _at(value: datetime) -> ColumnElement[Any]:
    return literal(value, UTCDateTime)


def _in(column: Any, edges: Sequence[datetime]) -> list[ColumnElement[bool]]:
    return [col(column) >= _at(edges[0]), col(column) < _at(edges[-1])]


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


async def _per_period(session: AsyncSession, column: Any, edges: Sequence[datetime],
                      statement: Callable[[], Select]) -> dict[int, tuple]:
    """Period index -> the row of `statement` (aggregates) over the rows whose `column` falls
    in that period: one statement, a UNION ALL of one range each. Each part reads its own
    range of the column's index, which measured faster than a CASE over the edges and a
    GROUP BY (bench/digest.py: 0.28 against 0.42 s on SQLite for 13 weeks of tickets)."""
    parts = [statement().add_columns(literal(index, Integer).label("period"))
             .where(col(column) >= _at(start), col(column) < _at(end))
             for index, (start, end) in enumerate(pairwise(edges))]
    rows = (await session.exec(union_all(*parts))).all()  # type: ignore[call-overload]
    return {int(row[-1]): tuple(row[:-1]) for row in rows}


def opened_counts(now: datetime) -> dict[str, ColumnElement[Any]]:
    """The aggregates over tickets opened, by `TicketWeek` field in its order: how many, their
    SLA met and breached (as they stand at `now`) and how many were reopened. One definition
    for the raw count here and the hourly roll-up (`storage.digest_rollups`), which must
    agree."""
    response = met_and_breached(Ticket.first_response_at, Ticket.response_due_at, now)
    resolution = met_and_breached(Ticket.resolved_at, Ticket.resolution_due_at, now)
    return {"opened": func.count(), "response_met": func.sum(response[0]),
            "response_breached": func.sum(response[1]),
            "resolution_met": func.sum(resolution[0]),
            "resolution_breached": func.sum(resolution[1]),
            "reopened": _count(col(Ticket.reopen_count) > 0)}


def survey_counts() -> dict[str, ColumnElement[Any]]:
    """The aggregates over surveys sent joined to their answers, by `CsatWeek` field in its
    order; shared with the hourly roll-up as `opened_counts` is."""
    return {"sent": func.count(col(SurveyInvitation.id)),
            "answered": func.count(col(SurveyAnswer.id)),
            "satisfied": func.count(case((col(SurveyAnswer.score) >= SATISFIED, 1))),
            "score_sum": func.coalesce(func.sum(col(SurveyAnswer.score)), 0)}


async def opened_weeks(session: AsyncSession, edges: Sequence[datetime], now: datetime,
                       scope: Scope) -> list[TicketWeek]:
    """Per period between `edges`, in one statement: the tickets opened, their SLA met and
    breached (as they stand at `now`) and how many were reopened; `resolved` left at 0."""
    opened = await _per_period(session, Ticket.opened_at, edges, lambda: select(
        *opened_counts(now).values()).where(*scope.tickets()))
    weeks = []
    for index in range(len(edges) - 1):
        counts, r_met, r_breached, s_met, s_breached, reopened = (
            int(value or 0) for value in opened.get(index, (0,) * 6))
        weeks.append(TicketWeek(counts, 0, r_met, r_breached, s_met, s_breached, reopened))
    return weeks


async def ticket_weeks(session: AsyncSession, edges: Sequence[datetime], now: datetime,
                       scope: Scope) -> list[TicketWeek]:
    """Ticket figures per period between `edges`: opened, SLA met and breached (of those
    opened, as they stand at `now`), reopened; and resolved in the period."""
    weeks = await opened_weeks(session, edges, now, scope)
    resolved = await _per_period(session, Ticket.resolved_at, edges, lambda: select(
        func.count()).select_from(Ticket).where(*scope.tickets()))
    return [replace(week, resolved=int(resolved.get(index, (0,))[0]))
            for index, week in enumerate(weeks)]


def _bucket(column: Any, edges: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the period [edges[i], edges[i+1]) holding `column` (rows are already
    limited to [edges[0], edges[-1]))."""
    inner = edges[1:-1]
    if not inner:
        return literal(0, Integer)
    return case(*((col(column) < _at(edge), index) for index, edge in enumerate(inner)),
                else_=len(inner))


async def csat_weeks(session: AsyncSession, edges: Sequence[datetime],
                     scope: Scope) -> list[CsatWeek]:
    """Surveys sent, answered, satisfied (4-5) and the sum of scores per period between
    `edges`, counted as csat_stats counts them (by when the survey was sent).

    One range and a CASE over the edges rather than a range per period: PostgreSQL joins the
    answers by hashing the whole table, once here instead of once per period (0.3 s against
    2 s for 13 weeks of a million answers; SQLite is as fast either way)."""
    bucket = _bucket(SurveyInvitation.sent_at, edges)
    statement = (
        select(bucket, *survey_counts().values())
        .select_from(SurveyInvitation)
        # An answer comes after its survey was sent: bounding its time lets the database join
        # the answers of the period's surveys, not all of them.
        .outerjoin(SurveyAnswer, and_(col(SurveyAnswer.invitation_id) == col(SurveyInvitation.id),
                                      col(SurveyAnswer.answered_at) >= _at(edges[0])))
        .where(*_in(SurveyInvitation.sent_at, edges),
               col(SurveyInvitation.status).in_(COUNTED))
        .group_by(bucket))
    where = scope.tickets()
    if where:
        # Only a scoped digest needs the ticket of each survey.
        statement = statement.join(Ticket, col(Ticket.id) == col(SurveyInvitation.ticket_id)
                                   ).where(*where)
    found = {int(row[0]): row[1:] for row in (await session.exec(statement)).all()}
    return [CsatWeek(*(int(value) for value in found[index])) if index in found else CsatWeek()
            for index in range(len(edges) - 1)]


def _seconds(dialect: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Seconds from `earlier` to `later` (columns or expressions)."""
    if dialect == "postgresql":
        # date_part's double precision, not EXTRACT's numeric (PostgreSQL 14 on): the
        # percentiles sort these, twice as fast at a period's hundreds of thousands of
        # tickets (README, Sizing), and the figures are rounded to whole seconds anyway.
        return func.date_part("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


@dataclass(frozen=True)
class Times:
    """Median and 90th percentile, in seconds, of the time to first response and to
    resolution of the tickets opened in the period that have one."""

    response_median_s: int | None
    response_p90_s: int | None
    resolution_median_s: int | None
    resolution_p90_s: int | None


async def ticket_times(session: AsyncSession, start: datetime, end: datetime,
                       scope: Scope) -> Times:
    dialect = _dialect(session)
    where = and_(*_in(Ticket.opened_at, [start, end]), *scope.tickets())
    # Both in one statement: one read of the period's tickets.
    values = await median_p90(session, None, [
        _seconds(dialect, done, Ticket.opened_at)
        for done in (Ticket.first_response_at, Ticket.resolved_at)], where, Ticket)
    return Times(*(None if v is None else round(float(v))
                   for pair in values.get(OVERALL, [(None, None)] * 2) for v in pair))


async def backlog(session: AsyncSession, at: datetime, scope: Scope) -> int:
    """Tickets opened before `at` and not resolved by then: those opened, less those
    resolved (a ticket resolved before `at` was opened before it), each a count over one
    index when unscoped."""
    opened = (await session.exec(select(func.count()).select_from(Ticket).where(
        col(Ticket.opened_at) < _at(at), *scope.tickets()))).one()
    resolved = (await session.exec(select(func.count()).select_from(Ticket).where(
        col(Ticket.resolved_at) < _at(at), *scope.tickets()))).one()
    return int(opened) - int(resolved)


async def repeat_contacts(session: AsyncSession, start: datetime, end: datetime, days: int,
                          scope: Scope) -> int:
    """Tickets opened in the period whose requester had opened one for the same service in
    the `days` before it: a range of `ix_previous_contact_opened_previous`, each row's
    previous contact kept by the database (storage.previous_contacts)."""
    contact = PreviousContact
    if _dialect(session) == "postgresql":
        since = col(contact.opened_at) - func.make_interval(0, 0, 0, days)
    else:
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff'; datetime() keeps the same order.
        since = func.datetime(col(contact.opened_at), f"-{days} days")
    statement = select(func.count()).select_from(contact).where(
        *_in(contact.opened_at, [start, end]), col(contact.previous_at) >= since)
    where = scope.tickets()
    if where:
        # Only a scoped digest reads the tickets themselves.
        statement = statement.join(Ticket, col(Ticket.id) == col(contact.ticket_id)).where(*where)
    return int((await session.exec(statement)).one())


@dataclass(frozen=True)
class Breach:
    source: str
    external_id: str
    title: str
    priority: str
    service: str
    target: str
    """``resolution`` or ``response``: the later of the two it missed."""
    late_s: int


async def worst_breaches(session: AsyncSession, start: datetime, end: datetime, now: datetime,
                         scope: Scope, limit: int = 5) -> list[Breach]:
    """The tickets opened in the period that missed a target, latest first."""
    dialect = _dialect(session)
    now_at = _at(now)
    res_late = case((resolution_state(now) == SlaState.BREACHED.value,
                     _seconds(dialect, func.coalesce(col(Ticket.resolved_at), now_at),
                              Ticket.resolution_due_at)))
    resp_late = case((response_state(now) == SlaState.BREACHED.value,
                      _seconds(dialect, func.coalesce(col(Ticket.first_response_at),
                                                      col(Ticket.resolved_at), now_at),
                               Ticket.response_due_at)))
    late = func.coalesce(res_late, resp_late)
    # The worst `limit` picked first, from what ix_ticket_opened_at carries (on PostgreSQL
    # the period's tickets are read from the index alone, migration 0036), and only their
    # rows read for the titles.
    worst = (select(col(Ticket.id).label("id"), res_late.is_not(None).label("on_resolution"),
                    late.label("late"))
             .where(*_in(Ticket.opened_at, [start, end]), *scope.tickets(), late.is_not(None))
             .order_by(late.desc(), col(Ticket.id)).limit(limit).subquery())
    shown = aliased(Ticket)
    rows = (await session.exec(
        select(shown.source, shown.external_id, shown.title, shown.priority, shown.service,
               worst.c.on_resolution, worst.c.late)
        .join(worst, worst.c.id == shown.id)
        .order_by(worst.c.late.desc(), worst.c.id))).all()
    return [Breach(source, external_id, title, priority, service,
                   "resolution" if on_resolution else "response", round(float(late_s)))
            for source, external_id, title, priority, service, on_resolution, late_s in rows]


async def complaint_root_causes(session: AsyncSession, start: datetime, end: datetime,
                                scope: Scope, limit: int = 3) -> list[tuple[str, int]]:
    """The root causes given to complaints resolved in the period, most frequent first."""
    count = func.count()
    rows = await session.exec(
        select(col(Complaint.root_cause), count)
        .where(*_in(Complaint.resolved_at, [start, end]), col(Complaint.root_cause).is_not(None),
               *scope.complaints())
        .group_by(col(Complaint.root_cause)).order_by(count.desc(), col(Complaint.root_cause))
        .limit(limit))
    return [(str(cause), int(n)) for cause, n in rows.all()]


async def complaint_activity(session: AsyncSession, start: datetime, end: datetime,
                             scope: Scope) -> tuple[int, int, int]:
    """(acknowledged, resolved) in the period, whenever filed, and the open backlog at its
    end (filed before it and not resolved by then)."""
    c = Complaint
    acknowledged, resolved = (await session.exec(select(
        _count(and_(*_in(c.acknowledged_at, [start, end]))),
        _count(and_(*_in(c.resolved_at, [start, end]))))
        .where(or_(and_(*_in(c.acknowledged_at, [start, end])),
                   and_(*_in(c.resolved_at, [start, end]))), *scope.complaints()))).one()
    open_at_end = (await session.exec(select(func.count()).select_from(c).where(
        col(c.created_at) < _at(end),
        or_(col(c.resolved_at).is_(None), col(c.resolved_at) >= _at(end)),
        *scope.complaints()))).one()
    return int(acknowledged or 0), int(resolved or 0), int(open_at_end)
