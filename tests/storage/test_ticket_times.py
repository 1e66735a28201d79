"""The digest's response and resolution percentiles on SQLite and PostgreSQL: nearest rank
over the period's tickets that have each (a ticket answered but not resolved counts in the
first only), both read in one statement."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from storage.digest_stats import Scope, Times, ticket_times
from storage.engine import create_engine, session_factory
from storage.tickets import Ticket

START = datetime(2026, 11, 2, tzinfo=UTC)
END = START + timedelta(days=7)


def _rank(values: list[int], p: float) -> int | None:
    """The smallest value with at least p of the values at or below it."""
    return sorted(values)[math.ceil(p * len(values)) - 1] if values else None


async def test_both_percentiles_in_one_statement_each_over_the_tickets_that_have_it(
        database_url):
    rng = random.Random(17)
    tickets, responses, resolutions = [], [], []
    for n in range(60):
        # A few opened outside the period; some neither answered nor resolved yet.
        opened = START + timedelta(minutes=rng.randrange(-600, 7 * 24 * 60 + 600))
        response = rng.choice([None, rng.randrange(60, 7200)])
        resolution = rng.choice([None, rng.randrange(3600, 90000)])
        service = rng.choice(["Email", "VPN"])
        tickets.append(Ticket(
            source="desk", external_id=f"T-{n}", service=service, opened_at=opened,
            last_event_at=opened,
            first_response_at=opened + timedelta(seconds=response) if response else None,
            resolved_at=opened + timedelta(seconds=resolution) if resolution else None))
        if START <= opened < END and service == "Email":
            responses += [response] if response else []
            resolutions += [resolution] if resolution else []
    engine = create_engine(database_url)
    statements = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]) if args[2].startswith("SELECT") else None)
    try:
        async with session_factory(engine)() as session:
            session.add_all(tickets)
            await session.commit()
            statements.clear()
            found = await ticket_times(session, START, END, Scope(services=("Email",)))
            assert len(statements) == 1
            nothing = await ticket_times(session, END + timedelta(days=9),
                                         END + timedelta(days=10), Scope())
    finally:
        await engine.dispose()
    assert len(responses) > 10 and len(resolutions) > 10
    assert found == Times(_rank(responses, 0.5), _rank(responses, 0.9),
                          _rank(resolutions, 0.5), _rank(resolutions, 0.9))
    assert nothing == Times(None, None, None, None)
