"""Broadcast figures for the digest and the board, computed in SQL on both databases:
incidents per service, time in outage per service (and so availability), time from opening
to the first update, the update cadence kept or missed, and how well subscribers said they
were kept informed.

A broadcast's history is its numbered updates: each update holds the status and impact from
its time until the next update (its `ended_at`, storage.update_ends; or the end of the window
asked about), so "time in outage" is
the sum of the spans whose impact was outage and whose status was not yet resolved or
completed, cut to the window (two broadcasts in outage for one service at once count twice,
and availability is then floored at 0). The services are the broadcast's (as they stand now),
one row per service through the database's JSON table function (`json_each` on SQLite,
`json_array_elements_text` on PostgreSQL). Given `services` (a digest's scope), each figure
counts only those services, or the broadcasts affecting at least one of them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, or_, true
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.broadcasts import Broadcast, BroadcastRating, BroadcastUpdate
from storage.types import UTCDateTime

CLOSED = ("resolved", "completed")


@dataclass(frozen=True)
class ServiceFigures:
    service: str
    incidents: int
    """Incidents opened in the window that affect the service."""
    outage_seconds: int
    """Time within the window the service was in an open outage."""
    availability: float
    """The share of the window it was not (1.0: no outage at all)."""


@dataclass(frozen=True)
class CadenceFigures:
    opened: int
    """Broadcasts opened in the window."""
    first_update_avg_s: float | None
    """Mean seconds from opening to the first update, over those that had one."""
    kept: int
    """Gaps between consecutive updates of an open broadcast within its impact's interval."""
    missed: int


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _at(moment: datetime) -> ColumnElement[Any]:
    return literal(moment, UTCDateTime())


def _seconds(dialect: str, start: ColumnElement[Any], end: ColumnElement[Any]
             ) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    # Julian days are floating point: round off what is below a millisecond, so an interval
    # of exactly 30 minutes is 1800.0 and not 1800.0000089.
    return func.round((func.julianday(end) - func.julianday(start)) * 86400.0, 3)


def _later(dialect: str, *values: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.greatest(*values) if dialect == "postgresql" else func.max(*values)


def _earlier(dialect: str, *values: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.least(*values) if dialect == "postgresql" else func.min(*values)


def _services(dialect: str, services: Any = None):
    """The broadcast's services (the `services` column given), one row each (join it on
    true)."""
    column = col(Broadcast.services) if services is None else services
    if dialect == "postgresql":
        # Its one column is named in the alias: AS anon_1(value).
        return (func.json_array_elements_text(column).table_valued("value")
                .render_derived())
    # SQLite's json_each has a column called value already, and takes no column list.
    return func.json_each(column).table_valued("value")


def _in_scope(dialect: str, services: Collection[str] | None) -> ColumnElement[bool]:
    """Broadcasts affecting one of `services` (every broadcast when None)."""
    if services is None:
        return true()
    # Its own alias, not correlated with the query's broadcast.
    scoped = aliased(Broadcast)
    service = _services(dialect, scoped.services)
    return col(Broadcast.id).in_(
        sa_select(scoped.id).select_from(scoped).join(service, true())
        .where(service.c.value.in_(list(services))).correlate(None))


async def service_figures(session: AsyncSession, since: datetime, until: datetime, *,
                          services: Collection[str] | None = None) -> list[ServiceFigures]:
    """Per affected service (of `services`, when given), by name: incidents opened and time
    in outage in [since, until)."""
    dialect = _dialect(session)
    service = _services(dialect)
    named = true() if services is None else service.c.value.in_(list(services))
    opened = (await session.exec(
        sa_select(service.c.value, func.count(distinct(col(Broadcast.id))))
        .select_from(Broadcast).join(service, true())
        .where(col(Broadcast.kind) == "incident", col(Broadcast.created_at) >= since,
               col(Broadcast.created_at) < until, named)
        .group_by(service.c.value))).all()  # type: ignore[call-overload]
    update = BroadcastUpdate
    start = _later(dialect, col(update.created_at), _at(since))
    end = _earlier(dialect, func.coalesce(col(update.ended_at), _at(until)), _at(until))
    span = _seconds(dialect, start, end)
    outage = (await session.exec(
        sa_select(service.c.value, func.sum(case((span > 0, span), else_=0)))
        .select_from(update)
        .join(Broadcast, col(Broadcast.id) == col(update.broadcast_id))
        .join(service, true())
        # Those overlapping the period: a range of ix_broadcast_update_impact_ended (and the
        # latest updates, not ended), rather than every update ever made.
        .where(col(update.impact) == "outage",
               or_(col(update.ended_at).is_(None), col(update.ended_at) > since),
               col(update.status).not_in(CLOSED), col(update.created_at) < until, named)
        .group_by(service.c.value))).all()  # type: ignore[call-overload]
    window = (until - since).total_seconds()
    incidents = {str(name): int(count) for name, count in opened}
    down = {str(name): round(float(seconds or 0)) for name, seconds in outage}
    return [ServiceFigures(name, incidents.get(name, 0), down.get(name, 0),
                           max(0.0, 1 - down.get(name, 0) / window) if window > 0 else 1.0)
            for name in sorted(set(incidents) | set(down))]


async def cadence_figures(session: AsyncSession, since: datetime, until: datetime,
                          intervals: Mapping[str, int], *,
                          services: Collection[str] | None = None) -> CadenceFigures:
    """How promptly broadcasts opened in [since, until) (affecting one of `services`, when
    given) were updated; `intervals` is impact -> minutes allowed between updates
    (`broadcasts.remind_after_minutes`)."""
    dialect = _dialect(session)
    this = BroadcastUpdate
    # The next update's time is the update's `ended_at` (storage.update_ends): no join of
    # each update to the next (70 ms at 10 million answers; README, Sizing). The latest has
    # none, so no gap, as when it found no next one to join.
    gap = _seconds(dialect, col(this.created_at), this.ended_at)
    allowed = case(*((col(this.impact) == impact, minutes * 60.0)
                     for impact, minutes in intervals.items()), else_=None)
    in_window = and_(col(Broadcast.created_at) >= since, col(Broadcast.created_at) < until,
                     _in_scope(dialect, services))
    first, kept, missed = (await session.exec(
        sa_select(func.avg(case((this.number == 1, gap))),
                  func.count(case((gap <= allowed, 1))),
                  func.count(case((gap > allowed, 1))))
        .select_from(this)
        .join(Broadcast, col(Broadcast.id) == col(this.broadcast_id))
        .where(in_window, col(this.status).not_in(CLOSED), col(this.ended_at).is_not(None))
    )).one()  # type: ignore[call-overload]
    opened = (await session.exec(
        sa_select(func.count()).select_from(Broadcast).where(in_window)
    )).one()[0]  # type: ignore[call-overload]
    return CadenceFigures(int(opened), float(first) if first is not None else None,
                          int(kept), int(missed))


async def informed_figures(session: AsyncSession, since: datetime, until: datetime, *,
                           services: Collection[str] | None = None
                           ) -> tuple[int, float | None]:
    """(answers, mean score) to "how well were you kept informed?" given in [since, until),
    about broadcasts affecting one of `services` when given."""
    answers, mean = (await session.exec(
        sa_select(func.count(), func.avg(col(BroadcastRating.score)))
        .join(Broadcast, col(Broadcast.id) == col(BroadcastRating.broadcast_id))
        .where(col(BroadcastRating.answered_at) >= since,
               col(BroadcastRating.answered_at) < until,
               _in_scope(_dialect(session), services))
    )).one()  # type: ignore[call-overload]
    return int(answers), float(mean) if mean is not None else None
