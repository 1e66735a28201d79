"""Tickets from the service desk: the latest known state of each, as told by its events.

One row per ticket per source (a source is one configured service desk). Each row keeps the
time of the newest event applied to it, so an event that arrives late cannot move the ticket
backwards, and the SLA deadlines worked out in business hours when the ticket was opened or
re-prioritised, so compliance is a plain SQL comparison. The queries of the ticket intake
(`bot.flows.tickets.ingest`) are here too; the SLA figures are in `storage.ticket_stats`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, tuple_
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
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
        # A period's tickets for the digest's SLA per priority, percentiles and worst
        # breaches: on PostgreSQL from this index alone (migration 0036).
        Index("ix_ticket_opened_at", "opened_at",
              postgresql_include=["priority", "first_response_at", "response_due_at",
                                  "response_at_risk_from", "resolved_at", "resolution_due_at",
                                  "resolution_at_risk_from", "id"]),
        # A ticket's previous contact: the same requester and service before it
        # (storage.previous_contacts).
        Index("ix_ticket_requester_service_opened", "requester_email", "service", "opened_at"),
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


async def tickets_locked(session: AsyncSession, names: Collection[tuple[str, str]]
                         ) -> dict[tuple[str, str], Ticket]:
    """The stored tickets among `names` (source, external id), locked for this transaction
    in id order, so two writers never wait on each other crosswise."""
    if not names:
        return {}
    found = await session.exec(
        select(Ticket).where(tuple_(Ticket.source, Ticket.external_id).in_(sorted(names)))
        .order_by(col(Ticket.id)).with_for_update())
    return {(ticket.source, ticket.external_id): ticket for ticket in found.all()}


async def people_by_email(session: AsyncSession, emails: Collection[str]) -> dict[str, int]:
    """The directory's person id for each of the emails it holds (a ticket's requester and
    assignee are matched by email)."""
    if not emails:
        return {}
    rows = await session.exec(select(Person.email, Person.id)
                              .where(col(Person.email).in_(list(emails))))
    return {email: person_id for email, person_id in rows.all()
            if email is not None and person_id is not None}
