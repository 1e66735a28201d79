"""The figures a digest shows, gathered once from storage's SQL aggregates: the period, the
previous period, the 4- and 12-week baselines before it (pooled: met over decided across the
weeks, not a mean of weekly percentages) and the 12 weeks the chart draws.

A comparison is a `Trend`: the value, the value it is compared with and an arrow, so the
template says "up", "down" or "level" in words too; a figure with nothing to count is None
and shows as such, never as 0 % or NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import AppConfig
from bot.config.digests import Digest
from bot.flows.digests.periods import Period
from storage import digest_rollup_reads as rollups
from storage.digest_stats import CsatWeek, Scope, TicketWeek

LEVEL_WITHIN = 0.05
"""Two figures this close (in their unit) are level, not up or down."""


@dataclass(frozen=True)
class Trend:
    value: float | None
    against: float | None

    @property
    def arrow(self) -> str | None:
        """``up``, ``down`` or ``level``; None when either side is unknown."""
        if self.value is None or self.against is None:
            return None
        if abs(self.value - self.against) < LEVEL_WITHIN:
            return "level"
        return "up" if self.value > self.against else "down"

    def view(self) -> dict:
        return {"value": self.value, "against": self.against, "arrow": self.arrow}


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _sum(weeks: Sequence[TicketWeek | CsatWeek], field: str) -> int:
    return sum(getattr(week, field) for week in weeks)


def response_met(weeks: Sequence[TicketWeek]) -> float | None:
    met = _sum(weeks, "response_met")
    return pct(met, met + _sum(weeks, "response_breached"))


def resolution_met(weeks: Sequence[TicketWeek]) -> float | None:
    met = _sum(weeks, "resolution_met")
    return pct(met, met + _sum(weeks, "resolution_breached"))


def csat_pct(weeks: Sequence[CsatWeek]) -> float | None:
    return pct(_sum(weeks, "satisfied"), _sum(weeks, "answered"))


def reopen_rate(weeks: Sequence[TicketWeek]) -> float | None:
    return pct(_sum(weeks, "reopened"), _sum(weeks, "opened"))


def compare(measure, current: Sequence, previous: Sequence, baseline: Sequence) -> dict:
    """The measure for the period against the previous period and the 4- and 12-week
    baselines before it."""
    value = measure(current)
    return {"value": value, "previous": Trend(value, measure(previous)).view(),
            "avg4": Trend(value, measure(baseline[-4:])).view(),
            "avg12": Trend(value, measure(baseline)).view()}


def scope_of(app: AppConfig, digest: Digest) -> Scope:
    """The digest's scope with aliases resolved to the catalogue's names, as tickets are
    stored under them."""
    services = tuple(sorted({service.name for name in digest.scope.services
                             if (service := app.service(name)) is not None}))
    return Scope(services=services, assignees=tuple(digest.scope.assignees))


@dataclass
class Gathered:
    """What every section reads: the session for its own queries, and the weekly figures
    the sections share (fetched once)."""

    session: AsyncSession
    app: AppConfig
    digest: Digest
    period: Period
    now: datetime
    scope: Scope
    tickets: list[TicketWeek]
    """The 12 baseline weeks, then the period."""
    previous_tickets: list[TicketWeek]
    csat: list[CsatWeek]
    previous_csat: list[CsatWeek]
    chart_tickets: list[TicketWeek]
    chart_csat: list[CsatWeek]

    @property
    def current_tickets(self) -> list[TicketWeek]:
        return self.tickets[-1:]

    @property
    def baseline_tickets(self) -> list[TicketWeek]:
        return self.tickets[:-1]

    @property
    def no_tickets(self) -> bool:
        week = self.tickets[-1]
        return week.opened == 0 and week.resolved == 0


async def gather(session: AsyncSession, app: AppConfig, digest: Digest, period: Period,
                 now: datetime) -> Gathered:
    scope = scope_of(app, digest)
    # Closed hours come from the roll-ups, the rest from the raw rows (storage.digest_rollups).
    tickets, csat = await rollups.weeks(session, period.week_edges(), now, scope)
    if period.kind == "week":
        # The previous week is the last baseline week, and the chart the 12 weeks ending
        # with this one: no further queries.
        previous_tickets, previous_csat = tickets[-2:-1], csat[-2:-1]
        chart_tickets, chart_csat = tickets[1:], csat[1:]
    else:
        before = period.previous()
        previous_tickets, previous_csat = await rollups.weeks(
            session, [before.start, before.end], now, scope)
        chart_tickets, chart_csat = await rollups.weeks(session, period.chart_edges(), now,
                                                        scope)
    return Gathered(session, app, digest, period, now, scope, tickets, previous_tickets, csat,
                    previous_csat, chart_tickets, chart_csat)
