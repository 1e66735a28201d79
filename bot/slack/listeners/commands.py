"""Slash commands: acknowledge at once, then hand the command to its handler."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.handlers.dispatcher import Dispatcher
from bot.slack.intents import command_intent


def register(app: AsyncApp, dispatcher: Dispatcher) -> None:
    async def on_command(ack: AsyncAck, body: dict) -> None:
        await ack()
        await dispatcher.dispatch(command_intent(body))

    for command in dispatcher.commands:
        app.command(f"/{command}")(on_command)
