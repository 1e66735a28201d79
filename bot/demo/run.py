"""`touchpoint demo`: the real server, a throwaway SQLite database, the local Slack and Bot
Connector emulators, and the cast seeded everywhere; then the scenes, printed as a transcript.

Nothing is left behind: the servers stop and the temporary directory is removed on the way out,
whether the scenes finish or not.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable

import aiohttp
from aiohttp import web

from bot.demo.cast import CAST, TENANT
from bot.demo.sandbox import sandbox, serve
from bot.demo.scenes import SCENES, Scene
from bot.demo.stage import Stage
from bot.demo.transcript import Transcript
from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.emulators.teams import BotConnectorEmulator
from bot.emulators.tickets import TicketSender
from bot.intents import PeopleListed
from bot.server import ACKS, DISPATCHER, OUTBOX_SENDER, SERVICES, create_app

DEMO_SEED = 2026


def _seed_emulators(slack: SlackEmulator, connector: BotConnectorEmulator) -> None:
    for actor in CAST:
        if actor.slack_id:
            slack.add_user(**actor.slack_user())
        if actor.teams_id:
            connector.add_member(actor.teams_chat, id=actor.teams_account,
                                 name=actor.full_name, aad_object_id=actor.teams_id,
                                 email=actor.email, tenant_id=TENANT)


async def _seed_directory(app: web.Application) -> None:
    """The cast, as a platform listing its people would add them."""
    await app[DISPATCHER].dispatch(PeopleListed(tuple(actor.profile() for actor in CAST)))


def _same_every_run(app: web.Application) -> None:
    """Make the transcript the same at every run (but for the clock it shows): the outbox
    sends one message at a time, in the order they were recorded, rather than side by side in
    whatever order they happen to finish (Ann's pulse in Teams before or after the Slack
    ones), and the tokens in buttons, which name a pulse's reasons (#3fa94c1e), come from a
    seeded generator instead of the system's."""
    app[OUTBOX_SENDER].workers = 1
    seeded = random.Random(DEMO_SEED)  # noqa: S311 - a demonstration's tokens, not secrets
    app[SERVICES].tokens = lambda: seeded.randbytes(16).hex()


def _in_hand(app: web.Application) -> Callable[[], int]:
    """How much work the server has started and not finished: Slack work acknowledged (waiting
    for its turn or running), turns of the dispatcher, and background work."""
    acks, dispatcher, background = app[ACKS], app[DISPATCHER], app[SERVICES].background
    return lambda: acks.pending + dispatcher.turns + background.running


async def play(scenes: Iterable[Scene], transcript: Transcript) -> None:
    with sandbox() as box:
        async with SlackEmulator() as slack, BotConnectorEmulator() as connector:
            _seed_emulators(slack, connector)
            settings = box.settings(slack_api_url=slack.url, teams_service_url=connector.url)
            app = create_app(settings)
            _same_every_run(app)
            async with serve(app) as url:
                await _seed_directory(app)
                async with SlackSender(url, box.signing_secret,
                                       response_base=slack.response_url("")) as sender, \
                        aiohttp.ClientSession() as http, \
                        TicketSender(url, secret=box.webhook_secret) as tickets:
                    stage = Stage(transcript, url, slack, sender, connector, http, tickets,
                                  services=app[SERVICES], dispatcher=app[DISPATCHER],
                                  in_hand=_in_hand(app))
                    transcript.intro()
                    for scene in scenes:
                        await scene(stage)
                    transcript.outro()


def run_demo() -> None:
    # The demo's Teams runs unauthenticated against a loopback emulator on purpose, so the
    # adapter's warning about it would only be noise; errors are still shown.
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(play(SCENES, Transcript()))
