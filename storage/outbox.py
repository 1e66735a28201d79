"""The outbox: every outbound message, one row per (purpose key, platform), written in the
transaction that decided to send it and sent afterwards by `bot.chat.sender`.

A row is a message to send (`kind` dm, post or reply) or a change to a message sent outside
the outbox (`update`). Its `payload` is the `Message` as JSON (`bot.chat.codec`); `version`
counts the payloads it was given and `sent_version` the one the platform shows, so a change
made while a version is being sent is sent after it (the latest wins). `ref_channel` and
`ref_id` are the platform's reference of the message once sent: replies, updates and
`key_for_ref` (a reaction on a post) find it there.

Claims are leases: `claim_due` takes due rows (interactive before bulk, then oldest first) and
marks them claimed until the lease ends; on PostgreSQL with FOR UPDATE SKIP LOCKED, so
replicas take different rows, and on SQLite under the write lock every transaction takes.
`attempts` counts the claims of the current version (a sent row keeps it as a record) and is
the claim's token: a sender whose lease lapsed and whose row was claimed again cannot finish it
any more. `prune_finished` deletes rows done with long ago (bot.flows.retention).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, case, func, or_
from sqlmodel import Field, SQLModel, col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import MessageRef
from storage.once import insert_many_once, update_if
from storage.types import UTCDateTime, utcnow

PENDING, CLAIMED, SENT, FAILED, CANCELLED = "pending", "claimed", "sent", "failed", "cancelled"
DM, POST, REPLY, UPDATE = "dm", "post", "reply", "update"
INTERACTIVE, BULK = 0, 1
NO_PLATFORM = "none"
"""The platform of a row that had none to go to (a person with no reachable account)."""
PLATFORMS = ("slack", "teams")
MAX_KEY = 200
MAX_REASON = 200


class OutboxMessage(SQLModel, table=True):
    """One message to send (or one change to send) on one platform; see the module docstring."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("key", "platform", name="uq_outbox_message_key"),
        Index("ix_outbox_message_due", "status", "priority", "due_at"),
        Index("ix_outbox_message_ref", "ref_channel", "ref_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=MAX_KEY, description="purpose key, e.g. complaint:12:receipt")
    platform: str = Field(max_length=8, description="slack, teams, or none")
    kind: str = Field(max_length=8, description="dm, post, reply or update")
    person_id: int | None = Field(default=None, foreign_key="person.id",
                                  description="dm: the recipient; reply: the fallback")
    channel: str | None = Field(default=None, max_length=300,
                                description="dm: the platform user id; post: the channel id")
    parent_key: str | None = Field(default=None, max_length=MAX_KEY,
                                   description="reply: the key of the message replied to")
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    version: int = 1
    sent_version: int = 0
    priority: int = INTERACTIVE
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, max_length=MAX_REASON)
    ref_channel: str | None = Field(default=None, max_length=300)
    ref_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def purpose(key: str) -> str:
    """The key's first segment (``complaint`` of ``complaint:12:receipt``), for metrics."""
    return key.split(":", 1)[0]


# --------------------------------------------------------------------------- writing


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert rows (OutboxMessage columns), leaving out any whose (key, platform) exists;
    returns how many were added."""
    now = utcnow()
    return len(await insert_many_once(
        session, OutboxMessage, [{"created_at": now, "due_at": now, **row} for row in rows],
        OutboxMessage.id))


async def copy_to(session: AsyncSession, row_id: int, platform: str, channel: str,
                  now: datetime) -> bool:
    """Add a pending copy of row `row_id` (its key, kind, person, parent and latest payload)
    for `platform`, to `channel`; False when the key already has a row there."""
    row = await session.get(OutboxMessage, row_id)
    if row is None:
        return False
    return bool(await enqueue(session, [{
        "key": row.key, "platform": platform, "kind": row.kind, "person_id": row.person_id,
        "channel": channel if row.kind == DM else None, "parent_key": row.parent_key,
        "payload": row.payload, "priority": row.priority, "due_at": now, "created_at": now}]))


async def keys_present(session: AsyncSession, keys: Collection[str]) -> set[str]:
    """Those of `keys` recorded already, on any platform."""
    if not keys:
        return set()
    return set((await session.exec(select(OutboxMessage.key).distinct()
                                   .where(col(OutboxMessage.key).in_(sorted(keys))))).all())


async def rows_for(session: AsyncSession, key: str) -> list[OutboxMessage]:
    """The rows of one key, one per platform it went to."""
    return list((await session.exec(
        select(OutboxMessage).where(col(OutboxMessage.key) == key)
        .order_by(col(OutboxMessage.id)))).all())


async def new_version(session: AsyncSession, key: str, payload: dict[str, Any],
                      now: datetime) -> int:
    """Give every row of `key` a new payload; the latest wins. A row sent already becomes
    due again (to be sent as an update), one waiting keeps its time, one being sent is sent
    again once the sender sees the version moved; failed and cancelled rows keep their
    status. Returns the rows changed."""
    result = await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.key) == key)
        .values(payload=payload, version=col(OutboxMessage.version) + 1,
                status=case((col(OutboxMessage.status) == SENT, PENDING),
                            else_=col(OutboxMessage.status)),
                attempts=case((col(OutboxMessage.status) == SENT, 0),
                              else_=col(OutboxMessage.attempts)),
                due_at=case((col(OutboxMessage.status) == SENT, now),
                            else_=col(OutboxMessage.due_at)),
                reason=case((col(OutboxMessage.status) == SENT, None),
                            else_=col(OutboxMessage.reason)))
        .execution_options(preserve_rowcount=True))
    return result.rowcount


async def prune_finished(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` rows sent, given up or cancelled whose last send or attempt
    (`due_at`, which `finish` and every retry move) was before `before`; how many. A row
    still to be sent (pending, claimed, or sent with a newer version due, which is pending
    again) is never among them."""
    done = (SENT, FAILED, CANCELLED)
    ids = (select(OutboxMessage.id)
           .where(col(OutboxMessage.status).in_(done), col(OutboxMessage.due_at) < before)
           .limit(limit).scalar_subquery())
    result = await session.exec(
        delete(OutboxMessage).where(col(OutboxMessage.id).in_(ids),
                                    col(OutboxMessage.status).in_(done))
        .execution_options(preserve_rowcount=True))
    return result.rowcount


async def cancel(session: AsyncSession, key_prefix: str, reason: str) -> int:
    """Cancel the rows under `key_prefix` that are waiting and were never sent; how many."""
    escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.key).like(f"{escaped}%", escape="\\"),
               col(OutboxMessage.status) == PENDING, col(OutboxMessage.sent_version) == 0)
        .values(status=CANCELLED, reason=reason[:MAX_REASON])
        .execution_options(preserve_rowcount=True))
    return result.rowcount


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class Claimed:
    """A row taken to send, as it was when claimed."""

    id: int
    key: str
    platform: str
    kind: str
    person_id: int | None
    channel: str | None
    parent_key: str | None
    payload: dict[str, Any]
    version: int
    priority: int
    attempts: int
    claimed_until: datetime
    ref_channel: str | None
    ref_id: str | None
    created_at: datetime


_CLAIMED_COLUMNS = tuple(col(getattr(OutboxMessage, name)) for name in Claimed.__dataclass_fields__)


async def claim_due(session: AsyncSession, now: datetime, lease: timedelta, limit: int, *,
                    lowest_priority: int = BULK) -> list[Claimed]:
    """Take up to `limit` due rows (pending, or claimed with a lapsed lease) of priority up
    to `lowest_priority`, interactive first, then oldest first. The caller commits at once,
    so the claim is durable before anything is sent."""
    due = (select(OutboxMessage.id)
           .where(col(OutboxMessage.due_at) <= now,
                  col(OutboxMessage.priority) <= lowest_priority,
                  or_(col(OutboxMessage.status) == PENDING,
                      (col(OutboxMessage.status) == CLAIMED)
                      & (col(OutboxMessage.claimed_until) < now)))
           .order_by(col(OutboxMessage.priority), col(OutboxMessage.due_at),
                     col(OutboxMessage.id))
           .limit(limit)
           .with_for_update(skip_locked=True))
    rows = (await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(due.scalar_subquery()))
        .values(status=CLAIMED, claimed_until=now + lease,
                attempts=col(OutboxMessage.attempts) + 1)
        .returning(*_CLAIMED_COLUMNS))).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: (c.priority, c.id))


def _still_mine(row: Claimed) -> tuple[Any, ...]:
    return (col(OutboxMessage.status) == CLAIMED, col(OutboxMessage.attempts) == row.attempts)


async def finish(session: AsyncSession, row: Claimed, ref_channel: str, ref_id: str,
                 now: datetime) -> bool:
    """Record that `row`'s claimed version went out as (ref_channel, ref_id): sent, or back
    to pending at once when a newer version arrived meanwhile. False when the claim was lost
    (the lease lapsed and another sender took the row)."""
    newer = col(OutboxMessage.version) != row.version
    # A sent row keeps its attempts, as a record; a newer version starts its own count.
    return await update_if(
        session, OutboxMessage, row.id, *_still_mine(row),
        status=case((newer, PENDING), else_=SENT), sent_version=row.version,
        ref_channel=ref_channel, ref_id=ref_id, sent_at=now, due_at=now,
        claimed_until=None, attempts=case((newer, 0), else_=col(OutboxMessage.attempts)),
        reason=None)


async def fail(session: AsyncSession, row: Claimed, reason: str) -> bool:
    """Give the row up: failed, with the reason."""
    return await update_if(session, OutboxMessage, row.id, *_still_mine(row), status=FAILED,
                           reason=reason[:MAX_REASON], claimed_until=None)


async def retry_later(session: AsyncSession, row: Claimed, due_at: datetime, reason: str,
                      *, count_attempt: bool = True) -> bool:
    """Back to pending until `due_at`; `count_attempt=False` when nothing was tried (a reply
    waiting for its parent), so the wait does not use up the row's attempts."""
    values: dict[str, Any] = {"status": PENDING, "due_at": due_at, "claimed_until": None,
                              "reason": reason[:MAX_REASON]}
    if not count_attempt:
        values["attempts"] = row.attempts - 1
    return await update_if(session, OutboxMessage, row.id, *_still_mine(row), **values)


async def release(session: AsyncSession, rows: list[Claimed]) -> None:
    """Give back rows claimed and never started (a sender stopping), as they were."""
    for row in rows:
        await update_if(session, OutboxMessage, row.id, *_still_mine(row), status=PENDING,
                        claimed_until=None, attempts=row.attempts - 1)


# --------------------------------------------------------------------------- reading


async def parent_state(session: AsyncSession, key: str, platform: str
                       ) -> tuple[str, MessageRef | None, datetime] | None:
    """The status of the row `key` on `platform`, where it went (if it is out) and when it
    is due; None if there is no such row."""
    found = (await session.exec(
        select(OutboxMessage.status, OutboxMessage.ref_channel, OutboxMessage.ref_id,
               OutboxMessage.due_at)
        .where(col(OutboxMessage.key) == key, col(OutboxMessage.platform) == platform))).first()
    if found is None:
        return None
    status, channel, message_id, due_at = found
    return status, _ref(platform, channel, message_id), due_at


def _ref(platform: str, channel: str | None, message_id: str | None) -> MessageRef | None:
    if platform not in PLATFORMS or not channel or not message_id:
        return None
    return MessageRef(platform, channel, message_id)  # type: ignore[arg-type]


async def sent_ref(session: AsyncSession, key: str, platform: str) -> MessageRef | None:
    """Where the message sent under `key` on `platform` is; None if it is not out (yet)."""
    state = await parent_state(session, key, platform)
    return state[1] if state is not None else None


async def key_for_ref(session: AsyncSession, ref: MessageRef) -> str | None:
    """The key of the message the outbox sent as `ref` (e.g. the wall post a reaction is
    on); None when the outbox did not send it."""
    return (await session.exec(
        select(OutboxMessage.key)
        .where(col(OutboxMessage.ref_channel) == ref.channel,
               col(OutboxMessage.ref_id) == ref.message_id,
               col(OutboxMessage.platform) == ref.platform))).first()


async def waiting_counts(session: AsyncSession) -> dict[tuple[str, int], int]:
    """Rows not finished, by (platform, priority): what the pending gauge shows."""
    rows = (await session.exec(
        select(OutboxMessage.platform, OutboxMessage.priority, func.count())
        .where(col(OutboxMessage.status).in_((PENDING, CLAIMED)))
        .group_by(col(OutboxMessage.platform), col(OutboxMessage.priority)))).all()
    return {(platform, priority): n for platform, priority, n in rows}


async def due_unfinished(session: AsyncSession, before: datetime) -> int:
    """Rows not finished (pending or claimed) that fall due before `before`: what a sender
    will still send by then; a row held for longer (quiet hours, a retry's backoff) is not
    counted."""
    return (await session.exec(
        select(func.count()).select_from(OutboxMessage)
        .where(col(OutboxMessage.status).in_((PENDING, CLAIMED)),
               col(OutboxMessage.due_at) < before))).one()
