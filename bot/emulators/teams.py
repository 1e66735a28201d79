"""A local Bot Framework Connector emulator, for tests, `touchpoint demo` and the benchmarks.

What this module owns: `BotConnectorEmulator`, an aiohttp server on loopback that plays
the `serviceUrl` a Teams activity names. The bot's CloudAdapter (and botframework-connector's
aio `ConnectorClient` / `TeamsConnectorClient`) send replies, proactive messages, updates,
deletes and roster queries here; the emulator answers them as Bot Connector REST API v3
does, keeps the activities each conversation currently holds, records every call in order,
and injects faults (one-off HTTP errors and token-bucket rate limits) so the bot's retry
and throttling code can be tested (the connector client itself retries nothing). It refuses
what Teams refuses in a message: one over `max_message_bytes` (413 `MessageSizeTooBig`), and
an Adaptive Card `Image` without a `url`.

What it does not own: delivering activities *to* the bot (tests post those into
`/api/messages` themselves), token issuing and JWT validation (in emulator mode the bot
sends no `Authorization` header; the header is recorded so tests can assert that),
attachments upload and meetings APIs.

The token bucket, fault record and call log are shared with the Slack emulator and live
in `bot.emulators.slack`; serving on loopback is `bot.emulators.loopback.LoopbackServer`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web

from .loopback import LoopbackServer
from .slack import WAIT_S, CallLog, Fault, TokenBucket

__all__ = ["BotConnectorEmulator", "Call"]

ANY_KIND = "*"
MAX_MESSAGE_BYTES = 28 * 1024
"""Teams' message size limit as its limits page gives it ("about 28 KB"), the tightest of the
documented figures (the Bot Framework page says 100 KB counted as UTF-16 now, 40 KB before)."""
_MESSAGE_KINDS = frozenset({"send", "reply", "update", "create_conversation"})
_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(slots=True)
class Call:
    """One Connector API call as the emulator received it.

    `method` is the operation: "create_conversation", "get_conversations", "send",
    "send_history", "reply", "update", "delete", "get_members", "get_paged_members",
    "get_member", "get_activity_members", "get_team_channels", "get_team_details".
    Path ids are decoded. `at` is `time.monotonic()`.
    """

    method: str
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    faulted: bool = False
    query: dict[str, str] = field(default_factory=dict)
    size: int = 0
    """Bytes of the request body as it arrived."""

    @property
    def authorization(self) -> str | None:
        """The Authorization header, or None (as in emulator mode, where the bot sends none)."""
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                return value
        return None


class _ConnectorError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


_Handler = Callable[[Call], dict[str, Any] | list[Any] | None]


class BotConnectorEmulator(LoopbackServer):
    """A Bot Connector service on loopback; see the module docstring."""

    # Activity ids count up from here and look like the epoch-millisecond ids Teams uses.
    FIRST_ACTIVITY_ID = 1_700_000_000_001
    # Teams' paged roster: page size at least 50, at most 500, 200 when not given.
    MIN_PAGE_SIZE = 50
    MAX_PAGE_SIZE = 500
    DEFAULT_PAGE_SIZE = 200

    def __init__(self, *, max_message_bytes: int = MAX_MESSAGE_BYTES) -> None:
        super().__init__()
        self.max_message_bytes = max_message_bytes
        self._log: CallLog[Call] = CallLog("connector call(s) of kind")
        self._faults: dict[str, list[Fault]] = {}
        self._limits: dict[str, tuple[float, int, bool]] = {}
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._next_activity = self.FIRST_ACTIVITY_ID
        # Current activities per conversation, in send order; updates replace in place.
        self._activities: dict[str, dict[str, dict[str, Any]]] = {}
        self._people: dict[str, dict[str, Any]] = {}
        self._members: dict[str, list[str]] = {}
        self._teams: dict[str, dict[str, Any]] = {}
        self._conversations: dict[str, dict[str, Any]] = {}

    # ----------------------------------------------------------------- lifecycle

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        conversation = "/v3/conversations/{conversation_id}"
        activity = conversation + "/activities/{activity_id}"
        routes: list[tuple[str, str, str, _Handler]] = [
            ("POST", "/v3/conversations", "create_conversation", self._create_conversation),
            ("GET", "/v3/conversations", "get_conversations", self._get_conversations),
            ("POST", conversation + "/activities", "send", self._send),
            ("POST", activity, "reply", self._reply),
            ("PUT", activity, "update", self._update),
            ("DELETE", activity, "delete", self._delete),
            ("GET", activity + "/members", "get_activity_members", self._get_members),
            ("GET", conversation + "/members", "get_members", self._get_members),
            ("GET", conversation + "/pagedmembers", "get_paged_members", self._get_paged),
            ("GET", conversation + "/members/{member_id}", "get_member", self._get_member),
            ("GET", "/v3/teams/{team_id}/conversations", "get_team_channels", self._channels),
            ("GET", "/v3/teams/{team_id}", "get_team_details", self._team_details),
        ]
        for http_method, path, kind, handler in routes:
            router.add_route(http_method, path, self._endpoint(kind, handler))

    @property
    def url(self) -> str:
        """The serviceUrl to put on activities, with its trailing slash."""
        return self._base_url()

    # ----------------------------------------------------------------- recorded calls

    @property
    def calls(self) -> list[Call]:
        return self._log.items

    def calls_of(self, kind: str) -> list[Call]:
        return self._log.of(kind)

    async def wait_for(
        self,
        kind: str,
        count: int = 1,
        timeout: float = WAIT_S,  # noqa: ASYNC109 - see slack.CallLog.wait_for
    ) -> list[Call]:
        """Wait until at least `count` calls of `kind` were recorded (faulted ones count)."""
        return await self._log.wait_for(kind, count, timeout)

    def clear(self) -> None:
        """Forget recorded calls; conversations, members, faults and limits stay."""
        self._log.clear()

    def activities_in(self, conversation_id: str) -> list[dict[str, Any]]:
        """The activities the conversation holds now: latest versions, deleted ones gone."""
        return list(self._activities.get(conversation_id, {}).values())

    # ----------------------------------------------------------------- seeding

    def add_member(
        self,
        conversation_id: str,
        id: str,  # the Connector's own field name
        name: str,
        aad_object_id: str,
        email: str | None = None,
        user_principal_name: str | None = None,
        tenant_id: str = "tenant-1",
        user_role: str = "user",
    ) -> dict[str, Any]:
        """Seed a member of a conversation; returns the TeamsChannelAccount JSON."""
        given, _, surname = name.partition(" ")
        account = {
            "id": id,
            "name": name,
            "aadObjectId": aad_object_id,
            "email": email,
            "userPrincipalName": user_principal_name or email,
            "givenName": given,
            "surname": surname or None,
            "tenantId": tenant_id,
            "userRole": user_role,
        }
        self._people[id] = account
        members = self._members.setdefault(conversation_id, [])
        if id not in members:
            members.append(id)
        return account

    def add_team(
        self,
        team_id: str,
        name: str,
        aad_group_id: str | None = None,
        channels: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Seed a team. Its General channel has the team's own id, as in Teams."""
        team = {
            "id": team_id,
            "name": name,
            "aadGroupId": aad_group_id,
            "channels": {team_id: None, **(channels or {})},
        }
        self._teams[team_id] = team
        return team

    # ----------------------------------------------------------------- fault injection

    def fail_next(self, kind: str, status: int = 429, retry_after: int = 1, count: int = 1) -> None:
        """Answer the next `count` calls of `kind` ("*": any call) with `status` and an
        ErrorResponse body.

        429 also carries `Retry-After`. Faulted calls are recorded, flagged.
        """
        if count < 1:
            raise ValueError("count must be >= 1")
        self._faults.setdefault(kind, []).append(Fault(status, retry_after, count))

    def rate_limit(
        self,
        kind: str,
        per_second: float,
        burst: int = 1,
        *,
        per_conversation: bool = False,
    ) -> None:
        """Throttle calls of `kind` ("*" for every call) with a token bucket.

        One bucket for the whole emulator by default (Teams allows about 50 requests/s per
        app per tenant); `per_conversation=True` keeps one per conversation instead (Teams'
        per-conversation limits are about 7 messages/s). Beyond it: 429 with `Retry-After`.
        """
        TokenBucket(per_second, burst)  # validates the arguments now, not on first call
        self._limits[kind] = (per_second, burst, per_conversation)
        self._buckets = {k: b for k, b in self._buckets.items() if k[0] != kind}

    def clear_faults(self) -> None:
        self._faults.clear()
        self._limits.clear()
        self._buckets.clear()

    # ----------------------------------------------------------------- HTTP plumbing

    def _endpoint(
        self, kind: str, handler: _Handler
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self._dispatch(request, kind, handler)

        return endpoint

    async def _dispatch(
        self, request: web.Request, kind: str, handler: _Handler
    ) -> web.StreamResponse:
        info = request.match_info
        activity_id = info.get("activity_id")
        if kind == "reply" and activity_id == "history":
            # POST .../activities/history (send_conversation_history) shares the reply route.
            kind, activity_id = "send_history", None
        body: dict[str, Any] = {}
        bad_body = False
        if request.body_exists:
            try:
                parsed = await request.json()
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                body = parsed
            else:
                bad_body = True
        call = Call(
            method=kind,
            conversation_id=info.get("conversation_id") or info.get("team_id"),
            activity_id=activity_id,
            body=body,
            headers=dict(request.headers),
            at=time.monotonic(),
            query=dict(request.query),
            size=len(await request.read()) if request.body_exists else 0,
        )
        if info.get("member_id"):
            call.query["memberId"] = info["member_id"]
        self._log.add(kind, call)
        # Nothing awaits from here on, so a waiter woken by the record above already sees
        # `call.faulted` set.
        failure = self._injected_failure(kind) or self._throttled(kind, call.conversation_id)
        if failure is not None:
            call.faulted = True
            return failure
        if bad_body:
            return _error(400, "BadArgument", "The request body is not a JSON object.")
        if kind == "send_history":
            return web.json_response({"id": self._new_activity_id()}, status=201)
        try:
            self._refuse_unsendable(call)
            result = handler(call)
        except _ConnectorError as exc:
            return _error(exc.status, exc.code, exc.message)
        if result is None:
            return web.Response(status=200)
        status = 201 if kind in ("create_conversation", "send", "reply") else 200
        return web.json_response(result, status=status)

    def _injected_failure(self, kind: str) -> web.Response | None:
        for key in (kind, ANY_KIND):
            queue = self._faults.get(key)
            if not queue:
                continue
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
            headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else None
            return _error(fault.status, _code_for(fault.status), "Injected fault.", headers)
        return None

    def _throttled(self, kind: str, conversation_id: str | None) -> web.Response | None:
        buckets = []
        for key in (kind, ANY_KIND):
            limit = self._limits.get(key)
            if limit is None:
                continue
            per_second, burst, per_conversation = limit
            bucket_key = (key, (conversation_id or "") if per_conversation else "")
            bucket = self._buckets.get(bucket_key)
            if bucket is None:
                bucket = self._buckets[bucket_key] = TokenBucket(per_second, burst)
            buckets.append(bucket)
        # Spend from every applicable bucket only when all have a token, so a call refused
        # by one limit does not eat into another.
        wait = max((bucket.wait_time() for bucket in buckets), default=0.0)
        if wait > 0:
            return _error(
                429,
                "TooManyRequests",
                "Too many requests.",
                {"Retry-After": str(TokenBucket.retry_after(wait))},
            )
        for bucket in buckets:
            bucket.consume()
        return None

    # ----------------------------------------------------------------- what Teams refuses

    def _refuse_unsendable(self, call: Call) -> None:
        """A message Teams would not take: too big, or a card image with nowhere to load from."""
        if call.method not in _MESSAGE_KINDS:
            return
        if call.size > self.max_message_bytes:
            raise _ConnectorError(413, "MessageSizeTooBig", "Message size too large.")
        activity = call.body.get("activity") if call.method == "create_conversation" else call.body
        for attachment in (activity or {}).get("attachments") or []:
            if isinstance(attachment, dict) and attachment.get("contentType") == _CARD:
                for image in _images_in(attachment.get("content")):
                    if not isinstance(image.get("url"), str) or not image["url"]:
                        raise _ConnectorError(400, "BadArgument",
                                              "Adaptive Card Image is missing its url.")

    # ----------------------------------------------------------------- Connector operations

    def _new_activity_id(self) -> str:
        activity_id = str(self._next_activity)
        self._next_activity += 1
        return activity_id

    def _store(self, conversation_id: str, activity_id: str, body: dict[str, Any]) -> None:
        stored = {**body, "id": activity_id}
        conversation = stored.get("conversation")
        if not isinstance(conversation, dict) or not conversation.get("id"):
            stored["conversation"] = {"id": conversation_id}
        self._activities.setdefault(conversation_id, {})[activity_id] = stored

    def _post_activity(self, conversation_id: str, body: dict[str, Any]) -> dict[str, Any]:
        activity_id = self._new_activity_id()
        # Typing indicators are transient in Teams: acknowledged, never part of the chat.
        if body.get("type") != "typing":
            self._store(conversation_id, activity_id, body)
        return {"id": activity_id}

    def _create_conversation(self, call: Call) -> dict[str, Any]:
        params = call.body
        members = [m for m in params.get("members") or [] if isinstance(m, dict) and m.get("id")]
        channel_data = params.get("channelData") or {}
        channel = channel_data.get("channel") if isinstance(channel_data, dict) else None
        activity = params.get("activity")
        answer: dict[str, Any] = {"serviceUrl": self.url}
        if isinstance(channel, dict) and channel.get("id"):
            # A new thread in a channel: Teams names it after the channel and the root post.
            if not isinstance(activity, dict):
                raise _ConnectorError(400, "BadArgument", "A channel thread needs an activity.")
            activity_id = self._new_activity_id()
            conversation_id = f"{channel['id']};messageid={activity_id}"
            self._store(conversation_id, activity_id, activity)
            answer.update({"id": conversation_id, "activityId": activity_id})
        else:
            if not members:
                raise _ConnectorError(400, "BadArgument", "Conversation members are required.")
            tenant = params.get("tenantId") or _tenant_of(channel_data) or ""
            ids = sorted(m["id"] for m in members)
            # Teams answers the same id for the same 1:1 chat every time; so does this.
            digest = hashlib.sha1(
                f"{tenant}|{','.join(ids)}".encode(), usedforsecurity=False
            ).hexdigest()
            conversation_id = f"a:1{digest[:24]}"
            answer["id"] = conversation_id
            if isinstance(activity, dict):
                answer["activityId"] = self._post_activity(conversation_id, activity)["id"]
        known = self._members.setdefault(answer["id"], [])
        for member in members:
            self._people.setdefault(member["id"], {"id": member["id"], "name": member.get("name")})
            if member["id"] not in known:
                known.append(member["id"])
        self._conversations[answer["id"]] = {
            "id": answer["id"],
            "isGroup": bool(params.get("isGroup")),
        }
        return answer

    def _get_conversations(self, call: Call) -> dict[str, Any]:
        conversations = [
            {**conv, "members": [self._people[m] for m in self._members.get(conv["id"], [])]}
            for conv in self._conversations.values()
        ]
        return {"conversations": conversations}

    def _send(self, call: Call) -> dict[str, Any]:
        return self._post_activity(call.conversation_id or "", call.body)

    def _reply(self, call: Call) -> dict[str, Any]:
        # The activity replied to is usually the user's, which never passed through here.
        body = {**call.body}
        body.setdefault("replyToId", call.activity_id)
        return self._post_activity(call.conversation_id or "", body)

    def _existing(self, call: Call) -> dict[str, dict[str, Any]]:
        activities = self._activities.get(call.conversation_id or "", {})
        if call.activity_id not in activities:
            raise _ConnectorError(
                404,
                "ActivityNotFound",
                f"Activity {call.activity_id} was not found in conversation "
                f"{call.conversation_id}.",
            )
        return activities

    def _update(self, call: Call) -> dict[str, Any]:
        self._existing(call)
        activity_id = call.activity_id or ""
        self._store(call.conversation_id or "", activity_id, call.body)
        return {"id": activity_id}

    def _delete(self, call: Call) -> None:
        activities = self._existing(call)
        del activities[call.activity_id or ""]

    def _roster(self, conversation_id: str | None) -> list[dict[str, Any]]:
        cid = conversation_id or ""
        if cid not in self._members and cid not in self._activities:
            raise _ConnectorError(404, "ConversationNotFound", f"Conversation {cid} was not found.")
        return [self._people[m] for m in self._members.get(cid, [])]

    def _get_members(self, call: Call) -> list[dict[str, Any]]:
        return self._roster(call.conversation_id)

    def _get_paged(self, call: Call) -> dict[str, Any]:
        members = self._roster(call.conversation_id)
        try:
            size = int(call.query.get("pageSize") or self.DEFAULT_PAGE_SIZE)
        except ValueError as exc:
            raise _ConnectorError(400, "BadArgument", "pageSize must be a number.") from exc
        size = max(self.MIN_PAGE_SIZE, min(size, self.MAX_PAGE_SIZE))
        start = _decode_token(call.query.get("continuationToken"))
        if start > len(members):
            raise _ConnectorError(400, "BadArgument", "Invalid continuation token.")
        page = members[start : start + size]
        answer: dict[str, Any] = {"members": page}
        # No token at the end: that is how callers know to stop.
        if start + len(page) < len(members):
            answer["continuationToken"] = _encode_token(start + len(page))
        return answer

    def _get_member(self, call: Call) -> dict[str, Any]:
        member_id = call.query.get("memberId", "")
        for member in self._roster(call.conversation_id):
            if member["id"] == member_id or member.get("aadObjectId") == member_id:
                return member
        raise _ConnectorError(
            404, "MemberNotFoundInConversation", "The member was not found in the conversation."
        )

    def _team(self, call: Call) -> dict[str, Any]:
        team = self._teams.get(call.conversation_id or "")
        if team is None:
            raise _ConnectorError(404, "TeamNotFound", f"Team {call.conversation_id} not found.")
        return team

    def _channels(self, call: Call) -> dict[str, Any]:
        team = self._team(call)
        return {
            "conversations": [{"id": cid, "name": name} for cid, name in team["channels"].items()]
        }

    def _team_details(self, call: Call) -> dict[str, Any]:
        team = self._team(call)
        return {
            "id": team["id"],
            "name": team["name"],
            "aadGroupId": team["aadGroupId"],
            "channelCount": len(team["channels"]),
            "memberCount": len(self._members.get(team["id"], [])),
            "type": "standard",
        }


# --------------------------------------------------------------------------- module helpers


def _code_for(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return "ServiceError"


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    """An ErrorResponse body, which the connector client deserializes into its exception."""
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )


def _images_in(element: Any) -> list[dict[str, Any]]:
    """Every Adaptive Card `Image` in `element`, however deep in containers and columns."""
    if isinstance(element, list):
        return [image for item in element for image in _images_in(item)]
    if not isinstance(element, dict):
        return []
    found = [element] if element.get("type") == "Image" else []
    return found + [image for key, value in element.items() if key != "type"
                    for image in _images_in(value)]


def _tenant_of(channel_data: Any) -> str | None:
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict):
            return tenant.get("id")
    return None


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"members:{offset}".encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix != "members":
            raise ValueError(prefix)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _ConnectorError(400, "BadArgument", "Invalid continuation token.") from exc
