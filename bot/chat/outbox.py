"""`Outbox`, how a flow sends: it records each message in the turn's session, and
`bot.chat.sender` sends it once the turn commits (see storage.outbox for the rows).

Every method takes the session first and returns nothing; none raises for someone who cannot
be reached (their row is recorded failed, with the reason). Keys are purpose keys built from
domain ids (``complaint:{id}:receipt``), at most 200 characters, unique per platform: a key
recorded twice is sent once (the second call does nothing; `edit` changes a message).
A commit that recorded rows wakes this replica's sender, so an interactive message goes out
at once rather than at its next poll.

Each row keeps the message in its reader's language (`bot.chat.router`): a direct message,
or a reply to a person, in theirs; a channel post in the channel's. The language is part of
the recorded message, so it survives a restart like the rest of it.

Which platform a direct message goes to is decided when its row is recorded (`dm_address`):
where the person acted, when it answers them in the turn of their action (`note_actor`);
else their chosen platform, else the one they last used. When that row fails, the sender
records the same message for their other platform (`fall_back`), under the same key, so it
is sent there once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.codec import encode
from bot.chat.message import Message
from bot.chat.port import MessageRef
from bot.chat.router import dm_address, dm_addresses, in_language, in_reader_language
from bot.config import ChannelTarget
from storage import outbox as store
from storage.models import Person

if TYPE_CHECKING:
    from bot.chat.port import ChatPort

log = logging.getLogger(__name__)

FRESH_TOKEN = "{fresh-token}"  # noqa: S105 - a placeholder, not a secret
"""Put in a button's value, it is replaced by a new random token each time the sender sends
the message (one token for all its buttons), so a secret that must live only in the
recipient's chat is never stored with the message (a pulse's answer key: storage.pulses)."""

INSERT_BATCH = 500
"""Rows per INSERT statement."""
_WAKE = "touchpoint.outbox.wake"
"""session.info flag: this session recorded rows, and its next commit wakes the senders."""
_ACTOR = "touchpoint.outbox.actor"
"""session.info: (person id, platform) of the person whose action this turn answers."""


def note_actor(session: AsyncSession, person: Person, platform: str) -> None:
    """This turn answers what `person` did on `platform`: DMs to them in it go there."""
    session.info[_ACTOR] = (person.id, platform)


class Outbox:
    def __init__(self, chat: ChatPort, clock: Callable[[], datetime]):
        self._chat = chat
        self._clock = clock
        self._wakers: list[Callable[[], None]] = []

    def on_commit(self, wake: Callable[[], None]) -> None:
        """Call `wake` after every commit of a session that recorded rows (the sender)."""
        self._wakers.append(wake)

    # ------------------------------------------------------------------ the API flows use

    async def send_dm(self, session: AsyncSession, person: Person, message: Message, *,
                      key: str, bulk: bool = False, due_at: datetime | None = None) -> None:
        """A direct message to `person`, on the platform `Chat.send_dm` would choose."""
        await self.send_dms(session, [(person, message, key)], bulk=bulk, due_at=due_at)

    async def send_dms(self, session: AsyncSession,
                       dms: Iterable[tuple[Person, Message, str]], *, bulk: bool = False,
                       due_at: datetime | None = None) -> None:
        """`send_dm` for each (person, message, key), recorded together: a fan-out's batch
        in one statement rather than one per person."""
        rows = []
        actor_id, acted_on = session.info.get(_ACTOR, (None, None))
        for person, message, key in dms:
            row = self._row(key, in_reader_language(message, person), store.DM, bulk=bulk,
                            due_at=due_at, person_id=person.id,
                            platform=store.NO_PLATFORM, channel=None, status=store.PENDING,
                            reason=None)
            address = dm_address(person, self._chat.platforms,
                                 acted_on=acted_on if person.id == actor_id else None)
            if address is None:
                row.update(status=store.FAILED, reason=f"unreachable: person {person.id} has "
                                                       "no reachable chat account")
            else:
                row.update(platform=address[0], channel=address[1])
            rows.append(row)
        await self._add(session, rows)

    async def post(self, session: AsyncSession, channel: ChannelTarget, message: Message, *,
                   key: str) -> None:
        """A post in a configured channel: a row for each platform it names."""
        message = in_language(message, channel.locale)
        rows = [self._row(key, message, store.POST, platform=platform, channel=channel_id)
                for platform, channel_id in (("slack", channel.slack), ("teams", channel.teams))
                if channel_id and platform in self._chat.platforms]
        if not rows:
            rows = [self._row(key, message, store.POST, platform=store.NO_PLATFORM,
                              status=store.FAILED,
                              reason="unreachable: the channel is on no configured platform")]
        await self._add(session, rows)

    async def reply(self, session: AsyncSession, parent_key: str, message: Message, *,
                    key: str, person: Person | None = None) -> None:
        """A reply in the thread of the message sent under `parent_key`, on each platform it
        went to. When that message was never delivered and `person` is given, they get it as
        a new DM instead (decided when the parent's fate is known)."""
        parents = [row for row in await store.rows_for(session, parent_key)
                   if row.platform != store.NO_PLATFORM]
        # In a person's language when it is to them, else in the language of its thread's
        # message (a channel post's is the channel's).
        message = (in_reader_language(message, person) if person is not None else
                   in_language(message, parents[0].payload.get("locale") if parents else None))
        if not parents:
            if person is not None:
                await self.send_dm(session, person, message, key=key)
                return
            await self._add(session, [self._row(
                key, message, store.REPLY, platform=store.NO_PLATFORM, status=store.FAILED,
                parent_key=parent_key, reason=f"no message under {parent_key}"[:200])])
            return
        await self._add(session, [
            self._row(key, message, store.REPLY, platform=parent.platform,
                      parent_key=parent_key, person_id=person.id if person else None)
            for parent in parents])

    async def edit(self, session: AsyncSession, key: str, message: Message) -> None:
        """Show `message` in place of the one sent (or waiting) under `key`, everywhere it
        went; the latest update wins."""
        _check_key(key)
        if message.locale is None:
            # Still in the language it was first sent in (its reader's, or its channel's).
            first = next(iter(await store.rows_for(session, key)), None)
            if first is not None:
                message = in_language(message, first.payload.get("locale"))
        changed = await store.new_version(session, key, encode(message), self._clock())
        if changed:
            self._wake_after_commit(session)
        else:
            log.info("outbox: nothing under %s to edit", key)

    async def edit_ref(self, session: AsyncSession, ref: MessageRef,
                         message: Message) -> None:
        """Show `message` in place of a message known only by its reference (the one a
        button was pressed on); the latest update wins."""
        sent_under = await store.key_for_ref(session, ref)
        if sent_under is not None:
            await self.edit(session, sent_under, message)
            return
        # Keyed by the reference, so later updates of the same message coalesce.
        digest = hashlib.sha256(f"{ref.channel}\n{ref.message_id}".encode()).hexdigest()[:40]
        key = f"ref:{ref.platform}:{digest}"
        row = self._row(key, message, store.UPDATE, platform=ref.platform, channel=ref.channel,
                        ref_channel=ref.channel, ref_id=ref.message_id)
        if not await store.enqueue(session, [row]):
            await store.new_version(session, key, row["payload"], self._clock())
        self._wake_after_commit(session)

    async def cancel(self, session: AsyncSession, key_prefix: str, reason: str) -> int:
        """Cancel what waits under `key_prefix` and was never sent; how many rows."""
        return await store.cancel(session, key_prefix, reason)

    async def fall_back(self, session: AsyncSession, failed: store.Claimed) -> bool:
        """The direct message (or reply to one) `failed` could not be delivered: record it for
        the person's other platform, if they have one; a reply goes in the thread of its
        parent there, or to the person as a DM. A row for the key there exists already, or
        is sent once. True when a row was added."""
        if failed.kind not in (store.DM, store.REPLY) or failed.person_id is None:
            return False
        person = await session.get(Person, failed.person_id)
        if person is None:
            return False
        others = [address for address in dm_addresses(person, self._chat.platforms)
                  if address[0] != failed.platform]
        if not others:
            return False
        platform, user_id = others[0]
        added = await store.copy_to(session, failed.id, platform, user_id, self._clock())
        if added:
            log.info("outbox: %s could not go to %s; sent on %s instead", failed.key,
                     failed.platform, platform)
            self._wake_after_commit(session)
        return added

    # ------------------------------------------------------------------ recording

    def _row(self, key: str, message: Message, kind: str, *, bulk: bool = False,
             due_at: datetime | None = None, **columns: Any) -> dict[str, Any]:
        _check_key(key)
        return {"key": key, "kind": kind, "payload": encode(message),
                "priority": store.BULK if bulk else store.INTERACTIVE,
                "due_at": due_at or self._clock(), "created_at": self._clock(), **columns}

    async def _add(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        added = 0
        for start in range(0, len(rows), INSERT_BATCH):
            added += await store.enqueue(session, rows[start:start + INSERT_BATCH])
        if added:
            self._wake_after_commit(session)

    def _wake_after_commit(self, session: AsyncSession) -> None:
        sync_session = session.sync_session
        if sync_session.info.get(_WAKE):
            return
        sync_session.info[_WAKE] = True

        def wake(_session: Any) -> None:
            sync_session.info.pop(_WAKE, None)
            for waker in self._wakers:
                waker()

        event.listen(sync_session, "after_commit", wake, once=True)


def _check_key(key: str) -> None:
    if not key or len(key) > store.MAX_KEY:
        raise ValueError(f"an outbox key is 1 to {store.MAX_KEY} characters: {key[:40]!r}...")
