"""CSAT figures from SQL, on SQLite and PostgreSQL, against a small set of surveys whose
figures are worked out by hand below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.csat import SurveyAnswer, SurveyInvitation
from storage.csat_stats import csat_figures, invitation_outcomes
from storage.engine import create_engine, session_factory
from storage.models import Person
from storage.tickets import Ticket

MONDAY = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
START, END = MONDAY, MONDAY + timedelta(days=14)

# (service, priority, assignee, sent, status, score): two weeks of surveys.
SURVEYS = [
    ("Email", "P1", "tom", MONDAY, "answered", 5),
    ("Email", "P1", "tom", MONDAY + timedelta(days=1), "answered", 4),
    ("Email", "P2", "sue", MONDAY + timedelta(days=2), "answered", 1),
    ("VPN", "P2", "sue", MONDAY + timedelta(days=3), "sent", None),
    ("VPN", "P3", None, MONDAY + timedelta(days=7), "answered", 3),
    ("VPN", "P3", "tom", MONDAY + timedelta(days=8), "expired", None),
    ("VPN", "P3", "tom", MONDAY + timedelta(days=13, hours=14), "answered", 2),
]
# Not counted: withdrawn, never sent, or sent outside the period.
OTHERS = [
    ("Email", "P1", "tom", MONDAY + timedelta(days=2), "void", None),
    ("Email", "P1", "tom", None, "skipped", None),
    ("Email", "P1", "tom", None, "unreachable", None),
    ("Email", "P1", "tom", MONDAY - timedelta(seconds=1), "answered", 1),
    ("Email", "P1", "tom", END, "answered", 1),
]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    factory = session_factory(engine)
    async with factory() as session:
        tom = Person(email="tom@example.com", display_name="Tom")
        session.add(tom)
        await session.flush()
        for number, (service, priority, who, sent, status, score) in enumerate(
                SURVEYS + OTHERS, start=1):
            created = sent or MONDAY
            ticket = Ticket(source="desk", external_id=f"INC-{number}", service=service,
                            priority=priority, opened_at=created, last_event_at=created,
                            # Tom is known to the directory; Sue only by the desk's email.
                            assignee_id=tom.id if who == "tom" else None,
                            assignee_email="sue@example.com" if who == "sue" else None)
            session.add(ticket)
            await session.flush()
            invitation = SurveyInvitation(ticket_id=ticket.id, person_id=tom.id, status=status,
                                          created_at=created, sent_at=sent)
            session.add(invitation)
            await session.flush()
            if score is not None:
                session.add(SurveyAnswer(invitation_id=invitation.id, score=score,
                                         answered_at=created + timedelta(minutes=5)))
        await session.commit()
    yield factory
    await engine.dispose()


async def figures(sessions, by=None):
    async with sessions() as session:
        return [(f.group, f.sent, f.answered, f.satisfied, f.average)
                for f in await csat_figures(session, START, END, by)]


async def test_overall_response_rate_csat_and_average(sessions):
    async with sessions() as session:
        [overall] = await csat_figures(session, START, END)

    assert (overall.group, overall.sent, overall.answered, overall.satisfied) == (None, 7, 5, 2)
    assert overall.response_rate == pytest.approx(5 / 7)
    assert overall.csat == pytest.approx(40.0)
    assert overall.average == pytest.approx((5 + 4 + 1 + 3 + 2) / 5)


async def test_per_service_priority_and_assignee(sessions):
    assert await figures(sessions, "service") == [
        ("Email", 3, 3, 2, pytest.approx(10 / 3)),
        ("VPN", 4, 2, 0, pytest.approx(2.5)),
    ]
    assert await figures(sessions, "priority") == [
        ("P1", 2, 2, 2, pytest.approx(4.5)),
        ("P2", 2, 1, 0, pytest.approx(1.0)),
        ("P3", 3, 2, 0, pytest.approx(2.5)),
    ]
    assert await figures(sessions, "assignee") == [
        ("", 1, 1, 0, pytest.approx(3.0)),
        ("sue@example.com", 2, 1, 0, pytest.approx(1.0)),
        ("tom@example.com", 4, 3, 2, pytest.approx(11 / 3)),
    ]


async def test_per_day_week_and_month(sessions):
    assert await figures(sessions, "week") == [
        ("2026-01-12", 4, 3, 2, pytest.approx(10 / 3)),
        ("2026-01-19", 3, 2, 0, pytest.approx(2.5)),
    ]
    assert await figures(sessions, "month") == [("2026-01-01", 7, 5, 2, pytest.approx(3.0))]
    days = await figures(sessions, "day")
    assert [day[0] for day in days] == ["2026-01-12", "2026-01-13", "2026-01-14", "2026-01-15",
                                        "2026-01-19", "2026-01-20", "2026-01-25"]


async def test_an_empty_period_has_no_rates(sessions):
    async with sessions() as session:
        [empty] = await csat_figures(session, END + timedelta(days=30),
                                     END + timedelta(days=37))
        assert await csat_figures(session, END + timedelta(days=30), END + timedelta(days=37),
                                  "service") == []

    assert (empty.sent, empty.response_rate, empty.csat, empty.average) == (0, None, None, None)


async def test_what_became_of_the_invitations(sessions):
    async with sessions() as session:
        outcomes = await invitation_outcomes(session, START, END)

    assert outcomes == {("answered", ""): 5, ("sent", ""): 1, ("expired", ""): 1,
                        ("void", ""): 1, ("skipped", ""): 1, ("unreachable", ""): 1}
