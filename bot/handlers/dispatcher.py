"""The dispatcher, the one way in: every entry hands what arrived to it, as a neutral value
from `bot.intents`, and it runs the handler registered for that in one turn.

The entries are the chat adapters (an intent: a person asked; or a platform event), the
scheduler (`Scheduled`: a run it claimed) and the ticket webhook (`TicketEventReceived`).
A turn opens one database session, loads the acting person for an intent (from the process's
cache when it holds them, `storage.people_cache`; creating them from their platform profile on
first contact, committed at once; noting the platform they acted on,
`bot.chat.outbox.note_actor`, and the language it gave), puts the language they read into the
intent's origin (`in_reader_language`, so private answers and forms are in it), runs the
handler and commits
(a failure rolls back). Every turn is timed in ``touchpoint_handler_seconds`` and waited for
at shut-down. A handler that fails is logged for the operator, once per outage when the
database cannot be reached (`storage.outage`): a person who asked gets a kind apology, never
a stack trace (in an outage, to try again in a moment); a platform event has nobody to tell;
a caller that waits on the result (the scheduler, the webhook, through `run`) gets
`HandlerFailed` or `DatabaseUnavailable`.

Handlers are bounded in lanes, so that no entry starves another: the rest wait their turn in
order, instead of all competing for the event loop and the database pool until some time out.
Slack is acknowledged before its handler runs, so a burst can start turns faster than they
finish; a scheduled job may run for minutes; a service desk may send hundreds of events at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from msrest.exceptions import ClientRequestError
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.failures import platform_failure, unreachable
from bot.chat.message import Form, Message
from bot.chat.outbox import note_actor
from bot.chat.port import Origin, Profile
from bot.chat.router import in_language, reader_locale
from bot.flows.directory import people as directory
from bot.handlers.routes import (
    EventTurn,
    FormCheck,
    Routes,
    ScheduledTurn,
    ScheduleRoute,
    Turn,
    entry_name,
)
from bot.intents import Awaited, Event, FormSubmit, Intent, Scheduled, TicketEventReceived
from bot.plurals import plural
from bot.services import Services
from storage.directory import find_by_platform_id, note_locale, note_platform
from storage.models import Person
from storage.outage import is_unavailable
from storage.people_cache import find_person, keep_committed
from storage.transactions import close, commit_if_any, reading_only, used_database

log = logging.getLogger(__name__)

MAX_CONCURRENT_TURNS = 16
"""Chat turns (intents and platform events) at once: below PostgreSQL's pool of 20
connections, so the other lanes and /healthz always get one."""

MAX_SCHEDULED_RUNS = 4
"""Scheduled runs at once, in a lane of their own: an hourly directory sync reading a whole
workspace, or a pulse opening to the whole organisation, takes minutes and must not hold a
chat slot meanwhile (nor may a burst of chat delay a claimed run past its slot). Four lets the
every-minute jobs run beside a long one or two; a batch job holds one connection at a time
(see `ScheduledTurn`), so 16 + 4 stay within the pool."""

MAX_TICKET_EVENTS = 100
"""Ticket events at once, in a lane of their own, so a desk's burst (a bulk close) never queues
people's turns behind it. Their turns hold no connection of their own (the intake writes all
waiting events in one session per batch), so the bound only caps how many wait to be batched:
as many as the intake writes in one batch (`bot.flows.tickets.intake.MAX_BATCH`)."""

FORM_CHECK_TIMEOUT_S = 1.5
"""Slack wants a form's answer within 3 seconds, counted over the whole request (and Bolt gives
up on an ack after 3 seconds): a check that takes longer than half of that is given up, leaving
a busy process the rest to answer (the handler checks again and answers the person itself)."""


def in_reader_language(intent: Intent, actor: Person) -> Intent:
    """`intent` with its origin in the language `actor` reads (their choice in settings, else
    what their platform gives, else the organisation's: `reader_locale`), so whatever answers
    it through the chat port (a private reply, a form) is in that language."""
    origin = intent.origin
    assert origin is not None, "every inbound intent carries its origin"
    locale = reader_locale(actor) or origin.locale
    if locale == origin.locale:
        return intent
    return dataclasses.replace(intent, origin=dataclasses.replace(origin, locale=locale))


class HandlerFailed(Exception):
    """The handler of something a caller waits on failed; the dispatcher has logged why."""


class DatabaseUnavailable(HandlerFailed):
    """It failed because the database could not be reached: worth trying again shortly."""


class PlatformUnreachable(HandlerFailed):
    """It failed because the Teams service URL it answers at could not be connected to
    (refused, or a name that does not resolve): an apology would go the same way, so nobody is
    told."""


class Dispatcher(Routes):
    """The routes of a running application, and the turns that run their handlers."""

    def __init__(self, services: Services, *, concurrency: int = MAX_CONCURRENT_TURNS,
                 scheduled_concurrency: int = MAX_SCHEDULED_RUNS,
                 ticket_concurrency: int = MAX_TICKET_EVENTS):
        super().__init__()
        self.services = services
        self._in_flight: set[asyncio.Task] = set()
        self._turns = 0
        self._chat_slots = asyncio.Semaphore(concurrency)
        self._scheduled_slots = asyncio.Semaphore(scheduled_concurrency)
        self._ticket_slots = asyncio.Semaphore(ticket_concurrency)

    @property
    def schedule_routes(self) -> list[ScheduleRoute]:
        """Every scheduled job of this application, those its app.yaml defines included."""
        return self.schedules(self.services.settings.app)

    @property
    def turns(self) -> int:
        """Turns started and not finished (those waiting for a slot of their lane included)."""
        return self._turns

    async def drain(self, within_s: float) -> None:
        """Wait, at most `within_s` seconds, for handlers still running (used at shut-down)."""
        pending = {task for task in self._in_flight if not task.done()}
        if pending:
            log.info("waiting for %s to finish", plural(len(pending), "handler"))
            _done, still = await asyncio.wait(pending, timeout=within_s)
            if still:
                log.warning("%s did not finish within %.0fs", plural(len(still), "handler"),
                            within_s)

    async def dispatch(self, intent: Intent | Event) -> None:
        """Run the handler registered for what a person asked, or for a platform event. A
        failure is logged; the person who asked gets an apology (an event has nobody to tell)."""
        work = self._work_for(intent)
        if work is None:
            log.warning("no handler for %s", entry_name(intent))
            return
        try:
            await self._run_turn(intent, work)
        except HandlerFailed as failure:
            if not isinstance(intent, Event) and not isinstance(failure, PlatformUnreachable):
                # The database away (a restart, a failover) passes in seconds: say so.
                await self._apologise(intent.origin, "errors/try_again"
                                      if isinstance(failure, DatabaseUnavailable)
                                      else "errors/unexpected")

    async def run(self, awaited: Awaited) -> Any:
        """Run the handler of a claimed scheduled run or a ticket event, and return what it
        returned. A failure is logged and raised as `HandlerFailed` (`DatabaseUnavailable`
        when the database could not be reached)."""
        work = self._work_for(awaited)
        if work is None:
            raise LookupError(f"no handler for {entry_name(awaited)}")
        return await self._run_turn(awaited, work)

    async def _run_turn(self, entry: Intent | Event | Awaited,
                        work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        name = entry_name(entry)
        try:
            async with self._turn(name, self._lane(entry)) as session:
                result = await work(session)
                used = used_database(session)
        except Exception as error:
            raise self._failure(name, error) from error
        # A chat turn answered from the people cache alone proves nothing about the database;
        # a scheduled run or a ticket event works in sessions of its own, and succeeded.
        if used or isinstance(entry, Scheduled | TicketEventReceived):
            self.services.outage.reached()
        return result

    def _failure(self, name: str, error: Exception) -> HandlerFailed:
        """Log a handler's failure (an outage only when it begins) and say what it was."""
        if is_unavailable(error):
            self.services.outage.failed(error, name)
            return DatabaseUnavailable(name)
        where = unreachable(error) if isinstance(error, ClientRequestError) else None
        if where is not None:
            # A Teams service URL refusing connections (or not resolving), which is where an
            # apology would go too. What the turn committed stays (flows commit before they
            # answer), and what it put in the outbox is sent when the address answers again:
            # a warning, no trace. (Slack answers through a response_url, elsewhere.)
            log.warning("handler for %s failed: cannot reach %s", name, where)
            return PlatformUnreachable(name)
        platform = platform_failure(error)
        if platform is not None:
            # A platform down or a token refused: the line says it all; the trace is for debug.
            log.error("handler for %s failed: %s", name, platform)
            log.debug("handler for %s failed", name, exc_info=error)
        else:
            log.error("handler for %s failed", name, exc_info=error)
        return HandlerFailed(name)

    def _lane(self, entry: Intent | Event | Awaited) -> asyncio.Semaphore:
        if isinstance(entry, Scheduled):
            return self._scheduled_slots
        if isinstance(entry, TicketEventReceived):
            return self._ticket_slots
        return self._chat_slots

    def _work_for(self, entry: Intent | Event | Awaited
                  ) -> Callable[[AsyncSession], Awaitable[Any]] | None:
        """What a turn runs in its session: the registered handler, given a `Turn` with the
        actor loaded first, an `EventTurn` or a `ScheduledTurn`; None if none is registered."""
        if isinstance(entry, Scheduled):
            route = next((r for r in self.schedule_routes if r.job == entry.job), None)
            if route is None:
                return None
            return lambda session: route.handler(ScheduledTurn(entry, session, self.services))
        if not isinstance(entry, Intent):
            on_event = self.event_handler_for(entry)
            if on_event is None:
                return None
            return lambda session: on_event(EventTurn(entry, session, self.services))
        intent = entry
        handler = self.handler_for(intent)
        if handler is None:
            return None

        async def as_actor(session: AsyncSession) -> None:
            actor = await self._actor(session, intent)
            platform = intent.origin.platform  # type: ignore[union-attr] - _actor checked it
            # Where they act is where their DMs go next (unless they chose), and where the
            # answers to this action go.
            noted = await note_platform(session, actor, platform)
            if await note_locale(session, actor, intent.origin.locale) or noted:  # type: ignore[union-attr]
                await session.commit()
                keep_committed(session, platform, intent.origin.user_id, actor)
            note_actor(session, actor, platform)
            await handler(Turn(in_reader_language(intent, actor), actor, session,
                               self.services))
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
        name = f"check:{intent.callback_id}"
        try:
            async with self._turn(name, self._chat_slots) as session:
                actor = await self._actor(session, intent)
                await reading_only(session)  # a check writes nothing (see FormCheck)
                again = await check(Turn(in_reader_language(intent, actor), actor, session,
                                         self.services))
                return None if again is None else in_language(again, reader_locale(actor))
        except Exception as error:
            if is_unavailable(error):
                self.services.outage.failed(error, name)
            else:
                log.exception("form check for %s failed", intent.callback_id)
            return None

    @asynccontextmanager
    async def _turn(self, name: str, lane: asyncio.Semaphore) -> AsyncIterator[AsyncSession]:
        """One handler run: waited for at shut-down, timed, in one session committed at the end,
        once a slot of its lane is free."""
        # The task is waited for while its turn runs, not for as long as it lives: one that
        # goes on after its turn (the demo's, which then stops the server) would otherwise
        # wait at shut-down for itself, the whole drain timeout.
        task = asyncio.current_task()
        outermost = task is not None and task not in self._in_flight
        if outermost:
            self._in_flight.add(task)
        started = time.perf_counter()
        self._turns += 1
        try:
            async with lane:
                session = self.services.sessions()
                try:
                    yield session
                    # A batch job's session, a ticket event's (their work has sessions of its
                    # own), a turn's answered from caches: nothing to commit, nor to give back.
                    await commit_if_any(session)
                finally:
                    await close(session)
        finally:
            self._turns -= 1
            if outermost:
                self._in_flight.discard(task)
            self.services.metrics.handler_seconds.labels(name).observe(
                time.perf_counter() - started)

    async def _actor(self, session: AsyncSession, intent: Intent) -> Person:
        origin = intent.origin
        assert origin is not None, "every inbound intent carries its origin"
        # Each step ends its transaction: on SQLite every transaction holds the write lock,
        # and neither the platform lookup below nor the handler's chat calls should hold it.
        # Someone met before comes from the process's cache, with no round trip at all, and
        # otherwise is read without a transaction.
        person = await find_person(session, origin.platform, origin.user_id, alone=True)
        await commit_if_any(session)
        if person is not None and person.active:
            return person
        profile = intent.profile or await self.services.chat.profile(origin.platform,
                                                                     origin.user_id)
        if profile is None:
            profile = Profile(platform=origin.platform, user_id=origin.user_id, display_name="")
        try:
            person = await directory.upsert_profile(session, self.services.settings.app, profile)
            await session.commit()
            keep_committed(session, origin.platform, origin.user_id, person)
        except IntegrityError:
            # Their first two requests arrived together and the other one added them.
            await session.rollback()
            person = await find_by_platform_id(session, origin.platform, origin.user_id)
            await session.commit()
            if person is None:
                raise
        return person

    async def _apologise(self, origin: Origin | None, template: str) -> None:
        if origin is None:
            return
        try:
            await self.services.chat.reply_privately(origin, Message(template))
        except Exception as error:
            platform = platform_failure(error)
            if platform is None:
                log.exception("could not tell the person about the failure")
            else:
                log.warning("could not tell the person about the failure: %s", platform)
