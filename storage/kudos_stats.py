"""Kudos figures for the leaderboard, the weekly digest and the quarterly newsletter, each one
SQL query that counts in the database: vouchers given, top recipients and givers, counts per
team (a segment from app.yaml), recent and most reacted stories, and people recognised for the
first time.

Revoked vouchers count nowhere. A voucher with several recipients counts once per recipient,
as it does against the giver's allowance. Periods are half-open: `since` <= at < `until`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.kudos import (
    KudosReaction,
    KudosRecipient,
    KudosVoucher,
    voucher_code,
)
from storage.models import Person

Segment = tuple[str, str]
"""(segment name, value): ``("department", "Finance")``."""


@dataclass(frozen=True)
class Ranked:
    person_id: int
    name: str
    slack_id: str | None
    count: int


@dataclass(frozen=True)
class Story:
    code: str
    story: str
    value: str | None
    giver: str
    recipients: str
    """Display names, comma-separated."""
    given_at: datetime
    reactions: int


def _in_period(since: datetime, until: datetime) -> list[ColumnElement[bool]]:
    return [col(KudosVoucher.revoked_at).is_(None), col(KudosVoucher.created_at) >= since,
            col(KudosVoucher.created_at) < until]


def in_segment(person: Any, segment: Segment | None) -> list[ColumnElement[bool]]:
    if segment is None:
        return []
    name, value = segment
    return [person.segments[name].as_string() == value]


async def _ranked(session: AsyncSession, side: ColumnElement[int], since: datetime,
                  until: datetime, segment: Segment | None, limit: int) -> list[Ranked]:
    """People ranked by the vouchers of the period on one `side` of them, the column naming
    the person: the recipient or the giver. Each recipient counts once; ties go by name."""
    count = func.count(KudosRecipient.id)
    rows = await session.exec(
        select(Person.id, Person.display_name, Person.slack_user_id, count)
        .select_from(KudosRecipient)
        .join(KudosVoucher, col(KudosVoucher.id) == KudosRecipient.voucher_id)
        .join(Person, col(Person.id) == side)
        .where(*_in_period(since, until), *in_segment(Person, segment))
        .group_by(Person.id, Person.display_name, Person.slack_user_id)
        .order_by(count.desc(), Person.display_name).limit(limit))
    return [Ranked(*row) for row in rows.all()]


async def top_recipients(session: AsyncSession, since: datetime, until: datetime, *,
                         segment: Segment | None = None, limit: int = 5) -> list[Ranked]:
    """Who received most vouchers in the period, among people in `segment` if given."""
    return await _ranked(session, col(KudosRecipient.person_id), since, until, segment, limit)


async def top_givers(session: AsyncSession, since: datetime, until: datetime, *,
                     segment: Segment | None = None, limit: int = 5) -> list[Ranked]:
    """Who gave most vouchers in the period (one per recipient), among people in `segment`
    if given."""
    return await _ranked(session, col(KudosVoucher.giver_id), since, until, segment, limit)


async def vouchers_given(session: AsyncSession, since: datetime, until: datetime, *,
                         segment: Segment | None = None) -> int:
    """Vouchers given in the period (one per recipient), to people in `segment` if given."""
    found = await session.exec(
        select(func.count(KudosRecipient.id))
        .join(KudosVoucher, col(KudosVoucher.id) == KudosRecipient.voucher_id)
        .join(Person, col(Person.id) == KudosRecipient.person_id)
        .where(*_in_period(since, until), *in_segment(Person, segment)))
    return int(found.one())


async def received_by_segment(session: AsyncSession, segment: str, since: datetime,
                              until: datetime) -> list[tuple[str, int]]:
    """(team, vouchers its people received), most first; people outside any team left out."""
    team = Person.segments[segment].as_string()
    count = func.count(KudosRecipient.id)
    rows = await session.exec(
        select(team, count)
        .join(KudosRecipient, col(KudosRecipient.person_id) == Person.id)
        .join(KudosVoucher, col(KudosVoucher.id) == KudosRecipient.voucher_id)
        .where(*_in_period(since, until), team.is_not(None))
        .group_by(team).order_by(count.desc(), team))
    return [(str(name), int(n)) for name, n in rows.all()]


def _reactions() -> Any:
    """How many reactions a voucher's wall posts have, for each voucher of the outer query."""
    return (select(func.count(KudosReaction.id))
            .where(col(KudosReaction.voucher_id) == KudosVoucher.id)
            .correlate(KudosVoucher).scalar_subquery())


async def _stories(session: AsyncSession, since: datetime, until: datetime, limit: int,
                   segment: Segment | None, most_reacted: bool) -> list[Story]:
    giver = aliased(Person)
    recipient = aliased(Person)
    names = func.aggregate_strings(recipient.display_name, ", ")
    reactions = _reactions()
    statement = (
        select(KudosVoucher.id, KudosVoucher.story, KudosVoucher.value, giver.display_name,
               names, KudosVoucher.created_at, reactions)
        .join(giver, col(giver.id) == KudosVoucher.giver_id)
        .join(KudosRecipient, col(KudosRecipient.voucher_id) == KudosVoucher.id)
        .join(recipient, col(recipient.id) == KudosRecipient.person_id)
        .where(*_in_period(since, until), col(KudosVoucher.public).is_(True),
               *in_segment(recipient, segment))
        .group_by(KudosVoucher.id, KudosVoucher.story, KudosVoucher.value,
                  giver.display_name, KudosVoucher.created_at))
    newest = (col(KudosVoucher.created_at).desc(), col(KudosVoucher.id).desc())
    if most_reacted:
        statement = statement.where(reactions > 0).order_by(reactions.desc(), *newest)
    else:
        # The newest `limit` vouchers with a recipient shown, picked through the index on
        # `created_at` before any is grouped, rather than grouping the period's every public
        # voucher and sorting them (99 ms at 10 million answers; README, Sizing).
        voucher, its, person = aliased(KudosVoucher), aliased(KudosRecipient), aliased(Person)
        shown = (select(its.id).join(person, col(person.id) == its.person_id)
                 .where(its.voucher_id == voucher.id, *in_segment(person, segment))
                 .correlate(voucher))
        picked = (select(voucher.id)
                  .where(col(voucher.revoked_at).is_(None), voucher.created_at >= since,
                         voucher.created_at < until, col(voucher.public).is_(True),
                         shown.exists())
                  .order_by(col(voucher.created_at).desc(), col(voucher.id).desc())
                  .limit(limit).correlate(None))
        statement = statement.where(col(KudosVoucher.id).in_(picked)).order_by(*newest)
    rows = await session.exec(statement.limit(limit))
    return [Story(voucher_code(vid), story, value, giver_name, recipients, at, int(count))
            for vid, story, value, giver_name, recipients, at, count in rows.all()]


async def recent_stories(session: AsyncSession, since: datetime, until: datetime, *,
                         limit: int = 5, segment: Segment | None = None) -> list[Story]:
    """The newest public stories of the period, with their recipients' names."""
    return await _stories(session, since, until, limit, segment, most_reacted=False)


async def most_reacted_stories(session: AsyncSession, since: datetime, until: datetime, *,
                               limit: int = 5, segment: Segment | None = None) -> list[Story]:
    """The public stories of the period people reacted to most on the wall (ties: newest)."""
    return await _stories(session, since, until, limit, segment, most_reacted=True)


async def first_recognised(session: AsyncSession, since: datetime, until: datetime, *,
                           segment: Segment | None = None) -> list[Ranked]:
    """People whose first (unrevoked) kudos ever came in the period, with how many they got
    in it."""
    # The period's recipients without an earlier one: the period's kudos read through the
    # index on `created_at`, and per person one probe of their own, rather than grouping every
    # kudos ever given (README, Sizing).
    earlier_recipient, earlier_voucher = aliased(KudosRecipient), aliased(KudosVoucher)
    earlier = (select(earlier_recipient.id)
               .join(earlier_voucher, earlier_voucher.id == earlier_recipient.voucher_id)
               .where(earlier_recipient.person_id == Person.id,
                      col(earlier_voucher.revoked_at).is_(None),
                      earlier_voucher.created_at < since))
    rows = await session.exec(
        select(Person.id, Person.display_name, Person.slack_user_id,
               func.count(KudosRecipient.id))
        .join(KudosRecipient, col(KudosRecipient.person_id) == Person.id)
        .join(KudosVoucher, col(KudosVoucher.id) == KudosRecipient.voucher_id)
        .where(col(KudosVoucher.revoked_at).is_(None), col(KudosVoucher.created_at) >= since,
               col(KudosVoucher.created_at) < until, ~earlier.exists(),
               *in_segment(Person, segment))
        .group_by(Person.id, Person.display_name, Person.slack_user_id)
        .order_by(Person.display_name))
    return [Ranked(*row) for row in rows.all()]
