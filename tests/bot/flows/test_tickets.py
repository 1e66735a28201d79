"""The ticket flow on its own, on SQLite and PostgreSQL: the change each event makes, the SLA
deadlines it stores in business hours, and where a ticket stands against them as the clock
moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.router import Chat
from bot.config import AppConfig, Settings
from bot.flows.tickets.ingest import Inbound, Outcome, TicketEvent, ingest_ticket_events
from bot.flows.tickets.intake import TicketIntake
from bot.flows.tickets.sla import SlaPolicy
from bot.metrics import Metrics
from bot.services import Services
from storage.csat import SurveyInvitation
from storage.engine import create_engine, session_factory
from storage.models import Person
from storage.ticket_stats import SlaState, ticket_sla
from storage.tickets import Ticket
from tests.clock import Clock
from tests.outbox_kit import outbox_rows

# Tuesday 10 November 2026; London is on GMT, so local time is UTC.
TUESDAY = datetime(2026, 11, 10, tzinfo=UTC)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return TUESDAY + timedelta(days=day_offset, hours=hour, minutes=minute)


@pytest.fixture
def settings(make_settings) -> Settings:
    def configure(raw: dict) -> None:
        raw["organisation"]["business_hours"] = {"start": "09:00", "end": "17:00"}
        raw["tickets"] = {"sla": {"P1": {"first_response": "1h", "resolution": "4h"},
                                  "P3": {"first_response": "4h", "resolution": "16h"}},
                          "at_risk": 0.75}
        raw["services"] = [{"name": "Email and calendar", "aliases": ["Exchange"]},
                           {"name": "Other"}]
    return make_settings(config=configure)


@pytest.fixture
def app(settings: Settings) -> AppConfig:
    return settings.app


@pytest.fixture
def clock() -> Clock:
    return Clock(at(0, 10))


@pytest.fixture
def chat() -> Chat:
    """No chat platform: nobody is found by email, and no DM goes anywhere."""
    return Chat()


@pytest.fixture
def sessions(services: Services) -> async_sessionmaker[AsyncSession]:
    return services.sessions


def replica(services: Services, engine: AsyncEngine) -> Services:
    """The services of another replica, on its own connections to the same database."""
    return Services(settings=services.settings, engine=engine, sessions=session_factory(engine),
                    chat=Chat(), metrics=Metrics(), clock=services.clock)


@pytest.fixture
def ingest(services, app):
    sla = SlaPolicy(app)
    deliveries = iter(range(1_000_000))

    async def apply(occurred_at: datetime, status: str = "open", **fields):
        event = TicketEvent(external_id=fields.pop("external_id", "T-1"), status=status,
                            opened_at=fields.pop("opened_at", at(0, 9)),
                            occurred_at=occurred_at, priority=fields.pop("priority", "P1"),
                            **fields)
        [ingested] = await ingest_ticket_events(services, sla, [
            Inbound(source="desk", delivery=str(next(deliveries)), event=event)])
        return ingested

    return apply


async def states(sessions, ticket_id: int, now: datetime) -> tuple[SlaState, SlaState]:
    async with sessions() as session:
        found = await ticket_sla(session, ticket_id, now)
    assert found is not None
    return found.response, found.resolution


async def stored(sessions, ticket_id: int) -> Ticket:
    async with sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
    assert ticket is not None
    return ticket


async def test_a_ticket_goes_on_track_at_risk_breached_as_the_clock_runs(ingest, sessions):
    opened = await ingest(at(0, 9))
    ticket = await stored(sessions, opened.ticket_id)
    # P1: response 1 h (at risk after 45 min), resolution 4 h (at risk after 3 h).
    assert (ticket.response_due_at, ticket.response_at_risk_from) == (at(0, 10), at(0, 9, 45))
    assert (ticket.resolution_due_at, ticket.resolution_at_risk_from) == (at(0, 13), at(0, 12))

    on_track, at_risk, breached = SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.BREACHED
    assert await states(sessions, ticket.id, at(0, 9, 30)) == (on_track, on_track)
    assert await states(sessions, ticket.id, at(0, 9, 50)) == (at_risk, on_track)
    assert await states(sessions, ticket.id, at(0, 10, 1)) == (breached, on_track)
    assert await states(sessions, ticket.id, at(0, 12, 30)) == (breached, at_risk)
    assert await states(sessions, ticket.id, at(0, 13, 1)) == (breached, breached)


async def test_targets_done_in_time_are_met_and_late_ones_stay_breached(ingest, sessions):
    opened = await ingest(at(0, 9))
    await ingest(at(0, 9, 40), first_response_at=at(0, 9, 40))
    await ingest(at(0, 14), "resolved", resolved_at=at(0, 14))

    # Days later the result does not change.
    assert await states(sessions, opened.ticket_id, at(5, 9)) == (SlaState.MET,
                                                                  SlaState.BREACHED)


async def test_the_clock_stops_outside_business_hours(ingest, sessions):
    # Friday 16:30: the response hour runs 30 minutes on Friday and 30 on Monday.
    friday = await ingest(at(3, 16, 30), opened_at=at(3, 16, 30), external_id="T-FRI")
    ticket = await stored(sessions, friday.ticket_id)

    assert ticket.response_due_at == at(6, 9, 30)
    # Half the hour is used all weekend; 45 minutes (at risk) only on Monday at 09:15.
    assert await states(sessions, ticket.id, at(5, 12)) == (SlaState.ON_TRACK,
                                                           SlaState.ON_TRACK)
    assert await states(sessions, ticket.id, at(6, 9, 20)) == (SlaState.AT_RISK,
                                                              SlaState.ON_TRACK)
    assert await states(sessions, ticket.id, at(6, 9, 31)) == (SlaState.BREACHED,
                                                              SlaState.ON_TRACK)


async def test_a_new_priority_moves_the_deadlines_and_no_target_means_no_sla(ingest, sessions):
    opened = await ingest(at(0, 9), priority="P3")
    assert (await stored(sessions, opened.ticket_id)).response_due_at == at(0, 13)

    await ingest(at(0, 9, 10), priority="P1")
    assert (await stored(sessions, opened.ticket_id)).response_due_at == at(0, 10)

    await ingest(at(0, 9, 20), priority="P9")
    ticket = await stored(sessions, opened.ticket_id)
    assert (ticket.response_due_at, ticket.resolution_due_at) == (None, None)
    assert await states(sessions, ticket.id, at(9, 9)) == (SlaState.NO_TARGET,
                                                          SlaState.NO_TARGET)


async def test_the_change_says_what_happened(ingest):
    created = await ingest(at(0, 9))
    resolved = await ingest(at(0, 10), "resolved")
    closed = await ingest(at(0, 11), "closed")
    reopened = await ingest(at(0, 12), "open")
    stale = await ingest(at(0, 11, 30), "resolved")

    assert created.change.status_before is None
    assert (created.change.newly_resolved, created.change.reopened) == (False, False)
    assert (resolved.change.status_before, resolved.change.status_after) == ("open",
                                                                             "resolved")
    assert (resolved.change.newly_resolved, resolved.change.reopened) == (True, False)
    assert (closed.change.newly_resolved, closed.change.reopened) == (False, False)
    assert (reopened.change.newly_resolved, reopened.change.reopened) == (False, True)
    assert (stale.outcome, stale.change) == (Outcome.STALE, None)


async def test_a_service_is_stored_by_its_catalogue_name(ingest, sessions):
    aliased = await ingest(at(0, 9), service="EXCHANGE", external_id="T-1")
    unknown = await ingest(at(0, 9), service="Printers", external_id="T-2")
    kept = await ingest(at(0, 10), external_id="T-1")  # an event without a service keeps it

    assert (await stored(sessions, aliased.ticket_id)).service == "Email and calendar"
    assert (await stored(sessions, unknown.ticket_id)).service == "Printers"
    assert (await stored(sessions, kept.ticket_id)).service == "Email and calendar"


async def test_a_ticket_first_seen_resolved_is_newly_resolved(ingest, sessions):
    first = await ingest(at(0, 15), "resolved", resolved_at=at(0, 15))

    assert first.change.newly_resolved
    ticket = await stored(sessions, first.ticket_id)
    # Nobody answered before the resolution: it counts as the first response, late here.
    assert ticket.first_response_at == at(0, 15)
    assert await states(sessions, ticket.id, at(0, 16)) == (SlaState.BREACHED,
                                                           SlaState.BREACHED)


async def test_a_batch_gives_each_event_the_outcome_it_would_have_alone(services, sessions,
                                                                       app):
    def item(delivery: str, external_id: str, hour: int, status: str) -> Inbound:
        return Inbound(source="desk", delivery=delivery, event=TicketEvent(
            external_id=external_id, status=status, opened_at=at(0, 9),
            occurred_at=at(0, hour), priority="P1", requester_email="nobody@example.com"))

    batch = [item("a", "T-1", 9, "open"), item("a", "T-1", 9, "open"),
             item("b", "T-1", 12, "resolved"), item("c", "T-1", 10, "open"),
             item("d", "T-2", 9, "resolved"), item("e", "T-1", 13, "open")]

    results = await ingest_ticket_events(services, SlaPolicy(app), batch)

    assert [result.outcome for result in results] == [
        Outcome.STORED, Outcome.DUPLICATE, Outcome.STORED, Outcome.STALE, Outcome.STORED,
        Outcome.STORED]
    first, _duplicate, resolved, stale, other, reopened = results
    assert first.ticket_id == resolved.ticket_id == stale.ticket_id == reopened.ticket_id
    assert other.ticket_id != first.ticket_id
    assert (first.change.status_before, resolved.change.status_before) == (None, "open")
    assert resolved.change.newly_resolved and reopened.change.reopened
    assert other.change.newly_resolved
    ticket = await stored(sessions, first.ticket_id)
    assert (ticket.status, ticket.reopen_count, ticket.requester_id) == ("open", 1, None)
    assert ticket.requester_email == "nobody@example.com"

    again = await ingest_ticket_events(services, SlaPolicy(app), batch)
    assert {result.outcome for result in again} == {Outcome.DUPLICATE}


async def test_the_intake_applies_concurrent_events_together_and_answers_each(services,
                                                                              sessions, app):
    commits = []
    event.listen(services.engine.sync_engine, "commit", commits.append)
    intake = TicketIntake(services, SlaPolicy(app))
    events = [Inbound(source="desk", delivery=f"d-{n}", event=TicketEvent(
        external_id=f"T-{n % 5}", status="resolved" if n >= 45 else "open",
        opened_at=at(0, 9), occurred_at=at(0, 9, n), priority="P1")) for n in range(50)]

    results = await asyncio.gather(*(intake.receive(item) for item in events))

    assert [result.outcome for result in results] == [Outcome.STORED] * 50
    assert len({result.ticket_id for result in results}) == 5
    assert len(commits) < 10
    for n in range(45, 50):
        ticket = await stored(sessions, results[n].ticket_id)
        assert (ticket.status, ticket.last_event_at) == ("resolved", at(0, 9, n))
    # Each resolution's survey was decided with it (nobody to ask: no requester given).
    async with sessions() as session:
        decided = (await session.exec(select(SurveyInvitation.ticket_id, SurveyInvitation.status,
                                             SurveyInvitation.reason))).all()
    assert sorted(decided) == sorted((results[n].ticket_id, "unreachable", "unknown_requester")
                                     for n in range(45, 50))
    assert all(results[n].survey is not None for n in range(45, 50))


async def test_a_history_import_decides_no_surveys(services, sessions, app):
    [ingested] = await ingest_ticket_events(services, SlaPolicy(app), [Inbound(
        source="desk", delivery="d-1", event=TicketEvent(
            external_id="T-1", status="resolved", opened_at=at(0, 9), occurred_at=at(0, 10),
            priority="P1"))])

    assert ingested.change.newly_resolved and ingested.survey is None
    async with sessions() as session:
        assert (await session.exec(select(SurveyInvitation))).all() == []


async def test_two_replicas_creating_the_same_tickets_at_once_make_each_once(database_url,
                                                                             services, app):
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        intakes = [TicketIntake(replica(services, engine), SlaPolicy(app))
                   for engine in engines]
        names = [f"T-{n}" for n in range(20)]
        # Each replica sees the tickets in the opposite order, with its own deliveries.
        waves = [[Inbound(source="desk", delivery=f"{replica}-{name}", event=TicketEvent(
            external_id=name, status="open", opened_at=at(0, 9), occurred_at=at(0, 9),
            priority="P1")) for name in (names if replica == 0 else names[::-1])]
            for replica in range(2)]

        results = await asyncio.gather(*(intakes[replica].receive(item)
                                         for replica in range(2) for item in waves[replica]))

        assert {result.outcome for result in results} == {Outcome.STORED}
        async with session_factory(engines[0])() as session:
            stored_names = (await session.exec(select(Ticket.external_id))).all()
        assert sorted(stored_names) == sorted(names)
    finally:
        for engine in engines:
            await engine.dispose()


async def test_two_replicas_resolving_tickets_of_one_person_at_once_survey_once(
        database_url, services, app, sessions):
    async with sessions() as session:
        session.add(Person(slack_user_id="U0ANN", email="ann@example.com", display_name="Ann",
                           tz="Europe/London"))
        await session.commit()
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        intakes = [TicketIntake(replica(services, engine), SlaPolicy(app))
                   for engine in engines]
        # Each replica resolves its own ten tickets, all Ann's, at the same moment.
        waves = [[Inbound(source="desk", delivery=f"{replica}-{n}", event=TicketEvent(
            external_id=f"T-{replica}-{n}", status="resolved", opened_at=at(0, 9),
            occurred_at=at(0, 9, 30), priority="P1", requester_email="ann@example.com"))
            for n in range(10)] for replica in range(2)]

        results = await asyncio.gather(*(intakes[replica].receive(item)
                                         for replica in range(2) for item in waves[replica]))

        assert all(result.survey is not None for result in results)
        async with session_factory(engines[0])() as session:
            decided = (await session.exec(select(SurveyInvitation.status,
                                                 SurveyInvitation.reason))).all()
        # One survey in her seven days, whichever replica got there first.
        assert sorted(decided) == sorted([("pending", None)] + [("skipped", "throttled")] * 19)
        due = [r.survey for r in results if r.survey and r.survey.status == "pending"]
        assert len(due) == 1
        # Its DM, and no other, is in the outbox.
        [dm] = await outbox_rows(services, "csat:")
        assert (dm.key, dm.person_id) == (f"csat:{due[0].id}:survey", due[0].person.id)
    finally:
        for engine in engines:
            await engine.dispose()
