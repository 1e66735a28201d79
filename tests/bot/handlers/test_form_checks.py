"""Form checks: a route's `validate` runs before its handler and returns the form to show
again with its errors; a form without a check, or whose check fails, goes to its handler."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.chat.message import Form, TextField
from bot.chat.port import Origin, Profile
from bot.handlers import dispatcher as dispatcher_module
from bot.handlers.dispatcher import Dispatcher
from bot.handlers.routes import Turn
from bot.intents import FormSubmit


class NoChat:
    async def profile(self, platform, user_id):
        return Profile(platform, user_id, "someone")


@pytest.fixture
def chat() -> NoChat:
    return NoChat()


@pytest.fixture
def clock() -> None:
    """Checks read no time."""
    return None


@pytest.fixture
def dispatcher(services) -> Dispatcher:
    return Dispatcher(services)


def _submit(callback_id: str, **values: str) -> FormSubmit:
    return FormSubmit(callback_id, values, origin=Origin("slack", "U0FORMS01"),
                      submission_id="V1")


async def _handled(turn: Turn) -> None:
    raise AssertionError("checks never run the handler")


async def test_a_check_returns_the_form_with_errors_or_none(dispatcher):
    async def check(turn: Turn) -> Form | None:
        assert turn.actor.slack_user_id == "U0FORMS01"  # the actor is loaded for the check
        name = turn.intent.values.get("name", "")  # type: ignore[union-attr]
        if name:
            return None
        return Form("complaints/reply_form", "toy.form", (TextField("name", "text_label"),),
                    errors={"name": "error_text_empty"})

    dispatcher.on_form("toy.form", _handled, validate=check)

    invalid = await dispatcher.check_form(_submit("toy.form", name=""))
    valid = await dispatcher.check_form(_submit("toy.form", name="Ann"))

    assert invalid is not None and invalid.errors == {"name": "error_text_empty"}
    assert valid is None


async def test_no_check_or_a_failing_check_lets_the_handler_decide(dispatcher, caplog):
    async def broken(turn: Turn) -> Form | None:
        raise RuntimeError("boom")

    dispatcher.on_form("plain.form", _handled)
    dispatcher.on_form("broken.form", _handled, validate=broken)

    with caplog.at_level(logging.ERROR):
        assert await dispatcher.check_form(_submit("plain.form")) is None
        assert await dispatcher.check_form(_submit("broken.form")) is None
    assert "form check for broken.form failed" in caplog.text


async def test_a_late_check_is_given_up_so_the_platform_is_answered_in_time(
        dispatcher, monkeypatch, caplog):
    monkeypatch.setattr(dispatcher_module, "FORM_CHECK_TIMEOUT_S", 0.1)
    finished = asyncio.Event()

    async def slow(turn: Turn) -> Form | None:
        await asyncio.sleep(1.0)
        finished.set()
        return None

    dispatcher.on_form("slow.form", _handled, validate=slow)

    assert await dispatcher.check_form(_submit("slow.form")) is None
    assert not finished.is_set()  # answered without waiting for the check
    assert "form check for slow.form took over" in caplog.text
    # It still runs to the end (and closes its session) in the background.
    await asyncio.wait_for(finished.wait(), 2)
    await dispatcher.drain(2)
