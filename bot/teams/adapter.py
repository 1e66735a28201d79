"""The Bot Framework adapter: botbuilder's CloudAdapter, configured from Settings.

With ``MICROSOFT_APP_ID`` set, every inbound activity's JWT is validated and outbound calls
carry a token for the app (``MICROSOFT_APP_TENANT_ID`` makes it a single-tenant app). With
``TOUCHPOINT_TEAMS_DEV_MODE`` and no app id the adapter runs in emulator mode: nothing is
checked, which is for local emulators only, and is logged loudly at start-up.

A turn that fails is logged for the operator (a database outage once, not per activity: see
`storage.outage`); the person gets the kind apology template, never the error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ActivityTypes

from bot.chat.message import Message
from bot.chat.templates import templates_for
from bot.config import Settings
from bot.metrics import Metrics
from bot.teams.calls import call
from bot.teams.render import TeamsRenderer
from storage.outage import Outage, is_unavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The settings object ConfigurationBotFrameworkAuthentication reads, by its own names."""

    APP_ID: str | None = None
    APP_PASSWORD: str | None = None
    APP_TENANTID: str | None = None
    APP_TYPE: str = "MultiTenant"


def bot_framework_config(settings: Settings) -> BotFrameworkConfig:
    secrets = settings.secrets
    if not secrets.microsoft_app_id:
        return BotFrameworkConfig()
    password = secrets.microsoft_app_password
    tenant = secrets.microsoft_app_tenant_id
    return BotFrameworkConfig(
        APP_ID=secrets.microsoft_app_id,
        APP_PASSWORD=password.get_secret_value() if password else None,
        APP_TENANTID=tenant,
        APP_TYPE="SingleTenant" if tenant else "MultiTenant",
    )


def build_adapter(settings: Settings, metrics: Metrics, outage: Outage) -> CloudAdapter:
    config = bot_framework_config(settings)
    if not config.APP_ID:
        log.warning("!!! TEAMS DEV MODE: Bot Framework authentication is OFF. Anyone who can "
                    "reach /api/messages can act as any Teams user. Use this with local "
                    "emulators only; set MICROSOFT_APP_ID for a real Teams tenant. !!!")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    renderer = TeamsRenderer(templates_for("teams", settings.app.organisation.locale))
    adapter.on_turn_error = _turn_error_handler(metrics, renderer, outage)
    return adapter


def _turn_error_handler(metrics: Metrics, renderer: TeamsRenderer, outage: Outage):
    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        unavailable = is_unavailable(error)
        if unavailable:
            outage.failed(error, f"a teams {activity.type} activity")
        else:
            log.error("teams turn failed (%s activity)", activity.type, exc_info=error)
        # Only someone who typed or clicked is waiting for an answer.
        if activity.type != ActivityTypes.message:
            return
        apology = renderer.message(Message("errors/try_again" if unavailable
                                           else "errors/unexpected"))
        try:
            await call(metrics, "reply_to_activity", lambda: context.send_activity(apology))
        except Exception:
            log.exception("could not tell the person about the failure")

    return on_turn_error
