"""NPS pulse results: NPS (% promoters 9-10 minus % detractors 0-6), response rate, the score
distribution, the trend across a recurring pulse's campaigns and the breakdown by segment,
all counted in SQL, with every group of fewer than K answers withheld.

`Results` is what every output (the chat card, `/touchpoint pulse results`, the command line's
text and CSV) is built from, so the threshold is applied once, here: a withheld group carries
no figures at all, only the fact that it has not enough answers; and when a breakdown would
withhold a single group, the next smallest is withheld with it, so the one cannot be worked
out from the overall figures by subtraction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import catalogues
from storage import pulse_deliveries as deliveries
from storage import pulse_stats as stats
from storage import pulses as store
from storage import survey_stats
from storage.pulse_stats import Tally
from storage.pulses import PulseCampaign

MAX_COMMENTS = 20


@dataclass(frozen=True)
class Group:
    """One group's figures, or None for each when it is withheld: it has fewer than K answers,
    or it `shields` a smaller group (see `suppress_lone_group`)."""

    label: str | None
    """The segment value; None for answers outside every value, or for everyone."""
    answers: int | None
    nps: int | None
    promoters: int | None
    """Percentages, rounded."""
    passives: int | None
    detractors: int | None
    shields: bool = False
    """Withheld though it has K answers or more: shown, it would give away a smaller group's
    figures. Said as such, never as "not enough answers", which it has."""

    @property
    def withheld(self) -> bool:
        return self.answers is None

    @classmethod
    def withheld_group(cls, label: str | None, *, shields: bool = False) -> Group:
        return cls(label, None, None, None, None, None, shields)

    @classmethod
    def of(cls, label: str | None, tally: Tally, k: int) -> Group:
        if tally.answers < k:
            return cls.withheld_group(label)
        passives = tally.answers - tally.promoters - tally.detractors
        return cls(label, tally.answers, tally.nps, _percent(tally.promoters, tally.answers),
                   _percent(passives, tally.answers), _percent(tally.detractors, tally.answers))


def _percent(part: int, whole: int) -> int:
    # Each share rounded on its own, so together they may make 99 or 101.
    return round(100 * part / whole)


@dataclass(frozen=True)
class Comment:
    ref: str
    """What a lead names to reply to it (random: it tells nothing of when it was given)."""
    can_reply: bool
    score: int
    text: str
    author: str | None
    """Shown only where the campaign's anonymity lets this reader see it."""


@dataclass(frozen=True)
class Turnout:
    """What a pulse's and a survey's results (`SurveyResults`) both begin with: the campaign,
    the people invited and those who answered."""

    name: str
    status: str
    anonymity: str
    min_group: int
    opens_at: datetime
    closes_at: datetime
    invited: int
    answered: int

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited else None


@dataclass(frozen=True)
class Results(Turnout):
    overall: Group
    distribution: dict[int, int] | None
    by: dict[str, list[Group]]
    trend: list[tuple[str, int | None]]
    comments: list[Comment]
    languages: dict[str, int]
    """Answers per language they were given in (`bot.chat.catalogues` codes), the most first:
    answers and figures are pooled across languages; this only says how many."""

    def context(self, tz: str) -> dict[str, Any]:
        """The template context of pulses/results, with times shown in `tz`: plain data (it
        may wait in the outbox), with the figures the template reads as properties."""
        data = dataclasses.asdict(self)
        data["response_rate"] = self.response_rate
        data["languages"] = language_counts(self.languages)
        for group in [data["overall"], *(g for groups in data["by"].values() for g in groups)]:
            group["withheld"] = group["answers"] is None
        if self.distribution is not None:
            data["distribution"] = {str(score): n for score, n in self.distribution.items()}
        return {"results": data, "tz": tz}


async def campaign_results(session: AsyncSession, campaign_id: int, *,
                           by: Sequence[str] = (), reader_is_admin: bool = False,
                           with_comments: bool = False) -> Results:
    campaign = await session.get(PulseCampaign, campaign_id)
    assert campaign is not None, f"no campaign {campaign_id}"
    k = campaign.min_group
    total = await stats.tally(session, campaign_id)
    overall = Group.of(None, total, k)
    groups = {}
    for segment in by:
        tallies = await stats.tally_by_segment(session, campaign_id, segment)
        groups[segment] = suppress_lone_group(
            [Group.of(label, tallies[label], k)
             for label in sorted(tallies, key=lambda v: (v is None, v or ""))])
    trend = []
    if campaign.definition:
        trend = [(name, tally.nps if tally.answers >= k else None)
                 for name, tally in await stats.trend(session, campaign.definition,
                                                      campaign.opens_at)]
    comments = []
    if with_comments and not overall.withheld:
        comments = await _comments(session, campaign, reader_is_admin)
    return Results(
        name=campaign.name, status=campaign.status, anonymity=campaign.anonymity,
        min_group=k, opens_at=campaign.opens_at, closes_at=campaign.closes_at,
        invited=(await deliveries.counts(session, campaign_id)).get(
            (store.INVITE, store.SENT), 0),
        answered=total.answers, overall=overall,
        distribution=None if overall.withheld else await stats.distribution(session,
                                                                             campaign_id),
        by=groups, trend=trend, comments=comments,
        languages=await stats.answers_by_language(session, campaign_id))


def language_counts(languages: dict[str, int]) -> list[dict[str, Any]]:
    """Answers per language for a template, each language in its own name; empty unless
    people answered in more than one (one language says nothing a reader needs)."""
    if len(languages) < 2:
        return []
    return [{"language": catalogues.language_name(code), "answers": n}
            for code, n in languages.items()]


class Withholdable(Protocol):
    label: str | None
    answers: int | None

    @property
    def withheld(self) -> bool: ...


G = TypeVar("G", bound=Withholdable)


def suppress_lone_group(groups: list[G], hide: Callable[[G], G] | None = None) -> list[G]:
    """With the overall figures shown, one withheld group could be worked out by subtracting
    the others from them: then the smallest shown group is withheld too (by `hide`; a pulse's
    `Group` by default)."""
    withheld = [g for g in groups if g.withheld]
    shown = [g for g in groups if not g.withheld]
    if len(withheld) != 1 or not shown:
        return groups
    smallest = min(shown, key=lambda g: (g.answers or 0, g.label or ""))
    hidden = hide(smallest) if hide is not None else Group.withheld_group(smallest.label,
                                                                          shields=True)
    return [hidden if g is smallest else g for g in groups]


async def _comments(session: AsyncSession, campaign: PulseCampaign,
                    reader_is_admin: bool) -> list[Comment]:
    """The latest comments; names only for identified campaigns, or confidential ones read by
    an admin. Anonymous answers hold no name to show."""
    assert campaign.id is not None
    named = campaign.anonymity == "identified" or (
        campaign.anonymity == "confidential" and reader_is_admin)
    return [Comment(row.ref, row.can_reply, row.score, row.text,
                    row.name if named else None)
            for row in await stats.latest_comments(session, campaign.id, MAX_COMMENTS)]


@dataclass(frozen=True)
class Progress:
    """Where a campaign's fan-out stands: invites by state, reminders sent, answers."""

    name: str
    status: str
    closes_at: datetime
    invites: dict[str, int]
    reminders_sent: int
    answered: int

    @property
    def total(self) -> int:
        return sum(self.invites.values())

    @property
    def pending(self) -> int:
        return self.invites.get(store.PENDING, 0) + self.invites.get(store.CLAIMED, 0)

    @property
    def sent(self) -> int:
        return self.invites.get(store.SENT, 0)

    @property
    def failed(self) -> int:
        return self.invites.get(store.FAILED, 0)

    @property
    def skipped(self) -> int:
        """Not sent on purpose: skipped when due, or cancelled in the outbox at the close."""
        return self.invites.get(store.SKIPPED, 0) + self.invites.get(store.CANCELLED, 0)


async def campaign_progress(session: AsyncSession, campaign: PulseCampaign) -> Progress:
    assert campaign.id is not None
    counts = await deliveries.counts(session, campaign.id)
    return Progress(
        name=campaign.name, status=campaign.status, closes_at=campaign.closes_at,
        invites={status: n for (kind, status), n in counts.items() if kind == store.INVITE},
        reminders_sent=counts.get(("reminder", store.SENT), 0),
        # A survey's people who answered at least in part; a pulse's answers.
        answered=(await survey_stats.respondents(session, campaign.id))[0]
        if campaign.is_survey else await deliveries.answered_count(session, campaign.id))
