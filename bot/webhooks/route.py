"""`POST /webhooks/tickets` and `GET /webhooks/tickets/openapi.json`.

A request is authenticated before anything else is looked at (401, empty, otherwise); then the
source is chosen (`?source=NAME`, or the only configured one), the body read with that
source's preset, and the event handed to the dispatcher as `TicketEventReceived`; its handler
(`bot.handlers.tickets`) says what became of it. Anything unreadable gets 400 with a one-line
reason as ``{"error": "..."}``, and nothing is written. While the database cannot be reached
the answer is 503 with ``Retry-After``, so the desk sends the event again later.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.flows.tickets.ingest import Inbound, delivery_key
from bot.handlers.dispatcher import DatabaseUnavailable, Dispatcher, HandlerFailed
from bot.intents import TicketEventReceived
from bot.web.json_limits import TooDeep, UnreadableJson, loads
from bot.webhooks.fields import BadEvent
from bot.webhooks.openapi import openapi_document
from bot.webhooks.presets import PRESETS, to_event
from bot.webhooks.signature import authentic
from storage.outage import RETRY_AFTER_S

log = logging.getLogger(__name__)

PATH = "/webhooks/tickets"


def add_ticket_webhook(app: web.Application, dispatcher: Dispatcher) -> None:
    services = dispatcher.services
    sources = services.settings.app.tickets.sources
    secrets = services.settings.secrets
    document = openapi_document()

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        if not authentic(request.headers, body, services.clock(),
                         secret=secrets.webhook_secret, token=secrets.webhook_token):
            log.info("ticket webhook: request refused (not signed or wrong token)")
            return web.Response(status=401)
        name = request.query.get("source")
        if name is None and len(sources) == 1:
            name = next(iter(sources))
        source = sources.get(name or "")
        if source is None:
            return _bad(f"source: {'say which with ?source=NAME' if name is None else 'unknown'}"
                        f" (one of {', '.join(sorted(sources))})")
        try:
            payload = loads(body)
        except TooDeep as exc:
            return _bad(f"body: JSON {exc}")
        except UnreadableJson:
            return _bad("body: not JSON")
        if not isinstance(payload, dict):
            return _bad("body: must be a JSON object")
        preset = PRESETS[source.preset]
        try:
            reported = preset.read(payload)
            event = to_event(reported, source, preset)
        except BadEvent as exc:
            return _bad(str(exc))
        inbound = Inbound(source=name, delivery=delivery_key(reported.event_id, body), event=event)
        try:
            ingested = await dispatcher.run(TicketEventReceived(inbound))
        except DatabaseUnavailable:
            return web.json_response({"error": "database unavailable"}, status=503,
                                     headers={"Retry-After": str(RETRY_AFTER_S)})
        except HandlerFailed:
            return web.json_response({"error": "internal error"}, status=500)
        return web.json_response({"outcome": ingested.outcome.value,
                                  "ticket": ingested.ticket_id})

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(document)

    async def warn_when_closed(_app: web.Application) -> None:
        if secrets.webhook_secret is None and secrets.webhook_token is None:
            log.warning("the ticket webhook refuses every request: set "
                        "TOUCHPOINT_WEBHOOK_SECRET or TOUCHPOINT_WEBHOOK_TOKEN")

    app.on_startup.append(warn_when_closed)
    app.router.add_post(PATH, receive)
    app.router.add_get(f"{PATH}/openapi.json", openapi)


def _bad(reason: str) -> web.Response:
    log.info("ticket webhook: bad request (%s)", reason)
    return web.json_response({"error": reason}, status=400)
