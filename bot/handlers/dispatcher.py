"""The dispatcher: routes an intent to the handler registered for it, inside one turn.

A turn opens one database session, loads the acting person (creating them from their platform
profile on first contact), runs the handler and commits. A handler that fails is logged for the
operator and the person gets a kind apology, never a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin, Profile
from bot.flows import directory
from bot.intents import ButtonPress, Command, FormSubmit, Intent
from bot.services import Services
from storage.models import Person

log = logging.getLogger(__name__)


@dataclass
class Turn:
    intent: Intent
    actor: Person
    session: AsyncSession
    services: Services


Handler = Callable[[Turn], Awaitable[None]]


@dataclass(frozen=True)
class CommandRoute:
    command: str
    word: str | None
    """The first word after the command, or None for the command's fallback."""
    handler: Handler


class Dispatcher:
    def __init__(self, services: Services):
        self.services = services
        self._commands: dict[tuple[str, str | None], CommandRoute] = {}
        self._buttons: dict[str, Handler] = {}
        self._forms: dict[str, Handler] = {}
        self._in_flight: set[asyncio.Task] = set()

    def on_command(self, command: str, word: str | None, handler: Handler) -> None:
        self._commands[(command, word)] = CommandRoute(command, word, handler)

    def on_button(self, action_id: str, handler: Handler) -> None:
        self._buttons[action_id] = handler

    def on_form(self, callback_id: str, handler: Handler) -> None:
        self._forms[callback_id] = handler

    @property
    def commands(self) -> list[str]:
        """Every command name listened to, such as ``touchpoint`` and ``complain``."""
        return sorted({route.command for route in self._commands.values()})

    @property
    def command_usages(self) -> list[str]:
        """``command word`` for each routed word, for help texts."""
        return sorted(f"{r.command} {r.word}" for r in self._commands.values() if r.word)

    @property
    def action_ids(self) -> list[str]:
        return sorted(self._buttons)

    @property
    def callback_ids(self) -> list[str]:
        return sorted(self._forms)

    def handler_for(self, intent: Intent) -> Handler | None:
        match intent:
            case Command(command=command, word=word):
                route = (self._commands.get((command, word))
                         or self._commands.get((command, None)))
                return route.handler if route else None
            case ButtonPress(action_id=action_id):
                return self._buttons.get(action_id)
            case FormSubmit(callback_id=callback_id):
                return self._forms.get(callback_id)
        return None

    async def drain(self, within_s: float) -> None:
        """Wait, at most `within_s` seconds, for handlers still running (used at shut-down)."""
        pending = {task for task in self._in_flight if not task.done()}
        if pending:
            log.info("waiting for %d handler(s) to finish", len(pending))
            _done, still = await asyncio.wait(pending, timeout=within_s)
            if still:
                log.warning("%d handler(s) did not finish within %.0fs", len(still), within_s)

    async def dispatch(self, intent: Intent) -> None:
        handler = self.handler_for(intent)
        name = _intent_name(intent)
        if handler is None:
            log.warning("no handler for %s", name)
            return
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        started = time.perf_counter()
        try:
            async with self.services.sessions() as session:
                actor = await self._actor(session, intent)
                await handler(Turn(intent, actor, session, self.services))
                await session.commit()
        except Exception:
            log.exception("handler for %s failed", name)
            await self._apologise(intent.origin)
        finally:
            self.services.metrics.handler_seconds.labels(name).observe(
                time.perf_counter() - started)

    async def _actor(self, session: AsyncSession, intent: Intent) -> Person:
        origin = intent.origin
        assert origin is not None, "every inbound intent carries its origin"
        person = await directory.find_by_platform_id(session, origin.platform, origin.user_id)
        if person is not None and person.active:
            return person
        profile = intent.profile or await self.services.chat.profile(origin.platform,
                                                                     origin.user_id)
        if profile is None:
            profile = Profile(platform=origin.platform, user_id=origin.user_id, display_name="")
        person = await directory.upsert_profile(session, self.services.settings.app, profile)
        await session.flush()
        return person

    async def _apologise(self, origin: Origin | None) -> None:
        if origin is None:
            return
        try:
            await self.services.chat.reply_privately(origin, Message("errors/unexpected"))
        except Exception:
            log.exception("could not tell the person about the failure")


def _intent_name(intent: Intent) -> str:
    match intent:
        case Command(command=command, word=word):
            return f"command:{command} {word}".strip()
        case ButtonPress(action_id=action_id):
            return f"button:{action_id}"
        case FormSubmit(callback_id=callback_id):
            return f"form:{callback_id}"
    return type(intent).__name__
