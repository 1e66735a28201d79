"""SLA compliance computed in SQL, on SQLite and PostgreSQL, over tickets whose deadlines and
outcomes are known, so every count below can be checked by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import create_engine, session_factory
from storage.ticket_stats import Compliance, StateCounts, compliance
from storage.tickets import Ticket

START = datetime(2026, 11, 2, tzinfo=UTC)
END = START + timedelta(days=7)
NOW = datetime(2026, 11, 6, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def ticket(number: int, priority: str, service: str, assignee: str | None, *,
           opened: datetime, responded: timedelta | None, resolved: timedelta | None,
           source: str = "desk") -> Ticket:
    """A P1-style ticket: response due 1 h after opening (at risk at 45 min), resolution
    due 4 h after (at risk at 3 h); `responded`/`resolved` are how long each took."""
    return Ticket(
        source=source, external_id=f"T-{number}", priority=priority, service=service,
        assignee_email=assignee, status="resolved" if resolved else "open", opened_at=opened,
        last_event_at=opened,
        first_response_at=opened + responded if responded is not None else None,
        resolved_at=opened + resolved if resolved is not None else None,
        response_due_at=opened + HOUR, response_at_risk_from=opened + 0.75 * HOUR,
        resolution_due_at=opened + 4 * HOUR, resolution_at_risk_from=opened + 3 * HOUR)


@pytest.fixture
async def sessions(database_url) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    factory = session_factory(engine)
    monday = START + 9 * HOUR
    async with factory() as session:
        session.add_all([
            # Response met, resolution met.
            ticket(1, "P1", "Email", "tom@example.com", opened=monday,
                   responded=0.5 * HOUR, resolved=2 * HOUR),
            # Response breached, resolution met.
            ticket(2, "P1", "Email", "tom@example.com", opened=monday,
                   responded=2 * HOUR, resolved=3 * HOUR),
            # Response met, resolution breached.
            ticket(3, "P2", "Printing", "ann@example.com", opened=monday,
                   responded=0.25 * HOUR, resolved=6 * HOUR),
            # Open at NOW: response breached by time, resolution at risk (3 h 30 min in).
            ticket(4, "P2", "", None, opened=NOW - 3.5 * HOUR, responded=None,
                   resolved=None),
            # Open at NOW: 10 min in, both on track.
            ticket(5, "P1", "Email", "ann@example.com", opened=NOW - timedelta(minutes=10),
                   responded=None, resolved=None),
            # A priority without targets.
            Ticket(source="desk", external_id="T-6", priority="P5", service="Email",
                   status="open", opened_at=monday, last_event_at=monday),
            # Outside the period, and another source.
            ticket(7, "P1", "Email", "tom@example.com", opened=START - HOUR,
                   responded=2 * HOUR, resolved=9 * HOUR),
            ticket(8, "P1", "Email", "tom@example.com", opened=monday, responded=2 * HOUR,
                   resolved=9 * HOUR, source="other"),
        ])
        await session.commit()
    yield factory
    await engine.dispose()


async def run(sessions, **kwargs) -> list[Compliance]:
    async with sessions() as session:
        return await compliance(session, opened_from=START, opened_before=END, now=NOW,
                                source="desk", **kwargs)


async def test_compliance_per_priority(sessions):
    assert await run(sessions, by="priority") == [
        Compliance("P1", 3, response=StateCounts(met=1, breached=1, at_risk=0, on_track=1),
                   resolution=StateCounts(met=2, breached=0, at_risk=0, on_track=1)),
        Compliance("P2", 2, response=StateCounts(met=1, breached=1, at_risk=0, on_track=0),
                   resolution=StateCounts(met=0, breached=1, at_risk=1, on_track=0)),
        Compliance("P5", 1, response=StateCounts(0, 0, 0, 0),
                   resolution=StateCounts(0, 0, 0, 0)),
    ]


async def test_compliance_per_service_groups_a_missing_service_last(sessions):
    rows = await run(sessions, by="service")

    assert [(row.group, row.tickets) for row in rows] == [("Email", 4), ("Printing", 1),
                                                          (None, 1)]
    email = rows[0]
    assert (email.response.compliance, email.resolution.compliance) == (0.5, 1.0)


async def test_compliance_per_assignee(sessions):
    rows = {row.group: row for row in await run(sessions, by="assignee")}

    assert set(rows) == {"ann@example.com", "tom@example.com", None}
    assert rows["tom@example.com"].response == StateCounts(1, 1, 0, 0)
    assert rows["ann@example.com"].resolution == StateCounts(0, 1, 0, 1)
    assert rows[None].response.compliance == 0.0


async def test_overall_and_every_source_and_an_empty_period(sessions):
    [overall] = await run(sessions)
    assert overall.tickets == 6
    assert overall.response == StateCounts(met=2, breached=2, at_risk=0, on_track=1)
    assert overall.response.compliance == 0.5

    async with sessions() as session:
        [everywhere] = await compliance(session, opened_from=START, opened_before=END,
                                        now=NOW)
        empty = await compliance(session, opened_from=END, opened_before=END + HOUR, now=NOW,
                                 by="priority")
    assert everywhere.tickets == 7
    assert empty == []
    assert StateCounts(0, 0, 3, 1).compliance is None


async def test_the_same_tickets_judged_earlier_are_not_yet_breached(sessions):
    async with sessions() as session:
        rows = await compliance(session, opened_from=START, opened_before=END,
                                now=NOW - 3 * HOUR, source="desk", by="priority")
    # At 09:00 ticket 4 has been open 30 minutes: its response is not yet at risk.
    p2 = next(row for row in rows if row.group == "P2")
    assert p2.response == StateCounts(met=1, breached=0, at_risk=0, on_track=1)
