"""Queries on the people directory (`Person` rows) that flows, the dispatcher and the chat
adapters share; `bot.flows.directory` decides what the rows hold."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person


async def find_by_platform_id(session: AsyncSession, platform: str,
                              user_id: str) -> Person | None:
    """The person with this Slack user id (`platform` ``slack``) or Teams AAD object id
    (``teams``, kept in lower case)."""
    if platform == "teams":
        query = select(Person).where(Person.teams_user_id == user_id.lower())
    else:
        query = select(Person).where(Person.slack_user_id == user_id)
    return (await session.exec(query)).first()
