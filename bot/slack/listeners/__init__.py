"""Bolt listeners, one module per kind, each with a `register(app, dispatcher, acks)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.handlers.dispatcher import Dispatcher
from bot.slack.ack_first import AckFirst
from bot.slack.listeners import actions, commands, events, views


def register_listeners(app: AsyncApp, dispatcher: Dispatcher, acks: AckFirst) -> None:
    # Bolt tries the listeners in this order, each at some cost, and people's commands
    # come most often.
    commands.register(app, dispatcher, acks)
    events.register(app, dispatcher, acks)
    actions.register(app, dispatcher, acks)
    views.register(app, dispatcher, acks)
