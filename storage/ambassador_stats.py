"""One department's figures for its ambassador's monthly summary, in SQL: CSAT of the surveys
sent to its people (through `storage.csat_stats`, narrowed to them), and the complaints its
people filed, counted by category and by status, with how many were filed anonymously. No
query here returns who complained: the summary names nobody.

A department is a value of a segment (`person.segments`, set by the directory from app.yaml),
as in the pulses' results by segment; a person's current department counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import Complaint
from storage.csat import SurveyInvitation
from storage.csat_stats import CsatFigures, answers_by_language, csat_figures
from storage.models import Person
from storage.pulses import CLOSED, PulseCampaign


def _people_in(segment: str, value: str) -> ColumnElement[bool]:
    return Person.__table__.c.segments[segment].as_string() == value


def _members(segment: str, value: str):
    return select(Person.id).where(_people_in(segment, value)).scalar_subquery()


async def department_csat(session: AsyncSession, segment: str, value: str, start: datetime,
                          end: datetime) -> CsatFigures:
    """CSAT of the surveys sent in [start, end) to people whose `segment` is `value`."""
    [figures] = await csat_figures(session, start, end, where=[
        col(SurveyInvitation.person_id).in_(_members(segment, value))])
    return figures


async def department_csat_languages(session: AsyncSession, segment: str, value: str,
                                    start: datetime, end: datetime) -> dict[str, int]:
    """How many of `department_csat`'s answers were given in each language."""
    return await answers_by_language(session, start, end, where=[
        col(SurveyInvitation.person_id).in_(_members(segment, value))])


@dataclass(frozen=True)
class ComplaintCounts:
    filed: int
    anonymous: int
    """Of those filed, how many without the complainant's name."""
    by_category: dict[str, int]
    by_status: dict[str, int]
    """Where the complaints filed stand now."""


async def department_complaints(session: AsyncSession, segment: str, value: str,
                                start: datetime, end: datetime) -> ComplaintCounts:
    """The complaints filed in [start, end) by people whose `segment` is `value`."""
    where = (col(Complaint.created_at) >= start, col(Complaint.created_at) < end,
             col(Complaint.complainant_id).in_(_members(segment, value)))
    rows = (await session.exec(
        select(col(Complaint.category), col(Complaint.status), func.count(),
               func.coalesce(func.sum(case((col(Complaint.anonymous), 1), else_=0)), 0))
        .where(*where).group_by(col(Complaint.category), col(Complaint.status)))).all()
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for category, status, count, _anonymous in rows:
        by_category[category] = by_category.get(category, 0) + count
        by_status[status] = by_status.get(status, 0) + count
    return ComplaintCounts(filed=sum(row[2] for row in rows),
                           anonymous=sum(int(row[3]) for row in rows),
                           by_category=dict(sorted(by_category.items())),
                           by_status=by_status)


async def latest_closed(session: AsyncSession, before: datetime,
                        limit: int = 20) -> list[PulseCampaign]:
    """The latest pulses and surveys closed before `before`, newest first."""
    return list((await session.exec(
        select(PulseCampaign).where(col(PulseCampaign.status) == CLOSED,
                                    col(PulseCampaign.closed_at) < before)
        .order_by(col(PulseCampaign.closed_at).desc()).limit(limit))).all())
