"""CSAT surveys held during an outage, end to end on Slack: a signed ticket event resolves a
ticket for a service an open incident affects, and its requester gets no survey; the incident
resolved through the change form (while another replica runs the every-minute survey job at
the same moment), the survey goes to them once. With `broadcasts.hold_surveys: false` it goes
at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.emulators.tickets import TicketSender
from bot.flows.csat.sending import send_due_surveys
from bot.metrics import Metrics
from bot.services import Services
from storage.csat import SurveyInvitation
from storage.engine import create_engine, session_factory
from tests import ticket_events
from tests.outbox_kit import move_clock
from tests.scenarios import broadcast_kit as kit
from tests.scenarios.broadcast_kit import ERIN
from tests.waiting import eventually

bot_options, clock = kit.bot_options, kit.clock

DESK_SECRET = "test-webhook-secret"


@pytest.fixture
def hold_surveys() -> bool:
    return True


@pytest.fixture
def settings(make_settings, connector, hold_surveys):
    def config(raw):
        kit.configure(raw, connector.url)
        # The offer of the updates is another DM to the requester: left out here.
        raw["broadcasts"] = {"hold_surveys": hold_surveys, "offer_requesters": False}
        raw["tickets"] = {"sources": {"desk": {"preset": "generic"}}}
        raw["outbox"] = {"poll_seconds": 0.05}
    return make_settings(config=config, env={"TOUCHPOINT_WEBHOOK_SECRET": DESK_SECRET})


def _ticket(status: str, updated: str) -> dict:
    return {"id": "INC-7", "title": "Cannot connect <from home>", "priority": "P2",
            "requester_email": "erin@example.com", "service": "VPN", "status": status,
            "created_at": "2026-11-30T09:05:00Z", "updated_at": updated}


async def _outage_with_a_resolved_ticket(bot, slack_sender) -> int:
    await kit.submit_opening(slack_sender, title="VPN down", services=[kit.NETWORK])

    async def opened() -> bool:
        return len(await kit.broadcasts(bot)) == 1
    await eventually(opened)
    await kit.settled(bot)
    async with TicketSender(bot.url, secret=DESK_SECRET) as desk:
        for status, updated in (("open", "2026-11-30T09:05:00Z"),
                                ("resolved", "2026-11-30T09:20:00Z")):
            reply = await desk.send(_ticket(status, updated), source="desk")
            assert reply.status == 200, reply.text
    await ticket_events.delivered(bot.services)
    [broadcast] = await kit.broadcasts(bot)
    return broadcast.id


def _surveys(slack) -> list[str]:
    return [text for text in kit.dms(slack, ERIN) if "Ticket INC-7" in text]


async def test_a_survey_waits_for_the_outage_and_goes_once_it_is_resolved(
        bot, slack, slack_sender, settings, clock):
    broadcast_id = await _outage_with_a_resolved_ticket(bot, slack_sender)
    assert kit.dms(slack, ERIN) == []

    await move_clock(bot.services, clock, clock.now + timedelta(hours=1))  # the posts are out
    engine = create_engine(settings.secrets.database_url.get_secret_value())
    other = Services(settings=settings, engine=engine, sessions=session_factory(engine),
                     chat=bot.services.chat, metrics=Metrics(), clock=clock)
    try:
        # The resolution, and another replica's every-minute run at the same moment.
        reply, _ = await asyncio.gather(
            kit.submit_change(slack_sender, "resolved", broadcast_id, message="Fixed."),
            send_due_surveys(other))
        assert reply.status == 200

        async def resolved() -> bool:
            return not (await kit.broadcasts(bot))[0].is_open
        await eventually(resolved)
        await ticket_events.delivered(bot.services)
        await send_due_surveys(other)
        await ticket_events.delivered(bot.services)
    finally:
        await engine.dispose()

    [survey] = _surveys(slack)
    assert "Ticket INC-7: Cannot connect <from home>" in survey  # a plain-text header
    assert [call.args["channel"] for call in slack.calls_to("chat.postMessage")
            ].count(ERIN) == 1
    assert [(s, r) for _n, s, r in await _invitations(bot)] == [("sent", None)]


@pytest.mark.parametrize("hold_surveys", [False])
async def test_with_holding_off_the_survey_goes_at_once(bot, slack, slack_sender):
    await _outage_with_a_resolved_ticket(bot, slack_sender)

    assert len(_surveys(slack)) == 1


async def _invitations(bot) -> list[tuple[int, str, str | None]]:
    async with bot.services.sessions() as session:
        return [(row.ticket_id, row.status, row.reason) for row in
                (await session.exec(select(SurveyInvitation))).all()]
