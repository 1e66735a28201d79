"""The complaint clock, run on a schedule: SLA reminders before a breach, escalation to the
IT leads after one, and for resolutions the complainant has not answered, one more "are you
satisfied?" half-way to the auto-close, then the close.

Each reminder and escalation is claimed in `complaint_alert` (unique per complaint and kind)
in the same transaction as the messages it sends (in the outbox), so however many replicas
run the check, and however often, each is sent exactly once (a reopening sets a new
resolution deadline, whose reminder and escalation are claimed under their own kind). An
auto-close only happens while the complaint is still resolved, so it cannot undo a
complainant's answer that arrived at the same moment. The scheduled run is claimed, so it
opens its own sessions: one per batch (alerts, closes, follow-ups).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.flows.complaints import notify
from bot.flows.complaints.lifecycle import LEAD_ROLES
from bot.services import Services
from storage.complaints import (
    Status,
    alert_kind,
    claim_alert,
    close_if_resolved,
    due_alerts,
    people_with_roles,
    satisfaction_reminder_kind,
    unanswered_resolutions,
)

log = logging.getLogger(__name__)

REMINDERS = ("acknowledge_reminder", "resolve_reminder")


async def complaints_check(services: Services, scheduled_for: datetime | None = None) -> None:
    """The scheduled job: send what is due now, by the application's clock."""
    await send_sla_alerts(services)
    await close_unanswered(services)
    await remind_unanswered(services)


async def send_sla_alerts(services: Services) -> int:
    """Reminders to owners (or triage, if unowned) and breaches to leads; how many sent."""
    now = services.clock()
    breached = reminded = 0
    async with services.sessions() as session:
        leads = await people_with_roles(session, LEAD_ROLES)
        for complaint, kind in await due_alerts(session, now):
            assert complaint.id is not None
            if not await claim_alert(session, complaint.id,
                                     alert_kind(kind, complaint.reopen_count), now):
                continue  # another replica (or an earlier run) has it
            breach = kind not in REMINDERS
            if breach:
                complaint.escalated = True
            news = await notify.recorded(session, services, complaint, kind, None,
                                         to=complaint.status)
            log.info("complaint %s: %s", complaint.number, kind)
            if breach:
                breached += 1
                await news.staff(leads, kind)
                await news.card()
                await news.triage_thread(kind)
            elif news.who.owner is not None:
                reminded += 1
                await news.staff([news.who.owner], kind)
            else:
                # Nobody owns it yet: remind the triage channel, under its card.
                reminded += 1
                await news.card()
                await news.triage_thread(kind)
        await session.commit()
    services.metrics.complaints.labels("breached").inc(breached)
    services.metrics.complaints.labels("reminded").inc(reminded)
    return breached + reminded


async def remind_unanswered(services: Services) -> int:
    """Half-way to the auto-close, ask once more whether a resolution was satisfactory (once
    per resolution); how many were asked."""
    now = services.clock()
    days = services.settings.app.complaints.satisfaction_close_days
    asked = 0
    async with services.sessions() as session:
        for complaint in await unanswered_resolutions(session, now - timedelta(days=days / 2),
                                                      unreminded=True):
            assert complaint.id is not None and complaint.resolved_at is not None
            kind = satisfaction_reminder_kind(complaint)
            if not await claim_alert(session, complaint.id, kind, now):
                continue
            asked += 1
            news = await notify.news(session, services, complaint,
                                     f"complaint:{complaint.id}:alert:{kind}")
            await news.complainant("resolved", reminder=True, close_days=days,
                                   closes_at=complaint.resolved_at + timedelta(days=days))
        await session.commit()
    return asked


async def close_unanswered(services: Services) -> int:
    """Close resolutions older than the configured days with no answer; how many closed."""
    now = services.clock()
    days = services.settings.app.complaints.satisfaction_close_days
    closed = 0
    async with services.sessions() as session:
        for complaint in await unanswered_resolutions(session, now - timedelta(days=days)):
            if not await close_if_resolved(session, complaint, now):
                continue  # answered meanwhile
            closed += 1
            news = await notify.recorded(session, services, complaint, "auto_closed", None,
                                         **{"from": Status.RESOLVED, "to": Status.CLOSED})
            await news.card()
            await news.complainant("auto_closed", days=days)
        await session.commit()
    services.metrics.complaints.labels("closed").inc(closed)
    return closed
