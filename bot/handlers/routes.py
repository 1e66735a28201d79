"""Routes: which handler answers which command, button, form, event and scheduled job, and
the turn each handler is given (`Turn`, `EventTurn`, `ScheduledTurn`).

Each feature's handler module registers its routes here (`register(routes)`); the running
application's `bot.handlers.dispatcher.Dispatcher` is a `Routes` that also runs them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form
from bot.chat.port import Origin
from bot.config import AppConfig
from bot.intents import (
    Awaited,
    ButtonPress,
    Command,
    Event,
    FormSubmit,
    Intent,
    Scheduled,
    TicketEventReceived,
)
from bot.services import Services
from storage.models import Person
from storage.transactions import reading_only


@dataclass
class Turn:
    intent: Intent
    actor: Person
    session: AsyncSession
    services: Services

    @property
    def command(self) -> Command:
        """The intent, for a handler routed by `Routes.on_command`."""
        assert isinstance(self.intent, Command)
        return self.intent

    @property
    def press(self) -> ButtonPress:
        """The intent, for a handler routed by `Routes.on_button`."""
        assert isinstance(self.intent, ButtonPress)
        return self.intent

    @property
    def submission(self) -> tuple[FormSubmit, Origin]:
        """The intent and where it came from, for a handler routed by `Routes.on_form`."""
        assert isinstance(self.intent, FormSubmit) and self.intent.origin is not None
        return self.intent, self.intent.origin


Handler = Callable[[Turn], Awaitable[None]]

FormCheck = Callable[[Turn], Awaitable[Form | None]]
"""Checks a submitted form before anything is done with it: None when it is valid, else the
form to show again, with what was typed and its `errors`. It must not write anything."""


@dataclass
class EventTurn:
    """An event being handled: nobody asked, so there is no actor to answer. A platform
    event's handler returns nothing; a ticket event's returns what the desk is answered."""

    event: Event | TicketEventReceived
    session: AsyncSession
    services: Services


EventHandler = Callable[[EventTurn], Awaitable[Any]]


@dataclass
class ScheduledTurn:
    """A claimed scheduled run being handled.

    `session` is the turn's, committed when the handler returns: enough for a job whose work
    fits in one transaction (pruning old claims). A batch job (the directory sync, the
    surveys due, a pulse opening to thousands) commits batch by batch instead, in this session
    (the directory sync does) or in sessions it opens itself, ``services.sessions()``, one per
    batch: the run is claimed, so no other replica does the same work, and one long
    transaction would hold SQLite's write lock, and PostgreSQL's row locks, for the whole job.
    Never two sessions with work in them at once: SQLite's one connection would wait on itself.
    """

    run: Scheduled
    session: AsyncSession
    services: Services

    @property
    def scheduled_for(self) -> datetime:
        return self.run.scheduled_for


ScheduledHandler = Callable[[ScheduledTurn], Awaitable[None]]


@dataclass(frozen=True)
class CommandRoute:
    command: str
    word: str | None
    """The first word after the command, or None for the command's fallback."""
    handler: Handler


@dataclass(frozen=True)
class ScheduleRoute:
    job: str
    """Unique across replicas and restarts: runs are claimed under it."""
    handler: ScheduledHandler
    trigger: Any
    """APScheduler's trigger name (``"cron"``, ``"interval"``, ``"date"``) or a trigger."""
    trigger_args: Mapping[str, Any] = field(default_factory=dict)


ConfiguredSchedules = Callable[[AppConfig], Iterable[ScheduleRoute]]
"""The jobs app.yaml defines (a recurring pulse each), read from the configuration."""


class Routes:
    """Which handler answers which command, button, form, event and scheduled job: the wiring
    alone.

    Registering a route needs no database or chat platform, so the routes can be listed
    without running anything (the Slack and Teams app manifests do); a feature's `register`
    only wires handlers, and a handler finds the services in its turn.
    """

    def __init__(self) -> None:
        self._commands: dict[tuple[str, str | None], CommandRoute] = {}
        self._buttons: dict[str, Handler] = {}
        self._forms: dict[str, Handler] = {}
        self._form_checks: dict[str, FormCheck] = {}
        self._events: dict[type, EventHandler] = {}
        self._schedules: dict[str, ScheduleRoute] = {}
        self._configured_schedules: list[ConfiguredSchedules] = []

    def on_command(self, command: str, word: str | None, handler: Handler, *,
                   reads_only: bool = False) -> None:
        """`reads_only`: the handler writes nothing, so its turn runs without a transaction
        (`storage.transactions.reading_only`; a write there fails)."""
        self._commands[(command, word)] = CommandRoute(
            command, word, _reading(handler) if reads_only else handler)

    def on_button(self, action_id: str, handler: Handler) -> None:
        self._buttons[action_id] = handler

    def on_form(self, callback_id: str, handler: Handler,
                validate: FormCheck | None = None) -> None:
        """`handler` runs for a submission of the form; `validate`, when given, runs first
        and synchronously, so the platform can show its errors in the form itself."""
        self._forms[callback_id] = handler
        if validate is not None:
            self._form_checks[callback_id] = validate

    def on_event(self, kind: type[Event | TicketEventReceived], handler: EventHandler) -> None:
        self._events[kind] = handler

    def on_schedule(self, job: str, handler: ScheduledHandler, trigger: Any,
                    **trigger_args: Any) -> None:
        """Run `handler` on `trigger`, once per fire time across all replicas.

        `trigger` and `trigger_args` are as for APScheduler's ``add_job``, in the organisation's
        time zone; `bot.scheduler` refuses what would give replicas different fire times:

            routes.on_schedule("digest.weekly", send_digest, "cron", day_of_week="mon", hour=9)
        """
        self._schedules[job] = ScheduleRoute(job, handler, trigger, trigger_args)

    def on_configured_schedules(self, schedules: ConfiguredSchedules) -> None:
        """Jobs that app.yaml defines, read from it when the application is built."""
        self._configured_schedules.append(schedules)

    def schedules(self, app: AppConfig) -> list[ScheduleRoute]:
        """Every scheduled job, with those `app` defines."""
        routes = list(self._schedules.values())
        for configured in self._configured_schedules:
            routes.extend(configured(app))
        return routes

    @property
    def commands(self) -> list[str]:
        """Every command name listened to, such as ``touchpoint`` and ``complain``."""
        return sorted({route.command for route in self._commands.values()})

    @property
    def command_usages(self) -> list[str]:
        """``command word`` for each routed word, and ``command`` for each command that
        takes words of its own (``kudos @ann thanks``), for help texts."""
        return sorted(f"{r.command} {r.word}" if r.word else r.command
                      for r in self._commands.values())

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

    def event_handler_for(self, event: Event | TicketEventReceived) -> EventHandler | None:
        return self._events.get(type(event))

    def form_check_for(self, intent: FormSubmit) -> FormCheck | None:
        return self._form_checks.get(intent.callback_id)


def _reading(handler: Handler) -> Handler:
    async def read(turn: Turn) -> None:
        await reading_only(turn.session)
        await handler(turn)
    return read


def entry_name(entry: Intent | Event | Awaited) -> str:
    """How logs and the handler metrics name what a turn handled."""
    match entry:
        case Command(command=command, word=word):
            return f"command:{command} {word}".strip()
        case ButtonPress(action_id=action_id):
            return f"button:{action_id}"
        case FormSubmit(callback_id=callback_id):
            return f"form:{callback_id}"
        case Scheduled(job=job):
            return f"schedule:{job}"
    return type(entry).__name__
