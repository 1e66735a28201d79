"""Previous contacts on SQLite and PostgreSQL: the rows the triggers keep are those computed
afresh from the tickets, and the digest's repeat contacts read from them are those counted
ticket by ticket, after tickets arriving out of order, at the same instant, without a
requester or service, a desk moving a ticket to another service, requester or opening, and
a deletion; migration 0033 fills the rows of the tickets already there."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlmodel import delete, select

from storage import digest_stats
from storage.digest_stats import Scope
from storage.engine import create_engine, session_factory
from storage.migrate import alembic_config, upgrade
from storage.previous_contacts import PreviousContact
from storage.tickets import Ticket

START = datetime(2026, 9, 1, tzinfo=UTC)
SERVICES = ("Email", "Laptops", "")
PEOPLE = ("a@example.com", "b@example.com", "c@example.com", None)


def _ticket(n: int, rng: random.Random) -> Ticket:
    # Whole hours over four weeks: some tickets of a requester open at the same instant.
    opened = START + timedelta(hours=rng.randrange(28 * 24))
    return Ticket(source="desk", external_id=f"T{n}", service=rng.choice(SERVICES),
                  requester_email=rng.choice(PEOPLE), opened_at=opened, last_event_at=opened)


def _expected(tickets: list[Ticket]) -> set[tuple[int, datetime, datetime]]:
    """Each ticket's previous contact, by definition."""
    rows = set()
    for t in tickets:
        earlier = [e.opened_at for e in tickets
                   if t.requester_email is not None
                   and e.requester_email == t.requester_email and e.service == t.service
                   and e.opened_at < t.opened_at]
        if earlier:
            rows.add((t.id, t.opened_at, max(earlier)))
    return rows


def _repeats(tickets: list[Ticket], start: datetime, end: datetime, days: int,
             services: tuple[str, ...] = ()) -> int:
    """The period's repeat contacts: an earlier ticket of the requester and service within
    `days`, as the digest counted them ticket by ticket before migration 0033."""
    service = {t.id: t.service for t in tickets}
    return sum(1 for ticket_id, opened, previous in _expected(tickets)
               if start <= opened < end and previous >= opened - timedelta(days=days)
               and (not services or service[ticket_id] in services))


async def _check(session) -> None:
    tickets = list((await session.exec(select(Ticket))).all())
    stored = {(row.ticket_id, row.opened_at, row.previous_at)
              for row in (await session.exec(select(PreviousContact))).all()}
    assert stored == _expected(tickets)
    for start, end in ((START, START + timedelta(weeks=4)),
                       (START + timedelta(weeks=1), START + timedelta(weeks=2))):
        for days, services in ((1, ()), (7, ()), (7, ("Email",))):
            found = await digest_stats.repeat_contacts(session, start, end, days,
                                                       Scope(services=services))
            assert found == _repeats(tickets, start, end, days, services)


async def test_the_rows_follow_every_write_to_the_tickets(session):
    rng = random.Random(33)
    # One at a time in random order of opening: most arrive after a later one.
    for n in range(120):
        session.add(_ticket(n, rng))
        await session.flush()
    await session.commit()
    await _check(session)
    assert len(_expected(list((await session.exec(select(Ticket))).all()))) > 60
    tickets = list((await session.exec(select(Ticket).order_by(Ticket.id))).all())
    # Moved to another service, requester, opening; a service cleared; deleted.
    tickets[0].service = "Laptops" if tickets[0].service == "Email" else "Email"
    tickets[1].requester_email = "d@example.com"
    tickets[2].opened_at -= timedelta(days=3)
    tickets[3].opened_at = tickets[4].opened_at  # now at the same instant
    tickets[5].service = ""
    await session.commit()
    await _check(session)
    await session.exec(delete(Ticket).where(Ticket.id.in_([t.id for t in tickets[6:9]])))
    await session.commit()
    await _check(session)
    # Ten more in one statement, as an import would.
    await session.exec(Ticket.__table__.insert().values(
        [{k: v for k, v in _ticket(200 + n, rng).model_dump().items() if k != "id"}
         for n in range(10)]))
    await session.commit()
    await _check(session)


async def test_the_migration_fills_the_tickets_already_there(database_url):
    command.downgrade(alembic_config(database_url), "0032")
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    rng = random.Random(34)
    try:
        async with sessions() as session:
            session.add_all([_ticket(n, rng) for n in range(80)])
            await session.commit()
        upgrade(database_url)
        async with sessions() as session:
            tickets = list((await session.exec(select(Ticket))).all())
            stored = {(row.ticket_id, row.opened_at, row.previous_at)
                      for row in (await session.exec(select(PreviousContact))).all()}
            assert len(stored) > 40
            assert stored == _expected(tickets)
    finally:
        await engine.dispose()
