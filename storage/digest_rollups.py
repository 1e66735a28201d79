"""Roll-ups of the digest's weekly figures: per UTC hour and service, the tickets opened (their
SLA met and breached, reopened), resolved, and the CSAT surveys sent, answered, satisfied and
their scores, so a digest adds up a few thousand small rows for its 13 weeks instead of
counting millions of tickets, surveys and answers, and the backlog adds up the hours of all
history instead of counting every ticket ever opened and resolved (README, Sizing).

Hours, not weeks: a week or month of the organisation's zone is a run of whole UTC hours (but
in the few zones half an hour off, whose edges fall mid-hour and are read from the raw rows),
so the roll-up does not depend on `organisation.timezone`, serves weekly and monthly digests
alike and the migration can fill it without the app's configuration.

`digest_hour` says, per hour, whether its figures can be used:

- `stale`: something the figures count was written after they were computed. Triggers on
  `ticket`, `survey_invitation` and `survey_answer` (migration 0030) set it for the hours a
  write touches, old and new values (a late answer marks the hour its survey was sent in),
  whatever code wrote it; `roll_up` computes the hour again.
- `settles_at`: the latest deadline of a ticket opened in the hour that was neither met nor
  breached when the figures were computed (None: none was). An SLA state changes with time
  alone only until its deadline, so the figures hold for any `now` after it, and not before.

A digest (`storage.digest_rollup_reads`) reads the usable hours and counts the rest (the
open week, an hour marked stale, anything not rolled up yet) from the raw rows with
`storage.digest_stats`, and adds both: every figure here is a count or a sum, so the result is
the same as counting it all raw.

Only tickets' services are kept, so a digest scoped to assignees counts everything raw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    null,
    or_,
    union_all,
)
from sqlalchemy import insert as core_insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable
from sqlmodel import Field, SQLModel, col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.csat import SurveyAnswer, SurveyInvitation
from storage.csat_stats import COUNTED
from storage.digest_stats import CsatWeek, TicketWeek, opened_counts, survey_counts
from storage.tickets import Ticket
from storage.types import UTCDateTime

HOUR = timedelta(hours=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Before any ticket: where the raw count before the first hour begins."""
MAX_RAW_RUNS = 12
"""Past this many separate stretches to count raw (hours marked stale all over the window),
the digest counts its whole window raw: one statement per stretch would cost more."""


class DigestHour(SQLModel, table=True):
    __tablename__ = "digest_hour"

    starts_at: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    stale: bool = True
    computed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    settles_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime,
        description="the figures hold for a `now` after this; None: from the start")


class DigestHourFigures(SQLModel, table=True):
    """One hour's figures for the tickets of one service ('' for none)."""

    __tablename__ = "digest_hour_figures"

    starts_at: datetime = Field(sa_type=UTCDateTime, primary_key=True,
                                foreign_key="digest_hour.starts_at")
    service: str = Field(primary_key=True, max_length=200)
    opened: int = 0
    resolved: int = 0
    response_met: int = 0
    response_breached: int = 0
    resolution_met: int = 0
    resolution_breached: int = 0
    reopened: int = 0
    sent: int = 0
    answered: int = 0
    satisfied: int = 0
    score_sum: int = 0
    pending_until: datetime | None = Field(
        default=None, sa_type=UTCDateTime,
        description="the latest deadline among its tickets neither met nor breached")


TICKET_FIELDS = [f.name for f in fields(TicketWeek)]
CSAT_FIELDS = [f.name for f in fields(CsatWeek)]


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _hour(dialect: str, column: Any) -> Any:
    """The UTC hour an SQL timestamp falls in, as the database stores a timestamp (SQLite:
    text, as SQLAlchemy writes it)."""
    if dialect == "postgresql":
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%d %H:00:00.000000", column)


# --------------------------------------------------------------------------- computing


def rebuild_statements(dialect: str, start: datetime, end: datetime,
                       now: datetime) -> list[Executable]:
    """The statements that compute the hours [start, end) (whole UTC hours) as at `now`, in
    one transaction. The first marks them fresh, which on PostgreSQL locks their rows: a write
    whose trigger comes later waits for the commit and marks its hour stale again, and one
    that came first is committed (and seen by the counts) before this goes on."""
    hours = []
    at = start
    while at < end:
        hours.append({"starts_at": at, "stale": False, "computed_at": now, "settles_at": None})
        at += HOUR
    upsert = _insert(dialect)(DigestHour).values(hours)
    upsert = upsert.on_conflict_do_update(
        index_elements=[DigestHour.starts_at],
        set_={"stale": False, "computed_at": now, "settles_at": None})
    figures = DigestHourFigures
    settles = (select(func.max(col(figures.pending_until)))
               .where(col(figures.starts_at) == col(DigestHour.starts_at)).scalar_subquery())
    return [
        upsert,
        delete(figures).where(col(figures.starts_at) >= start, col(figures.starts_at) < end),
        core_insert(figures).from_select(_FIGURE_COLUMNS, _figures(dialect, start, end, now)),
        update(DigestHour).where(col(DigestHour.starts_at) >= start,
                                 col(DigestHour.starts_at) < end).values(settles_at=settles),
    ]


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


COUNTS = ["opened", "resolved", "response_met", "response_breached", "resolution_met",
           "resolution_breached", "reopened", "sent", "answered", "satisfied", "score_sum"]
_FIGURE_COLUMNS = ["starts_at", "service", *COUNTS, "pending_until"]


def _figures(dialect: str, start: datetime, end: datetime, now: datetime) -> Any:
    """Per hour and service in [start, end): the three kinds of rows counted, added up."""
    no_time = cast(null(), UTCDateTime)
    service = func.coalesce(col(Ticket.service), "")

    def part(hour: Any, counts: dict[str, Any], pending: tuple[Any, Any] = (no_time, no_time)
             ) -> Any:
        return select(hour.label("hour"), service.label("service"),
                      *(counts.get(name, literal(0)).label(name) for name in COUNTS),
                      pending[0].label("response_pending"),
                      pending[1].label("resolution_pending"))

    in_range = lambda column: and_(col(column) >= start, col(column) < end)  # noqa: E731
    opened_hour = _hour(dialect, col(Ticket.opened_at))
    opened = part(
        opened_hour, opened_counts(now),
        (func.max(case((col(Ticket.first_response_at).is_(None), col(Ticket.response_due_at)))),
         func.max(case((col(Ticket.resolved_at).is_(None), col(Ticket.resolution_due_at)))))
    ).where(in_range(Ticket.opened_at)).group_by(opened_hour, service)
    resolved_hour = _hour(dialect, col(Ticket.resolved_at))
    resolved = part(resolved_hour, {"resolved": func.count()}).where(
        in_range(Ticket.resolved_at)).group_by(resolved_hour, service)
    sent_hour = _hour(dialect, col(SurveyInvitation.sent_at))
    surveys = part(sent_hour, survey_counts()).select_from(SurveyInvitation)
    surveys = surveys_sent(surveys, start, end).group_by(sent_hour, service)
    rows = union_all(opened, resolved, surveys).subquery()
    response_pending = func.max(rows.c.response_pending)
    resolution_pending = func.max(rows.c.resolution_pending)
    return select(
        rows.c.hour, rows.c.service,
        *(func.coalesce(func.sum(rows.c[name]), 0) for name in COUNTS),
        case((response_pending.is_(None), resolution_pending),
             (resolution_pending.is_(None), response_pending),
             (response_pending > resolution_pending, response_pending),
             else_=resolution_pending),
    ).group_by(rows.c.hour, rows.c.service)


def surveys_sent(statement: Any, start: datetime, end: datetime) -> Any:
    """`statement` over the surveys sent in [start, end) that CSAT counts, with their tickets
    and answers, as `csat_stats.csat_figures` counts them."""
    return (statement
            .join(Ticket, col(Ticket.id) == col(SurveyInvitation.ticket_id))
            .outerjoin(SurveyAnswer, col(SurveyAnswer.invitation_id) == col(SurveyInvitation.id))
            .where(col(SurveyInvitation.sent_at) >= start, col(SurveyInvitation.sent_at) < end,
                   col(SurveyInvitation.status).in_(COUNTED)))


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def rebuild(session: AsyncSession, start: datetime, end: datetime,
                  now: datetime) -> None:
    """Compute the hours [start, end) as at `now`; the caller commits."""
    for statement in rebuild_statements(_dialect(session), start, end, now):
        await session.exec(statement)  # type: ignore[call-overload]


def backfill(connection: Connection, now: datetime) -> None:
    """Compute every whole hour from the first ticket to an hour before `now`, a week at a
    time, on a blocking connection (migration 0030, bench/digest.py after seeding); the
    caller commits."""
    first = connection.execute(select(func.min(col(Ticket.opened_at)))).scalar()
    if first is None:
        return
    start, end = hour_of(first), hour_of(now) - HOUR
    while start < end:
        stop = min(start + timedelta(weeks=1), end)
        for statement in rebuild_statements(connection.dialect.name, start, stop, now):
            connection.execute(statement)
        start = stop


async def latest_hour(session: AsyncSession) -> datetime | None:
    return (await session.exec(select(func.max(col(DigestHour.starts_at))))).one()


async def earliest_data(session: AsyncSession) -> datetime | None:
    """The first moment a roll-up would count anything: the first ticket opened."""
    return (await session.exec(select(func.min(col(Ticket.opened_at))))).one()


async def add_hours(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Rows for the hours [start, end) that have none, stale (to be computed); how many."""
    count = 0
    at = start
    while at < end:
        chunk = []
        while at < end and len(chunk) < 1000:
            chunk.append({"starts_at": at, "stale": True})
            at += HOUR
        await session.exec(_insert(_dialect(session))(DigestHour).values(chunk)  # type: ignore[call-overload]
                           .on_conflict_do_nothing())
        count += len(chunk)
    return count


async def hours_due(session: AsyncSession, before: datetime, now: datetime,
                    limit: int) -> list[datetime]:
    """Hours before `before` to compute (again): stale ones, and those that were not settled
    when computed but are by `now`; oldest first."""
    hour = DigestHour
    rows = await session.exec(
        select(hour.starts_at).where(
            col(hour.starts_at) < before,
            or_(col(hour.stale),
                and_(col(hour.settles_at) >= col(hour.computed_at),
                     col(hour.settles_at) < now)))
        .order_by(col(hour.starts_at)).limit(limit))
    return list(rows.all())


def runs_of(hours: Sequence[datetime], longest: int = 24 * 7) -> list[tuple[datetime, datetime]]:
    """Sorted hours as [start, end) runs of consecutive hours, each at most `longest` long."""
    runs: list[list[datetime]] = []
    for hour in hours:
        if runs and hour == runs[-1][1] and runs[-1][1] - runs[-1][0] < longest * HOUR:
            runs[-1][1] = hour + HOUR
        else:
            runs.append([hour, hour + HOUR])
    return [(start, end) for start, end in runs]
