"""Reading the outbox in tests: its rows, the wait until nothing due is left to send (and the
move of a test's clock made only then), and the Slack messages the emulator holds for a key
(each send carries its key as metadata)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.emulators.slack import SlackEmulator
from bot.services import Services
from storage.outbox import CLAIMED, PENDING, SENT, OutboxMessage
from tests.clock import Clock
from tests.waiting import PATIENCE_S, eventually


async def outbox_rows(services: Services, prefix: str = "") -> list[OutboxMessage]:
    """The rows whose key starts with `prefix`, oldest first."""
    async with services.sessions() as session:
        rows = (await session.exec(select(OutboxMessage)
                                   .where(col(OutboxMessage.key).startswith(prefix))
                                   .order_by(col(OutboxMessage.id)))).all()
        await session.commit()
    return list(rows)


def _busy(services: Services, rows: list[OutboxMessage], ahead_s: float = 2.0) -> bool:
    """Whether a row is being sent or due to be within `ahead_s` of the bot's clock (by
    default a couple of seconds: a reply waiting for its parent looks again a second later)."""
    soon = services.clock() + timedelta(seconds=ahead_s)
    return any(r.status == CLAIMED or (r.status == PENDING and r.due_at <= soon)
               for r in rows)


async def outbox_settled(services: Services, prefix: str = "",
                         within_s: float = PATIENCE_S) -> list[OutboxMessage]:
    """The rows under `prefix`, once there are some and none is being sent or due to be."""
    async def check():
        rows = await outbox_rows(services, prefix)
        return None if _busy(services, rows) else rows or None
    return await eventually(check, within_s=within_s)


async def outbox_quiet(services: Services, within_s: float = PATIENCE_S,
                       ahead_s: float = 2.0) -> None:
    """Wait until no row at all is being sent or due to be: before a test moves its clock
    on, so that no send in flight sees its lease lapse in the jump and go out twice.
    `ahead_s=0` when the jump is to make a row due a little later (a retry, a reply looking
    for its parent again): on a clock that stands still, nothing is claimed meanwhile."""
    async def check():
        return not _busy(services, await outbox_rows(services), ahead_s)
    await eventually(check, within_s=within_s)


async def move_clock(services: Services, clock: Clock, when: datetime) -> None:
    """Set the test's clock to `when` once the outbox is quiet (`outbox_quiet`)."""
    await outbox_quiet(services)
    clock.set(when)


async def outbox_all_sent(services: Services, prefix: str, count: int,
                          within_s: float = 60.0) -> list[OutboxMessage]:
    """The `count` rows under `prefix` once every one is sent: for waits through an outage,
    where a row may be pending a retry further off than `outbox_settled` looks ahead."""
    async def check():
        rows = await outbox_rows(services, prefix)
        return rows if len(rows) == count and all(r.status == SENT for r in rows) else None
    return await eventually(check, within_s=within_s)


def messages_with_key(slack: SlackEmulator, key: str) -> list[dict[str, Any]]:
    """Every message the emulator holds (in any channel or thread) sent under `key`."""
    return [message for call in slack.calls_to("chat.postMessage") if not call.faulted
            for message in [call.args]
            if (message.get("metadata") or {}).get("event_payload", {}).get("key") == key]
