"""Modal submissions: check the form first and answer its errors inside the modal (Slack's
``response_action: errors``), else acknowledge (closing the modal) and run the form's handler.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.chat.templates import templates_for
from bot.handlers.dispatcher import Dispatcher
from bot.slack.ack_first import AckFirst
from bot.slack.intents import form_intent
from bot.slack.render import SlackRenderer


def register(app: AsyncApp, dispatcher: Dispatcher, acks: AckFirst) -> None:
    renderer = SlackRenderer(
        templates_for("slack", dispatcher.services.settings.app.organisation.locale))

    async def on_submit(ack: AsyncAck, body: dict) -> None:
        intent = form_intent(body)
        invalid = await dispatcher.check_form(intent)
        if invalid is not None and invalid.errors:
            await ack(response_action="errors", errors=renderer.form_errors(invalid))
            return
        await ack()
        acks.after_ack(lambda: dispatcher.dispatch(intent))

    for callback_id in dispatcher.callback_ids:
        app.view(callback_id)(on_submit)
