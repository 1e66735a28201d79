"""Broadcast figures, computed in SQL, give the same answers on SQLite and PostgreSQL:
incidents and time in outage per service (cut to the window asked about, an open outage
counted to its end), time to the first update, and the cadence kept or missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.broadcast_stats import (
    CadenceFigures,
    ServiceFigures,
    cadence_figures,
    informed_figures,
    service_figures,
)
from storage.broadcasts import Broadcast, BroadcastRating, BroadcastUpdate
from storage.models import Person

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
DAY = 86400


async def _person(session: AsyncSession, name: str) -> Person:
    person = Person(display_name=name)
    session.add(person)
    await session.flush()
    return person


async def _broadcast(session: AsyncSession, n: int, owner: Person, kind: str,
                     services: list[str], steps: list[tuple[datetime, str, str]]) -> None:
    """A broadcast opened at its first step, with an update per step (when, status, impact)."""
    opened = steps[0][0]
    broadcast = Broadcast(submission_key=f"test:{n}", kind=kind, title=f"b{n}",
                          services=services, impact=steps[-1][2], status=steps[-1][1],
                          message="m", owner_id=owner.id, created_at=opened,
                          updated_at=steps[-1][0], update_count=len(steps))
    session.add(broadcast)
    await session.flush()
    session.add_all(BroadcastUpdate(broadcast_id=broadcast.id, number=number, action="x",
                                    status=status, impact=impact, message="m",
                                    created_at=when)
                    for number, (when, status, impact) in enumerate(steps, 1))
    await session.flush()


async def test_figures_per_service_and_for_the_cadence(session):
    tom = Person(display_name="tom")
    session.add(tom)
    await session.flush()
    minutes = lambda n: MONDAY + timedelta(minutes=n)  # noqa: E731
    await _broadcast(session, 1, tom, "incident", ["Email", "VPN"], [
        (minutes(0), "investigating", "outage"), (minutes(20), "identified", "outage"),
        (minutes(60), "monitoring", "degraded"), (minutes(120), "resolved", "degraded")])
    # Opened the day before the window, an outage from 20:00 still open at its end.
    await _broadcast(session, 2, tom, "incident", ["Email"], [
        (minutes(-10 * 60), "investigating", "degraded"),
        (minutes(11 * 60), "identified", "outage")])
    await _broadcast(session, 3, tom, "maintenance", ["VPN"], [
        (minutes(180), "scheduled", "informational")])
    await session.commit()

    figures = await service_figures(session, MONDAY, MONDAY + timedelta(days=1))

    email_down = 3600 + 13 * 3600
    assert figures == [ServiceFigures("Email", 1, email_down, 1 - email_down / DAY),
                       ServiceFigures("VPN", 1, 3600, 1 - 3600 / DAY)]
    cadence = await cadence_figures(session, MONDAY, MONDAY + timedelta(days=1),
                                    {"outage": 30, "degraded": 120, "informational": 480})
    # 20 minutes (kept), 40 minutes of outage (missed), 60 minutes degraded (kept).
    assert cadence == CadenceFigures(opened=2, first_update_avg_s=1200.0, kept=2, missed=1)
    # Three subscribers' answers to "how well were you kept informed?".
    for n, score in enumerate((5, 4, 2)):
        person = await _person(session, f"p{n}")
        session.add(BroadcastRating(broadcast_id=1 + n % 2, person_id=person.id, score=score,
                                    answered_at=minutes(200 + n)))
    await session.commit()
    answers, mean = await informed_figures(session, MONDAY, MONDAY + timedelta(days=1))
    assert (answers, round(mean, 3)) == (3, 3.667)
    # Scoped to VPN (a digest's scope): broadcasts 1 and 3 only, and VPN's row only.
    window = (MONDAY, MONDAY + timedelta(days=1))
    assert await service_figures(session, *window, services=["VPN"]) == [
        ServiceFigures("VPN", 1, 3600, 1 - 3600 / DAY)]
    assert await cadence_figures(session, *window, {"outage": 30, "degraded": 120,
                                                    "informational": 480},
                                 services=["VPN"]) == CadenceFigures(2, 1200.0, 2, 1)
    answers, mean = await informed_figures(session, *window, services=["VPN"])
    assert (answers, mean) == (2, 3.5)
    assert await informed_figures(session, *window, services=["Printing"]) == (0, None)
    # A window before any of it: nothing.
    assert await service_figures(session, MONDAY - timedelta(days=9),
                                 MONDAY - timedelta(days=8)) == []


async def test_time_in_outage_from_the_updates_ends_across_the_window_edges(session):
    """Each update's end is the next one's time, kept as the updates are written (in order
    or not); the outage spans overlapping the window's edges are cut to it, and those ending
    at its start or starting at its end count nothing."""
    tom = await _person(session, "tom")
    hours = lambda n: MONDAY + timedelta(hours=n)  # noqa: E731
    # Before the start until 3 hours in, then degraded.
    await _broadcast(session, 1, tom, "incident", ["Email"], [
        (hours(-2), "investigating", "outage"), (hours(3), "identified", "degraded")])
    # 20 hours in past the end (two updates of outage), resolved after it.
    await _broadcast(session, 2, tom, "incident", ["VPN"], [
        (hours(20), "investigating", "outage"), (hours(30), "identified", "outage"),
        (hours(40), "resolved", "outage")])
    # Ended exactly at the start; and started exactly at the end.
    await _broadcast(session, 3, tom, "incident", ["Printing"], [
        (hours(-5), "investigating", "outage"), (hours(0), "resolved", "outage")])
    await _broadcast(session, 4, tom, "incident", ["Printing"], [(hours(24), "identified",
                                                                   "outage")])
    # Over the whole window, its updates written last first.
    chat = Broadcast(submission_key="test:chat", kind="incident", title="chat",
                     services=["Chat"], impact="outage", status="resolved", message="m",
                     owner_id=tom.id, created_at=hours(-24), updated_at=hours(48))
    session.add(chat)
    await session.flush()
    for number, when, status in [(2, hours(48), "resolved"), (1, hours(-24), "identified")]:
        session.add(BroadcastUpdate(broadcast_id=chat.id, number=number, action="x",
                                    status=status, impact="outage", message="m",
                                    created_at=when))
        await session.flush()
    await session.commit()

    ends = (await session.exec(
        select(BroadcastUpdate.broadcast_id, BroadcastUpdate.number, BroadcastUpdate.ended_at)
        .order_by(BroadcastUpdate.broadcast_id, BroadcastUpdate.number))).all()
    assert ends == [(1, 1, hours(3)), (1, 2, None), (2, 1, hours(30)), (2, 2, hours(40)),
                    (2, 3, None), (3, 1, hours(0)), (3, 2, None), (4, 1, None),
                    (chat.id, 1, hours(48)), (chat.id, 2, None)]
    figures = await service_figures(session, MONDAY, MONDAY + timedelta(days=1))
    # Printing had neither an incident opened nor an outage in the window: not listed.
    assert figures == [ServiceFigures("Chat", 0, DAY, 0.0),
                       ServiceFigures("Email", 0, 3 * 3600, 1 - 3 / 24),
                       ServiceFigures("VPN", 1, 4 * 3600, 1 - 4 / 24)]
