"""Tickets from the service desk: the latest known state of each, as told by its events.

One row per ticket per source (a source is one configured service desk). Each row keeps the
time of the newest event applied to it, so an event that arrives late cannot move the ticket
backwards, and the SLA deadlines worked out in business hours when the ticket was opened or
re-prioritised, so compliance is a plain SQL comparison.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class TicketStatus:
    """The statuses every service desk's own are mapped onto."""

    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"

    ALL = (OPEN, RESOLVED, CLOSED)


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_ticket_source_external_id"),
        Index("ix_ticket_resolved_at", "resolved_at"),
        Index("ix_ticket_opened_at", "opened_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64, description="the app.yaml name of the service desk")
    external_id: str = Field(max_length=128, description="the desk's ticket number")
    title: str = Field(default="", max_length=500)
    requester_email: str | None = Field(default=None, max_length=320, index=True)
    assignee_email: str | None = Field(default=None, max_length=320, index=True)
    requester_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    priority: str = Field(default="", max_length=32)
    service: str = Field(default="", max_length=128)
    status: str = Field(default=TicketStatus.OPEN, max_length=16)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopen_count: int = Field(default=0)
    response_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response_at_risk_from: datetime | None = Field(
        default=None, sa_type=UTCDateTime,
        description="when the unanswered ticket has used the at-risk share of its response time")
    resolution_at_risk_from: datetime | None = Field(
        default=None, sa_type=UTCDateTime,
        description="when the open ticket has used the at-risk share of its resolution time")
    last_event_at: datetime = Field(sa_type=UTCDateTime,
                                    description="when the newest applied event happened")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
