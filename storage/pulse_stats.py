"""NPS pulse results in SQL: tallies (answers, promoters, detractors) overall and by segment,
the score distribution, the trend across a recurring pulse, the latest pulses closed (for
the digest), and the latest comments. The K
threshold is applied by bot.flows.pulses.results, which builds every output from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, not_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.pulses import CLOSED, PulseAnswer, PulseCampaign, answer_ref, survey_campaign


@dataclass(frozen=True)
class Tally:
    """Answers in one group: how many, and how many promoters (9-10) and detractors (0-6)."""

    answers: int
    promoters: int
    detractors: int

    @property
    def nps(self) -> int | None:
        if not self.answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answers)


def _tally_columns() -> tuple[Any, Any, Any]:
    score = col(PulseAnswer.score)
    return (func.count(),
            func.coalesce(func.sum(case((score >= 9, 1), else_=0)), 0),
            func.coalesce(func.sum(case((score <= 6, 1), else_=0)), 0))


def tally_query(campaign_id: int) -> Any:
    """The statement counting one pulse's answers: one row, a `Tally`'s figures."""
    return select(*_tally_columns()).where(col(PulseAnswer.campaign_id) == campaign_id)


async def tally(session: AsyncSession, campaign_id: int) -> Tally:
    row = (await session.exec(tally_query(campaign_id))).one()
    return Tally(*row)


async def tally_by_segment(session: AsyncSession, campaign_id: int,
                           segment: str) -> dict[str | None, Tally]:
    """Tallies per value of one segment; None collects answers outside every value."""
    value = PulseAnswer.__table__.c.segments[segment].as_string()
    rows = (await session.exec(
        select(value, *_tally_columns())
        .where(col(PulseAnswer.campaign_id) == campaign_id)
        .group_by(value))).all()
    return {name: Tally(n, p, d) for name, n, p, d in rows}


async def answers_by_language(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """How many answered in each language (answers from before languages were kept left out),
    the most first."""
    language = col(PulseAnswer.locale)
    rows = (await session.exec(
        select(language, func.count())
        .where(col(PulseAnswer.campaign_id) == campaign_id, language.is_not(None))
        .group_by(language))).all()
    return dict(sorted(rows, key=lambda row: (-row[1], row[0])))


async def distribution(session: AsyncSession, campaign_id: int) -> dict[int, int]:
    rows = (await session.exec(
        select(PulseAnswer.score, func.count())
        .where(col(PulseAnswer.campaign_id) == campaign_id)
        .group_by(col(PulseAnswer.score)))).all()
    found = dict(rows)
    return {score: found.get(score, 0) for score in range(11)}


async def _tallied(session: AsyncSession, campaigns: Any, at: Any
                   ) -> list[tuple[str, datetime, Tally]]:
    """(name, `at`, tally) of each campaign of the `campaigns` subquery (id, name, at)."""
    score = col(PulseAnswer.score)
    rows = (await session.exec(
        select(campaigns.c.name, at, func.count(col(PulseAnswer.id)),
               func.coalesce(func.sum(case((score >= 9, 1), else_=0)), 0),
               func.coalesce(func.sum(case((score <= 6, 1), else_=0)), 0))
        .select_from(campaigns)
        .outerjoin(PulseAnswer, col(PulseAnswer.campaign_id) == campaigns.c.id)
        .group_by(campaigns.c.name, at)
        .order_by(at))).all()
    return [(name, when, Tally(int(n), int(p), int(d))) for name, when, n, p, d in rows]


async def trend(session: AsyncSession, definition: str, up_to: datetime,
                limit: int = 6) -> list[tuple[str, Tally]]:
    """The tallies of the latest campaigns of one recurring definition, oldest first."""
    campaigns = (select(PulseCampaign.id, PulseCampaign.name, PulseCampaign.opens_at)
                 .where(col(PulseCampaign.definition) == definition,
                        col(PulseCampaign.opens_at) <= up_to)
                 .order_by(col(PulseCampaign.opens_at).desc()).limit(limit).subquery())
    return [(name, tally) for name, _opens, tally in
            await _tallied(session, campaigns, campaigns.c.opens_at)]


async def latest_closed(session: AsyncSession, before: datetime,
                        limit: int = 2) -> list[tuple[str, datetime, Tally]]:
    """(name, closed at, tally) of the latest NPS pulses (not satisfaction surveys) closed
    before `before`, newest first (the digest's NPS): the tallies kept when each closed
    (storage.pulse_tallies), or counted for one without."""
    rows = (await session.exec(
        select(PulseCampaign.id, PulseCampaign.name, PulseCampaign.closed_at,
               PulseCampaign.tallies)
        .where(col(PulseCampaign.status) == CLOSED, col(PulseCampaign.closed_at) < before,
               not_(survey_campaign()))
        .order_by(col(PulseCampaign.closed_at).desc()).limit(limit))).all()
    return [(name, closed, Tally(*kept["nps"]) if kept is not None
             else await tally(session, campaign_id))
            for campaign_id, name, closed, kept in rows]


@dataclass(frozen=True)
class CommentRow:
    ref: str
    """What leads call it (`storage.pulses.answer_ref`)."""
    can_reply: bool
    """The answer holds a way back to whoever wrote it (their id, or a sealed route)."""
    score: int
    text: str
    name: str | None
    """The respondent's name, when the answer holds who gave it."""


async def latest_comments(session: AsyncSession, campaign_id: int,
                          limit: int) -> list[CommentRow]:
    """The `limit` latest comments, in the order of their references: random, so the list
    does not tell who answered first (the order of answers would, to whoever knows when
    people answered)."""
    latest = (select(PulseAnswer.id).where(col(PulseAnswer.campaign_id) == campaign_id,
                                           col(PulseAnswer.comment).is_not(None))
              .order_by(col(PulseAnswer.id).desc()).limit(limit).scalar_subquery())
    rows = (await session.exec(
        select(PulseAnswer.respondent_key, PulseAnswer.person_id, PulseAnswer.reply_route,
               PulseAnswer.score, PulseAnswer.comment, Person.display_name)
        .outerjoin(Person, col(Person.id) == col(PulseAnswer.person_id))
        .where(col(PulseAnswer.id).in_(latest))
        .order_by(col(PulseAnswer.respondent_key)))).all()
    return [CommentRow(answer_ref(key), person_id is not None or route is not None, score,
                       text or "", name)
            for key, person_id, route, score, text, name in rows]
