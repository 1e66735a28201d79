"""CSAT figures, computed in SQL for the digest: response rate, CSAT (the share of answers
that are a 4 or a 5) and the average score, overall or per service, priority, assignee or
period, and what became of the invitations that were not sent.

A survey counts in the period it was sent in (`sent_at`, UTC); one withdrawn because its
ticket was reopened does not count at all. Periods are UTC days, ISO weeks (from Monday) and
calendar months, named by their first day (``2026-01-12``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.csat import InvitationStatus, SurveyAnswer, SurveyInvitation
from storage.models import Person
from storage.tickets import Ticket

GroupBy = Literal["service", "priority", "assignee", "day", "week", "month"]
SATISFIED = 4
"""Scores at or above this count as satisfied."""
COUNTED = (InvitationStatus.SENT, InvitationStatus.ANSWERED, InvitationStatus.EXPIRED)
"""Surveys that reached someone and were not withdrawn."""


@dataclass(frozen=True)
class CsatFigures:
    group: str | None
    """The service, priority, assignee email or period; None for the overall figures, and
    "" for tickets without that field."""
    sent: int
    answered: int
    satisfied: int
    average: float | None
    """The mean score, None without answers."""

    @property
    def response_rate(self) -> float | None:
        """Answered surveys as a share of those sent (0..1)."""
        return self.answered / self.sent if self.sent else None

    @property
    def csat(self) -> float | None:
        """Answers of 4 or 5 as a percentage of all answers."""
        return 100 * self.satisfied / self.answered if self.answered else None


def _period(dialect: str, period: str, column):
    if dialect == "postgresql":
        if period == "day":
            return func.to_char(column, "YYYY-MM-DD")
        return func.to_char(func.date_trunc(period, column), "YYYY-MM-DD")
    if period == "day":
        return func.date(column)
    if period == "week":
        # The Monday on or before the day (SQLite's "weekday 1" moves forward to a Monday).
        return func.date(column, "-6 days", "weekday 1")
    return func.strftime("%Y-%m-01", column)


async def csat_figures(session: AsyncSession, start: datetime, end: datetime,
                       by: GroupBy | None = None,
                       where: Sequence[ColumnElement[bool]] = ()) -> list[CsatFigures]:
    """Figures for surveys sent in [start, end): one row overall, or one per group (ordered
    by group); `where` narrows the tickets counted (a digest's scope)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    assignee = aliased(Person)
    groups = {
        "service": col(Ticket.service),
        "priority": col(Ticket.priority),
        "assignee": func.coalesce(assignee.email, Ticket.assignee_email, ""),
    }
    group = (groups[by] if by in groups
             else _period(dialect, by, col(SurveyInvitation.sent_at)) if by else None)
    columns = [
        func.count(col(SurveyInvitation.id)),
        func.count(col(SurveyAnswer.id)),
        func.count(case((col(SurveyAnswer.score) >= SATISFIED, 1))),
        func.avg(col(SurveyAnswer.score)),
    ]
    statement = (
        select(*columns, *([group.label("grp")] if group is not None else []))
        .select_from(SurveyInvitation)
        .join(Ticket, col(Ticket.id) == col(SurveyInvitation.ticket_id))
        .outerjoin(SurveyAnswer, col(SurveyAnswer.invitation_id) == col(SurveyInvitation.id))
        .where(col(SurveyInvitation.sent_at) >= start, col(SurveyInvitation.sent_at) < end,
               col(SurveyInvitation.status).in_(COUNTED), *where))
    if by == "assignee":
        statement = statement.outerjoin(assignee, assignee.id == col(Ticket.assignee_id))
    if group is not None:
        statement = statement.group_by(group).order_by(group)
    rows = (await session.exec(statement)).all()
    return [CsatFigures(group=(None if group is None else "" if row[4] is None else str(row[4])),
                        sent=row[0],
                        answered=row[1], satisfied=row[2],
                        average=float(row[3]) if row[3] is not None else None)
            for row in rows]


async def answers_by_language(session: AsyncSession, start: datetime, end: datetime,
                              where: Sequence[ColumnElement[bool]] = ()) -> dict[str, int]:
    """How many of the answers `csat_figures` counts for [start, end) were given in each
    language (answers from before languages were kept left out), the most first: the figures
    pool every language; this only says how many read the question in each."""
    language = col(SurveyAnswer.locale)
    statement = (
        select(language, func.count(col(SurveyAnswer.id)))
        .select_from(SurveyInvitation)
        # An answer comes after its survey was sent: bounding its time lets the database read
        # the answers from the period on, not scan them all (as digest_stats.csat_weeks).
        .join(SurveyAnswer, and_(col(SurveyAnswer.invitation_id) == col(SurveyInvitation.id),
                                 col(SurveyAnswer.answered_at) >= start))
        .where(col(SurveyInvitation.sent_at) >= start, col(SurveyInvitation.sent_at) < end,
               col(SurveyInvitation.status).in_(COUNTED), language.is_not(None))
        .group_by(language))
    if where:
        # Only a scoped digest needs the survey's ticket.
        statement = statement.join(Ticket, col(Ticket.id) == col(SurveyInvitation.ticket_id)
                                   ).where(*where)
    rows = (await session.exec(statement)).all()
    return dict(sorted(((code, n) for code, n in rows), key=lambda row: (-row[1], row[0])))


async def invitation_outcomes(session: AsyncSession, start: datetime,
                              end: datetime) -> dict[tuple[str, str], int]:
    """How many invitations created in [start, end) ended in each (status, reason): surveys
    throttled, sampled out, unreachable and why, withdrawn, as well as sent."""
    reason = func.coalesce(SurveyInvitation.reason, "")
    rows = (await session.exec(
        select(col(SurveyInvitation.status), reason, func.count(col(SurveyInvitation.id)))
        .where(col(SurveyInvitation.created_at) >= start, col(SurveyInvitation.created_at) < end)
        .group_by(col(SurveyInvitation.status), reason))).all()
    return {(status, why): count for status, why, count in rows}
