"""Button clicks in messages: acknowledge, then run the handler for the action id (a repeated
button's copy number, `bot.slack.render.ACTION_COPY`, included) after other requests'
acknowledgements (`bot.slack.ack_first`)."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.handlers.dispatcher import Dispatcher
from bot.slack.ack_first import AckFirst
from bot.slack.intents import button_intent
from bot.slack.render import ACTION_COPY


def register(app: AsyncApp, dispatcher: Dispatcher, acks: AckFirst) -> None:
    async def on_action(ack: AsyncAck, body: dict) -> None:
        await ack()
        acks.after_ack(lambda: dispatcher.dispatch(button_intent(body)))

    for action_id in dispatcher.action_ids:
        app.action(re.compile(rf"^{re.escape(action_id)}(?:{re.escape(ACTION_COPY)}\d+)?$"))(
            on_action)
