"""Whether the bot token may still call Slack: not once the workspace uninstalled the app or
revoked the bot's token (recorded by `bot.flows.directory.slack_access`).

The replica that receives Slack's event is told at once (`lost`, from the events listener);
the others read the answer from the database, kept for a second, so calls cost no query
each. A call waits at most `WAIT_S` for a fresh answer, then goes ahead on the last one while
the read finishes in the background: on SQLite a turn holding the write lock would otherwise
hold up its own Slack calls for the whole busy timeout. While the database cannot be read,
calls go ahead too (Slack refuses them itself if access is gone, and an outage must not stop
Touchpoint apologising). A refused call raises `SlackAccessGone`, an `Undeliverable`: the
outbox fails the row at once with the reason rather than retrying it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Undeliverable
from storage import slack_access as store
from storage.transactions import reading_only

RECHECK_S = 1.0
WAIT_S = 0.05


class SlackAccessGone(Undeliverable):
    """Slack took this bot token's access away; calling would only fail."""


class SlackAccess:
    def __init__(self, sessions: Callable[[], AsyncSession], token: str):
        self._sessions = sessions
        self._fingerprint = store.fingerprint(token)
        self._checked_at = float("-inf")
        self._gone: str | None = None
        self._reading: asyncio.Task[None] | None = None

    async def check(self) -> None:
        """Raise SlackAccessGone once Slack has taken the token's access away."""
        if self._gone is None and time.monotonic() - self._checked_at >= RECHECK_S and (
                self._reading is None or self._reading.done()):
            self._checked_at = time.monotonic()
            self._reading = asyncio.create_task(self._read())
        if self._gone is None and self._reading is not None and not self._reading.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._reading), WAIT_S)
        if self._gone is not None:
            raise SlackAccessGone(self._gone)

    async def _read(self) -> None:
        try:
            async with self._sessions() as session:
                await reading_only(session, label=store.ACCESS_READER)  # no write lock taken
                loss = await store.bot_token_loss(session, self._fingerprint)
                await session.commit()
        except Exception:
            return
        if loss is not None:
            self._gone = _reason(loss.kind == store.UNINSTALLED, loss.team_id)

    def lost(self, team_id: str, *, uninstalled: bool) -> None:
        """Slack said the app was uninstalled (`uninstalled`) or its bot token revoked in
        `team_id`: refuse calls from now on, without waiting for the database."""
        if self._gone is None:
            self._gone = _reason(uninstalled, team_id)


def _reason(uninstalled: bool, team_id: str) -> str:
    what = "the app was uninstalled from" if uninstalled else "the bot token was revoked in"
    return f"slack: {what} workspace {team_id}"
