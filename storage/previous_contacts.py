"""Previous contacts: for each ticket whose requester had opened one for the same service
before it, when the latest such was opened, so a digest counts its repeat contacts with a
range of one index (`digest_stats.repeat_contacts`) instead of looking up an earlier ticket
for each ticket of the period (1.2 to 1.4 s for a week of 190,000 tickets; README, Sizing).

The rows are the database's to keep: triggers on `ticket` (migration 0033) compute a ticket's
row when it is written and again for the tickets that follow it (the next opened by the same
requester for the same service, and the one that followed it before a change), so a ticket
arriving out of order, a desk moving a ticket to another service or requester, and a deletion
leave every row as `fill` would compute it afresh. `TRIGGERED` is that SQL, for either
database, over a row (NEW or OLD).

A ticket without a requester has no row (nobody to have contacted before); one without a
service ('') counts with the others without one, as the digest always counted them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class PreviousContact(SQLModel, table=True):
    __tablename__ = "previous_contact"
    __table_args__ = (
        # A period's repeat contacts from this index alone.
        Index("ix_previous_contact_opened_previous", "opened_at", "previous_at"),
    )

    ticket_id: int = Field(primary_key=True, foreign_key="ticket.id", ondelete="CASCADE")
    opened_at: datetime = Field(sa_type=UTCDateTime, description="the ticket's own")
    previous_at: datetime = Field(
        sa_type=UTCDateTime,
        description="the latest opening before it of a ticket of the same requester and service")


def _renew(tickets: str) -> list[str]:
    """Statements computing again the rows of the tickets `t` meeting `tickets` (this
    module's constants only)."""
    return [
        f"DELETE FROM previous_contact WHERE ticket_id IN (SELECT t.id FROM ticket t "  # noqa: S608
        f"WHERE {tickets})",
        "INSERT INTO previous_contact (ticket_id, opened_at, previous_at) "  # noqa: S608
        "SELECT id, opened_at, previous_at FROM (SELECT t.id, t.opened_at, "
        "(SELECT max(e.opened_at) FROM ticket e WHERE e.requester_email = t.requester_email "
        "AND e.service = t.service AND e.opened_at < t.opened_at) AS previous_at "
        f"FROM ticket t WHERE {tickets}) AS found WHERE previous_at IS NOT NULL",
    ]


ITSELF = _renew("t.id = {row}.id")
FOLLOWING = _renew(
    "t.requester_email = {row}.requester_email AND t.service = {row}.service "
    "AND t.opened_at = (SELECT min(n.opened_at) FROM ticket n "
    "WHERE n.requester_email = {row}.requester_email AND n.service = {row}.service "
    "AND n.opened_at > {row}.opened_at)")
"""The tickets of the row's requester and service opened next after it (several if opened at
the same instant): the row may be their previous contact, or have stopped being it."""
TRIGGERED = {
    "INSERT": [*ITSELF, *FOLLOWING],
    "UPDATE": [*FOLLOWING, *ITSELF, *FOLLOWING],
    "DELETE": FOLLOWING,
}
"""Per event, the statements in order, each to format with `row`: OLD for the first
FOLLOWING of an update and a deletion's, NEW otherwise (see `rows_of`)."""
WATCHED = ("requester_email", "service", "opened_at")


def rows_of(event: str) -> list[str]:
    """The row (OLD or NEW) each of the event's statements is about."""
    if event == "INSERT":
        return ["NEW"] * len(TRIGGERED[event])
    if event == "DELETE":
        return ["OLD"] * len(TRIGGERED[event])
    return ["OLD"] * len(FOLLOWING) + ["NEW"] * (len(ITSELF) + len(FOLLOWING))


def fill(connection: Connection) -> None:
    """Compute every row from the tickets there, set-based (migration 0033, bench/digest.py
    after seeding): on PostgreSQL one sort of the tickets by requester, service and opening,
    each row's previous the latest opening strictly before its own; on SQLite a look-up per
    ticket in `ix_ticket_requester_service_opened`. The caller commits."""
    connection.execute(text("DELETE FROM previous_contact"))
    if connection.dialect.name == "postgresql":
        # The frame ends a microsecond (PostgreSQL's resolution) before the row's own
        # opening, so tickets opened at the same instant are not each other's previous, as in
        # the triggers' `e.opened_at < t.opened_at`.
        connection.execute(text(
            "INSERT INTO previous_contact (ticket_id, opened_at, previous_at) "
            "SELECT id, opened_at, previous_at FROM (SELECT id, opened_at, max(opened_at) "
            "OVER (PARTITION BY requester_email, service ORDER BY opened_at RANGE BETWEEN "
            "UNBOUNDED PRECEDING AND INTERVAL '1 microsecond' PRECEDING) AS previous_at "
            "FROM ticket WHERE requester_email IS NOT NULL AND service IS NOT NULL) AS w "
            "WHERE previous_at IS NOT NULL"))
    else:
        _, insert = _renew("t.requester_email IS NOT NULL AND t.service IS NOT NULL")
        connection.execute(text(insert))
