"""Complaint statistics for the digest, computed in SQL: opened, resolved, open backlog,
median and 90th percentile business time to acknowledge and to resolve, and SLA met %, for
the complaints filed in a window, overall or by category, service, impact, week or month;
and repeat complainants, counted without naming anyone who asked to stay anonymous; and the
log itself, row by row, for the CSV export.

Percentiles are nearest-rank (the smallest value with at least p of the values at or below
it): ``percentile_disc`` on PostgreSQL, the same rank picked from an ordered window on SQLite,
so both databases give identical answers. Weeks start on Monday and periods are in UTC.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal_column
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import Complaint, Status
from storage.models import Person
from storage.percentiles import OVERALL, median_p90

Dimension = Literal["category", "service", "impact", "week", "month"]


@dataclass(frozen=True)
class ComplaintStats:
    group: str
    """The category, service, impact, week (its Monday, YYYY-MM-DD) or month (YYYY-MM);
    ``all`` when not grouped."""
    opened: int
    resolved: int
    """Of those opened, how many are resolved or closed now."""
    backlog: int
    """Of those opened, how many are still open (new, acknowledged, in progress, reopened)."""
    acknowledge_median_s: int | None
    acknowledge_p90_s: int | None
    resolve_median_s: int | None
    resolve_p90_s: int | None
    acknowledge_sla_met_pct: float | None
    """Acknowledged in time, of those acknowledged or past their deadline; None if none."""
    resolve_sla_met_pct: float | None


@dataclass(frozen=True)
class RepeatComplainants:
    people: int
    """How many people filed at least `min_complaints` in the window, anonymously or not."""
    named: list[tuple[str, int]]
    """(name, complaints) of those with at least `min_complaints` they put their name to;
    complaints filed anonymously are not counted here, so no one is named by them."""


def _group(dialect: str, by: Dimension) -> ColumnElement[Any]:
    created = col(Complaint.created_at)
    if by in ("category", "service", "impact"):
        return col(getattr(Complaint, by))
    if dialect == "postgresql":
        if by == "week":
            return func.to_char(func.date_trunc("week", created), "YYYY-MM-DD")
        return func.to_char(created, "YYYY-MM")
    if by == "week":
        # Back six days, then forward to the next Monday: the Monday on or before the day.
        return func.date(created, "-6 days", "weekday 1")
    return func.strftime("%Y-%m", created)


def _window(since: datetime, until: datetime,
            where: Sequence[ColumnElement[bool]] = ()) -> ColumnElement[bool]:
    return and_(col(Complaint.created_at) >= since, col(Complaint.created_at) < until, *where)


def _pct(met: ColumnElement[Any], known: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((known > 0, 100.0 * met / known), else_=None)


async def _percentiles(session: AsyncSession, group: ColumnElement[Any] | None,
                       value: ColumnElement[Any], since: datetime, until: datetime,
                       where: Sequence[ColumnElement[bool]]
                       ) -> dict[str, tuple[int | None, int | None]]:
    """group -> (median, p90) of `value` over the window's complaints that have one."""
    found = await median_p90(session, group, [value], _window(since, until, where))
    return {g: pairs[0] for g, pairs in found.items()}


async def complaint_stats(session: AsyncSession, since: datetime, until: datetime,
                          now: datetime, by: Dimension | None = None,
                          where: Sequence[ColumnElement[bool]] = ()) -> list[ComplaintStats]:
    """Statistics of the complaints filed in [since, until), as they stand at `now`; `where`
    narrows them (a digest's services)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    group = _group(dialect, by) if by is not None else None
    c = Complaint
    acknowledged = col(c.acknowledged_at).is_not(None)
    resolved = col(c.resolved_at).is_not(None)
    ack_met = func.sum(case((and_(acknowledged,
                                  col(c.acknowledged_at) <= col(c.acknowledge_due_at)), 1),
                            else_=0))
    ack_known = func.sum(case((acknowledged | (col(c.acknowledge_due_at) <= now), 1),
                              else_=0))
    res_met = func.sum(case((and_(resolved, col(c.resolved_at) <= col(c.resolve_due_at)), 1),
                            else_=0))
    res_known = func.sum(case((resolved | (col(c.resolve_due_at) <= now), 1), else_=0))
    statement = (
        sa_select((group if group is not None else literal_column(f"'{OVERALL}'")).label("g"),
                  func.count(),
                  func.sum(cast(col(c.status).in_((Status.RESOLVED, Status.CLOSED)), Integer)),
                  func.sum(cast(col(c.status).in_(Status.OPEN), Integer)),
                  _pct(ack_met, ack_known), _pct(res_met, res_known))
        .where(_window(since, until, where)))
    if group is not None:
        statement = statement.group_by(group).order_by(group)
    rows = [row for row in (await session.exec(statement)).all()  # type: ignore[call-overload]
            if row[1]]  # no complaints at all: no row, as when grouped
    ack = await _percentiles(session, group, col(c.acknowledge_business_s), since, until,
                             where)
    res = await _percentiles(session, group, col(c.resolve_business_s), since, until, where)
    return [
        ComplaintStats(
            group=str(g), opened=opened, resolved=int(done or 0), backlog=int(backlog or 0),
            acknowledge_median_s=_int(ack.get(str(g), (None, None))[0]),
            acknowledge_p90_s=_int(ack.get(str(g), (None, None))[1]),
            resolve_median_s=_int(res.get(str(g), (None, None))[0]),
            resolve_p90_s=_int(res.get(str(g), (None, None))[1]),
            acknowledge_sla_met_pct=_round(ack_pct), resolve_sla_met_pct=_round(res_pct))
        for g, opened, done, backlog, ack_pct, res_pct in rows
    ]


async def repeat_complainants(session: AsyncSession, since: datetime, until: datetime,
                              min_complaints: int = 2) -> RepeatComplainants:
    per_person = (select(col(Complaint.complainant_id)).where(_window(since, until))
                  .group_by(col(Complaint.complainant_id))
                  .having(func.count() >= min_complaints).subquery())
    people = (await session.exec(select(func.count()).select_from(per_person))).one()
    named = (await session.exec(
        select(Person.display_name, func.count())
        .join(Complaint, col(Complaint.complainant_id) == col(Person.id))
        .where(_window(since, until), col(Complaint.anonymous).is_(False))
        .group_by(col(Person.id), col(Person.display_name))
        .having(func.count() >= min_complaints)
        .order_by(func.count().desc(), col(Person.display_name)))).all()
    return RepeatComplainants(people=people, named=[(name, count) for name, count in named])


async def log_rows(session: AsyncSession, since: datetime | None, until: datetime | None
                   ) -> AsyncIterator[tuple[Complaint, str | None, str | None]]:
    """(complaint, complainant's name, owner's name) for each complaint filed from `since`
    (until `until`; either None for no bound), oldest first, streamed in batches. The
    complainant's name of an anonymous complaint is None: it never leaves the database."""
    complainant, owner = aliased(Person), aliased(Person)
    name = case((col(Complaint.anonymous).is_(True), None), else_=complainant.display_name)
    statement = (
        select(Complaint, name, owner.display_name)
        .join(complainant, col(Complaint.complainant_id) == complainant.id)
        .join(owner, col(Complaint.owner_id) == owner.id, isouter=True)
        .order_by(col(Complaint.created_at), col(Complaint.id)))
    if since is not None:
        statement = statement.where(col(Complaint.created_at) >= since)
    if until is not None:
        statement = statement.where(col(Complaint.created_at) < until)
    result = await session.stream(statement.execution_options(yield_per=500))
    async for row in result:
        yield row[0], row[1], row[2]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)
