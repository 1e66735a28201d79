"""Slash commands: acknowledge at once, then hand the command to its handler, after other
requests' acknowledgements (`bot.slack.ack_first`)."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.handlers.dispatcher import Dispatcher
from bot.slack.ack_first import AckFirst
from bot.slack.intents import command_intent


def register(app: AsyncApp, dispatcher: Dispatcher, acks: AckFirst) -> None:
    async def on_command(ack: AsyncAck, body: dict) -> None:
        await ack()
        acks.after_ack(lambda: dispatcher.dispatch(command_intent(body)))

    # One listener for them all: Bolt matches each listener in turn, at a cost per listener.
    names = "|".join(re.escape(command) for command in dispatcher.commands)
    app.command(re.compile(f"^/(?:{names})$"))(on_command)
