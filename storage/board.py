"""The bulletin board's sign-in: the sign-in links already used (each link signs in once)
and the sessions they opened, kept server-side so a logout or a change of role ends them on
every replica.

A session's cookie holds a random secret; only its SHA-256 is stored, so a copy of the
database does not sign anyone in. Expired rows are deleted whenever a new one is written.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.once import insert_once
from storage.types import UTCDateTime, utcnow


class BoardSigninUsed(SQLModel, table=True):
    """A sign-in link already exchanged for a session; kept until the link would expire."""

    __tablename__ = "board_signin_used"

    nonce: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id")
    used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class BoardSession(SQLModel, table=True):
    """A signed-in browser: whose it is, the role they signed in with, until when."""

    __tablename__ = "board_session"

    secret_hash: str = Field(primary_key=True, max_length=64, description="SHA-256, hex")
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


async def use_signin(session: AsyncSession, nonce: str, person_id: int, *, now: datetime,
                     expires_at: datetime) -> bool:
    """Record the link `nonce` as used; False when it was used before (a second click, a
    second replica: the primary key decides)."""
    await session.exec(delete(BoardSigninUsed).where(BoardSigninUsed.expires_at <= now))
    return await insert_once(session, BoardSigninUsed, nonce=nonce, person_id=person_id,
                             used_at=now, expires_at=expires_at)


async def open_session(session: AsyncSession, secret_hash: str, person_id: int, role: str, *,
                       now: datetime, expires_at: datetime) -> None:
    await session.exec(delete(BoardSession).where(BoardSession.expires_at <= now))
    session.add(BoardSession(secret_hash=secret_hash, person_id=person_id, role=role,
                             created_at=now, expires_at=expires_at))


async def find_session(session: AsyncSession, secret_hash: str,
                       now: datetime) -> BoardSession | None:
    return (await session.exec(select(BoardSession).where(
        BoardSession.secret_hash == secret_hash, BoardSession.expires_at > now))).first()


async def end_session(session: AsyncSession, secret_hash: str) -> None:
    await session.exec(delete(BoardSession).where(BoardSession.secret_hash == secret_hash))
