"""Events API deliveries: each event is handled once, however often Slack retries it, and
every signed delivery gets a 200, handled or not.

`EVENT_INTENTS` names every event type Touchpoint listens to: `register` gives each one its
listener, and the Slack app manifest subscribes to exactly these, so the two cannot drift.
Any other event (one subscribed by hand, or a type Slack sends unasked) is acknowledged and
dropped: Bolt would answer it 404, and Slack disables an app's subscriptions when too many
deliveries fail. ``app_rate_limited`` comes without an event wrapper, unasked, when Slack holds
back a workspace's events: it is logged and counted (`touchpoint_slack_rate_limited`).
An event's handler runs after other requests' acknowledgements (`bot.slack.ack_first`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers.dispatcher import Dispatcher
from bot.intents import Event, Intent, SlackAccessLost
from bot.slack.ack_first import AckFirst
from bot.slack.client import MeteredWebClient
from bot.slack.intents import access_lost, home_opened, profile_changed, reaction_changed
from storage.once import first_delivery

log = logging.getLogger(__name__)

EVENT_INTENTS: Mapping[str, Callable[[Mapping[str, Any]], Intent | Event | None]] = {
    "team_join": profile_changed,
    "user_change": profile_changed,
    "reaction_added": reaction_changed,
    "reaction_removed": reaction_changed,
    "app_home_opened": home_opened,
    "app_uninstalled": access_lost,
    "tokens_revoked": access_lost,
}
"""Each Events API type listened to, with the function (bot/slack/intents.py) that turns its
delivery into an intent, or None when it is nothing for Touchpoint (a bot's profile)."""


def register(app: AsyncApp, dispatcher: Dispatcher, acks: AckFirst) -> None:
    app.use(EachEventOnce(dispatcher))

    async def on_event(ack: AsyncAck, body: dict) -> None:
        await ack()
        intent = EVENT_INTENTS[body["event"]["type"]](body)
        if isinstance(intent, SlackAccessLost):
            # The app's own client: Bolt hands listeners a copy per request.
            cut_off(intent, app.client)
        if intent is not None:
            acks.after_ack(lambda: dispatcher.dispatch(intent))

    async def on_other_event(ack: AsyncAck) -> None:
        await ack()

    for event_type in EVENT_INTENTS:
        app.event(event_type)(on_event)
    # Last, so it only gets what no listener above matched.
    app.event(re.compile(".*"))(on_other_event)


class EachEventOnce(AsyncMiddleware):
    """Answers an ``app_rate_limited`` notice and a retried event delivery itself; passes on
    everything else. A middleware class, not a function: Bolt calls a function middleware
    with arguments it builds by inspecting it, for every request, commands included."""

    def __init__(self, dispatcher: Dispatcher):
        self._sessions = dispatcher.services.sessions
        self._metrics = dispatcher.services.metrics

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        kind = req.body.get("type")
        if kind == "app_rate_limited":
            team = str(req.body.get("team_id") or "")
            self._metrics.slack_rate_limited.labels(team).inc()
            log.warning("slack: events for workspace %s are being rate limited since %s "
                        "(app_rate_limited)", team, req.body.get("minute_rate_limited"))
            return BoltResponse(status=200, body="")
        event_id = req.body.get("event_id") if kind == "event_callback" else None
        if event_id:
            async with self._sessions() as session:
                first = await first_delivery(session, "slack-event", str(event_id))
                await session.commit()
            if not first:
                # Acknowledge the retry so Slack stops; the first delivery did the work.
                return BoltResponse(status=200, body="")
        return await next()


def cut_off(lost: SlackAccessLost, client: AsyncWebClient) -> None:
    """This replica stops calling Slack with the bot token at once when the app or the bot's
    token is gone (before the loss is even recorded: a database outage must not keep it
    calling); the other replicas learn it from the record (`bot.slack.access`)."""
    access = client.access if isinstance(client, MeteredWebClient) else None
    if access is not None and (lost.uninstalled or lost.bot_users):
        access.lost(lost.team_id, uninstalled=lost.uninstalled)
