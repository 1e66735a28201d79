"""The dispatcher: routes an intent to the handler registered for it, inside one turn.

A turn opens one database session, loads the acting person (creating them from their platform
profile on first contact, committed at once), runs the handler and commits. A handler that
fails is logged for the operator and the person gets a kind apology, never a stack trace.
A platform event (someone joined or left) has no actor: its handler gets an `EventTurn`, and
a failure is only logged.

Slack is acknowledged before the handler runs, so a burst can start handlers faster than they
finish. At most `MAX_CONCURRENT_TURNS` run at once; the rest wait their turn in order, instead
of all competing for the event loop and the database pool until some time out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form, Message
from bot.chat.port import Origin, Profile
from bot.flows.directory import people as directory
from bot.intents import ButtonPress, Command, Event, FormSubmit, Intent
from bot.services import Services
from storage.models import Person

log = logging.getLogger(__name__)

MAX_CONCURRENT_TURNS = 16
"""Below PostgreSQL's pool of 20 connections, so scheduled jobs and /healthz always get one."""

FORM_CHECK_TIMEOUT_S = 2.0
"""Slack wants a form's answer within 3 seconds: a check that takes longer is given up (the
handler checks again and answers the person itself)."""


@dataclass
class Turn:
    intent: Intent
    actor: Person
    session: AsyncSession
    services: Services


Handler = Callable[[Turn], Awaitable[None]]

FormCheck = Callable[[Turn], Awaitable[Form | None]]
"""Checks a submitted form before anything is done with it: None when it is valid, else the
form to show again, with what was typed and its `errors`. It must not write anything."""


@dataclass
class EventTurn:
    """A platform event being handled: nobody asked, so there is no actor to answer."""

    event: Event
    session: AsyncSession
    services: Services


EventHandler = Callable[[EventTurn], Awaitable[None]]


@dataclass(frozen=True)
class CommandRoute:
    command: str
    word: str | None
    """The first word after the command, or None for the command's fallback."""
    handler: Handler


class Routes:
    """Which handler answers which command, button, form and platform event: the wiring alone.

    Registering a route needs no database or chat platform, so the routes can be listed
    without running anything (the Slack and Teams app manifests do); a feature's `register`
    only wires handlers, and a handler finds the services in its `Turn`.
    """

    def __init__(self) -> None:
        self._commands: dict[tuple[str, str | None], CommandRoute] = {}
        self._buttons: dict[str, Handler] = {}
        self._forms: dict[str, Handler] = {}
        self._form_checks: dict[str, FormCheck] = {}
        self._events: dict[type, EventHandler] = {}

    def on_command(self, command: str, word: str | None, handler: Handler) -> None:
        self._commands[(command, word)] = CommandRoute(command, word, handler)

    def on_button(self, action_id: str, handler: Handler) -> None:
        self._buttons[action_id] = handler

    def on_form(self, callback_id: str, handler: Handler,
                validate: FormCheck | None = None) -> None:
        """`handler` runs for a submission of the form; `validate`, when given, runs first
        and synchronously, so the platform can show its errors in the form itself."""
        self._forms[callback_id] = handler
        if validate is not None:
            self._form_checks[callback_id] = validate

    def on_event(self, kind: type[Event], handler: EventHandler) -> None:
        self._events[kind] = handler

    @property
    def commands(self) -> list[str]:
        """Every command name listened to, such as ``touchpoint`` and ``complain``."""
        return sorted({route.command for route in self._commands.values()})

    @property
    def command_usages(self) -> list[str]:
        """``command word`` for each routed word, for help texts."""
        return sorted(f"{r.command} {r.word}" for r in self._commands.values() if r.word)

    def words(self, command: str) -> list[str]:
        """The words routed after `command` (``help`` after ``touchpoint``)."""
        return sorted(r.word for r in self._commands.values() if r.command == command and r.word)

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

    def event_handler_for(self, event: Event) -> EventHandler | None:
        return self._events.get(type(event))

    def form_check_for(self, intent: FormSubmit) -> FormCheck | None:
        return self._form_checks.get(intent.callback_id)


class Dispatcher(Routes):
    """The routes of a running application, and the turns that run their handlers."""

    def __init__(self, services: Services, *, concurrency: int = MAX_CONCURRENT_TURNS):
        super().__init__()
        self.services = services
        self._in_flight: set[asyncio.Task] = set()
        self._slots = asyncio.Semaphore(concurrency)

    async def drain(self, within_s: float) -> None:
        """Wait, at most `within_s` seconds, for handlers still running (used at shut-down)."""
        pending = {task for task in self._in_flight if not task.done()}
        if pending:
            log.info("waiting for %d handler(s) to finish", len(pending))
            _done, still = await asyncio.wait(pending, timeout=within_s)
            if still:
                log.warning("%d handler(s) did not finish within %.0fs", len(still), within_s)

    async def dispatch(self, intent: Intent | Event) -> None:
        """Run the handler registered for what a person asked, or for a platform event. A
        failure is logged; the person who asked gets an apology (an event has nobody to tell)."""
        name = _intent_name(intent)
        work = self._work_for(intent)
        if work is None:
            log.warning("no handler for %s", name)
            return
        try:
            async with self._turn(name) as session:
                await work(session)
        except Exception:
            log.exception("handler for %s failed", name)
            if not isinstance(intent, Event):
                await self._apologise(intent.origin)

    def _work_for(self, intent: Intent | Event) -> Callable[[AsyncSession], Awaitable[None]] | None:
        """What a turn runs in its session: the registered handler, given a `Turn` with the
        actor loaded first or, for a platform event, an `EventTurn`; None if none is registered."""
        if isinstance(intent, Event):
            on_event = self.event_handler_for(intent)
            if on_event is None:
                return None
            return lambda session: on_event(EventTurn(intent, session, self.services))
        handler = self.handler_for(intent)
        if handler is None:
            return None

        async def as_actor(session: AsyncSession) -> None:
            actor = await self._actor(session, intent)
            await handler(Turn(intent, actor, session, self.services))
        return as_actor

    async def check_form(self, intent: FormSubmit) -> Form | None:
        """Validate a submission with its form's check: the form to show again with its
        errors, or None when the handler may run (also when the check itself failed, which
        leaves the handler to refuse kindly)."""
        check = self.form_check_for(intent)
        if check is None:
            return None
        # The check runs on in its own task when it is late (so its session still closes
        # cleanly, however long the database makes that wait), and the platform is answered.
        running = asyncio.ensure_future(self._run_check(check, intent))
        try:
            return await asyncio.wait_for(asyncio.shield(running), FORM_CHECK_TIMEOUT_S)
        except TimeoutError:
            log.warning("form check for %s took over %.0fs; left to its handler",
                        intent.callback_id, FORM_CHECK_TIMEOUT_S)
            return None

    async def _run_check(self, check: FormCheck, intent: FormSubmit) -> Form | None:
        try:
            async with self._turn(f"check:{intent.callback_id}") as session:
                actor = await self._actor(session, intent)
                return await check(Turn(intent, actor, session, self.services))
        except Exception:
            log.exception("form check for %s failed", intent.callback_id)
            return None

    @asynccontextmanager
    async def _turn(self, name: str) -> AsyncIterator[AsyncSession]:
        """One handler run: waited for at shut-down, timed, in one session committed at the end."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        started = time.perf_counter()
        try:
            async with self._slots, self.services.sessions() as session:
                yield session
                await session.commit()
        finally:
            self.services.metrics.handler_seconds.labels(name).observe(
                time.perf_counter() - started)

    async def _actor(self, session: AsyncSession, intent: Intent) -> Person:
        origin = intent.origin
        assert origin is not None, "every inbound intent carries its origin"
        # Each step ends its transaction: on SQLite every transaction holds the write lock,
        # and neither the platform lookup below nor the handler's chat calls should hold it.
        person = await directory.find_by_platform_id(session, origin.platform, origin.user_id)
        await session.commit()
        if person is not None and person.active:
            return person
        profile = intent.profile or await self.services.chat.profile(origin.platform,
                                                                     origin.user_id)
        if profile is None:
            profile = Profile(platform=origin.platform, user_id=origin.user_id, display_name="")
        try:
            person = await directory.upsert_profile(session, self.services.settings.app, profile)
            await session.commit()
        except IntegrityError:
            # Their first two requests arrived together and the other one added them.
            await session.rollback()
            person = await directory.find_by_platform_id(session, origin.platform,
                                                         origin.user_id)
            await session.commit()
            if person is None:
                raise
        return person

    async def _apologise(self, origin: Origin | None) -> None:
        if origin is None:
            return
        try:
            await self.services.chat.reply_privately(origin, Message("errors/unexpected"))
        except Exception:
            log.exception("could not tell the person about the failure")


def _intent_name(intent: Intent | Event) -> str:
    match intent:
        case Command(command=command, word=word):
            return f"command:{command} {word}".strip()
        case ButtonPress(action_id=action_id):
            return f"button:{action_id}"
        case FormSubmit(callback_id=callback_id):
            return f"form:{callback_id}"
    return type(intent).__name__
