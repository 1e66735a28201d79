"""Kudos figures computed in SQL, on SQLite and PostgreSQL: vouchers given, rankings, counts
per team, recent stories and people recognised for the first time; revoked vouchers and
private stories are left out where they must be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import kudos_stats
from storage.kudos import KudosRecipient, KudosVoucher, react
from storage.models import Person

START = datetime(2026, 4, 1, tzinfo=UTC)
END = datetime(2026, 7, 1, tzinfo=UTC)


async def people(session: AsyncSession, *specs: tuple[str, dict[str, str]]) -> list[Person]:
    added = [Person(display_name=name, segments=segments) for name, segments in specs]
    session.add_all(added)
    await session.flush()
    return added


async def voucher(session: AsyncSession, giver: Person, to: list[Person], at: datetime,
                  story: str = "thanks", *, public: bool = True,
                  revoked: bool = False) -> KudosVoucher:
    given = KudosVoucher(giver_id=giver.id, story=story, public=public, points=10,
                         created_at=at, revoked_at=at if revoked else None)
    session.add(given)
    await session.flush()
    for person in to:
        session.add(KudosRecipient(voucher_id=given.id, person_id=person.id,
                                   giver_id=giver.id, given_on=at.date()))
    await session.flush()
    return given


async def test_figures_for_a_quarter(session):
    ann, bob, cat, dan = await people(
        session, ("Ann", {"department": "Finance"}), ("Bob", {"department": "IT"}),
        ("Cat", {"department": "IT"}), ("Dan", {}))
    await voucher(session, ann, [bob], START - timedelta(days=3), "before the quarter")
    move = await voucher(session, ann, [bob, cat], START + timedelta(days=1), "the move")
    await voucher(session, dan, [cat], START + timedelta(days=2), "private one", public=False)
    await voucher(session, ann, [cat], START + timedelta(days=3), "abuse", revoked=True)
    await voucher(session, dan, [bob], START + timedelta(days=4), "the printer")
    await voucher(session, ann, [dan], END, "next quarter")
    for user, emoji in (("U1", "tada"), ("U2", "tada"), ("U2", "heart")):
        await react(session, move.id, user, emoji, added=True)
    await react(session, move.id, "U1", "tada", added=True)
    await react(session, move.id, "U2", "heart", added=False)
    await session.commit()

    assert await kudos_stats.vouchers_given(session, START, END) == 4
    assert await kudos_stats.vouchers_given(session, START, END,
                                            segment=("department", "IT")) == 4
    assert await kudos_stats.vouchers_given(session, START, END,
                                            segment=("department", "Finance")) == 0
    recipients = await kudos_stats.top_recipients(session, START, END)
    assert [(r.name, r.count) for r in recipients] == [("Bob", 2), ("Cat", 2)]
    givers = await kudos_stats.top_givers(session, START, END)
    # Ties are broken by name.
    assert [(g.name, g.count) for g in givers] == [("Ann", 2), ("Dan", 2)]
    assert await kudos_stats.received_by_segment(session, "department", START, END) == [
        ("IT", 4)]
    stories = await kudos_stats.recent_stories(session, START, END)
    assert [(s.story, s.giver) for s in stories] == [("the printer", "Dan"),
                                                     ("the move", "Ann")]
    assert sorted(stories[1].recipients.split(", ")) == ["Bob", "Cat"]
    assert (stories[1].code, stories[1].reactions, stories[0].reactions) == (
        f"K-{move.id}", 2, 0)
    # Only stories with reactions, the most reacted first.
    liked = await kudos_stats.most_reacted_stories(session, START, END)
    assert [(s.story, s.reactions) for s in liked] == [("the move", 2)]
    # Bob had kudos before the quarter; Cat's first came in it.
    first = await kudos_stats.first_recognised(session, START, END)
    assert [(r.name, r.count) for r in first] == [("Cat", 2)]


async def test_the_newest_stories_are_those_shown_past_private_revoked_and_other_teams(session):
    ann, bob, cat = await people(session, ("Ann", {}), ("Bob", {"department": "IT"}),
                                 ("Cat", {"department": "HR"}))
    for day, story in enumerate(("oldest", "older", "old"), start=1):
        await voucher(session, ann, [bob], START + timedelta(days=day), story)
    await voucher(session, ann, [bob, cat], START + timedelta(days=4), "both")
    await voucher(session, ann, [cat], START + timedelta(days=5), "HR only")
    await voucher(session, ann, [bob], START + timedelta(days=6), "private", public=False)
    await voucher(session, ann, [bob], START + timedelta(days=7), "revoked", revoked=True)
    await voucher(session, ann, [bob], END, "next quarter")
    await session.commit()

    stories = await kudos_stats.recent_stories(session, START, END, limit=3)
    assert [s.story for s in stories] == ["HR only", "both", "old"]
    it = await kudos_stats.recent_stories(session, START, END, limit=3,
                                          segment=("department", "IT"))
    # A story shows the segment's recipients only; the newest three with one.
    assert [(s.story, s.recipients) for s in it] == [("both", "Bob"), ("old", "Bob"),
                                                     ("older", "Bob")]


async def test_first_recognised_ignores_revoked_and_later_kudos(session):
    ann, eve, fay, gus = await people(session, ("Ann", {}), ("Eve", {}), ("Fay", {}),
                                      ("Gus", {}))
    # Eve's only earlier kudos was revoked: her first is in the quarter, with one more.
    await voucher(session, ann, [eve], START - timedelta(days=30), "revoked", revoked=True)
    await voucher(session, ann, [eve, fay], START, "first day")
    await voucher(session, ann, [eve], END - timedelta(seconds=1), "last second")
    # Fay had one before, Gus only after the quarter.
    await voucher(session, ann, [fay], START - timedelta(seconds=1), "just before")
    await voucher(session, ann, [gus], END, "next quarter")
    await session.commit()
    first = await kudos_stats.first_recognised(session, START, END)
    assert [(r.name, r.count) for r in first] == [("Eve", 2)]
    assert [(r.name, r.count) for r in await kudos_stats.first_recognised(
        session, START - timedelta(days=1), END)] == [("Eve", 2), ("Fay", 2)]


async def test_an_empty_period_counts_nothing(session):
    assert await kudos_stats.vouchers_given(session, START, END) == 0
    assert await kudos_stats.top_recipients(session, START, END) == []
    assert await kudos_stats.recent_stories(session, START, END) == []
    assert await kudos_stats.most_reacted_stories(session, START, END) == []
    assert await kudos_stats.first_recognised(session, START, END) == []
