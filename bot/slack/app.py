"""The Bolt AsyncApp: built per application, with its client pointed at `SLACK_API_URL`."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.logger import get_bolt_app_logger
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from bot.config import Settings
from bot.handlers.dispatcher import Dispatcher
from bot.slack.ack_first import AckFirst
from bot.slack.client import MeteredWebClient
from bot.slack.listeners import register_listeners

_TOKEN_SKIPPED = warning_client_prioritized_and_token_skipped()


def _not_token_skipped(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN from the environment on its own, then warns that it is unused
    # because a client is given too: the client carries that very token, so the warning
    # (printed by every command) says nothing.
    return record.getMessage() != _TOKEN_SKIPPED


class SharedClientApp(AsyncApp):
    """An AsyncApp whose requests carry the app's own client, not a copy per request.

    Since Bolt 1.15 every request gets a new AsyncWebClient, for listeners that change its
    token; building one reads the environment for a proxy, a real share of what a command
    costs under load. Touchpoint's listeners never change the token, and the app's client is
    the `MeteredWebClient` (counted, stopped once access is lost), which a copy is not.
    Otherwise the context is what `AsyncApp._init_context` makes (Bolt 1.30).
    """

    def _init_context(self, req: AsyncBoltRequest) -> None:
        req.context["logger"] = get_bolt_app_logger(app_name=self.name,
                                                     base_logger=self._base_logger)
        req.context["token"] = self._token
        req.context["client"] = self._async_client
        req.context["listener_runner"] = self.listener_runner


def build_bolt_app(settings: Settings, client: MeteredWebClient,
                   dispatcher: Dispatcher, acks: AckFirst) -> AsyncApp:
    """The app, whose listeners start their work once `acks` says the requests to
    `/slack/events` are acknowledged (`bot.slack.ack_first`)."""
    secrets = settings.secrets
    signing_secret = secrets.slack_signing_secret
    bolt_log = logging.getLogger(f"slack_bolt.{AsyncApp.__name__}")
    if _not_token_skipped not in bolt_log.filters:
        bolt_log.addFilter(_not_token_skipped)
    app = SharedClientApp(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        # Answer 404 to what no listener handles, instead of raising.
        raise_error_for_unhandled_request=False,
        # Answer as soon as a listener returns: each acknowledges and hands its work to
        # `acks.after_ack`, so none holds the answer (`bot.slack.ack_first`).
        process_before_response=True,
        ignoring_self_events_enabled=True,
    )
    register_listeners(app, dispatcher, acks)
    return app
