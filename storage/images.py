"""Images Touchpoint serves by signed link (Teams cards), kept by the digest of their PNG so
any replica can serve what another one published, and each picture is kept once.

A row lives until the latest link to it expires; publishing deletes the rows whose links have
all expired, so the table holds only what a link can still fetch.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.once import dialect_insert
from storage.types import UTCDateTime, utcnow


class ChatImage(SQLModel, table=True):
    """One PNG shown in chat messages, fetched by the links signed for it."""

    __tablename__ = "chat_image"

    digest: str = Field(primary_key=True, max_length=64, description="SHA-256 of png, hex")
    png: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True,
                                 description="when the latest link to it expires")


async def publish(session: AsyncSession, digest: str, png: bytes, *, now: datetime,
                  expires_at: datetime) -> None:
    """Keep `png` until at least `expires_at` (a later expiry of an earlier publish stays),
    and forget the images no link can fetch any more."""
    await session.exec(delete(ChatImage).where(ChatImage.expires_at <= now))
    insert = dialect_insert(session)(ChatImage).values(
        digest=digest, png=png, created_at=now, expires_at=expires_at)
    await session.exec(insert.on_conflict_do_update(
        index_elements=[ChatImage.digest], set_={"expires_at": insert.excluded.expires_at},
        where=ChatImage.expires_at < insert.excluded.expires_at))


async def image_png(session: AsyncSession, digest: str, now: datetime) -> bytes | None:
    """The PNG with this digest, while a link to it may still be valid."""
    result = await session.exec(select(ChatImage.png).where(
        ChatImage.digest == digest, ChatImage.expires_at > now))
    return result.first()
