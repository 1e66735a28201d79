"""The aiohttp application: routes, the objects behind them, start-up and shut-down.

`create_app(settings)` builds everything (engine, chat adapters, Bolt app, dispatcher,
scheduler, outbox sender) and nothing happens at import time, so every test gets a fresh
application. Every entry (Slack, Teams, the ticket webhook, the scheduler) hands what arrived
to the one dispatcher. Shut-down stops the scheduler and taking requests, lets in-flight
scheduled runs and handlers finish within a bound, stops the outbox sender, then closes the
database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.chat.pacer import Throttles
from bot.chat.port import PlatformChat
from bot.chat.router import Chat
from bot.chat.sender import OutboxSender
from bot.chat.templates import templates_for
from bot.config import Settings
from bot.handlers import build_dispatcher
from bot.handlers.dispatcher import Dispatcher
from bot.metrics import Metrics
from bot.scheduler import Scheduler
from bot.services import Clock, Services
from bot.slack.access import SlackAccess
from bot.slack.ack_first import AckFirst
from bot.slack.app import build_bolt_app
from bot.slack.chat import SlackChat
from bot.slack.client import make_client
from bot.slack.guard import ParsedRequest, Rejected, check_slack_request
from bot.slack.render import SlackRenderer
from bot.web.board import add_board_routes
from bot.web.images import ImageLinks, add_image_route
from bot.web.json_limits import MAX_BODY_BYTES
from bot.web.pages import add_page_routes
from bot.webhooks.route import add_ticket_webhook
from storage.engine import create_engine, session_factory
from storage.outage import RETRY_AFTER_S, Outage
from storage.people_cache import follow_versions

log = logging.getLogger(__name__)

SERVICES = web.AppKey("services", Services)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
BOLT = web.AppKey("bolt", AsyncApp)
SOCKET_MODE = web.AppKey("socket_mode", AsyncSocketModeHandler)
SCHEDULER = web.AppKey("scheduler", Scheduler)
ACKS = web.AppKey("acks", AckFirst)
HEALTH_TIMEOUT_S = 2.0
DRAIN_TIMEOUT_S = 20.0
LATE_DRAIN_TIMEOUT_S = 5.0
SCHEDULER_STOP_TIMEOUT_S = 10.0
OUTBOX_SENDER = web.AppKey("outbox_sender", OutboxSender)
OUTBOX_SENDER_STOP_TIMEOUT_S = 10.0


def _system_clock() -> datetime:
    return datetime.now(UTC)


@web.middleware
async def _measure(request: web.Request,
                   handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    """Count and time every request by its route, and never leak a stack trace."""
    metrics: Metrics = request.app[SERVICES].metrics
    route = request.match_info.route.resource
    name = route.canonical if route is not None else "unmatched"
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, name)
        return web.json_response({"error": "internal error"}, status=500)
    finally:
        metrics.requests.labels(name, str(status)).inc()
        metrics.request_seconds.labels(name).observe(time.perf_counter() - started)


def create_app(settings: Settings, *, clock: Clock = _system_clock,
               scheduler: bool = True, outbox_sender: bool = True) -> web.Application:
    """The application; `scheduler=False` leaves out the scheduler and its jobs, and
    `outbox_sender=False` the sender of the outbox (nothing recorded there is sent)."""
    metrics = Metrics()
    outage = Outage()
    throttles = Throttles()
    engine = create_engine(settings.secrets.database_url.get_secret_value())
    sessions = session_factory(engine)
    platforms: list[PlatformChat] = []
    slack_client = slack_chat = None
    if settings.secrets.slack_enabled:
        token = settings.secrets.slack_bot_token
        secret = token.get_secret_value() if token else None
        slack_client = make_client(secret, settings.secrets.slack_api_url, metrics, throttles,
                                   access=SlackAccess(sessions, secret or ""))
        slack_chat = SlackChat(slack_client, metrics, SlackRenderer(
            templates_for("slack", settings.app.organisation.locale)))
        platforms.append(slack_chat)
    teams_adapter = None
    image_links = ImageLinks(sessions, settings.secrets, clock)
    if settings.secrets.teams_enabled:
        # Imported only with Teams on: the Bot Framework SDK takes a good part of a second
        # to load, which a Slack-only deployment (and every CLI command) need not wait for.
        from bot.teams.adapter import build_adapter
        from bot.teams.chat import TeamsChat

        teams_adapter = build_adapter(settings, metrics, outage)
        platforms.append(TeamsChat(teams_adapter, settings, sessions, metrics,
                                   links=image_links, throttles=throttles))
    services = Services(settings=settings, engine=engine, sessions=sessions,
                        chat=Chat(*platforms), metrics=metrics, clock=clock, outage=outage,
                        throttles=throttles)
    metrics.background_tasks.set_function(lambda: services.background.running)
    dispatcher = build_dispatcher(services)

    app = web.Application(middlewares=[_measure], client_max_size=MAX_BODY_BYTES)
    app[SERVICES] = services
    app[DISPATCHER] = dispatcher
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/livez", _livez)
    app.router.add_get("/metrics", _metrics)
    add_ticket_webhook(app, dispatcher)
    add_image_route(app, image_links)
    add_board_routes(app, services)
    add_page_routes(app, settings.app)
    acks = AckFirst()
    app[ACKS] = acks
    if slack_client is not None:
        bolt = build_bolt_app(settings, slack_client, dispatcher, acks)
        app[BOLT] = bolt
        secret = settings.secrets.slack_signing_secret
        if secret is not None:
            verifier = SignatureVerifier(secret.get_secret_value())
            app.router.add_post("/slack/events", _slack_route(bolt, verifier, acks))
        app_token = settings.secrets.slack_app_token
        if app_token is not None:
            app.on_startup.append(_socket_mode_connect(bolt, app_token.get_secret_value()))
            # Closed before the drain below, so no new envelope arrives while handlers finish.
            app.on_shutdown.append(_socket_mode_close)
    if teams_adapter is not None:
        from bot.teams.bot import TouchpointBot
        from bot.teams.route import teams_route

        app.router.add_post("/api/messages", teams_route(
            teams_adapter, TouchpointBot(dispatcher),
            authenticated=settings.secrets.microsoft_app_id is not None))

    if scheduler:
        app[SCHEDULER] = Scheduler(dispatcher)
        app.on_startup.append(_start_scheduler)
        # Before the drain below: no new runs start while handlers finish.
        app.on_shutdown.append(_stop_scheduler)

    if outbox_sender:
        # Stopped after the drain below: what the last handlers record is still sent, or
        # left pending for the next start (or another replica) if it is not claimed in time.
        app[OUTBOX_SENDER] = OutboxSender(services)
        app.on_startup.append(_start_outbox_sender)

    async def drain(_app: web.Application) -> None:
        started = time.monotonic()
        # Acknowledged Slack work still waiting its turn has not reached the dispatcher yet.
        await acks.drain(DRAIN_TIMEOUT_S)
        await dispatcher.drain(max(0.0, DRAIN_TIMEOUT_S - (time.monotonic() - started)))
        # Handlers may have started background work: it shares what is left of the time.
        await services.background.drain(max(0.0, DRAIN_TIMEOUT_S - (time.monotonic() - started)))

    async def drain_late_background(_app: web.Application) -> None:
        # Requests still being answered after the drain above (aiohttp waits for them after
        # on_shutdown) may have started background work: it needs the chat session and the
        # database closed below.
        await services.background.drain(LATE_DRAIN_TIMEOUT_S)

    async def follow_directory(_app: web.Application) -> AsyncIterator[None]:
        # Other replicas' changes to people reach this one's cache (storage.people_cache).
        following = asyncio.create_task(follow_versions(sessions))
        yield
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following

    async def close_database(_app: web.Application) -> None:
        await engine.dispose()

    app.on_shutdown.append(drain)
    if outbox_sender:
        app.on_shutdown.append(_stop_outbox_sender)
    app.on_cleanup.append(drain_late_background)
    if slack_chat is not None:
        app.on_startup.insert(0, lambda _app: slack_chat.open())
        app.on_cleanup.append(lambda _app: slack_chat.close())
    app.cleanup_ctx.append(follow_directory)
    app.on_cleanup.append(close_database)
    return app


async def _start_outbox_sender(app: web.Application) -> None:
    app[OUTBOX_SENDER].start()


async def _stop_outbox_sender(app: web.Application) -> None:
    await app[OUTBOX_SENDER].stop(OUTBOX_SENDER_STOP_TIMEOUT_S)


async def _start_scheduler(app: web.Application) -> None:
    app[SCHEDULER].start()


async def _stop_scheduler(app: web.Application) -> None:
    await app[SCHEDULER].shutdown(SCHEDULER_STOP_TIMEOUT_S)


def _socket_mode_connect(bolt: AsyncApp, app_token: str):
    """Receive Slack's requests over a Socket Mode WebSocket, into the same listeners."""

    async def connect(app: web.Application) -> None:
        # Built here, inside the running loop its aiohttp session will belong to.
        handler = AsyncSocketModeHandler(bolt, app_token)
        app[SOCKET_MODE] = handler
        await handler.connect_async()
        log.info("connected to Slack in Socket Mode")

    return connect


async def _socket_mode_close(app: web.Application) -> None:
    await app[SOCKET_MODE].close_async()


def _slack_route(bolt: AsyncApp, verifier: SignatureVerifier, acks: AckFirst):
    async def slack_events(request: web.Request) -> web.Response:
        with acks.answering():
            return await answer(request)

    async def answer(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            checked = check_slack_request(verifier, request.headers, body)
        except Rejected as rejected:
            log.info("slack request refused: %s", rejected.reason)
            # A 400 says why, for whoever builds the request; a 401 says nothing.
            return web.Response(status=rejected.status,
                                text=rejected.reason + "\n" if rejected.status == 400 else "")
        try:
            bolt_request = ParsedRequest(checked, request.query_string, request.headers)
        except Exception as exc:
            # Signed and parsed, but with ids of the wrong kind where Bolt reads its context.
            log.info("slack request refused: unreadable by Bolt (%s)", type(exc).__name__)
            return web.Response(status=400, text="unreadable by Bolt\n")
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return slack_events


async def _livez(request: web.Request) -> web.Response:
    """Liveness: the process serves. It asks nothing of the database, so an outage there
    (which /healthz reports, for readiness) never gets the replica restarted."""
    return web.json_response({"status": "alive"})


async def _healthz(request: web.Request) -> web.Response:
    """Readiness: 200 while the database answers, 503 with Retry-After while it does not."""
    services = request.app[SERVICES]
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S):
            async with services.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as exc:
        services.outage.failed(exc, "the health check")
        return web.json_response({"status": "unavailable", "database": "unreachable"},
                                 status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
    services.outage.reached()
    return web.json_response({"status": "ok", "database": "ok"})


async def _metrics(request: web.Request) -> web.Response:
    metrics = request.app[SERVICES].metrics
    return web.Response(body=metrics.exposition(),
                        headers={"Content-Type": metrics.content_type})
