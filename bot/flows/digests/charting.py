"""The digest's chart as an `Image` with its words: for a digest's 12 weeks (from the figures
it gathered already) or for any span cut into weeks (the newsletter's period, fetched here).
The drawing is bot.flows.digests.chart's; the words, week labels included, are
messages/digests/chart.j2's in the reader's language, since they are drawn into the picture."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Image
from bot.chat.templates import day, templates_for
from bot.config.digests import DigestTargets
from bot.flows.digests import chart
from bot.flows.digests.figures import csat_pct, resolution_met, response_met
from bot.flows.digests.periods import midnight
from storage import digest_stats as stats
from storage.digest_stats import CsatWeek, Scope, TicketWeek

SHORT_WEEK = timedelta(days=4)
BLOCKS = ("title", "csat", "response", "resolution", "good_band", "outstanding_band", "alt")


async def chart_image(edges: Sequence[datetime], tickets: Sequence[TicketWeek],
                      csat: Sequence[CsatWeek], zone: ZoneInfo, last_day: date,
                      targets: DigestTargets, locale: str) -> Image | None:
    """The chart of the weeks between `edges` (one ticket and one CSAT figure each), its
    words in `locale`; None when no week has a figure."""
    templates = templates_for("slack", locale)
    series = chart.Series(
        weeks=[day(edge.astimezone(zone), "dd MMM", locale=templates.locale)
               for edge in edges[:-1]],
        values={"csat": [csat_pct([week]) for week in csat],
                "response": [response_met([week]) for week in tickets],
                "resolution": [resolution_met([week]) for week in tickets]},
        good=targets.csat_good, outstanding=targets.csat_outstanding)
    words = {"last": last_day, "weeks": len(edges) - 1, "good": targets.csat_good,
             "outstanding": targets.csat_outstanding, **series.values}
    labels = {block: templates.render_block("digests/chart", block, words) for block in BLOCKS}
    # Drawing takes a tenth of a second or more: off the event loop.
    png = await asyncio.to_thread(chart.draw, series, labels)
    return None if png is None else Image(png, labels["alt"])


async def span_chart(session: AsyncSession, starts_at: datetime, ends_at: datetime,
                     now: datetime, zone: ZoneInfo, targets: DigestTargets,
                     locale: str) -> Image | None:
    """The chart of [starts_at, ends_at) in weeks from its first day (the last one up to
    three days shorter or longer when the span is not whole weeks), over every service."""
    first = starts_at.astimezone(zone).date()
    edges = [starts_at]
    while (edge := midnight(first + timedelta(days=7 * len(edges)), zone)) < ends_at:
        edges.append(edge)
    if len(edges) > 1 and ends_at - edges[-1] < SHORT_WEEK:
        # A stub of a week (a quarter's 92nd day) joins the week before it.
        edges[-1] = ends_at
    else:
        edges.append(ends_at)
    scope = Scope()
    tickets = await stats.ticket_weeks(session, edges, now, scope)
    csat = await stats.csat_weeks(session, edges, scope)
    last_day = (ends_at - timedelta(seconds=1)).astimezone(zone).date()
    return await chart_image(edges, tickets, csat, zone, last_day, targets, locale)
