"""The complaint clock, run on a schedule: SLA reminders before a breach, escalation to the
IT leads after one, and for resolutions the complainant has not answered, one more "are you
satisfied?" half-way to the auto-close, then the close.

Each reminder and escalation is claimed in `complaint_alert` (unique per complaint and kind)
and committed before it is sent, so however many replicas run the check, and however often,
each is sent at most once (a reopening sets a new resolution deadline, whose reminder and
escalation are claimed under their own kind). An auto-close only happens while the complaint
is still resolved, so it cannot undo a complainant's answer that arrived at the same moment.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.flows.complaints import lifecycle
from bot.services import Services
from storage import audit
from storage.complaints import (
    SUBJECT,
    Status,
    alert_kind,
    by_number,
    claim_alert,
    close_if_resolved,
    due_alerts,
    mark_escalated,
    parties,
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
    async with services.sessions() as session:
        due = await due_alerts(session, now)
        await session.commit()
    sent = 0
    for complaint, kind in due:
        async with services.sessions() as session:
            assert complaint.id is not None
            claimed = await claim_alert(session, complaint.id,
                                        alert_kind(kind, complaint.reopen_count), now)
            if not claimed:
                # Another replica (or an earlier run) has it.
                await session.rollback()
                continue
            breach = kind not in REMINDERS
            if breach:
                await mark_escalated(session, complaint.id)
                complaint.escalated = True
            audit.record(session, actor_id=None, action=kind, subject_type=SUBJECT,
                         subject_id=complaint.number, to=complaint.status)
            who = await parties(session, complaint)
            leads = await people_with_roles(session, lifecycle.LEAD_ROLES)
            await session.commit()
        sent += 1
        log.info("complaint %s: %s", complaint.number, kind)
        if breach:
            services.metrics.complaints.labels("breached").inc()
            thread = await lifecycle.escalate_to_leads(services, complaint, who, leads, kind)
            await lifecycle.publish(services, complaint, who, thread=thread)
            continue
        services.metrics.complaints.labels("reminded").inc()
        if who.owner is not None:
            await lifecycle.tell(services, [who.owner], lifecycle.staff_message(
                services, complaint, who, kind, tz=who.owner.tz))
        else:
            # Nobody owns it yet: remind the triage channel, under its card.
            await lifecycle.publish(services, complaint, who, thread=lifecycle.staff_message(
                services, complaint, who, kind))
    return sent


async def remind_unanswered(services: Services) -> int:
    """Half-way to the auto-close, ask once more whether a resolution was satisfactory (once
    per resolution); how many were asked."""
    now = services.clock()
    days = services.settings.app.complaints.satisfaction_close_days
    async with services.sessions() as session:
        waiting = await unanswered_resolutions(session, now - timedelta(days=days / 2),
                                               unreminded=True)
        await session.commit()
    asked = 0
    for complaint in waiting:
        async with services.sessions() as session:
            assert complaint.id is not None
            claimed = await claim_alert(session, complaint.id,
                                        satisfaction_reminder_kind(complaint), now)
            who = await parties(session, complaint)
            await session.commit()
        if not claimed:
            continue
        asked += 1
        assert complaint.resolved_at is not None
        await lifecycle.tell_complainant(services, complaint, who.complainant,
                                         lifecycle.notice_for(
                                             services, complaint, who, "resolved",
                                             reminder=True, close_days=days,
                                             closes_at=complaint.resolved_at
                                             + timedelta(days=days)))
    return asked


async def close_unanswered(services: Services) -> int:
    """Close resolutions older than the configured days with no answer; how many closed."""
    now = services.clock()
    days = services.settings.app.complaints.satisfaction_close_days
    async with services.sessions() as session:
        stale = await unanswered_resolutions(session, now - timedelta(days=days))
        await session.commit()
    closed = 0
    for candidate in stale:
        async with services.sessions() as session:
            assert candidate.id is not None
            if not await close_if_resolved(session, candidate.id, now):
                await session.rollback()
                continue
            complaint = await by_number(session, candidate.number)
            assert complaint is not None
            audit.record(session, actor_id=None, action="auto_closed",
                         subject_type=SUBJECT, subject_id=complaint.number,
                         **{"from": Status.RESOLVED, "to": Status.CLOSED})
            who = await parties(session, complaint)
            await session.commit()
        closed += 1
        services.metrics.complaints.labels("closed").inc()
        await lifecycle.publish(services, complaint, who, notice=lifecycle.notice_for(
            services, complaint, who, "auto_closed", days=days))
    return closed
