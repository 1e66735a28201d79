"""`touchpoint demo`: the real server, a throwaway SQLite database, the local Slack and Bot
Connector emulators, and the cast seeded everywhere; then the scenes, printed as a transcript.

Nothing is left behind: the servers stop and the temporary directory is removed on the way out,
whether the scenes finish or not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

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
from bot.server import DISPATCHER, SERVICES, create_app


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


async def play(scenes: Iterable[Scene], transcript: Transcript) -> None:
    with sandbox() as box:
        async with SlackEmulator() as slack, BotConnectorEmulator() as connector:
            _seed_emulators(slack, connector)
            settings = box.settings(slack_api_url=slack.url, teams_service_url=connector.url)
            app = create_app(settings)
            async with serve(app) as url:
                await _seed_directory(app)
                async with SlackSender(url, box.signing_secret,
                                       response_base=slack.response_url("")) as sender, \
                        aiohttp.ClientSession() as http, \
                        TicketSender(url, secret=box.webhook_secret) as tickets:
                    stage = Stage(transcript, url, slack, sender, connector, http, tickets,
                                  services=app[SERVICES], dispatcher=app[DISPATCHER])
                    transcript.intro()
                    for scene in scenes:
                        await scene(stage)
                    transcript.outro()


def run_demo() -> None:
    # The demo's Teams runs unauthenticated against a loopback emulator on purpose, so the
    # adapter's warning about it would only be noise; errors are still shown.
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(play(SCENES, Transcript()))
