"""Modal submissions: acknowledge (closing the modal), then run the form's handler."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.handlers.dispatcher import Dispatcher
from bot.slack.intents import form_intent


def register(app: AsyncApp, dispatcher: Dispatcher) -> None:
    async def on_submit(ack: AsyncAck, body: dict) -> None:
        await ack()
        await dispatcher.dispatch(form_intent(body))

    for callback_id in dispatcher.callback_ids:
        app.view(callback_id)(on_submit)
