"""Reading the digest's roll-ups (`storage.digest_rollups`): a period's weekly figures, the
backlog and CSAT per service from the usable hours, added to what the other hours count raw
(`storage.digest_stats`); every figure is a count or a sum, so the result is the same as
counting it all raw."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from sqlalchemy import (
    and_,
    func,
    or_,
    union_all,
)
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import digest_stats
from storage.csat import SurveyInvitation
from storage.csat_stats import CsatFigures, csat_figures
from storage.digest_rollups import (
    COUNTS,
    CSAT_FIELDS,
    EPOCH,
    HOUR,
    MAX_RAW_RUNS,
    TICKET_FIELDS,
    DigestHour,
    DigestHourFigures,
    hour_of,
    runs_of,
    surveys_sent,
)
from storage.digest_stats import CsatWeek, Scope, TicketWeek, survey_counts
from storage.tickets import Ticket


async def weeks(session: AsyncSession, edges: Sequence[datetime], now: datetime,
                scope: Scope) -> tuple[list[TicketWeek], list[CsatWeek]]:
    """What `digest_stats.ticket_weeks` and `csat_weeks` give for the periods between
    `edges`, from the hours rolled up and usable at `now` and the raw rows for the rest."""
    if scope.assignees:
        return (await digest_stats.ticket_weeks(session, edges, now, scope),
                await digest_stats.csat_weeks(session, edges, scope))
    hour, figures = DigestHour, DigestHourFigures
    joined = [col(figures.starts_at) == col(hour.starts_at)]
    if scope.services:
        joined.append(col(figures.service).in_(scope.services))
    sums = [func.coalesce(func.sum(getattr(figures, name)), 0) for name in COUNTS]
    rows = (await session.exec(
        select(hour.starts_at, *sums).select_from(hour)
        .outerjoin(figures, and_(*joined))
        .where(col(hour.starts_at) >= edges[0], col(hour.starts_at) < edges[-1],
               ~col(hour.stale), col(hour.computed_at).is_not(None),
               or_(col(hour.settles_at).is_(None),
                   and_(col(hour.settles_at) < col(hour.computed_at),
                        col(hour.settles_at) < now)))
        .group_by(col(hour.starts_at)))).all()
    usable = {row[0]: dict(zip(COUNTS, (int(v) for v in row[1:]), strict=True))
              for row in rows}
    totals = [dict.fromkeys(COUNTS, 0) for _ in range(len(edges) - 1)]
    raw: list[tuple[datetime, datetime, int]] = []
    for index, (start, end) in enumerate(pairwise(edges)):
        at = start
        for hour_start in sorted(h for h in usable if h >= start and h + HOUR <= end):
            if hour_start > at:
                raw.append((at, hour_start, index))
            for name, value in usable[hour_start].items():
                totals[index][name] += value
            at = hour_start + HOUR
        if at < end:
            raw.append((at, end, index))
    chains = _chains(raw)
    if len(chains) > MAX_RAW_RUNS:
        return (await digest_stats.ticket_weeks(session, edges, now, scope),
                await digest_stats.csat_weeks(session, edges, scope))
    for chain_edges, buckets in chains:
        tickets = await digest_stats.ticket_weeks(session, chain_edges, now, scope)
        csat = await digest_stats.csat_weeks(session, chain_edges, scope)
        for bucket, ticket_week, csat_week in zip(buckets, tickets, csat, strict=True):
            for name in TICKET_FIELDS:
                totals[bucket][name] += getattr(ticket_week, name)
            for name in CSAT_FIELDS:
                totals[bucket][name] += getattr(csat_week, name)
    return ([TicketWeek(**{name: total[name] for name in TICKET_FIELDS})
             for total in totals],
            [CsatWeek(**{name: total[name] for name in CSAT_FIELDS}) for total in totals])


async def backlog(session: AsyncSession, at: datetime, scope: Scope) -> int:
    """What `digest_stats.backlog` gives (tickets opened before `at` less those resolved
    before it), with the hours rolled up read from their figures, settled or not (a count of
    tickets opened or resolved does not change with time), and the rest counted raw: before
    the first hour, after the last, the stale ones and the part of an hour before `at`."""
    if scope.assignees:
        return await digest_stats.backlog(session, at, scope)
    hour, figures = DigestHour, DigestHourFigures
    before = col(hour.starts_at) < hour_of(at)
    first, last = (await session.exec(select(func.min(col(hour.starts_at)),
                                             func.max(col(hour.starts_at))).where(before))).one()
    if first is None:
        return await digest_stats.backlog(session, at, scope)
    fresh = (~col(hour.stale), col(hour.computed_at).is_not(None))
    unusable = (await session.exec(select(hour.starts_at).where(
        before, or_(col(hour.stale), col(hour.computed_at).is_(None)))
        .order_by(col(hour.starts_at)))).all()
    raw = [(EPOCH, first), *runs_of(unusable), (last + HOUR, at)]
    if len(raw) > MAX_RAW_RUNS:
        return await digest_stats.backlog(session, at, scope)
    joined = [col(figures.starts_at) == col(hour.starts_at)]
    if scope.services:
        joined.append(col(figures.service).in_(scope.services))
    opened, resolved = (await session.exec(
        select(func.coalesce(func.sum(figures.opened), 0),
               func.coalesce(func.sum(figures.resolved), 0))
        .select_from(hour).join(figures, and_(*joined)).where(before, *fresh))).one()
    for start, end in raw:
        if start < end:
            [week] = await digest_stats.ticket_weeks(session, [start, end], at, scope)
            opened, resolved = opened + week.opened, resolved + week.resolved
    return int(opened) - int(resolved)


async def csat_by_service(session: AsyncSession, start: datetime, end: datetime,
                          scope: Scope) -> list[CsatFigures]:
    """What `csat_stats.csat_figures(by="service")` gives for the surveys sent in [start, end)
    within the scope ("" for tickets without a service), from the hours rolled up, settled or
    not (a survey's counts do not change with time), and the raw rows for the rest."""
    where = scope.tickets()
    if scope.assignees:
        return await csat_figures(session, start, end, by="service", where=where)
    hour, figures = DigestHour, DigestHourFigures
    within = (col(hour.starts_at) >= start, col(hour.starts_at) <= end - HOUR,
              ~col(hour.stale), col(hour.computed_at).is_not(None))
    fresh = (await session.exec(select(hour.starts_at).where(*within)
                                .order_by(col(hour.starts_at)))).all()
    raw, at = [], start
    for hour_start in fresh:
        if hour_start > at:
            raw.append((at, hour_start))
        at = hour_start + HOUR
    if at < end:
        raw.append((at, end))
    if len(raw) > MAX_RAW_RUNS:
        return await csat_figures(session, start, end, by="service", where=where)
    counts = ("sent", "answered", "satisfied", "score_sum")
    parts = [select(figures.service, *(getattr(figures, name) for name in counts))
             .join(hour, col(hour.starts_at) == col(figures.starts_at)).where(*within)]
    service = func.coalesce(col(Ticket.service), "").label("service")
    by_name = survey_counts()
    parts += [surveys_sent(select(service, *(by_name[name].label(name) for name in counts))
                           .select_from(SurveyInvitation), raw_start, raw_end).group_by(service)
              for raw_start, raw_end in raw]
    rows = union_all(*parts).subquery()
    statement = (select(rows.c.service, *(func.sum(rows.c[name]) for name in counts))
                 .group_by(rows.c.service).having(func.sum(rows.c.sent) > 0)
                 .order_by(rows.c.service))
    if scope.services:
        statement = statement.where(rows.c.service.in_(scope.services))
    return [CsatFigures(group=group, sent=int(sent), answered=int(answered),
                        satisfied=int(satisfied),
                        average=int(score_sum) / int(answered) if answered else None)
            for group, sent, answered, satisfied, score_sum in (await session.exec(statement))]


def _chains(raw: Sequence[tuple[datetime, datetime, int]]
            ) -> list[tuple[list[datetime], list[int]]]:
    """Stretches to count raw, joined where one ends as the next begins: (edges, the period
    each stretch between them belongs to), one raw statement per chain and kind."""
    chains: list[tuple[list[datetime], list[int]]] = []
    for start, end, bucket in raw:
        if chains and chains[-1][0][-1] == start:
            chains[-1][0].append(end)
            chains[-1][1].append(bucket)
        else:
            chains.append(([start, end], [bucket]))
    return chains

