"""The monthly summary each department's ambassador gets by direct message: the department's
CSAT for the month (% satisfied, average, answers, against the month before), the complaints
its people filed (by category and by status; how many anonymously, and nobody named), and the
latest pulse and survey closed, for the department alone, with the K threshold.

The pulse and survey figures are the results cards' own (bot.flows.pulses.results and
survey_results, broken down by the ambassadors' segment), so the threshold and the
withholding of a group that would give a smaller one away apply exactly as there.

`send_monthly` is the claimed run of the month's slot: it summarises the calendar month before
the slot, in the organisation's zone, and claims a row per ambassador, month and department
before the DM goes to the outbox, so each ambassador gets one summary a month whatever the
replicas do. `catch_up` runs every few minutes and sends the latest due month's summaries not
sent yet (Touchpoint was down at the slot, or the run failed); never the months before it.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.config.ambassadors import AmbassadorsConfig
from bot.config.people import PeopleSelector
from bot.flows.ambassadors.ids import summary_key
from bot.flows.pulses.results import campaign_results, language_counts
from bot.flows.pulses.survey_results import survey_results
from bot.services import Services
from storage import ambassador_stats as stats
from storage import ambassadors as store
from storage import survey_stats
from storage.complaints import Status
from storage.models import Person
from storage.pulses import PulseCampaign

log = logging.getLogger(__name__)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


class Month:
    """The calendar month before `slot` (and the one before that), in `zone`."""

    def __init__(self, slot: datetime, zone: ZoneInfo):
        end = _month_start(slot.astimezone(zone).date())
        first = _month_start(end - timedelta(days=1))
        before = _month_start(first - timedelta(days=1))
        self.name = f"{first:%Y-%m}"
        # Days, not names: the template writes the month in the reader's language.
        self.first, self.before = first, before
        self.start, self.end, self.previous_start = (_utc(first, zone), _utc(end, zone),
                                                     _utc(before, zone))


async def people_of(session: AsyncSession, selector: PeopleSelector) -> list[Person]:
    """The ambassadors a selector names, as the directory knows them."""
    return await store.people_named(session, selector.slack_users, selector.teams_users,
                                    selector.emails)


async def _csat(session: AsyncSession, segment: str, value: str,
                month: Month) -> dict[str, Any]:
    now = await stats.department_csat(session, segment, value, month.start, month.end)
    before = await stats.department_csat(session, segment, value, month.previous_start,
                                         month.start)
    change = (None if now.csat is None or before.csat is None
              else round(now.csat - before.csat, 1))
    return {"sent": now.sent, "answered": now.answered, "satisfied": now.csat,
            "average": now.average, "previous": before.csat, "change": change,
            # Pooled in the figures; said per language only when there were several.
            "languages": language_counts(await stats.department_csat_languages(
                session, segment, value, month.start, month.end))}


async def _complaints(session: AsyncSession, segment: str, value: str,
                      month: Month) -> dict[str, Any]:
    counts = await stats.department_complaints(session, segment, value, month.start, month.end)
    return {"filed": counts.filed, "anonymous": counts.anonymous,
            "by_category": list(counts.by_category.items()),
            "by_status": [(status, counts.by_status[status])
                          for status in Status.ALL if status in counts.by_status]}


async def _nps(session: AsyncSession, campaign: PulseCampaign, segment: str,
               value: str) -> dict[str, Any]:
    assert campaign.id is not None
    results = await campaign_results(session, campaign.id, by=[segment])
    group = next((g for g in results.by[segment] if g.label == value), None)
    shown = group is not None and not group.withheld
    return {"kind": "nps", "answers": group.answers if shown else None,
            "nps": group.nps if shown else None,
            "shields": group.shields if group is not None else False}


async def _survey(session: AsyncSession, services: Services, campaign: PulseCampaign,
                  segment: str, value: str) -> dict[str, Any]:
    assert campaign.id is not None
    results = await survey_results(session, campaign.id, by=[segment],
                                   target_points=services.settings.app.pulses.target_points)
    line = next((line for line in results.by.get(segment, []) if line.label == value), None)
    figures = line.aspects[0] if line is not None else None
    if figures is not None and not figures.withheld:
        return {"kind": "survey", "answers": figures.answers, "satisfied": figures.satisfied,
                "average": figures.average, "shields": False}
    # Withheld: for want of answers, or to keep a smaller group from being worked out.
    people = {t.segment: t.people for t in await survey_stats.tallies(
        session, campaign.id, by_aspect=False, segment=segment)}
    return {"kind": "survey", "answers": None, "satisfied": None, "average": None,
            "shields": results.by.get(segment) is not None
            and people.get(value, 0) >= campaign.min_group}


async def _latest_results(session: AsyncSession, services: Services, segment: str,
                          value: str, before: datetime) -> list[dict[str, Any]]:
    """The latest pulse and the latest survey closed before `before`, for `value` alone."""
    found: dict[bool, PulseCampaign] = {}
    for campaign in await stats.latest_closed(session, before):
        found.setdefault(campaign.is_survey, campaign)
    zone = services.settings.app.organisation.zone
    shown = []
    for campaign in sorted(found.values(), key=lambda c: c.closed_at or before, reverse=True):
        figures = (await _survey(session, services, campaign, segment, value)
                   if campaign.is_survey else await _nps(session, campaign, segment, value))
        closed = (campaign.closed_at or before).astimezone(zone)
        shown.append({"name": campaign.name, "min_group": campaign.min_group,
                      "closed": closed.date(), **figures})
    return shown


async def compose(session: AsyncSession, services: Services, department: str,
                  month: Month) -> Message:
    segment = services.settings.app.ambassadors.segment
    assert segment is not None
    return Message("ambassadors/summary", {
        "department": department, "month": month.first, "previous_month": month.before,
        "csat": await _csat(session, segment, department, month),
        "complaints": await _complaints(session, segment, department, month),
        "results": await _latest_results(session, services, segment, department, month.end),
    }, sections=("text", "csat", "complaints", "results"))


async def send_monthly(session: AsyncSession, services: Services, slot: datetime) -> int:
    """Each ambassador's summary of the month before `slot`, unless they had it; how many
    were recorded for sending. The caller commits."""
    app = services.settings.app
    month = Month(slot, app.organisation.zone)
    sent = 0
    for department, selector in app.ambassadors.by_value.items():
        ambassadors = await people_of(session, selector)
        if not ambassadors:
            # Said at info: the catch-up comes by every few minutes until they are found.
            log.info("ambassadors of %s: nobody in the directory yet", department)
            continue
        done = await store.summarised(session, month.name, department)
        ambassadors = [person for person in ambassadors if person.id not in done]
        if not ambassadors:
            continue
        # Composed before the claims: on SQLite a claim's write holds the one write lock.
        message = await compose(session, services, department, month)
        for person in ambassadors:
            assert person.id is not None
            summary_id = await store.claim(session, person.id, month.name, department,
                                           services.clock())
            if summary_id is None:
                continue
            await services.outbox.send_dm(session, person, message, key=summary_key(summary_id))
            sent += 1
    if sent:
        log.info("ambassadors' summaries of %s: %d recorded for sending", month.name, sent)
    return sent


def latest_slot(config: AmbassadorsConfig, now: datetime, zone: ZoneInfo) -> datetime:
    """The summaries' latest scheduled time at or before `now`."""
    local = now.astimezone(zone)
    slot = datetime.combine(local.date().replace(day=config.day_of_month), config.time, zone)
    if slot > local:
        before = _month_start(local.date()) - timedelta(days=1)
        slot = datetime.combine(before.replace(day=config.day_of_month), config.time, zone)
    return slot


async def catch_up(services: Services) -> int:
    """The latest due month's summaries not sent yet; how many were recorded for sending."""
    app = services.settings.app
    async with services.sessions() as session:
        sent = await send_monthly(session, services, latest_slot(
            app.ambassadors, services.clock(), app.organisation.zone))
        await session.commit()
    return sent
