"""Stored Teams conversation references: how the bot reaches a chat again later.

Teams lets a bot message a conversation proactively only through a reference taken from an
activity in it, so the Teams adapter refreshes its conversation's row with every activity (any
replica can then use it). A 1:1 chat is linked to its person; a channel is stored under the
channel's own id (without a thread's ``;messageid=`` suffix), so a post there starts a new
thread.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConversationRef, Person
from storage.once import dialect_insert
from storage.types import utcnow

PERSONAL = "personal"
CHANNEL = "channel"


def channel_id_of(conversation_id: str) -> str:
    """The channel a thread's conversation id belongs to (``19:x@thread.tacv2;messageid=1``)."""
    return conversation_id.split(";", 1)[0]


def kind_of(reference: dict[str, Any]) -> str:
    return (reference.get("conversation") or {}).get("conversationType") or PERSONAL


async def save(session: AsyncSession, reference: dict[str, Any],
               teams_user_id: str | None = None) -> None:
    """Insert or refresh the reference of a conversation, linked to the person with
    `teams_user_id` when the directory has them (give it for a 1:1 chat); the caller
    commits."""
    kind = kind_of(reference)
    conversation = dict(reference["conversation"])
    if kind == CHANNEL:
        conversation["id"] = channel_id_of(conversation["id"])
    # The activity it came from is of no use later; sends start from the conversation.
    stored = {key: value for key, value in reference.items() if key != "activityId"}
    stored["conversation"] = conversation
    person_id = None
    if teams_user_id:
        person_id = (select(Person.id).where(Person.teams_user_id == teams_user_id.lower())
                     .scalar_subquery())
    insert = dialect_insert(session)
    statement = insert(ConversationRef).values(
        conversation_id=conversation["id"], kind=kind, person_id=person_id, reference=stored,
        updated_at=utcnow())
    statement = statement.on_conflict_do_update(
        index_elements=["conversation_id"],
        set_={
            "kind": statement.excluded.kind,
            "reference": statement.excluded.reference,
            "updated_at": statement.excluded.updated_at,
            # A later activity without a known sender must not unlink the person.
            "person_id": func.coalesce(statement.excluded.person_id, ConversationRef.person_id),
        },
    )
    await session.exec(statement)


async def find(session: AsyncSession, conversation_id: str) -> dict[str, Any] | None:
    """The reference stored for a conversation, or for the channel a thread is in."""
    ids = {conversation_id, channel_id_of(conversation_id)}
    rows = await session.exec(select(ConversationRef).where(
        col(ConversationRef.conversation_id).in_(ids)))
    row = rows.first()
    return row.reference if row else None


async def personal_for(session: AsyncSession, teams_user_id: str) -> dict[str, Any] | None:
    """The reference of the person's 1:1 chat with the bot, if the app is installed for them."""
    rows = await session.exec(
        select(ConversationRef)
        .join(Person, col(ConversationRef.person_id) == col(Person.id))
        .where(Person.teams_user_id == teams_user_id.lower(), ConversationRef.kind == PERSONAL)
        .order_by(col(ConversationRef.updated_at).desc()))
    row = rows.first()
    return row.reference if row else None


async def forget(session: AsyncSession, conversation_id: str) -> None:
    """Drop a conversation the bot was removed from; the caller commits."""
    await session.exec(delete(ConversationRef).where(
        col(ConversationRef.conversation_id) == channel_id_of(conversation_id)))


async def teams_user_for_account(session: AsyncSession, account_id: str) -> str | None:
    """The AAD object id of the person whose 1:1 chat with the bot is with the Bot Framework
    account `account_id` (their ``29:`` id), when the app is installed for them."""
    account = col(ConversationRef.reference)[("user", "id")].as_string()
    rows = await session.exec(
        select(Person.teams_user_id)
        .join(ConversationRef, col(ConversationRef.person_id) == col(Person.id))
        .where(ConversationRef.kind == PERSONAL, account == account_id)
        .order_by(col(ConversationRef.updated_at).desc()))
    return rows.first()
