"""``POST /api/messages``: checks in front of the CloudAdapter, so bad requests get 401/400.

`CloudAdapter.process` lets a body that is not JSON, or a request without a Content-Type,
escape as a 500, and lets token problems other than a missing one (a malformed JWT, an
unknown signing key) escape as whatever the JWT code raised. Here a request without a bearer
token is refused first when authentication is on (401, no detail), then the body's shape is
checked (400, one line saying why), and only then is the activity handed to the adapter.
Turn failures never reach this route: the adapter's on_turn_error handles them. So anything
the adapter still raises happened while authenticating the request, and is a 401.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter

log = logging.getLogger(__name__)


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_activity_request(content_type: str, body: bytes) -> None:
    """Raise Rejected(400) unless the body is a JSON activity the adapter can process."""
    if content_type != "application/json":
        raise Rejected(400, "Content-Type must be application/json")
    try:
        activity = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "body is not valid JSON") from None
    if not isinstance(activity, dict):
        raise Rejected(400, "body must be a JSON object (an activity)")
    if not isinstance(activity.get("type"), str) or not activity["type"]:
        raise Rejected(400, "activity has no type")
    service_url = activity.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        raise Rejected(400, "activity has no serviceUrl")
    conversation = activity.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        raise Rejected(400, "activity has no conversation id")


def teams_route(adapter: CloudAdapter, bot: Bot, *, authenticated: bool):
    """The aiohttp handler; `authenticated` is whether an app id is configured."""

    async def api_messages(request: web.Request) -> web.Response:
        if authenticated and not request.headers.get("Authorization", "").startswith("Bearer "):
            log.info("teams request refused: no bearer token")
            return web.Response(status=401)
        try:
            check_activity_request(request.content_type, await request.read())
        except Rejected as rejected:
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
