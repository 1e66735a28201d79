"""Digest posts: one `digest_post` row per digest and period, unique, so a scheduled run on
any replica, a catch-up after a restart and `touchpoint digest send` post a period once.
A deliberate repeat (`digest send --again`) counts up `sends` on the same row, and its
outbox key carries the count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel, col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.once import insert_once
from storage.types import UTCDateTime


class DigestPost(SQLModel, table=True):
    __tablename__ = "digest_post"
    __table_args__ = (UniqueConstraint("digest", "period", name="uq_digest_post_period"),)

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=60, description="the digest's name in app.yaml")
    period: str = Field(max_length=16, description="2026-W48 or 2026-11")
    sends: int = Field(default=1, description="1, plus one per `digest send --again`")
    posted_at: datetime = Field(sa_type=UTCDateTime, description="when it was last posted")
    posted_by: str = Field(max_length=16, description="schedule, catch-up or cli")


async def claim(session: AsyncSession, digest: str, period: str, at: datetime,
                by: str) -> bool:
    """Claim the post of `digest` for `period`; False when it was posted before."""
    return await insert_once(session, DigestPost, digest=digest, period=period, sends=1,
                             posted_at=at, posted_by=by)


async def claim_again(session: AsyncSession, digest: str, period: str, at: datetime,
                      by: str) -> int:
    """Claim one more post of `digest` for `period` (or its first); which send it is."""
    if await claim(session, digest, period, at, by):
        return 1
    await session.exec(update(DigestPost)
                       .where(col(DigestPost.digest) == digest, col(DigestPost.period) == period)
                       .values(sends=col(DigestPost.sends) + 1, posted_at=at, posted_by=by))
    return int((await session.exec(select(DigestPost.sends).where(
        col(DigestPost.digest) == digest, col(DigestPost.period) == period))).one())


async def posted(session: AsyncSession, digest: str, period: str) -> DigestPost | None:
    return (await session.exec(select(DigestPost).where(
        col(DigestPost.digest) == digest, col(DigestPost.period) == period))).first()
