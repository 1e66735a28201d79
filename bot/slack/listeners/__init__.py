"""Bolt listeners, one module per kind, each with a `register(app, dispatcher)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.handlers.dispatcher import Dispatcher
from bot.slack.listeners import actions, commands, events, views


def register_listeners(app: AsyncApp, dispatcher: Dispatcher) -> None:
    events.register(app, dispatcher)
    commands.register(app, dispatcher)
    actions.register(app, dispatcher)
    views.register(app, dispatcher)
