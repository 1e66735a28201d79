"""The sections of a digest, by name: each builder turns the gathered figures (and queries of
its own) into the context of its template block in messages/digests/digest.j2.

`BUILDERS` is the one place a section is built. Adding one is its name in
`bot.config.digests.SECTIONS` (which check-config accepts; a test checks the two agree), its
builder here and its block in the template. A digest shows the sections its app.yaml entry
lists, in the order of `SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.flows.digests.figures import (
    Gathered,
    Trend,
    compare,
    csat_pct,
    pct,
    reopen_rate,
    resolution_met,
    response_met,
)
from bot.flows.projects.results import project_results
from bot.flows.pulses.results import language_counts
from bot.flows.pulses.survey_results import survey_results
from storage import (
    broadcast_stats,
    complaint_stats,
    csat_stats,
    digest_rollup_reads,
    digest_stats,
    kudos_stats,
    pulse_stats,
    survey_stats,
    ticket_stats,
)
from storage import projects as project_store
from storage.milestones import reached_between
from storage.plans import open_plan_items

STORIES = 3
BREACHES = 5
TOP_CATEGORIES = 3


async def sla(g: Gathered) -> dict:
    period = g.period
    rows = await ticket_stats.compliance(
        g.session, opened_from=period.start, opened_before=period.end, now=g.now,
        by="priority", where=g.scope.tickets())
    targets = g.digest.targets
    priorities = []
    for row in rows:
        target = targets.sla_for(row.group)
        response = _pct_of(row.response)
        resolution = _pct_of(row.resolution)
        priorities.append({
            "priority": row.group or "", "tickets": row.tickets, "target": target,
            "response": response, "resolution": resolution,
            "response_ok": None if response is None else response >= target,
            "resolution_ok": None if resolution is None else resolution >= target})
    breaches = await digest_stats.worst_breaches(g.session, period.start, period.end, g.now,
                                                 g.scope, limit=BREACHES)
    return {
        "priorities": priorities,
        "response": compare(response_met, g.current_tickets, g.previous_tickets,
                            g.baseline_tickets),
        "resolution": compare(resolution_met, g.current_tickets, g.previous_tickets,
                              g.baseline_tickets),
        "breaches": [{**vars(breach), "url": _ticket_url(g, breach)} for breach in breaches]}


def _ticket_url(g: Gathered, breach: digest_stats.Breach) -> str | None:
    """The ticket's page at its desk, when app.yaml gives the desk's `ticket_url`."""
    source = g.app.tickets.sources.get(breach.source)
    return source.link(breach.external_id) if source is not None else None


def _pct_of(counts: ticket_stats.StateCounts) -> float | None:
    return pct(counts.met, counts.met + counts.breached)


async def times(g: Gathered) -> dict:
    found = await digest_stats.ticket_times(g.session, g.period.start, g.period.end, g.scope)
    return vars(found)


async def volume(g: Gathered) -> dict:
    week = g.current_tickets[0]
    opened = Trend(week.opened, _sum_or_none(g.previous_tickets, "opened"))
    return {"opened": week.opened, "resolved": week.resolved,
            "backlog": await digest_rollup_reads.backlog(g.session, g.period.end, g.scope),
            "opened_trend": opened.view()}


def _sum_or_none(weeks, field: str) -> int | None:
    return sum(getattr(week, field) for week in weeks) if weeks else None


async def callbacks(g: Gathered) -> dict:
    week = g.current_tickets[0]
    repeats = await digest_stats.repeat_contacts(g.session, g.period.start, g.period.end,
                                                 g.digest.repeat_contact_days, g.scope)
    return {"reopened": week.reopened,
            "reopened_rate": compare(reopen_rate, g.current_tickets, g.previous_tickets,
                                     g.baseline_tickets),
            "repeats": repeats, "repeat_rate": pct(repeats, week.opened),
            "days": g.digest.repeat_contact_days}


async def csat(g: Gathered) -> dict:
    week = g.csat[-1]
    by_service = [row for row in await digest_rollup_reads.csat_by_service(
        g.session, g.period.start, g.period.end, g.scope) if row.answered]
    ranked = sorted(by_service, key=lambda row: (-(row.csat or 0), row.group or ""))
    targets = g.digest.targets
    value = csat_pct(g.csat[-1:])
    return {
        **compare(csat_pct, g.csat[-1:], g.previous_csat, g.csat[:-1]),
        "answers": week.answered, "sent": week.sent,
        "average": round(week.score_sum / week.answered, 2) if week.answered else None,
        "response_rate": pct(week.answered, week.sent),
        "good": targets.csat_good, "outstanding": targets.csat_outstanding,
        "band": (None if value is None else "outstanding" if value >= targets.csat_outstanding
                 else "good" if value >= targets.csat_good else "below"),
        "services": [{"name": row.group or "", "csat": round(row.csat or 0, 1),
                      "answers": row.answered} for row in ranked],
        "best": ranked[0].group if len(ranked) > 1 else None,
        "worst": ranked[-1].group if len(ranked) > 1 else None,
        # Pooled in the figures above; said per language only when there were several.
        "languages": language_counts(await csat_stats.answers_by_language(
            g.session, g.period.start, g.period.end, where=g.scope.tickets()))}


async def nps(g: Gathered) -> dict:
    """The latest pulse closed by the period's end, against the one before; a pulse with
    fewer than K answers shows no score (K-anonymity, as everywhere)."""
    k = g.app.pulses.min_group
    pulses = await pulse_stats.latest_closed(g.session, g.period.end)
    shown = [{"name": name, "closed_at": closed, "answers": tally.answers,
              "nps": tally.nps if tally.answers >= k else None}
             for name, closed, tally in pulses]
    latest = shown[0] if shown else None
    before = shown[1] if len(shown) > 1 else None
    trend = Trend(latest["nps"] if latest else None, before["nps"] if before else None)
    return {"latest": latest, "before": before, "trend": trend.view(), "min_group": k,
            "target": g.digest.targets.nps}


async def complaints(g: Gathered) -> dict:
    period = g.period
    where = g.scope.complaints()
    overall = await complaint_stats.complaint_stats(g.session, period.start, period.end, g.now,
                                                    where=where)
    categories = await complaint_stats.complaint_stats(g.session, period.start, period.end,
                                                       g.now, by="category", where=where)
    acknowledged, resolved, backlog = await digest_stats.complaint_activity(
        g.session, period.start, period.end, g.scope)
    top = sorted(categories, key=lambda row: (-row.opened, row.group))[:TOP_CATEGORIES]
    stats = overall[0] if overall else None
    return {
        "opened": stats.opened if stats else 0, "acknowledged": acknowledged,
        "resolved": resolved, "backlog": backlog,
        "resolve_median_s": stats.resolve_median_s if stats else None,
        "resolve_p90_s": stats.resolve_p90_s if stats else None,
        "sla_met": stats.resolve_sla_met_pct if stats else None,
        "categories": [(row.group, row.opened) for row in top],
        # Counts only: no complainant is named or can be told apart here.
        "root_causes": await digest_stats.complaint_root_causes(
            g.session, period.start, period.end, g.scope)}


async def kudos(g: Gathered) -> dict:
    period = g.period
    stories = await kudos_stats.recent_stories(g.session, period.start, period.end,
                                               limit=STORIES)
    return {
        "given": await kudos_stats.vouchers_given(g.session, period.start, period.end),
        "first_time": len(await kudos_stats.first_recognised(g.session, period.start,
                                                             period.end)),
        "stories": [{"story": story.story, "giver": story.giver,
                     "recipients": story.recipients, "value": story.value}
                    for story in stories]}


async def surveys(g: Gathered) -> dict:
    """The latest satisfaction survey closed by the period's end, % satisfied per aspect
    against the bands; an aspect (or the whole survey) with fewer than K people shows no
    figures (bot.flows.pulses.survey_results)."""
    campaign = await survey_stats.latest_closed_survey(g.session, g.period.end)
    if campaign is None or campaign.id is None:
        return {"latest": None}
    results = await survey_results(g.session, campaign.id,
                                   target_points=g.app.pulses.target_points)
    # The survey's K, or pulses.min_group if that is higher now: as the NPS milestone does.
    k = max(results.min_group, g.app.pulses.min_group)
    lines = [results.overall, *results.aspects]
    hidden = [line.figures.withheld or (line.figures.answers or 0) < k for line in lines]
    if hidden[0]:
        hidden = [True] * len(lines)
    return {"latest": {
        "name": results.name, "min_group": k,
        "closed": (campaign.closed_at or campaign.closes_at).astimezone(g.period.zone).date(),
        "answered": results.answered, "response_rate": results.response_rate,
        "lines": [{"aspect": line.figures.aspect, "withheld": withheld,
                   "satisfied": None if withheld else line.figures.satisfied,
                   "band": None if withheld else line.band,
                   "change": None if withheld else line.change,
                   "previous_name": results.previous_name}
                  for line, withheld in zip(lines, hidden, strict=True)]}}


async def projects(g: Gathered) -> dict:
    """The projects whose review results were sent in the period: conditions met, and the
    stakeholders' and end users' % satisfied (the end users' withheld below K, as in the
    results). Nothing shows in a period without one."""
    found = []
    for project in await project_store.results_sent_between(g.session, g.period.start,
                                                            g.period.end):
        results = await project_results(g.session, project, g.app.pulses.min_group)
        found.append({"name": results["name"], "met": results["conditions_met"],
                      "conditions": len(results["conditions"]),
                      "stakeholders": results["stakeholders"]["satisfied"],
                      "end_users": results["end_users"]["satisfied"]})
    return {"reviewed": found}


async def broadcasts(g: Gathered) -> dict:
    """Incidents per service, time in outage and availability, time to the first update,
    the update cadence kept, and "how well were you kept informed?" (1-5), for the period;
    with a scope of services, about those services only."""
    period, session = g.period, g.session
    services = g.scope.services or None
    # A service whose outages all ended before the period comes back with nothing in it.
    rows = [row for row in await broadcast_stats.service_figures(
        session, period.start, period.end, services=services)
        if row.incidents or row.outage_seconds]
    cadence = await broadcast_stats.cadence_figures(
        session, period.start, period.end, g.app.broadcasts.remind_after_minutes,
        services=services)
    answers, mean = await broadcast_stats.informed_figures(session, period.start, period.end,
                                                           services=services)
    first = cadence.first_update_avg_s
    return {
        "opened": cadence.opened,
        "services": [{"name": row.service, "incidents": row.incidents,
                      "outage_s": row.outage_seconds,
                      "availability": round(100 * row.availability, 2)} for row in rows],
        "outage_s": sum(row.outage_seconds for row in rows),
        "first_update_s": round(first) if first is not None else None,
        "kept": cadence.kept, "missed": cadence.missed,
        "kept_pct": pct(cadence.kept, cadence.kept + cadence.missed),
        "informed_answers": answers,
        "informed": round(mean, 1) if mean is not None else None}


async def milestones(g: Gathered) -> dict:
    reached = await reached_between(g.session, g.period.start, g.period.end)
    return {"reached": [{**m.detail, "kind": m.kind,
                         "on": m.reached_at.astimezone(g.period.zone).date()}
                        for m in reached]}


async def plans(g: Gathered) -> dict:
    """Every open improvement plan item, overdue first (due before the digest is made, in
    the organisation's date), until it is marked done."""
    today = g.now.astimezone(g.period.zone).date()
    items = await open_plan_items(g.session, today)
    return {"open": [{"id": item.id, "figure": item.figure, "change": item.change,
                       "owner": item.owner_name, "due_on": item.due_on,
                       "overdue": item.overdue} for item in items],
            "overdue": sum(item.overdue for item in items)}


def plan_figure(sections: dict[str, dict]) -> str:
    """The figure the digest's "Add plan item" button proposes: the first shown that missed
    its target (SLA, then CSAT, then NPS), or none (the form asks)."""
    sla_section = sections.get("sla")
    if sla_section and any(p["response_ok"] is False or p["resolution_ok"] is False
                           for p in sla_section["priorities"]):
        return "sla"
    if (sections.get("csat") or {}).get("band") == "below":
        return "csat"
    nps_section = sections.get("nps") or {}
    latest, target = nps_section.get("latest"), nps_section.get("target")
    if latest and latest["nps"] is not None and target is not None and latest["nps"] < target:
        return "nps"
    return ""


Builder = Callable[[Gathered], Awaitable[dict]]
BUILDERS: dict[str, Builder] = {
    "sla": sla, "times": times, "volume": volume, "callbacks": callbacks, "csat": csat,
    "nps": nps, "surveys": surveys, "projects": projects, "complaints": complaints,
    "broadcasts": broadcasts, "kudos": kudos, "milestones": milestones, "plans": plans,
}
