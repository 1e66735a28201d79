"""Events API deliveries: each event is handled once, however often Slack retries it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.handlers.dispatcher import Dispatcher
from storage.once import first_delivery


def register(app: AsyncApp, dispatcher: Dispatcher) -> None:
    sessions = dispatcher.services.sessions

    @app.middleware
    async def handle_each_event_once(req: AsyncBoltRequest, resp: BoltResponse,
                                     next: Callable[[], Awaitable[BoltResponse]]):
        event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
        if event_id:
            async with sessions() as session:
                first = await first_delivery(session, "slack-event", str(event_id))
                await session.commit()
            if not first:
                # Acknowledge the retry so Slack stops; the first delivery did the work.
                return BoltResponse(status=200, body="")
        return await next()
