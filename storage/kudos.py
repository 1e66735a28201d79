"""Kudos tables and the writes that must hold under concurrency: vouchers and their recipients,
the points ledger, redemptions and the claimed stock of each reward.

A balance is never stored: it is the SQL sum of a person's ledger entries (give, redeem,
refund, adjust). Whoever changes a balance first locks the person's directory row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every transaction already holds the write
lock), so two redemptions by one person are checked one after the other and the balance never
goes below zero. Stock is claimed with one conditional UPDATE that only succeeds while some is
left. One voucher per giver, recipient and day (the giver's local day) is a unique constraint,
so a double submit or a retried delivery is stored once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, SQLModel, col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.once import insert_once, update_if
from storage.types import UTCDateTime, utcnow

MAX_STORY = 1000
"""Characters a story may have: a short story, and room for it in every message it is in."""


class Entry(StrEnum):
    GIVE = "give"
    REDEEM = "redeem"
    REFUND = "refund"
    ADJUST = "adjust"


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    FULFILLED = "fulfilled"


class KudosVoucher(SQLModel, table=True):
    """One act of thanks: a giver, a story, one or more recipients."""

    __tablename__ = "kudos_voucher"

    id: int | None = Field(default=None, primary_key=True)
    giver_id: int = Field(foreign_key="person.id", index=True)
    story: str = Field(max_length=MAX_STORY)
    value: str | None = Field(default=None, max_length=75)
    public: bool = True
    points: int = Field(description="points each recipient received")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: int | None = Field(default=None, foreign_key="person.id")
    revoke_reason: str | None = Field(default=None, max_length=500)

    @property
    def code(self) -> str:
        return voucher_code(self.id or 0)


class KudosRecipient(SQLModel, table=True):
    __tablename__ = "kudos_recipient"
    __table_args__ = (UniqueConstraint("giver_id", "person_id", "given_on",
                                       name="uq_kudos_pair_day"),)

    id: int | None = Field(default=None, primary_key=True)
    voucher_id: int = Field(foreign_key="kudos_voucher.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    giver_id: int = Field(foreign_key="person.id")
    given_on: date = Field(description="the giver's local date")


class KudosReaction(SQLModel, table=True):
    """One person's reaction (an emoji, a Teams like) to a voucher's wall post, counted for
    the stories people liked most; a reaction is stored once however often it is reported.
    (Platform user ids never collide between Slack and Teams, so one row per voucher holds
    the reactions to its posts on both.)"""

    __tablename__ = "kudos_reaction"
    __table_args__ = (UniqueConstraint("voucher_id", "user_id", "reaction",
                                       name="uq_kudos_reaction"),)

    id: int | None = Field(default=None, primary_key=True)
    voucher_id: int = Field(foreign_key="kudos_voucher.id", index=True)
    user_id: str = Field(max_length=64, description="the platform's user id")
    reaction: str = Field(max_length=100)


class KudosLedger(SQLModel, table=True):
    """Every change to a person's points, signed: a balance is the sum of these."""

    __tablename__ = "kudos_ledger"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=8)
    points: int
    voucher_id: int | None = Field(default=None, foreign_key="kudos_voucher.id")
    redemption_id: int | None = Field(default=None, foreign_key="kudos_redemption.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KudosRedemption(SQLModel, table=True):
    __tablename__ = "kudos_redemption"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    reward_key: str = Field(max_length=64)
    reward_name: str = Field(max_length=75)
    cost: int
    status: str = Field(max_length=16, index=True)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fulfilled_by: int | None = Field(default=None, foreign_key="person.id")
    fulfilled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class KudosRewardStock(SQLModel, table=True):
    """How many of a reward are spoken for (pending, approved or fulfilled redemptions)."""

    __tablename__ = "kudos_reward_stock"

    reward_key: str = Field(primary_key=True, max_length=64)
    claimed: int = 0


def voucher_code(voucher_id: int) -> str:
    return f"K-{voucher_id}"


def voucher_id_of(code: str) -> int | None:
    """The id in ``K-42``, ``k42`` or ``42``; None when it is not one."""
    digits = code.strip().upper().removeprefix("K").lstrip("-")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


async def store_voucher(session: AsyncSession, voucher: KudosVoucher, person_ids: list[int],
                        given_on: date) -> None:
    """Write a voucher, a recipient row and a ledger entry of its points for each person, in
    a savepoint: when the same voucher was stored meanwhile (one per giver, recipient and
    day), none of it is written, the IntegrityError is raised and the rest of the caller's
    transaction stands."""
    async with session.begin_nested():
        session.add(voucher)
        await session.flush()
        for person_id in person_ids:
            session.add(KudosRecipient(voucher_id=voucher.id, person_id=person_id,
                                       giver_id=voucher.giver_id, given_on=given_on))
            add_entry(session, person_id, Entry.GIVE, voucher.points, voucher_id=voucher.id)


async def mark_revoked(session: AsyncSession, voucher_id: int, *, at: datetime,
                       by: int | None, reason: str) -> bool:
    """Revoke a voucher; False when it was revoked already (by someone else meanwhile)."""
    return await update_if(session, KudosVoucher, voucher_id,
                           col(KudosVoucher.revoked_at).is_(None),
                           revoked_at=at, revoked_by=by, revoke_reason=reason[:500])


async def recipients_of(session: AsyncSession, voucher_id: int) -> list[Person]:
    found = await session.exec(
        select(Person).join(KudosRecipient, col(KudosRecipient.person_id) == Person.id)
        .where(KudosRecipient.voucher_id == voucher_id).order_by(col(Person.id)))
    return list(found.all())


async def react(session: AsyncSession, voucher_id: int, user_id: str, reaction: str,
                added: bool) -> None:
    """Count (`added`) or take back one person's reaction to a voucher's wall post."""
    if added:
        await insert_once(session, KudosReaction, voucher_id=voucher_id, user_id=user_id,
                          reaction=reaction[:100])
        return
    await session.exec(delete(KudosReaction).where(
        col(KudosReaction.voucher_id) == voucher_id, col(KudosReaction.user_id) == user_id,
        col(KudosReaction.reaction) == reaction[:100]))


async def lock_person(session: AsyncSession, person_id: int) -> None:
    """Hold the person's row until commit, so their balance changes one at a time."""
    await session.exec(select(Person.id).where(Person.id == person_id).with_for_update())


async def balance(session: AsyncSession, person_id: int) -> int:
    total = await session.exec(select(func.coalesce(func.sum(KudosLedger.points), 0))
                               .where(KudosLedger.person_id == person_id))
    return int(total.one())


def add_entry(session: AsyncSession, person_id: int, kind: Entry, points: int,
              **refs: Any) -> None:
    session.add(KudosLedger(person_id=person_id, kind=kind.value, points=points, **refs))


async def claim_stock(session: AsyncSession, key: str, stock: int | None) -> bool:
    """Take one of a reward; False when none is left. One statement, so it holds however
    many replicas claim at once: the row lock makes the second UPDATE re-check the count."""
    await insert_once(session, KudosRewardStock, reward_key=key, claimed=0)
    statement = update(KudosRewardStock).where(col(KudosRewardStock.reward_key) == key)
    if stock is not None:
        statement = statement.where(col(KudosRewardStock.claimed) < stock)
    result = await session.exec(statement.values(claimed=KudosRewardStock.claimed + 1))
    return result.rowcount == 1


async def release_stock(session: AsyncSession, key: str) -> None:
    await session.exec(update(KudosRewardStock)
                       .where(col(KudosRewardStock.reward_key) == key,
                              col(KudosRewardStock.claimed) > 0)
                       .values(claimed=KudosRewardStock.claimed - 1))


async def claimed(session: AsyncSession, key: str) -> int:
    found = await session.exec(select(KudosRewardStock.claimed)
                               .where(KudosRewardStock.reward_key == key))
    return found.first() or 0


async def move_status(session: AsyncSession, redemption_id: int, expected: Status,
                      new: Status, **changes: Any) -> bool:
    """Move a redemption from `expected` to `new`; False when someone else moved it first."""
    return await update_if(session, KudosRedemption, redemption_id,
                           col(KudosRedemption.status) == expected.value,
                           status=new.value, **changes)


async def given_since(session: AsyncSession, giver_id: int, since: datetime) -> int:
    """Vouchers (one per recipient) a person gave from `since` on: their allowance used."""
    found = await session.exec(
        select(func.count()).select_from(KudosRecipient)
        .join(KudosVoucher, col(KudosVoucher.id) == KudosRecipient.voucher_id)
        .where(KudosRecipient.giver_id == giver_id, col(KudosVoucher.created_at) >= since))
    return int(found.one())


async def thanked_on(session: AsyncSession, giver_id: int, people: list[int],
                     day: date) -> set[int]:
    """Which of `people` the giver already gave a voucher to on their local `day`."""
    found = await session.exec(
        select(KudosRecipient.person_id)
        .where(KudosRecipient.giver_id == giver_id, KudosRecipient.given_on == day,
               col(KudosRecipient.person_id).in_(people)))
    return set(found.all())
