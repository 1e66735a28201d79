"""Which milestones the figures have reached, as of one moment: each a `Reached` with the key
that makes it "the same milestone" (celebrated once) and the figures its post shows.

Every figure comes from the feature's own statistics module, computed in SQL. Weeks are the
organisation's, Monday 00:00 to Monday 00:00 in organisation.timezone; the week looked at is
the last whole one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config.app import AppConfig
from storage.complaint_stats import complaint_stats
from storage.csat_stats import csat_figures
from storage.kudos_stats import vouchers_given
from storage.milestones import year_on_year_pulses
from storage.pulse_stats import tally
from storage.ticket_stats import compliance

SINCE_EVER = datetime(2000, 1, 1, tzinfo=UTC)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Reached:
    key: str
    """Unique per milestone: a second run reaching the same key celebrates nothing."""
    kind: str
    """csat, sla_clean, nps, kudos or complaints_zero: which words its post uses."""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Week:
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return self.start.date().isoformat()

    def before(self, weeks: int) -> Week:
        return Week(self.start - weeks * WEEK, self.end - weeks * WEEK)


def last_whole_week(now: datetime, app: AppConfig) -> Week:
    zone = app.organisation.zone
    local = now.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    end = datetime.combine(monday, time(0), tzinfo=zone)
    start = datetime.combine(monday - WEEK, time(0), tzinfo=zone)
    return Week(start.astimezone(UTC), end.astimezone(UTC))


async def _first_in_weeks(week: Week, again_after: int | None, base: str,
                          reached_in: Callable[[Week], Awaitable[Any]]) -> str | None:
    """The key under which reaching it in `week` is celebrated: `base` once ever, or, with
    `again_after` N, once per week that follows N weeks of not reaching it (None then)."""
    if again_after is None:
        return base
    for back in range(1, again_after + 1):
        if await reached_in(week.before(back)):
            return None
    return f"{base}:{week.label}"


async def csat_reached(session: AsyncSession, app: AppConfig, week: Week) -> list[Reached]:
    config = app.milestones
    if not config.csat_levels:
        return []

    async def csat_of(of: Week) -> float | None:
        [figures] = await csat_figures(session, of.start, of.end)
        return figures.csat if figures.answered >= config.csat_min_answers else None

    csat = await csat_of(week)
    found = []
    for level in config.csat_levels:
        if csat is None or csat < level:
            continue

        async def at_level(of: Week, level: int = level) -> bool:
            value = await csat_of(of)
            return value is not None and value >= level

        key = await _first_in_weeks(week, config.again_after_weeks, f"csat:{level}", at_level)
        if key is not None:
            found.append(Reached(key, "csat", {"level": level, "csat": round(csat, 1),
                                               "week": week.label}))
    return found


async def sla_clean_reached(session: AsyncSession, app: AppConfig, week: Week,
                            now: datetime) -> list[Reached]:
    config = app.milestones
    if not config.sla_clean_week:
        return []

    async def clean(of: Week) -> int | None:
        """How many tickets of the week were decided, when none breached and enough were."""
        rows = await compliance(session, opened_from=of.start, opened_before=of.end, now=now)
        if not rows:
            return None
        response, resolution = rows[0].response, rows[0].resolution
        decided = resolution.met + resolution.breached
        if response.breached or resolution.breached or decided < config.sla_min_tickets:
            return None
        return decided

    tickets = await clean(week)
    if tickets is None:
        return []
    key = await _first_in_weeks(week, config.again_after_weeks, "sla_clean",
                                clean)
    return [] if key is None else [Reached(key, "sla_clean", {"tickets": tickets,
                                                              "week": week.label})]


async def nps_reached(session: AsyncSession, app: AppConfig, now: datetime) -> list[Reached]:
    gain_needed = app.milestones.nps_gain
    if gain_needed is None:
        return []
    pair = await year_on_year_pulses(session, now)
    if pair is None:
        return []
    latest, earlier = await tally(session, pair.latest_id), await tally(session, pair.earlier_id)
    # K-anonymity: a pulse with fewer answers than its K says nothing about anyone.
    k = max(app.pulses.min_group, pair.latest_min_group, pair.earlier_min_group)
    if latest.answers < k or earlier.answers < k or latest.nps is None or earlier.nps is None:
        return []
    gain = latest.nps - earlier.nps
    if gain < gain_needed:
        return []
    return [Reached(f"nps:{pair.latest_name}", "nps", {
        "nps": latest.nps, "previous": earlier.nps, "gain": gain, "pulse": pair.latest_name,
        "previous_pulse": pair.earlier_name})]


async def kudos_reached(session: AsyncSession, app: AppConfig, now: datetime) -> list[Reached]:
    counts = app.milestones.kudos_counts
    if not counts:
        return []
    given = await vouchers_given(session, SINCE_EVER, now)
    return [Reached(f"kudos:{count}", "kudos", {"count": count, "given": given})
            for count in counts if given >= count]


async def complaints_zero_reached(session: AsyncSession, app: AppConfig,
                                  now: datetime) -> list[Reached]:
    if not app.milestones.complaint_backlog_zero:
        return []
    stats = await complaint_stats(session, SINCE_EVER, now, now)
    if not stats or stats[0].backlog:
        return []
    # Keyed by how many were ever filed: zero again after new complaints is a new milestone,
    # zero with nothing new since is the same one.
    return [Reached(f"complaints_zero:{stats[0].opened}", "complaints_zero",
                    {"resolved": stats[0].resolved})]


async def reached(session: AsyncSession, app: AppConfig, now: datetime) -> list[Reached]:
    """Every milestone the figures have reached as of `now`, celebrated before or not."""
    week = last_whole_week(now, app)
    return [*await csat_reached(session, app, week),
            *await sla_clean_reached(session, app, week, now),
            *await nps_reached(session, app, now),
            *await kudos_reached(session, app, now),
            *await complaints_zero_reached(session, app, now)]

