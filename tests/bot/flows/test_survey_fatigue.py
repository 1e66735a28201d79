"""The cooldown across every kind of survey: a satisfaction survey (or another pulse) waits
`pulses.fatigue_days` after someone's last pulse invite, as a pulse waits after a CSAT
survey."""

from __future__ import annotations

from sqlmodel import col, select

from bot.config import SurveyQuestion
from bot.flows.pulses.campaigns import CampaignSpec, create_campaign, open_due_campaigns, tick
from bot.flows.pulses.delivery import queue_due
from bot.services import Services
from storage.pulses import PulseCampaign, PulseDelivery
from tests.bot.flows.test_pulses import clock, settings, utc
from tests.bot.flows.test_pulses import services as pulse_services

__all__ = ["clock", "pulse_services", "settings"]

SURVEY = (SurveyQuestion(aspect="service desk", text="The service desk?"),)


async def deliveries_of(services: Services, name: str, kind: str) -> list[PulseDelivery]:
    async with services.sessions() as session:
        found = (await session.exec(
            select(PulseDelivery).join(PulseCampaign, col(PulseCampaign.id)
                                       == col(PulseDelivery.campaign_id))
            .where(col(PulseCampaign.name) == name, col(PulseDelivery.kind) == kind))).all()
        await session.commit()
    return list(found)


async def test_a_survey_waits_out_the_cooldown_after_a_pulse(pulse_services):
    services = pulse_services
    await tick(services, services.clock())  # q4's invites go at 10:00 on 1 December
    assert {r.status for r in await deliveries_of(services, "q4", "invite")} == {"queued"}

    async with services.sessions() as session:
        await create_campaign(session, services.settings.app, CampaignSpec(
            name="sat", opens_at=utc(2026, 12, 3, 9), open_days=30, send_time=None,
            questions=SURVEY))
        await session.commit()
    services.clock.now = utc(2026, 12, 3, 9)  # type: ignore[attr-defined]
    await open_due_campaigns(services)
    await queue_due(services)

    # 14 days after q4's invite (10:00 on 1 December), while the survey is open.
    invites = await deliveries_of(services, "sat", "invite")
    assert len(invites) == 2
    assert {(r.status, r.reason, r.due_at) for r in invites} == {
        ("pending", "recently surveyed", utc(2026, 12, 15, 10))}
