"""The Bolt AsyncApp: built per application, with its client pointed at `SLACK_API_URL`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.config import Settings
from bot.handlers.dispatcher import Dispatcher
from bot.slack.client import MeteredWebClient
from bot.slack.listeners import register_listeners


def build_bolt_app(settings: Settings, client: MeteredWebClient,
                   dispatcher: Dispatcher) -> AsyncApp:
    secrets = settings.secrets
    signing_secret = secrets.slack_signing_secret
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        # Answer 404 to what no listener handles, instead of raising.
        raise_error_for_unhandled_request=False,
        ignoring_self_events_enabled=True,
    )
    register_listeners(app, dispatcher)
    return app
