"""Surveys held during an incident, the flows on their own on both databases: a ticket
resolved while an open incident affects its service gets no survey yet, and gets it (once)
when the incident is resolved, then under the usual rules (quiet hours and the weekly limit
from the release, expiry from when the DM goes out); maintenance and other services hold
nothing, nor does `broadcasts.hold_surveys: false`; two replicas release a survey once."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.flows.broadcasts import states
from bot.flows.broadcasts.forms import Change
from bot.flows.broadcasts.lifecycle import broadcast_change
from bot.flows.csat.sending import release_held_surveys, send_due_surveys
from bot.metrics import Metrics
from bot.services import Services
from storage import broadcasts as store
from storage.broadcasts import Broadcast
from storage.csat import SurveyInvitation
from storage.engine import create_engine, session_factory
from storage.models import Person
from storage.tickets import Ticket
from tests import ticket_events
from tests.bot.flows.test_complaints_flows import RecordingChat, _origin, _person, _turn
from tests.bot.flows.test_csat import NOON, outcomes, person, surveyed, the_outbox, utc
from tests.clock import Clock

NETWORK, EMAIL = "Network and Wi-Fi", "Email and calendar"
_broadcasts = itertools.count(1)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOON)


class NobodyByEmail(RecordingChat):
    """Slack and Teams, where nobody has the emails asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    async def profile_by_email(self, email: str):
        self.asked.append(email)


@pytest.fixture
def chat() -> NobodyByEmail:
    return NobodyByEmail()


@pytest.fixture
def hold_config() -> dict:
    return {}


@pytest.fixture
def settings(make_settings, hold_config):
    return make_settings(config=lambda raw: raw.update(broadcasts=hold_config))


async def opened(services: Services, kind: str = "incident",
                 affected: tuple[str, ...] = (NETWORK,)) -> int:
    """A broadcast open on `affected`, owned by a member of IT staff."""
    number = next(_broadcasts)
    owner = await _person(services, f"U0OWNER{number}", "it_staff")
    async with services.sessions() as session:
        broadcast_id = await store.insert_broadcast(session, Broadcast(
            submission_key=f"slack:V{number}", kind=kind, title="VPN down",
            services=list(affected), impact="outage", status=states.STATUSES[kind][0],
            message="Working on it", owner_id=owner.id, created_at=services.clock(),
            updated_at=services.clock()))
        await session.commit()
    assert broadcast_id is not None
    return broadcast_id


async def resolve_broadcast(services: Services, broadcast_id: int) -> None:
    async with services.sessions() as session:
        owner_id = (await store.by_id(session, broadcast_id)).owner_id
        owner = await session.get(Person, owner_id)
    await _turn(services, broadcast_change, owner, _origin(owner.slack_user_id),
                Change(states.RESOLVED, broadcast_id, None, None, None, "Fixed", False),
                f"slack:resolve-{broadcast_id}")


async def resolved(services: Services, number: str, requester: Person,
                   service: str = NETWORK) -> int:
    async with services.sessions() as session:
        ticket = Ticket(source="desk", external_id=number, title=f"Ticket {number}",
                        service=service, requester_id=requester.id,
                        opened_at=services.clock(), resolved_at=services.clock(),
                        status="resolved", last_event_at=services.clock())
        session.add(ticket)
        await session.commit()
    await ticket_events.resolve(services, ticket.id)
    return ticket.id


async def test_a_survey_waits_for_the_incident_and_goes_once_when_it_is_resolved(
        services, clock):
    ann = await person(services, "ann")
    incident = await opened(services)

    await resolved(services, "INC-1", ann)
    await send_due_surveys(services)  # the every-minute run does not release it either

    assert await outcomes(services) == [("INC-1", "held", "incident")]
    assert await surveyed(services) == []

    clock.advance(hours=2)
    await resolve_broadcast(services, incident)
    await send_due_surveys(services)
    await release_held_surveys_in_a_turn(services)

    assert await outcomes(services) == [("INC-1", "pending", None)]
    assert await surveyed(services) == [(ann.id, clock.now)]
    # Its expiry counts from when the DM goes out, after the release.
    [invitation_id] = await invitation_ids(services)
    out_at = clock.now + timedelta(seconds=2)
    await the_outbox(services, f"csat:{invitation_id}:survey", status="sent", sent_version=1,
                     sent_at=out_at, ref_channel="D0000001", ref_id="1700000000.000001")
    await send_due_surveys(services)
    async with services.sessions() as session:
        invitation = await session.get(SurveyInvitation, invitation_id)
    assert (invitation.status, invitation.expires_at) == ("sent", out_at + timedelta(days=7))


async def test_maintenance_and_other_services_hold_nothing(services):
    ann, bob = await person(services, "ann"), await person(services, "bob")
    await opened(services, kind="maintenance")
    await opened(services, affected=(EMAIL,))

    await resolved(services, "INC-1", ann)  # Network: only under maintenance
    await resolved(services, "INC-2", bob, service="")  # no service named

    assert await outcomes(services) == [("INC-1", "pending", None), ("INC-2", "pending", None)]


@pytest.mark.parametrize("hold_config", [{"hold_surveys": False}])
async def test_with_holding_off_the_survey_goes_at_once(services):
    ann = await person(services, "ann")
    await opened(services)

    await resolved(services, "INC-1", ann)

    assert await outcomes(services) == [("INC-1", "pending", None)]
    assert len(await surveyed(services)) == 1


async def test_a_release_at_night_waits_for_morning_and_keeps_the_weekly_limit(services,
                                                                             clock):
    ann = await person(services, "ann")
    incident = await opened(services)
    await resolved(services, "INC-1", ann)
    await resolved(services, "INC-2", ann)
    clock.now = utc("2026-01-14T21:00")

    await resolve_broadcast(services, incident)

    assert await outcomes(services) == [("INC-1", "pending", None),
                                        ("INC-2", "skipped", "throttled")]
    assert await surveyed(services) == [(ann.id, utc("2026-01-15T08:00"))]


async def test_a_survey_stays_held_while_another_incident_affects_the_service(services):
    ann = await person(services, "ann")
    first = await opened(services)
    second = await opened(services, affected=(EMAIL, NETWORK))
    await resolved(services, "INC-1", ann)

    await resolve_broadcast(services, first)
    assert await outcomes(services) == [("INC-1", "held", "incident")]

    await resolve_broadcast(services, second)
    assert await outcomes(services) == [("INC-1", "pending", None)]


async def test_a_ticket_reopened_while_held_has_its_survey_withdrawn(services):
    ann = await person(services, "ann")
    incident = await opened(services)
    ticket_id = await resolved(services, "INC-1", ann)

    await ticket_events.reopen(services, ticket_id)
    await resolve_broadcast(services, incident)

    assert await outcomes(services) == [("INC-1", "void", "reopened")]
    assert await surveyed(services) == []


async def test_a_requester_to_look_up_is_looked_up_only_once_released(services, chat):
    incident = await opened(services)
    async with services.sessions() as session:
        ticket = Ticket(source="desk", external_id="INC-1", service=NETWORK,
                        requester_email="zoe@example.com", opened_at=services.clock(),
                        resolved_at=services.clock(), status="resolved",
                        last_event_at=services.clock())
        session.add(ticket)
        await session.commit()
    await ticket_events.resolve(services, ticket.id)
    assert chat.asked == []

    await resolve_broadcast(services, incident)
    assert await outcomes(services) == [("INC-1", "lookup", None)]
    await send_due_surveys(services)  # takes the look-up over at once

    assert chat.asked == ["zoe@example.com"]
    assert await outcomes(services) == [("INC-1", "unreachable", "unknown_requester")]


async def test_two_replicas_release_a_held_survey_once(services, settings, clock):
    ann = await person(services, "ann")
    incident = await opened(services)
    for number in range(5):
        await resolved(services, f"INC-{number}", ann if number == 0
                       else await person(services, f"p{number}"))
    async with services.sessions() as session:
        row = await store.by_id(session, incident)
        row.is_open = False  # resolved by someone whose release did not see them
        await session.commit()

    engine = create_engine(settings.secrets.database_url.get_secret_value())
    other = Services(settings=settings, engine=engine, sessions=session_factory(engine),
                     chat=services.chat, metrics=Metrics(), clock=clock)
    try:
        released = await asyncio.gather(*(release_held_surveys_in_a_turn(replica)
                                          for replica in (services, other, services, other)))
    finally:
        await engine.dispose()

    assert sum(released) == 5

    assert [status for _n, status, _r in await outcomes(services)] == ["pending"] * 5
    assert len(await surveyed(services)) == 5


async def release_held_surveys_in_a_turn(services: Services) -> int:
    async with services.sessions() as session:
        released = await release_held_surveys(session, services)
        await session.commit()
    return released


async def invitation_ids(services: Services) -> list[int]:
    async with services.sessions() as session:
        return list((await session.exec(
            select(SurveyInvitation.id).order_by(col(SurveyInvitation.id)))).all())
