"""Satisfaction survey results: per aspect and over every aspect, the share of satisfied
answers (4 or 5 on the 1-5 scale), the average, the answers and the response rate, against
the previous survey of the same recurring campaign, the 80 % (good) and 90 % (outstanding)
bands and the yearly target (`pulses.target_points` above the baseline: the same survey a year
before, or its first one), by segment, counted in SQL (storage.survey_stats).

The K threshold is the pulses' (bot.flows.pulses.results): a group in which fewer than K
people answered carries no figures at all, a lone withheld group takes the next smallest with
it, and nothing is compared with a withheld figure. `SurveyResults` is what every output is
built from: the card at the close and for a lead, the command line's text and CSV.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.flows.pulses.results import Turnout, language_counts, suppress_lone_group
from storage import pulse_deliveries as deliveries
from storage import pulses as store
from storage import survey_stats as stats
from storage.pulses import PulseCampaign
from storage.survey_stats import AspectTally, TextAnswer

GOOD, OUTSTANDING = 80, 90
"""The bands: above 80 % satisfied is good, above 90 % outstanding."""
A_YEAR = timedelta(days=365)
MAX_TEXTS = 20


def band(satisfied: int | None) -> str | None:
    if satisfied is None:
        return None
    return "outstanding" if satisfied > OUTSTANDING else "good" if satisfied > GOOD else "below"


@dataclass(frozen=True)
class Figures:
    """One group's answers to one aspect (`aspect` None: every aspect), or None for each
    figure when fewer than K people answered there."""

    aspect: str | None
    label: str | None
    """The segment's value (None: outside every value, or everyone)."""
    answers: int | None
    """People who answered: what K is checked against."""
    ratings: int | None
    """1-5 answers."""
    satisfied: int | None
    """% of the 1-5 answers that are 4 or 5, rounded; None without any."""
    average: float | None
    """Of the 1-5 answers, to one decimal."""
    scale_average: float | None
    """Of the 0-10 answers, to one decimal."""

    @property
    def withheld(self) -> bool:
        return self.answers is None

    def hidden(self) -> Figures:
        return Figures(self.aspect, self.label, None, None, None, None, None)

    @classmethod
    def of(cls, tally: AspectTally | None, aspect: str | None, label: str | None,
           k: int) -> Figures:
        if tally is None or tally.people < k:
            return cls(aspect, label, None, None, None, None, None)
        return cls(aspect, label, tally.people, tally.answers,
                   _half_up(100 * tally.satisfied, tally.answers),
                   _tenths(tally.total, tally.answers),
                   _tenths(tally.scale_total, tally.scale_answers))


def _half_up(part: int, whole: int) -> int | None:
    """part / whole to the nearest whole number, halves up (62.5 % is 63 %), in integers."""
    return (2 * part + whole) // (2 * whole) if whole else None


def _tenths(total: int, n: int) -> float | None:
    """An average to one decimal, halves up (3.25 is 3.3)."""
    tenths = _half_up(10 * total, n)
    return None if tenths is None else tenths / 10


@dataclass(frozen=True)
class AspectLine:
    """An aspect's figures (or every aspect's) for the whole audience, with the comparisons."""

    figures: Figures
    band: str | None
    previous: int | None
    """% satisfied in the previous survey, where shown there."""
    change: int | None
    """Points since then."""
    target: int | None
    """The yearly target: the baseline's % satisfied plus `pulses.target_points`."""
    on_target: bool | None


@dataclass(frozen=True)
class SegmentLine:
    label: str | None
    aspects: list[Figures]
    """Every aspect together first, then each aspect in the campaign's order."""


@dataclass(frozen=True)
class SurveyResults(Turnout):
    finished: int
    overall: AspectLine
    aspects: list[AspectLine]
    previous_name: str | None
    baseline_name: str | None
    target_points: float
    by: dict[str, list[SegmentLine]]
    texts: list[TextAnswer]
    languages: dict[str, int]
    """People who answered per language they read the questions in, the most first; the
    figures pool every language."""

    def context(self, tz: str) -> dict[str, Any]:
        """The template context of pulses/survey_results: plain data (it may wait in the
        outbox), times shown in `tz`."""
        data = dataclasses.asdict(self)
        data["response_rate"] = self.response_rate
        data["languages"] = language_counts(self.languages)
        lines = [data["overall"], *data["aspects"]]
        for figures in [line["figures"] for line in lines] + [
                f for segment in data["by"].values() for line in segment
                for f in line["aspects"]]:
            figures["withheld"] = figures["answers"] is None
        return {"results": data, "tz": tz}


def _aspects(campaign: PulseCampaign) -> list[str]:
    """The campaign's aspects with a numeric question, in the order first asked."""
    seen: dict[str, None] = {}
    for question in campaign.questions or []:
        if question["kind"] != "text":
            seen.setdefault(question["aspect"], None)
    return list(seen)


async def _shown(session: AsyncSession, campaign: PulseCampaign | None
                 ) -> dict[str | None, int | None]:
    """A campaign's % satisfied per aspect (None: all together), where at least K answered."""
    if campaign is None or campaign.id is None:
        return {}
    k = campaign.min_group
    tallies = [*await stats.tallies(session, campaign.id, by_aspect=False),
               *await stats.tallies(session, campaign.id, by_aspect=True)]
    return {t.aspect: Figures.of(t, t.aspect, None, k).satisfied for t in tallies}


async def survey_results(session: AsyncSession, campaign_id: int, *, target_points: float,
                         by: Sequence[str] = (), with_texts: bool = False) -> SurveyResults:
    campaign = await session.get(PulseCampaign, campaign_id)
    assert campaign is not None and campaign.is_survey, f"no survey {campaign_id}"
    k = campaign.min_group
    aspects = _aspects(campaign)
    [total] = await stats.tallies(session, campaign_id, by_aspect=False) or [None]
    per_aspect = {t.aspect: t for t in await stats.tallies(session, campaign_id,
                                                           by_aspect=True)}
    overall = Figures.of(total, None, None, k)
    figures = [overall] + [Figures.of(per_aspect.get(a), a, None, k) for a in aspects]
    if overall.withheld:
        figures = [f.hidden() for f in figures]

    previous = baseline = None
    if campaign.definition:
        previous = await stats.earlier_campaign(session, campaign.definition,
                                                campaign.opens_at)
        baseline = (await stats.earlier_campaign(
            session, campaign.definition, campaign.opens_at,
            at_most=campaign.opens_at - A_YEAR)
            or await stats.earlier_campaign(session, campaign.definition, campaign.opens_at,
                                            earliest=True))
    before, base = await _shown(session, previous), await _shown(session, baseline)
    lines = [_line(f, before.get(f.aspect), base.get(f.aspect), target_points)
             for f in figures]

    groups: dict[str, list[SegmentLine]] = {}
    if not overall.withheld:
        for segment in by:
            groups[segment] = await _segment(session, campaign_id, segment, aspects, k)
    started, finished = await stats.respondents(session, campaign_id)
    return SurveyResults(
        name=campaign.name, status=campaign.status, anonymity=campaign.anonymity,
        min_group=k, opens_at=campaign.opens_at, closes_at=campaign.closes_at,
        invited=(await deliveries.counts(session, campaign_id)).get(
            (store.INVITE, store.SENT), 0),
        answered=started, finished=finished, overall=lines[0], aspects=lines[1:],
        previous_name=previous.name if previous else None,
        baseline_name=baseline.name if baseline else None, target_points=target_points,
        by=groups,
        texts=await stats.texts(session, campaign_id, MAX_TEXTS)
        if with_texts and not overall.withheld else [],
        languages=await stats.respondents_by_language(session, campaign_id))


def _line(figures: Figures, previous: int | None, baseline: int | None,
          target_points: float) -> AspectLine:
    now = figures.satisfied
    target = None if baseline is None else min(100, round(baseline + target_points))
    return AspectLine(
        figures, band(now), previous,
        None if now is None or previous is None else now - previous, target,
        None if now is None or target is None else now >= target)


async def _segment(session: AsyncSession, campaign_id: int, segment: str,
                   aspects: list[str], k: int) -> list[SegmentLine]:
    """Each value's figures, all aspects together and each aspect; in each column a lone
    withheld value takes the next smallest with it."""
    together = {t.segment: t for t in await stats.tallies(
        session, campaign_id, by_aspect=False, segment=segment)}
    apart = {(t.aspect, t.segment): t for t in await stats.tallies(
        session, campaign_id, by_aspect=True, segment=segment)}
    labels = sorted(together, key=lambda v: (v is None, v or ""))
    columns = [suppress_lone_group([Figures.of(together[v], None, v, k) for v in labels],
                                   Figures.hidden)]
    for aspect in aspects:
        columns.append(suppress_lone_group(
            [Figures.of(apart.get((aspect, v)), aspect, v, k) for v in labels], Figures.hidden))
    return [SegmentLine(label, [column[n] for column in columns])
            for n, label in enumerate(labels)]
