"""What a turn does when its handler fails or is missing: a person who asked is logged and
apologised to; a platform event, which nobody asked for, is only logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.chat.message import Message
from bot.chat.port import Origin, Profile
from bot.handlers.dispatcher import Dispatcher
from bot.handlers.routes import EventTurn, Turn
from bot.intents import Command, ProfileChanged
from bot.metrics import Metrics
from bot.services import Services
from storage.engine import create_engine, session_factory
from storage.models import Person

ERIN = Origin("slack", "U0EMPL001")


class RecordingChat:
    """Answers profile look-ups and records what the dispatcher tells people."""

    def __init__(self) -> None:
        self.replies: list[tuple[Origin, Message]] = []

    async def profile(self, platform, user_id):
        return Profile(platform, user_id, "Erin")

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        self.replies.append((origin, message))


@pytest.fixture
async def chat_and_dispatcher(settings) -> AsyncIterator[tuple[RecordingChat, Dispatcher]]:
    engine = create_engine(settings.secrets.database_url.get_secret_value())
    chat = RecordingChat()
    services = Services(settings=settings, engine=engine, sessions=session_factory(engine),
                        chat=chat, metrics=Metrics(),  # type: ignore[arg-type]
                        clock=lambda: datetime.now(UTC))
    yield chat, Dispatcher(services)
    await engine.dispose()


async def _fails(turn: Turn | EventTurn) -> None:
    raise RuntimeError("the handler broke")


async def test_a_failing_command_is_logged_and_its_sender_gets_an_apology(
        chat_and_dispatcher, caplog):
    chat, dispatcher = chat_and_dispatcher
    dispatcher.on_command("touchpoint", "boom", _fails)

    with caplog.at_level(logging.ERROR, logger="bot.handlers.dispatcher"):
        await dispatcher.dispatch(Command("touchpoint", "boom", ERIN))

    assert [r.getMessage() for r in caplog.records] == [
        "handler for command:touchpoint boom failed"]
    assert [(origin, message.template) for origin, message in chat.replies] == [
        (ERIN, "errors/unexpected")]


async def test_a_failing_event_is_logged_and_nobody_is_told_or_added(
        chat_and_dispatcher, caplog):
    chat, dispatcher = chat_and_dispatcher
    seen: list[EventTurn] = []

    async def fails_after_seeing(turn: EventTurn) -> None:
        seen.append(turn)
        await _fails(turn)

    dispatcher.on_event(ProfileChanged, fails_after_seeing)
    event = ProfileChanged(Profile("slack", "U0EMPL002", "Finn"))

    with caplog.at_level(logging.ERROR, logger="bot.handlers.dispatcher"):
        await dispatcher.dispatch(event)

    assert [turn.event for turn in seen] == [event]
    assert [r.getMessage() for r in caplog.records] == ["handler for ProfileChanged failed"]
    assert chat.replies == []
    async with dispatcher.services.sessions() as session:
        assert (await session.exec(select(Person))).all() == []  # an event loads no actor


async def test_what_has_no_handler_is_warned_about_and_runs_nothing(
        chat_and_dispatcher, caplog):
    chat, dispatcher = chat_and_dispatcher

    with caplog.at_level(logging.WARNING, logger="bot.handlers.dispatcher"):
        await dispatcher.dispatch(Command("touchpoint", "nothing", ERIN))
        await dispatcher.dispatch(ProfileChanged(Profile("slack", "U0EMPL002", "Finn")))

    assert [r.getMessage() for r in caplog.records] == [
        "no handler for command:touchpoint nothing", "no handler for ProfileChanged"]
    assert chat.replies == []
    async with dispatcher.services.sessions() as session:
        assert (await session.exec(select(Person))).all() == []
