"""SLA states and compliance of tickets, computed in SQL from the deadlines stored on each.

For each target (first response, resolution) a ticket is in one state at a given moment:

- ``met``: done by its deadline;
- ``breached``: done late, or not done and the deadline has passed;
- ``at_risk``: not done, and the at-risk share of its business time is used up;
- ``on_track``: not done, and not yet at risk;
- ``no_target``: its priority has no SLA target.

A ticket is responded to at its first response (or its resolution, when nobody answered
before) and resolved at its resolution; a reopened ticket is open again until it is resolved
again. Compliance is met / (met + breached): tickets still running do not count either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tickets import Ticket
from storage.types import UTCDateTime

Grouping = Literal["priority", "service", "assignee"]
_GROUP_COLUMNS = {"priority": Ticket.priority, "service": Ticket.service,
                  "assignee": Ticket.assignee_email}


class SlaState(StrEnum):
    MET = "met"
    BREACHED = "breached"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"
    NO_TARGET = "no_target"


def _state(done_at, due_at, at_risk_from, now: datetime) -> ColumnElement[str]:
    at = literal(now, UTCDateTime)
    return case(
        (col(due_at).is_(None), SlaState.NO_TARGET.value),
        (col(done_at).is_not(None),
         case((col(done_at) <= col(due_at), SlaState.MET.value), else_=SlaState.BREACHED.value)),
        (col(due_at) < at, SlaState.BREACHED.value),
        (col(at_risk_from) <= at, SlaState.AT_RISK.value),
        else_=SlaState.ON_TRACK.value,
    )


def met_and_breached(done_at, due_at, now: datetime
                     ) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """1 or 0 (or NULL: neither) per row for ``met`` and for ``breached``, as `_state` decides
    them, without the CASE: a count of these is the same as a count of those states, and
    several times cheaper over the hundreds of thousands of rows of a digest's 13 weeks."""
    done, due = col(done_at), col(due_at)
    met = cast(done <= due, Integer)
    breached = cast(func.coalesce(done > due, due < literal(now, UTCDateTime)), Integer)
    return met, breached


def _state_counts(done_at, due_at, at_risk_from, now: datetime) -> list[ColumnElement[int]]:
    """How many rows are met, breached, at risk and on track, as `_state` decides them: each
    condition tested once per row, where comparing `_state`'s CASE with each state ran it
    four times (a third of the digest's SLA per priority at 10 million answers; README,
    Sizing)."""
    met, breached = met_and_breached(done_at, due_at, now)
    at = literal(now, UTCDateTime)
    running = and_(col(done_at).is_(None), col(due_at) >= at)
    at_risk = col(at_risk_from) <= at
    return [func.sum(met), func.sum(breached),
            func.sum(case((and_(running, at_risk), 1), else_=0)),
            func.sum(case((and_(running, or_(col(at_risk_from).is_(None), ~at_risk)), 1),
                          else_=0))]


def response_state(now: datetime) -> ColumnElement[str]:
    """The first-response state of a ticket row at `now`, as an SQL expression."""
    return _state(Ticket.first_response_at, Ticket.response_due_at, Ticket.response_at_risk_from,
                  now)


def resolution_state(now: datetime) -> ColumnElement[str]:
    """The resolution state of a ticket row at `now`, as an SQL expression."""
    return _state(Ticket.resolved_at, Ticket.resolution_due_at, Ticket.resolution_at_risk_from,
                  now)


@dataclass(frozen=True)
class TicketSla:
    response: SlaState
    resolution: SlaState


async def ticket_sla(session: AsyncSession, ticket_id: int, now: datetime) -> TicketSla | None:
    """Where one ticket stands against its targets at `now`; None if there is no such ticket."""
    row = (await session.exec(select(response_state(now), resolution_state(now))
                              .where(Ticket.id == ticket_id))).first()
    return None if row is None else TicketSla(SlaState(row[0]), SlaState(row[1]))


@dataclass(frozen=True)
class StateCounts:
    met: int
    breached: int
    at_risk: int
    on_track: int

    @property
    def compliance(self) -> float | None:
        """met / (met + breached); None when no ticket has been decided yet."""
        decided = self.met + self.breached
        return self.met / decided if decided else None


@dataclass(frozen=True)
class Compliance:
    """SLA compliance of one group of tickets (all of them, when not grouped)."""

    group: str | None
    """The priority, service or assignee email; None for the tickets without one."""
    tickets: int
    """Tickets opened in the period, targets or not."""
    response: StateCounts
    resolution: StateCounts


async def compliance(session: AsyncSession, *, opened_from: datetime, opened_before: datetime,
                     now: datetime, by: Grouping | None = None,
                     source: str | None = None,
                     where: Sequence[ColumnElement[bool]] = ()) -> list[Compliance]:
    """SLA compliance of the tickets opened in [opened_from, opened_before), as they stand at
    `now`, per priority, service or assignee (or overall), in one query; groups in order.
    `where` narrows the tickets counted (a digest's scope)."""
    states = [*_state_counts(Ticket.first_response_at, Ticket.response_due_at,
                             Ticket.response_at_risk_from, now),
              *_state_counts(Ticket.resolved_at, Ticket.resolution_due_at,
                             Ticket.resolution_at_risk_from, now)]
    groups = []
    if by is not None:
        # An empty text (no service given) groups with a missing one.
        groups.append(func.nullif(_GROUP_COLUMNS[by], ""))
    query = (select(*groups, func.count(), *states)
             .where(Ticket.opened_at >= opened_from, Ticket.opened_at < opened_before, *where))
    if source is not None:
        query = query.where(Ticket.source == source)
    if groups:
        query = query.group_by(*groups).order_by(groups[0].is_(None), *groups)
    results = []
    for row in (await session.exec(query)).all():
        group, counts = (row[0], row[1:]) if groups else (None, row)
        if counts[0]:
            values = [int(value or 0) for value in counts[1:]]
            results.append(Compliance(group=group, tickets=counts[0],
                                      response=StateCounts(*values[:4]),
                                      resolution=StateCounts(*values[4:])))
    return results
