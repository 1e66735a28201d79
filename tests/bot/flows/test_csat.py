"""The CSAT flow without a chat platform: the fatigue rules (quiet hours across time zones and
clock changes, sampling, one survey per person per N days, switched off) on both databases,
judged by the survey DMs the flow records in the outbox (nothing sends them here), and what
the every-minute run notes once the outbox has sent a DM or given it up."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select, update

from bot.config import QuietHours
from bot.flows.csat import sending
from bot.flows.csat.invitations import decide_surveys, sampled_in, send_after
from bot.flows.csat.sending import send_due_surveys
from bot.services import Services
from storage.csat import SurveyInvitation
from storage.models import Person
from storage.outbox import OutboxMessage
from storage.tickets import Ticket
from tests import ticket_events
from tests.clock import Clock
from tests.outbox_kit import outbox_rows

NIGHT = QuietHours()  # 20:00 to 08:00
NOON = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ------------------------------------------------------------------ quiet hours


@pytest.mark.parametrize(("now", "tz", "expected"), [
    # Daytime in London: at once.
    ("2026-01-14T12:00", "Europe/London", "2026-01-14T12:00"),
    # 20:00 sharp is quiet; 07:59 is quiet; 08:00 is not.
    ("2026-01-14T20:00", "Europe/London", "2026-01-15T08:00"),
    ("2026-01-15T07:59", "Europe/London", "2026-01-15T08:00"),
    ("2026-01-15T08:00", "Europe/London", "2026-01-15T08:00"),
    # Summer time: 08:00 in London is 07:00 UTC.
    ("2026-07-01T22:00", "Europe/London", "2026-07-02T07:00"),
    # Noon UTC is 21:00 in Tokyo: next morning there, 23:00 UTC.
    ("2026-01-14T12:00", "Asia/Tokyo", "2026-01-14T23:00"),
    # 20:30 in New York the evening before the clocks go forward (8 March 2026): 08:00 EDT.
    ("2026-03-08T01:30", "America/New_York", "2026-03-08T12:00"),
    # ... and before they go back (1 November 2026): 08:00 EST.
    ("2026-11-01T00:30", "America/New_York", "2026-11-01T13:00"),
    # An unknown zone is taken as UTC.
    ("2026-01-14T23:00", "Mars/Olympus", "2026-01-15T08:00"),
])
def test_surveys_wait_for_the_end_of_the_persons_night(now, tz, expected):
    assert send_after(utc(now), tz, NIGHT) == utc(expected)


def test_quiet_hours_within_one_day_and_switched_off():
    lunch = QuietHours(start="12:00", end="13:30")

    assert send_after(NOON, "Europe/London", lunch) == utc("2026-01-14T13:30")
    assert send_after(utc("2026-01-14T13:30"), "Europe/London", lunch) == utc("2026-01-14T13:30")
    assert send_after(utc("2026-01-14T23:00"), "Europe/London", None) == utc("2026-01-14T23:00")


# ------------------------------------------------------------------ sampling


def test_sampling_is_a_fixed_share_decided_by_the_ticket_alone():
    numbers = [f"INC-{n}" for n in range(3000)]

    chosen = [n for n in numbers if sampled_in("desk", n, 3)]

    assert chosen == [n for n in numbers if sampled_in("desk", n, 3)]  # every replica agrees
    assert 900 < len(chosen) < 1100
    assert all(sampled_in("desk", n, 1) for n in numbers)
    # The source is part of the ticket's identity: another desk's INC-1 is another ticket.
    assert {sampled_in(source, "INC-1", 2) for source in ("a", "b", "c", "d", "e", "f")} == {
        True, False}


# ------------------------------------------------------------------ the rules, in the database


class SlackOnly:
    """A chat port on Slack that knows nobody it is asked about by email."""

    platforms = frozenset({"slack"})

    async def profile_by_email(self, email: str):
        return None


@pytest.fixture
def clock() -> Clock:
    return Clock(NOON)


@pytest.fixture
def chat() -> SlackOnly:
    return SlackOnly()


@pytest.fixture
def csat_config() -> dict:
    return {}


@pytest.fixture
def settings(make_settings, csat_config):
    return make_settings(config=lambda raw: raw.update(csat=csat_config))


async def person(services: Services, name: str, tz: str = "Europe/London") -> Person:
    async with services.sessions() as session:
        row = Person(slack_user_id=f"U0{name.upper()}", email=f"{name}@example.com",
                     display_name=name.title(), tz=tz)
        session.add(row)
        await session.commit()
        return row


async def resolved(services: Services, number: str, requester: Person) -> int:
    async with services.sessions() as session:
        ticket = Ticket(source="desk", external_id=number, title=f"Ticket {number}",
                        requester_id=requester.id, opened_at=services.clock(),
                        resolved_at=services.clock(), status="resolved",
                        last_event_at=services.clock())
        session.add(ticket)
        await session.commit()
    await ticket_events.resolve(services, ticket.id)
    return ticket.id


async def surveyed(services: Services) -> list[tuple[int | None, datetime]]:
    """(person, due at) of each survey DM recorded in the outbox, oldest first."""
    return [(row.person_id, row.due_at) for row in await outbox_rows(services, "csat:")
            if row.key.endswith(":survey")]


async def the_outbox(services: Services, key: str, **done: object) -> None:
    """What the outbox's sender would have recorded of the DM under `key`."""
    async with services.sessions() as session:
        await session.exec(update(OutboxMessage).where(col(OutboxMessage.key) == key)
                           .values(**done))
        await session.commit()


async def invitation_ids(services: Services) -> list[int]:
    async with services.sessions() as session:
        return list((await session.exec(select(SurveyInvitation.id))).all())


async def outcomes(services: Services) -> list[tuple[str, str, str | None]]:
    async with services.sessions() as session:
        rows = await session.exec(select(Ticket.external_id, SurveyInvitation.status,
                                         SurveyInvitation.reason)
                                  .join(Ticket, Ticket.id == SurveyInvitation.ticket_id)
                                  .order_by(SurveyInvitation.id))
        return [tuple(row) for row in rows.all()]


async def test_a_survey_waiting_for_morning_counts_towards_the_weekly_limit(services, clock):
    ann = await person(services, "ann")
    clock.now = utc("2026-01-14T21:00")

    await resolved(services, "INC-1", ann)
    await resolved(services, "INC-2", ann)

    assert await outcomes(services) == [("INC-1", "pending", None),
                                        ("INC-2", "skipped", "throttled")]
    assert await surveyed(services) == [(ann.id, utc("2026-01-15T08:00"))]


async def test_the_limit_is_per_person(services):
    ann, bob = await person(services, "ann"), await person(services, "bob")

    await resolved(services, "INC-1", ann)
    await resolved(services, "INC-2", bob)

    assert Counter(who for who, _due in await surveyed(services)) == {ann.id: 1, bob.id: 1}


async def test_an_unreachable_survey_does_not_use_up_the_week(services):
    ann = await person(services, "ann")
    await resolved(services, "INC-1", ann)
    [invitation_id] = await invitation_ids(services)
    await the_outbox(services, f"csat:{invitation_id}:survey", status="failed",
                     reason="unreachable: user_disabled")
    await send_due_surveys(services)

    await resolved(services, "INC-2", ann)

    assert await outcomes(services) == [("INC-1", "unreachable", "undeliverable"),
                                        ("INC-2", "pending", None)]
    assert [who for who, _due in await surveyed(services)] == [ann.id, ann.id]


async def test_tickets_resolved_together_for_one_person_send_one_survey(services):
    ann = await person(services, "ann")
    async with services.sessions() as session:
        tickets = [Ticket(source="desk", external_id=f"INC-{n}", requester_id=ann.id,
                          opened_at=NOON, resolved_at=NOON, status="resolved",
                          last_event_at=NOON) for n in range(6)]
        session.add_all(tickets)
        await session.commit()

    # Connections opened beforehand, so the six start together rather than one by one (as
    # many as the pool holds: SQLite's has one).
    warm = await asyncio.gather(*(services.engine.connect().start()
                                  for _ticket in tickets[:services.engine.pool.size()]))
    await asyncio.gather(*(connection.close() for connection in warm))

    await asyncio.gather(*(ticket_events.resolve(services, ticket.id, wait=False)
                           for ticket in tickets))
    await services.background.drain()

    statuses = Counter(status for _number, status, _reason in await outcomes(services))
    assert statuses == {"pending": 1, "skipped": 5}
    assert len(await surveyed(services)) == 1


@pytest.mark.parametrize("csat_config", [{"min_days_between": 0, "quiet_hours": None}])
async def test_no_limit_and_no_quiet_hours_when_switched_off(services, clock):
    ann = await person(services, "ann")
    clock.now = utc("2026-01-14T23:30")

    for number in ("INC-1", "INC-2", "INC-3"):
        await resolved(services, number, ann)

    assert await surveyed(services) == [(ann.id, clock.now)] * 3


@pytest.mark.parametrize("csat_config", [{"enabled": False}])
async def test_surveys_switched_off_send_nothing_and_say_why(services):
    ann = await person(services, "ann")

    await resolved(services, "INC-1", ann)

    assert await outcomes(services) == [("INC-1", "skipped", "disabled")]
    assert await surveyed(services) == []


async def test_a_departed_requester_is_unreachable(services):
    ann = await person(services, "ann")
    async with services.sessions() as session:
        row = await session.get(Person, ann.id)
        row.active = False
        await session.commit()

    await resolved(services, "INC-1", ann)

    assert await outcomes(services) == [("INC-1", "unreachable", "inactive")]
    assert await surveyed(services) == []


async def test_a_survey_is_sent_when_the_outbox_says_and_expires_days_after(services, clock):
    ann = await person(services, "ann")
    await resolved(services, "INC-1", ann)
    [invitation_id] = await invitation_ids(services)
    await send_due_surveys(services)
    assert await outcomes(services) == [("INC-1", "pending", None)]  # not out yet

    out_at = clock.now + timedelta(seconds=3)
    await the_outbox(services, f"csat:{invitation_id}:survey", status="sent", sent_version=1,
                     sent_at=out_at, ref_channel="D0000001", ref_id="1700000000.000001")
    clock.advance(minutes=1)
    await send_due_surveys(services)
    await send_due_surveys(services)

    async with services.sessions() as session:
        invitation = (await session.exec(select(SurveyInvitation))).one()
    assert (invitation.status, invitation.sent_at) == ("sent", out_at)
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
    assert services.metrics.registry.get_sample_value(
        "touchpoint_csat_invitations_total", {"outcome": "sent", "reason": ""}) == 1


@pytest.mark.parametrize(("dm", "counted"), [
    ({"status": "sent", "sent_version": 1, "sent_at": NOON}, True),  # out: it counts
    ({"status": "claimed"}, True),                                   # going out now
    ({}, False),                                                     # not yet: cancelled
])
async def test_a_survey_withdrawn_after_its_dm_went_out_still_counts_for_the_week(
        services, clock, dm, counted):
    ann = await person(services, "ann")
    first = await resolved(services, "INC-1", ann)
    [invitation_id] = await invitation_ids(services)
    if dm:
        await the_outbox(services, f"csat:{invitation_id}:survey", **dm)
    clock.advance(minutes=5)

    await ticket_events.reopen(services, first)
    await resolved(services, "INC-2", ann)

    assert await outcomes(services) == [
        ("INC-1", "void", "reopened"),
        ("INC-2", "skipped", "throttled") if counted else ("INC-2", "pending", None)]
    # Its DM says it was withdrawn (a second version), or it is never sent.
    [row] = await outbox_rows(services, f"csat:{invitation_id}:")
    assert (row.version, row.status) == ((2, row.status) if counted else (1, "cancelled"))


async def test_surveys_still_being_sent_do_not_hide_those_the_outbox_is_done_with(
        services, clock, monkeypatch):
    monkeypatch.setattr(sending, "BATCH", 2)  # pages of two
    people = [await person(services, name) for name in ("ann", "bob", "cat", "dan", "eve")]
    for n, someone in enumerate(people):
        await resolved(services, f"INC-{n}", someone)
    ids = await invitation_ids(services)
    for invitation_id in ids[:3]:
        await the_outbox(services, f"csat:{invitation_id}:survey", status="claimed")
    for invitation_id in ids[3:]:
        await the_outbox(services, f"csat:{invitation_id}:survey", status="sent",
                         sent_version=1, sent_at=NOON)

    await send_due_surveys(services)

    assert [status for _number, status, _reason in await outcomes(services)] == [
        "pending", "pending", "pending", "sent", "sent"]


async def test_a_ticket_reopened_before_the_survey_is_decided_gets_none_yet(services):
    ann = await person(services, "ann")
    async with services.sessions() as session:
        ticket = Ticket(source="desk", external_id="INC-1", requester_id=ann.id,
                        opened_at=NOON, status="open", reopen_count=1, last_event_at=NOON)
        session.add(ticket)
        await session.flush()
        decided = await decide_surveys(session, services.settings.app.csat, [ticket], NOON)
        await session.commit()

    assert decided == {}
    assert await outcomes(services) == []
    assert await surveyed(services) == []
