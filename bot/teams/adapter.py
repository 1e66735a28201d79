"""The Bot Framework adapter: botbuilder's CloudAdapter, configured from Settings.

With ``MICROSOFT_APP_ID`` set, every inbound activity's JWT is validated and outbound calls
carry a token for the app (``MICROSOFT_APP_TENANT_ID`` makes it a single-tenant app). With
``TOUCHPOINT_TEAMS_DEV_MODE`` and no app id the adapter runs in emulator mode: nothing is
checked, which is for local emulators only, and is logged loudly at start-up.

A turn that fails is logged for the operator (a database outage once, not per activity: see
`storage.outage`); the person gets the kind apology template, never the error. A turn that
failed because the activity's service URL cannot be connected to is one warning line, and
nobody is told (the apology could only go to that same URL). The Connector clients the
adapter makes do not retry a failed connection themselves (urllib3 would, three times with
backoff, for each call): `bot.teams.calls` decides what is tried again, and a turn does not
wait on an address that refuses it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
)

from bot.chat.failures import unreachable
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
    adapter = CloudAdapter(_Authentication(config))
    renderer = TeamsRenderer(templates_for("teams", settings.app.organisation.locale))
    adapter.on_turn_error = _turn_error_handler(metrics, renderer, outage)
    return adapter


class _ConnectOnce(ConnectorFactory):
    """The Connector clients of `inner`, with urllib3's connection retries turned off."""

    def __init__(self, inner: ConnectorFactory):
        self.inner = inner

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        client = await self.inner.create(service_url, audience)  # type: ignore[arg-type]
        client.config.retry_policy.policy.connect = 0
        return client


class _Authentication(ConfigurationBotFrameworkAuthentication):
    """Every Connector client it makes connects once: for proactive sends
    (`create_connector_factory`) and for the turn of an incoming activity (the factory its
    authentication hands back)."""

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _ConnectOnce(super().create_connector_factory(claims_identity))

    async def authenticate_request(self, activity: Activity, auth_header: str
                                   ) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _ConnectOnce(result.connector_factory)
        return result


def _turn_error_handler(metrics: Metrics, renderer: TeamsRenderer, outage: Outage):
    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        unavailable = is_unavailable(error)
        where = unreachable(error)
        if where is not None:
            log.warning("teams %s activity not answered: cannot reach its service URL (%s)",
                        activity.type, where)
            return
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
