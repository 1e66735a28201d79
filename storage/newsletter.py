"""The newsletter: the `newsletter_issue` table (one row per period, so a period is drafted
once however many replicas or reruns) and the queries it needs beyond the statistics modules:
the resolved complaints whose resolver let the newsletter tell what changed.

An issue keeps the content it was drafted with (`content`, JSON), so what IT leads approve is
what is posted and exported, whatever changes in the tables afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import Complaint, Status
from storage.once import insert_many_once, update_if
from storage.types import UTCDateTime, utcnow

SUBJECT = "newsletter"
MAX_INTRO = 2000


class IssueStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SKIPPED = "skipped"


class NewsletterIssue(SQLModel, table=True):
    __tablename__ = "newsletter_issue"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(unique=True, max_length=16)
    """``2026-Q4`` or ``2026-B6`` (the sixth two months)."""
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=IssueStatus.DRAFT, max_length=8)
    intro: str = Field(default="", sa_column=Column(Text, nullable=False))
    """The IT leads' own words at the top, written with Edit."""
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


async def add_issue(session: AsyncSession, *, period: str, starts_at: datetime,
                    ends_at: datetime, content: dict[str, Any], now: datetime) -> int | None:
    """The new draft's id; None when the period was drafted before."""
    inserted = await insert_many_once(session, NewsletterIssue, [{
        "period": period, "starts_at": starts_at, "ends_at": ends_at,
        "status": IssueStatus.DRAFT, "intro": "", "content": content, "created_at": now}],
        col(NewsletterIssue.id))
    return inserted[0][0] if inserted else None


async def issue(session: AsyncSession, issue_id: int) -> NewsletterIssue | None:
    return await session.get(NewsletterIssue, issue_id)


async def issue_for(session: AsyncSession, period: str | None) -> NewsletterIssue | None:
    """The issue of `period`, or the latest one."""
    statement = select(NewsletterIssue)
    if period is not None:
        statement = statement.where(col(NewsletterIssue.period) == period)
    return (await session.exec(statement.order_by(col(NewsletterIssue.starts_at).desc())
                               .limit(1))).first()


async def decide(session: AsyncSession, issue_id: int, status: IssueStatus, by_id: int,
                 now: datetime) -> bool:
    """Approve or skip a draft; True when this call decided it (it was still a draft)."""
    return await update_if(session, NewsletterIssue, issue_id,
                           col(NewsletterIssue.status) == IssueStatus.DRAFT,
                           status=status, decided_by=by_id, decided_at=now)


async def set_intro(session: AsyncSession, issue_id: int, intro: str) -> bool:
    """Change a draft's intro; False once it is decided."""
    return await update_if(session, NewsletterIssue, issue_id,
                           col(NewsletterIssue.status) == IssueStatus.DRAFT, intro=intro)


@dataclass(frozen=True)
class SharedChange:
    """A resolved complaint as the newsletter may tell it: never who, only what changed."""

    service: str
    category: str
    what_changed: str


async def shared_changes(session: AsyncSession, since: datetime, until: datetime,
                         limit: int = 5) -> list[SharedChange]:
    """Complaints resolved in [since, until) (and not reopened since) whose resolver marked
    them shareable, newest first."""
    rows = (await session.exec(
        select(Complaint.service, Complaint.category, Complaint.what_changed)
        .where(col(Complaint.shareable).is_(True), col(Complaint.what_changed).is_not(None),
               col(Complaint.status).in_((Status.RESOLVED, Status.CLOSED)),
               col(Complaint.resolved_at) >= since, col(Complaint.resolved_at) < until)
        .order_by(col(Complaint.resolved_at).desc(), col(Complaint.id).desc())
        .limit(limit))).all()
    return [SharedChange(service, category, what or "") for service, category, what in rows]
