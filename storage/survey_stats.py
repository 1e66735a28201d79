"""Satisfaction survey results in SQL: per aspect (or over every aspect), and per value of a
segment, how many people answered, how many answers, how many satisfied (4 or 5 on the 1-5
scale) and the sums the averages come from; the campaigns of the same recurring survey to
compare with; and the latest survey closed by a time (the digest's). The K threshold and every
percentage are bot.flows.pulses.survey_results'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from storage.pulses import CLOSED, PulseCampaign, survey_campaign

SATISFIED = 4
"""The lowest score counted satisfied: 4 (satisfied) and 5 (very satisfied)."""


@dataclass(frozen=True)
class AspectTally:
    """One group's answers to one aspect's questions (or every aspect's, `aspect` None)."""

    aspect: str | None
    segment: str | None
    """The segment's value; None for answers outside every value, or when not broken down."""
    people: int
    """Respondents with an answer here: what K is checked against."""
    answers: int
    """1-5 answers."""
    satisfied: int
    total: int
    """The sum of the 1-5 answers."""
    scale_answers: int
    scale_total: int
    """The 0-10 answers and their sum."""


def _figures() -> tuple[Any, ...]:
    value, kind = col(PulseQuestionAnswer.value), col(PulseQuestionAnswer.kind)
    rated = kind == "satisfaction"
    scaled = kind == "scale"
    return (
        func.count(func.distinct(col(PulseQuestionAnswer.response_id))),
        func.coalesce(func.sum(case((rated, 1), else_=0)), 0),
        func.coalesce(func.sum(case((rated & (value >= SATISFIED), 1), else_=0)), 0),
        func.coalesce(func.sum(case((rated, value), else_=0)), 0),
        func.coalesce(func.sum(case((scaled, 1), else_=0)), 0),
        func.coalesce(func.sum(case((scaled, value), else_=0)), 0),
    )


def tally_query(campaign_id: int, *, by_aspect: bool, segment: str | None = None) -> Any:
    """The statement counting one campaign's numeric answers (words are not counted), per
    aspect or over all, per value of `segment` or over everyone; its rows are `read`'s."""
    keys: list[Any] = []
    if by_aspect:
        keys.append(col(PulseQuestionAnswer.aspect))
    if segment is not None:
        keys.append(PulseResponse.__table__.c.segments[segment].as_string())
    query = (select(*keys, *_figures())
             .where(col(PulseQuestionAnswer.campaign_id) == campaign_id,
                    col(PulseQuestionAnswer.kind) != "text"))
    if segment is not None:
        # Only for the segment: every answer has its response, and without it the tallies
        # come from one index (ix_pulse_question_answer_tally).
        query = query.join(PulseResponse,
                           col(PulseResponse.id) == col(PulseQuestionAnswer.response_id))
    if keys:
        query = query.group_by(*keys)
    return query


def read(rows: Any, *, by_aspect: bool, segment: str | None = None) -> list[AspectTally]:
    """`tally_query`'s rows."""
    keys = int(by_aspect) + int(segment is not None)
    return [AspectTally(row[0] if by_aspect else None,
                        row[keys - 1] if segment is not None else None,
                        *(int(figure) for figure in row[keys:]))
            for row in rows]


async def tallies(session: AsyncSession, campaign_id: int, *, by_aspect: bool,
                  segment: str | None = None) -> list[AspectTally]:
    """The tallies of one campaign's numeric answers, per aspect or over all, per value of
    `segment` or over everyone: for everyone, those kept when it closed
    (storage.pulse_tallies) if it has them, else counted."""
    if segment is None:
        kept = (await session.exec(select(PulseCampaign.tallies)
                                   .where(col(PulseCampaign.id) == campaign_id))).first()
        if kept is not None:
            return [AspectTally(*row) for row in kept["aspects" if by_aspect else "overall"]]
    rows = (await session.exec(tally_query(campaign_id, by_aspect=by_aspect,
                                           segment=segment))).all()
    return read(rows, by_aspect=by_aspect, segment=segment)


async def respondents(session: AsyncSession, campaign_id: int) -> tuple[int, int]:
    """(people who answered at least in part, people who finished)."""
    finished = col(PulseResponse.finished)
    row = (await session.exec(
        select(func.count(), func.coalesce(func.sum(case((finished, 1), else_=0)), 0))
        .where(col(PulseResponse.campaign_id) == campaign_id))).one()
    return row[0], row[1]


async def respondents_by_language(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """People who answered in each language (at least in part; answers from before languages
    were kept left out), the most first."""
    language = col(PulseResponse.locale)
    rows = (await session.exec(
        select(language, func.count())
        .where(col(PulseResponse.campaign_id) == campaign_id, language.is_not(None))
        .group_by(language))).all()
    return dict(sorted(rows, key=lambda row: (-row[1], row[0])))


async def earlier_campaign(session: AsyncSession, definition: str, before: datetime,
                           *, at_most: datetime | None = None,
                           earliest: bool = False) -> PulseCampaign | None:
    """A campaign of the same recurring survey opened before `before` (and no later than
    `at_most`): the latest such, or with `earliest` the first."""
    opened = col(PulseCampaign.opens_at)
    query = select(PulseCampaign).where(col(PulseCampaign.definition) == definition,
                                        opened < before)
    if at_most is not None:
        query = query.where(opened <= at_most)
    return (await session.exec(query.order_by(opened if earliest else opened.desc())
                               .limit(1))).first()


@dataclass(frozen=True)
class TextAnswer:
    aspect: str
    question: int
    text: str


async def texts(session: AsyncSession, campaign_id: int, limit: int) -> list[TextAnswer]:
    """Words given, by question then alphabetically: never in the order they came, which
    could pair an anonymous answer with when someone was seen answering."""
    rows = (await session.exec(
        select(PulseQuestionAnswer.aspect, PulseQuestionAnswer.question, PulseQuestionAnswer.text)
        .where(col(PulseQuestionAnswer.campaign_id) == campaign_id,
               col(PulseQuestionAnswer.kind) == "text")
        .order_by(col(PulseQuestionAnswer.question), col(PulseQuestionAnswer.text))
        .limit(limit))).all()
    return [TextAnswer(aspect, question, text or "") for aspect, question, text in rows]


async def latest_closed_survey(session: AsyncSession, before: datetime) -> PulseCampaign | None:
    """The satisfaction survey (a campaign with questions, not an NPS pulse) closed last
    before `before`."""
    closed = col(PulseCampaign.closed_at)
    return (await session.exec(
        select(PulseCampaign)
        .where(col(PulseCampaign.status) == CLOSED, closed < before, survey_campaign())
        .order_by(closed.desc(), col(PulseCampaign.id).desc()).limit(1))).first()
