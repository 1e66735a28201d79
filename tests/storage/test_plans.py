"""`open_plan_items`, the call a digest makes: open items only, overdue flagged in SQL against
the day given, overdue first, and only the figures asked for."""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage.engine import create_engine, session_factory
from storage.models import Person
from storage.plans import add_plan_item, mark_done, open_plan_items

NOW = datetime(2026, 12, 9, 9, tzinfo=UTC)


async def test_open_items_overdue_first_for_the_figures_asked(database_url):
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            tom = Person(display_name="Tom", slack_user_id="U0TOM0001")
            session.add(tom)
            await session.flush()
            assert tom.id is not None
            ids = {}
            for key, figure, due in [("a", "csat", date(2026, 12, 20)),
                                     ("b", "sla", date(2026, 12, 8)),
                                     ("c", "csat", date(2026, 12, 9)),
                                     ("d", "csat", date(2026, 12, 1))]:
                ids[key] = await add_plan_item(
                    session, submission_key=key, figure=figure, change=f"change {key}",
                    owner_id=tom.id, created_by_id=tom.id, due_on=due, now=NOW)
            assert await add_plan_item(session, submission_key="a", figure="csat", change="x",
                                       owner_id=tom.id, created_by_id=tom.id,
                                       due_on=date(2026, 12, 20), now=NOW) is None
            assert await mark_done(session, ids["d"], tom.id, NOW)
            assert not await mark_done(session, ids["d"], tom.id, NOW)
            await session.commit()

            every = await open_plan_items(session, date(2026, 12, 9))
            csat = await open_plan_items(session, date(2026, 12, 9), figures=["csat"])
    finally:
        await engine.dispose()
    # Due the day asked about is not overdue yet; the one done is not open.
    assert [(i.id, i.overdue) for i in every] == [
        (ids["b"], True), (ids["c"], False), (ids["a"], False)]
    assert [i.id for i in csat] == [ids["c"], ids["a"]]
    assert (every[0].owner_name, every[0].owner_slack_id, every[0].figure) == (
        "Tom", "U0TOM0001", "sla")
