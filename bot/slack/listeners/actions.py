"""Button clicks in messages: acknowledge, then run the handler for the action id."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.handlers.dispatcher import Dispatcher
from bot.slack.intents import button_intent


def register(app: AsyncApp, dispatcher: Dispatcher) -> None:
    async def on_action(ack: AsyncAck, body: dict) -> None:
        await ack()
        await dispatcher.dispatch(button_intent(body))

    for action_id in dispatcher.action_ids:
        app.action(action_id)(on_action)
