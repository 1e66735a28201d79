"""Complaint statistics, computed in SQL, give the same answers on SQLite and PostgreSQL:
counts, nearest-rank medians and 90th percentiles, SLA met %, grouped by category and by
week, and repeat complainants without naming anonymous ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaint_stats import complaint_stats, repeat_complainants
from storage.complaints import Complaint, Status
from storage.models import Person

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOUR = 3600


def _complaint(n: int, person: Person, *, created: datetime, category: str = "Attitude",
               status: str = Status.NEW, ack_s: int | None = None,
               resolve_s: int | None = None, anonymous: bool = False) -> Complaint:
    acknowledged = created + timedelta(seconds=ack_s) if ack_s is not None else None
    resolved = created + timedelta(seconds=resolve_s) if resolve_s is not None else None
    return Complaint(
        number=f"CMP-2026-{n:04d}", submission_key=f"test:{n}", complainant_id=person.id,
        anonymous=anonymous, description="d", service="Service desk", category=category,
        impact="medium", status=status, created_at=created,
        acknowledge_due_at=created + timedelta(hours=4),
        resolve_due_at=created + timedelta(hours=16),
        acknowledge_remind_at=created + timedelta(hours=3),
        resolve_remind_at=created + timedelta(hours=15),
        acknowledged_at=acknowledged, acknowledge_business_s=ack_s,
        resolved_at=resolved, resolve_business_s=resolve_s)


async def _seed(session: AsyncSession) -> dict[str, Person]:
    people = {name: Person(display_name=name) for name in ("ann", "bob", "cat")}
    session.add_all(people.values())
    await session.flush()
    rows = [
        # Week of 30 Nov: acknowledged in 1..5 hours (the 5-hour one late), two resolved.
        _complaint(1, people["ann"], created=MONDAY, ack_s=1 * HOUR, resolve_s=10 * HOUR,
                   status=Status.CLOSED),
        _complaint(2, people["ann"], created=MONDAY + timedelta(hours=1), ack_s=2 * HOUR,
                   resolve_s=20 * HOUR, status=Status.RESOLVED),
        _complaint(3, people["ann"], created=MONDAY + timedelta(hours=2), ack_s=3 * HOUR,
                   status=Status.IN_PROGRESS, anonymous=True),
        _complaint(4, people["bob"], created=MONDAY + timedelta(days=1), ack_s=4 * HOUR,
                   category="Communication", status=Status.ACKNOWLEDGED, anonymous=True),
        _complaint(5, people["bob"], created=MONDAY + timedelta(days=2), ack_s=5 * HOUR,
                   category="Communication", status=Status.ACKNOWLEDGED, anonymous=True),
        # Week of 7 Dec: not yet acknowledged, deadline not passed at `now`.
        _complaint(6, people["cat"], created=MONDAY + timedelta(days=7, hours=5),
                   category="Communication"),
        # Outside the window.
        _complaint(7, people["cat"], created=MONDAY - timedelta(days=30), ack_s=HOUR),
    ]
    session.add_all(rows)
    await session.commit()
    return people


async def test_overall_statistics(session):
    await _seed(session)
    now = MONDAY + timedelta(days=7, hours=6)

    [overall] = await complaint_stats(session, MONDAY, MONDAY + timedelta(days=14), now)

    assert overall.group == "all"
    assert (overall.opened, overall.resolved, overall.backlog) == (6, 2, 4)
    # Nearest rank over 1,2,3,4,5 hours: median 3h, p90 5h; over 10h, 20h: 10h and 20h.
    assert (overall.acknowledge_median_s, overall.acknowledge_p90_s) == (3 * HOUR, 5 * HOUR)
    assert (overall.resolve_median_s, overall.resolve_p90_s) == (10 * HOUR, 20 * HOUR)
    # 4 of the 5 known acknowledgements within 4 hours; #6 is not yet due.
    assert overall.acknowledge_sla_met_pct == 80.0
    # Resolution: #1 in time (10h of 16h), #2 late (20h); #3, #4, #5 are past their 16h
    # deadline unresolved; #6 is not yet due.
    assert overall.resolve_sla_met_pct == 20.0


async def test_statistics_by_category_and_by_week(session):
    await _seed(session)
    now = MONDAY + timedelta(days=7, hours=6)
    window = (MONDAY, MONDAY + timedelta(days=14))

    by_category = {s.group: s for s in await complaint_stats(session, *window, now,
                                                             by="category")}
    by_week = {s.group: s for s in await complaint_stats(session, *window, now, by="week")}

    assert sorted(by_category) == ["Attitude", "Communication"]
    attitude = by_category["Attitude"]
    assert (attitude.opened, attitude.acknowledge_median_s, attitude.acknowledge_p90_s) == (
        3, 2 * HOUR, 3 * HOUR)
    communication = by_category["Communication"]
    assert (communication.opened, communication.backlog) == (3, 3)
    assert communication.acknowledge_sla_met_pct == 50.0
    assert communication.resolve_median_s is None
    assert sorted(by_week) == ["2026-11-30", "2026-12-07"]
    assert (by_week["2026-11-30"].opened, by_week["2026-12-07"].opened) == (5, 1)
    assert by_week["2026-12-07"].acknowledge_sla_met_pct is None


async def test_repeat_complainants_do_not_name_anonymous_ones(session):
    await _seed(session)

    repeat = await repeat_complainants(session, MONDAY, MONDAY + timedelta(days=14))

    # Ann (3 complaints, 2 named) and Bob (2, both anonymous) are repeat complainants; only
    # Ann is named, with her named complaints alone.
    assert repeat.people == 2
    assert repeat.named == [("ann", 2)]
