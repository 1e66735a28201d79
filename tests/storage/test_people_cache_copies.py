"""A person answered from the people cache (storage/people_cache.py): a copy of their own in
each session, changed and flushed as a loaded row would be, and a session that held only such
a copy has nothing to commit or give back (storage/transactions.py)."""

from __future__ import annotations

from sqlmodel import select

from storage.engine import create_engine, session_factory
from storage.models import Person
from storage.people_cache import cache_of, find_person
from storage.transactions import close, commit_if_any, used_database


async def test_a_cached_person_is_a_session_copy_that_flushes_like_a_loaded_one(database_url):
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            session.add(Person(slack_user_id="U0CACHE01", display_name="Ada",
                               segments={"team": "ops"}))
            await session.commit()
        async with sessions() as session:
            await find_person(session, "slack", "U0CACHE01", alone=True)  # now kept
            await commit_if_any(session)

        session = sessions()
        first = await find_person(session, "slack", "U0CACHE01", alone=True)
        assert first is not None and first in session and first not in session.dirty
        # Answered from the cache: no connection taken, so nothing to commit or give back.
        await commit_if_any(session)
        assert not used_database(session)
        # Asked again in the same session, the same instance (with this turn's changes).
        first.display_name = "Ada L."
        assert await find_person(session, "slack", "U0CACHE01") is first
        other = sessions()
        second = await find_person(other, "slack", "U0CACHE01")
        assert second is not first and second.display_name == "Ada"
        second.segments["team"] = "desk"  # a copy's own: the cache's is untouched
        kept = cache_of(other).get("slack", "U0CACHE01")
        assert kept is not None and kept.segments == {"team": "ops"}
        await close(other)

        await commit_if_any(session)  # the change made it dirty: it is written
        assert used_database(session)
        await close(session)
        async with sessions() as session:
            stored = (await session.exec(select(Person).where(
                Person.slack_user_id == "U0CACHE01"))).one()
            assert stored.display_name == "Ada L."
            assert await find_person(session, "slack", "U0CACHE01") is stored
    finally:
        await engine.dispose()
