"""``POST /api/messages``: checks in front of the CloudAdapter, so bad requests get 401/400.

`CloudAdapter.process` lets a body that is not JSON, or a request without a Content-Type,
escape as a 500, and lets token problems other than a missing one (a malformed JWT, an
unknown signing key) escape as whatever the JWT code raised. Here a request without a bearer
token is refused first when authentication is on (401, no detail), then the body's shape is
checked (400, one line saying why), and only then is the activity handed to the adapter.
Turn failures never reach this route: the adapter's on_turn_error handles them. So anything
the adapter still raises happened while authenticating the request, and is a 401.

In Teams dev mode (``TOUCHPOINT_TEAMS_DEV_MODE``, no app id) nothing vouches for an
activity, and the bot answers at whatever ``serviceUrl`` it names: anyone who can reach the
route could make the bot post to any address (server-side request forgery). There an activity
must name a loopback service URL (``localhost``, 127.0.0.0/8, ``::1``), where the local
emulators run; another is refused with 400 and a warning. With authentication on, the
signed token vouches for the service URL.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter

from bot.web.json_limits import TooDeep, UnreadableJson, loads

log = logging.getLogger(__name__)


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ForeignServiceUrl(Rejected):
    """Dev mode, and the activity's service URL is not on loopback."""


def is_loopback_url(url: str) -> bool:
    """Whether `url` names this machine by a loopback name or address."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_activity_request(content_type: str, body: bytes, *, loopback_only: bool = False
                           ) -> None:
    """Raise Rejected(400) unless the body is a JSON activity the adapter can process; with
    `loopback_only` (dev mode), unless its service URL is on loopback too."""
    if content_type != "application/json":
        raise Rejected(400, "Content-Type must be application/json")
    try:
        activity = loads(body)
    except TooDeep as exc:
        raise Rejected(400, f"body is JSON {exc}") from None
    except UnreadableJson:
        raise Rejected(400, "body is not valid JSON") from None
    if not isinstance(activity, dict):
        raise Rejected(400, "body must be a JSON object (an activity)")
    if not isinstance(activity.get("type"), str) or not activity["type"]:
        raise Rejected(400, "activity has no type")
    service_url = activity.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        raise Rejected(400, "activity has no serviceUrl")
    if loopback_only and not is_loopback_url(service_url):
        raise ForeignServiceUrl(400, "Teams dev mode answers only loopback service URLs")
    conversation = activity.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        raise Rejected(400, "activity has no conversation id")
    problem = _field_problem(activity)
    if problem is not None:
        raise Rejected(400, problem)


_STRINGS = ("id", "text", "name", "replyToId", "locale", "textFormat", "action", "channelId")
_ACCOUNTS = ("from", "recipient")
_LISTS_OF_OBJECTS = ("entities", "attachments", "membersAdded", "membersRemoved",
                     "reactionsAdded", "reactionsRemoved")


def _field_problem(activity: dict[str, Any]) -> str | None:
    """The fields botbuilder and `bot.teams` read, when present with the wrong kind of value:
    botbuilder would otherwise fail deserialising them, or the turn fail reading them."""
    for name in _STRINGS:
        if activity.get(name) is not None and not isinstance(activity[name], str):
            return f"activity {name} is not a string"
    for name in _ACCOUNTS:
        account = activity.get(name)
        if account is not None and not (isinstance(account, dict)
                                        and isinstance(account.get("id"), str)):
            return f"activity {name} has no id"
    for name in _LISTS_OF_OBJECTS:
        items = activity.get(name)
        if items is not None and not (isinstance(items, list)
                                      and all(isinstance(item, dict) for item in items)):
            return f"activity {name} is not a list of objects"
    for name in ("channelData", "conversation"):
        if activity.get(name) is not None and not isinstance(activity[name], dict):
            return f"activity {name} is not an object"
    return None


def teams_route(adapter: CloudAdapter, bot: Bot, *, authenticated: bool):
    """The aiohttp handler; `authenticated` is whether an app id is configured."""

    async def api_messages(request: web.Request) -> web.Response:
        if authenticated and not request.headers.get("Authorization", "").startswith("Bearer "):
            log.info("teams request refused: no bearer token")
            return web.Response(status=401)
        try:
            check_activity_request(request.content_type, await request.read(),
                                   loopback_only=not authenticated)
        except Rejected as rejected:
            if isinstance(rejected, ForeignServiceUrl):
                # Someone may be trying to make the bot post elsewhere: worth a warning.
                log.warning("teams request refused: dev mode (no MICROSOFT_APP_ID) answers "
                            "only service URLs on loopback; this activity named another")
            else:
                log.info("teams request refused: %s", rejected.reason)
            return web.Response(status=rejected.status, text=rejected.reason + "\n")
        try:
            response = await adapter.process(request, bot)
        except web.HTTPUnauthorized:
            log.info("teams request refused: not authenticated")
            return web.Response(status=401)
        except Exception as error:
            log.warning("teams request refused: authentication failed (%s)",
                        type(error).__name__)
            return web.Response(status=401)
        return response or web.Response(status=201)

    return api_messages
