"""A local Slack Web API emulator, for tests, `touchpoint demo` and the benchmarks.

What this module owns:

* `SlackEmulator`: an aiohttp server on loopback that answers Web API calls the way
  slack_sdk makes them (`POST|GET /api/{method}`), keeps just enough workspace state to
  answer realistically (messages by channel and ts, views, users, user groups, uploads),
  records every call in order, and injects faults (one-off HTTP errors, outages of some
  seconds, token-bucket rate limits, answers slowed by a fixed time or held back until a test
  lets them go) so retry, throttling and latency-sensitive code can be tested against the
  real client.
  It also serves `response_url` endpoints (`POST /response/{name}`) and records those posts.
* Files, as apps upload them now (`files.upload` is retired): `files.getUploadURLExternal`
  hands out an upload URL on the emulator itself, the bytes are POSTed there and kept,
  `files.completeUploadExternal` completes them (private without a channel), and an `image`
  block's `slack_file` must name a completed image file Slack has finished processing
  (`file_processing_s`) or the message is refused with `invalid_blocks`. Given `scopes`, the
  files methods answer `missing_scope` without `files:write`; an upload longer than
  `max_upload_bytes` is refused as Slack refuses one over a workspace's limit.
* Socket Mode, as slack_sdk's SocketModeClient uses it: `apps.connections.open` (app-level
  token only) hands out a one-use WebSocket URL; the socket says `hello`, answers pings, and
  lets a test push envelopes and wait for their acks (`socket_send`) or ask the client to
  reconnect (`socket_disconnect`), as Slack does when it refreshes its connections.
* The recording and fault helpers both emulators share: `TokenBucket`, `Fault` and
  `CallLog`. `bot.emulators.teams` imports them. Serving on loopback (start, stop, `async
  with`, the base URL) is `bot.emulators.loopback.LoopbackServer`, which both extend.

What it does not own: the Events API and request signing (tests sign their own requests
into the bot), Socket Mode redelivery of envelopes left unacknowledged, OAuth app installs
(Sign in with Slack is `bot.emulators.slack_openid`), and any Web
API method not listed in `_HANDLERS` (those answer `unknown_method`, which is what Slack
answers for a method it does not know).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import BodyPartReader, WSCloseCode, WSMsgType, web

from .loopback import LoopbackServer
from .slack_openid import SlackOpenID

__all__ = [
    "Call",
    "CallLog",
    "Fault",
    "ResponsePost",
    "SlackEmulator",
    "TokenBucket",
]

T = TypeVar("T")

# Form and query fields that carry JSON documents. slack_sdk sends `params=` methods as
# query strings and some callers send form bodies, where these arrive as JSON text; tests
# want to inspect them as objects. Free-text fields such as `text` are never decoded.
_JSON_FIELDS = frozenset(
    {
        "attachments",
        "blocks",
        "files",
        "metadata",
        "unfurls",
        "user_auth_blocks",
        "view",
    }
)

_FALSE_STRINGS = frozenset({"", "0", "false", "False", "no"})

# Web API methods that take an app-level token (xapp-) and refuse any other kind.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
_ENVELOPE_TYPES = frozenset({"slash_commands", "interactive", "events_api"})
# Interactive payloads whose ack may carry an answer (modal errors, menu options).
_ANSWERABLE_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})
_SOCKET_DEBUG_INFO = {"host": "applink-emulator", "build_number": 1,
                      "approximate_connection_time": 18060}

# Files. Slack takes files of up to 1 GB; alt text up to 1,000 characters on the file
# (`alt_txt_too_large` above) and 2,000 in an image block; image blocks show png, jpg and gif.
FILES_SCOPE = "files:write"
MAX_UPLOAD_BYTES = 1024**3
MAX_ALT_TXT = 1000
MAX_HOME_BLOCKS = 100
MAX_VIEW_BYTES = 250 * 1024
"""views.publish: at most 100 blocks in a Home tab, 250 kB in a view (Slack's method docs)."""
MAX_IMAGE_ALT_TEXT = 2000
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


# --------------------------------------------------------------------------- shared helpers


class TokenBucket:
    """A token bucket holding at most `burst` tokens, refilled at `per_second`."""

    __slots__ = ("_clock", "_stamp", "_tokens", "burst", "per_second")

    def __init__(
        self,
        per_second: float,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()

    def wait_time(self) -> float:
        """Seconds until one token is available (0.0 when one is available now)."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.per_second)
        self._stamp = now
        if self._tokens >= 1:
            return 0.0
        return (1 - self._tokens) / self.per_second

    def consume(self) -> None:
        """Spend one token; call only after `wait_time()` returned 0.0."""
        self._tokens -= 1

    def take(self) -> float:
        """Spend a token if one is available; otherwise return the seconds to wait."""
        wait = self.wait_time()
        if wait == 0.0:
            self.consume()
        return wait

    @staticmethod
    def retry_after(wait: float) -> int:
        """`Retry-After` is whole seconds; rounding down would invite a retry that fails."""
        return max(1, math.ceil(wait))


@dataclass(slots=True)
class Fault:
    """One planned failure, answered to the next `remaining` matching calls."""

    status: int
    retry_after: int
    remaining: int
    error: str | None = None


WAIT_S = 30.0
"""How long a wait for calls or a socket lasts unless told: long, as a loaded 2-core CI machine
can take seconds over what takes milliseconds on a quiet one; a wait ends once it is met."""


class CallLog(Generic[T]):
    """Recorded items in arrival order, indexed by a key, with waiting.

    The per-key index keeps `of()` and `wait_for()` O(1) per check, so a benchmark that
    waits for its 5,000th call does not rescan the whole log on every arrival.
    """

    def __init__(self, noun: str) -> None:
        self._noun = noun
        self.items: list[T] = []
        self._by_key: dict[str, list[T]] = {}
        self._changed: asyncio.Event | None = None

    def add(self, key: str, item: T) -> None:
        self.items.append(item)
        self._by_key.setdefault(key, []).append(item)
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def of(self, key: str | None) -> list[T]:
        if key is None:
            return list(self.items)
        return list(self._by_key.get(key, ()))

    def clear(self) -> None:
        self.items.clear()
        self._by_key.clear()

    def summary(self) -> str:
        counts = Counter({key: len(items) for key, items in self._by_key.items()})
        if not counts:
            return "nothing"
        return ", ".join(f"{key} x{n}" for key, n in counts.most_common())

    # A `timeout` argument rather than asyncio.timeout(): tests read better with the
    # deadline next to what they wait for, and the failure message can quote it.
    async def wait_for(self, key: str | None, count: int, timeout: float) -> list[T]:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self._by_key.get(key, ()) if key is not None else self.items
            if len(found) >= count:
                return list(found)
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = f"{self._noun} {key!r}" if key is not None else self._noun
                raise AssertionError(
                    f"expected at least {count} {what} within {timeout}s, "
                    f"got {len(found)}; recorded: {self.summary()}"
                )
            if self._changed is None:
                self._changed = asyncio.Event()
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value not in _FALSE_STRINGS
    return bool(value)


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class Call:
    """One Web API call as the emulator received it.

    `args` merges query string and body (slack_sdk puts `params=` methods in the query
    string even on POST), without the token. `at` is `time.monotonic()`.
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float
    faulted: bool = False


@dataclass(slots=True)
class ResponsePost:
    """One POST to a `response_url` served by the emulator."""

    name: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass(slots=True, eq=False)
class _Socket:
    """One open Socket Mode WebSocket and the envelopes sent on it still waiting for an ack."""

    ws: web.WebSocketResponse
    unacked: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    refreshing: bool = False
    """Told to reconnect (a `disconnect` message): like Slack, send it no more envelopes."""


class _SlackError(Exception):
    """A Web API error: Slack answers these with HTTP 200 and `ok: false`, and some with more
    fields (`needed` and `provided` for `missing_scope`, `errors` for `invalid_blocks`)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _require(args: dict[str, Any], *names: str) -> None:
    for name in names:
        if not args.get(name):
            raise _SlackError("invalid_arguments")


# --------------------------------------------------------------------------- the emulator


class SlackEmulator(LoopbackServer):
    """A Slack Web API on loopback; see the module docstring."""

    TEAM_ID = "T1"
    TEAM_NAME = "Touchpoint Test"
    TEAM_URL = "https://touchpoint-test.slack.com/"
    BOT_USER_ID = "UBOT"
    BOT_ID = "BBOT"
    APP_ID = "A1"
    # ts values count up from here in 100 µs steps: deterministic, so tests can expect them.
    FIRST_TS_MICROS = 1_700_000_000_000_100
    DEFAULT_PAGE_SIZE = 200
    MAX_PAGE_SIZE = 1000

    def __init__(self, *, tokens: Iterable[str] | None = None,
                 scopes: Iterable[str] | None = None) -> None:
        super().__init__()
        self._tokens = frozenset(tokens) if tokens is not None else None
        self.scopes: frozenset[str] | None = frozenset(scopes) if scopes is not None else None
        """The bot token's scopes, checked by the files methods; None grants every scope."""
        self.max_upload_bytes = MAX_UPLOAD_BYTES
        self.file_processing_s = 0.0
        """How long after `files.completeUploadExternal` an image block may show the file."""
        self._log: CallLog[Call] = CallLog("call(s) to")
        self._responses: CallLog[ResponsePost] = CallLog("response_url post(s) to")
        self._faults: dict[str, list[Fault]] = {}
        self._limits: dict[str, tuple[float, int, bool]] = {}
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._delays: dict[str, float] = {}
        # Outages by method: (from, until, fault) in monotonic seconds, one after the other.
        self._outages: dict[str, list[tuple[float, float, Fault]]] = {}
        self._next_micros = self.FIRST_TS_MICROS
        self._seq = 0
        # Messages by channel then ts; only what chat.update/delete and reactions need.
        self._messages: dict[str, dict[str, dict[str, Any]]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        """Each person's published Home tab (views.publish), by user id."""
        self._opened: set[str] = set()
        self._users: dict[str, dict[str, Any]] = {}
        self._usergroups: dict[str, dict[str, Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._tickets: set[str] = set()
        self._sockets: list[_Socket] = []
        self._socket_change = asyncio.Condition()
        self.openid = SlackOpenID(self.TEAM_ID)
        """Sign in with Slack: register a client and sign someone in (`slack_openid`)."""
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.list": self._users_list,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "reactions.add": self._reactions_add,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }

    # ----------------------------------------------------------------- lifecycle

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_route("GET", "/api/{method}", self._handle_api)
        router.add_route("POST", "/api/{method}", self._handle_api)
        router.add_post("/response/{name}", self._handle_response_url)
        router.add_post("/upload/{file_id}", self._handle_upload)
        self.openid.add_routes(router)
        router.add_get("/socket-mode/{ticket}", self._handle_socket)

    async def _before_cleanup(self) -> None:
        # The runner would otherwise wait for the sockets' handlers to end.
        await asyncio.gather(*(socket.ws.close(code=WSCloseCode.GOING_AWAY)
                               for socket in self._sockets))

    @property
    def url(self) -> str:
        """Base URL for `AsyncWebClient(base_url=...)`; it ends with "/api/" as slack_sdk needs."""
        return f"{self._base_url()}api/"

    def response_url(self, name: str) -> str:
        """A `response_url` on this emulator; posts to it are recorded under `name`."""
        return f"{self._base_url()}response/{name}"

    # ----------------------------------------------------------------- recorded calls

    @property
    def calls(self) -> list[Call]:
        return self._log.items

    @property
    def responses(self) -> list[ResponsePost]:
        return self._responses.items

    def calls_to(self, method: str) -> list[Call]:
        return self._log.of(method)

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = WAIT_S,  # noqa: ASYNC109 - see CallLog.wait_for
    ) -> list[Call]:
        """Wait until at least `count` calls to `method` were recorded (faulted ones count)."""
        return await self._log.wait_for(method, count, timeout)

    def responses_to(self, name: str) -> list[ResponsePost]:
        return self._responses.of(name)

    async def wait_for_response(
        self,
        count: int = 1,
        timeout: float = WAIT_S,  # noqa: ASYNC109 - see CallLog.wait_for
        name: str | None = None,
    ) -> list[ResponsePost]:
        return await self._responses.wait_for(name, count, timeout)

    def clear(self) -> None:
        """Forget recorded calls and response_url posts; state, faults and limits stay."""
        self._log.clear()
        self._responses.clear()

    # ----------------------------------------------------------------- state for tests

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The current message at (channel, ts), after updates; None if absent or deleted."""
        return self._messages.get(channel, {}).get(ts)

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        return list(self._messages.get(channel, {}).values())

    @staticmethod
    def dm_channel(*user_ids: str) -> str:
        """The id `conversations.open` (and chat.postMessage to a user id) gives these users.

        A stable digest rather than a counter, so a test can know it before the bot asks.
        """
        users = sorted(set(user_ids))
        digest = hashlib.sha1(",".join(users).encode(), usedforsecurity=False).hexdigest()
        return ("D" if len(users) == 1 else "G") + digest[:10].upper()

    def add_user(
        self,
        id: str,  # Slack's own field name
        name: str,
        email: str | None = None,
        tz: str = "Europe/London",
        is_bot: bool = False,
        deleted: bool = False,
        real_name: str | None = None,
        locale: str = "en-US",
        **profile: Any,
    ) -> dict[str, Any]:
        """Seed a user; returns the user object as users.info will answer it with
        include_locale (without it, Slack leaves ``locale`` out)."""
        real = real_name if real_name is not None else name.replace(".", " ").title()
        first, _, last = real.partition(" ")
        user_profile: dict[str, Any] = {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": first,
            "last_name": last,
            "team": self.TEAM_ID,
        }
        if email is not None:
            user_profile["email"] = email
        user_profile.update(profile)
        # Slack derives the normalized names; keep them in step with overrides.
        user_profile["display_name_normalized"] = user_profile["display_name"]
        user = {
            "id": id,
            "team_id": self.TEAM_ID,
            "name": name,
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_offset": _tz_offset(tz),
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "locale": locale,
            "profile": user_profile,
        }
        self._users[id] = user
        return user

    def add_usergroup(
        self,
        id: str,  # Slack's own field name
        handle: str,
        user_ids: Iterable[str],
        name: str | None = None,
        description: str = "",
    ) -> dict[str, Any]:
        group = {
            "id": id,
            "team_id": self.TEAM_ID,
            "is_usergroup": True,
            "name": name if name is not None else handle,
            "handle": handle,
            "description": description,
            "date_delete": 0,
            "users": list(user_ids),
        }
        self._usergroups[id] = group
        return group

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        count: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next `count` calls to `method` with this failure.

        429 carries `Retry-After` and `{"ok": false, "error": "ratelimited"}`; 200 carries
        `{"ok": false, "error": error}` (a Slack-level error); any other status a plain-text
        body, as Slack's front end gives for 5xx. Faulted calls are recorded, flagged.
        """
        if count < 1:
            raise ValueError("count must be >= 1")
        self._faults.setdefault(method, []).append(Fault(status, retry_after, count, error))

    def rate_limit(
        self, method: str, per_second: float, burst: int = 1, *, per_channel: bool = True
    ) -> None:
        """Throttle `method`: a token bucket per `channel` argument, or one bucket overall.

        Calls beyond the bucket get 429 with a `Retry-After` computed from the bucket.
        """
        TokenBucket(per_second, burst)  # validates the arguments now, not on first call
        self._limits[method] = (per_second, burst, per_channel)
        self._buckets = {k: b for k, b in self._buckets.items() if k[0] != method}

    def hold(self, method: str) -> asyncio.Event:
        """Carry out every call to `method` (recorded, its effect visible) but keep its
        answer back until the returned event is set: a Slack slow to answer, for as long as
        a test needs."""
        gate = self._holds[method] = asyncio.Event()
        return gate

    def slow(self, method: str, seconds: float) -> None:
        """Carry out every call to `method` at once but answer each `seconds` later: a Slack
        that takes that long per call."""
        self._delays[method] = seconds

    def fail_for(
        self,
        method: str,
        seconds: float,
        status: int,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer every call to `method` with this failure (as `fail_next` describes) for
        `seconds`, starting now or when the outage given before for `method` ends: three
        calls make 500s, then 503s, then 429s."""
        outages = self._outages.setdefault(method, [])
        start = max([time.monotonic(), *(end for _start, end, _fault in outages)])
        outages.append((start, start + seconds, Fault(status, retry_after, 0, error)))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()
        self._outages.clear()
        self._limits.clear()
        self._buckets.clear()
        for gate in self._holds.values():
            gate.set()
        self._holds.clear()

    # ----------------------------------------------------------------- Socket Mode

    @property
    def socket_connections(self) -> int:
        """Socket Mode WebSockets open now, including any told to reconnect."""
        return len(self._sockets)

    async def wait_for_socket(self, timeout: float = WAIT_S) -> None:  # noqa: ASYNC109 - see CallLog.wait_for
        """Wait until a Socket Mode client is connected, greeted and ready for envelopes."""
        try:
            async with asyncio.timeout(timeout), self._socket_change:
                await self._socket_change.wait_for(lambda: self._ready_socket() is not None)
        except TimeoutError:
            opened = len(self.calls_to("apps.connections.open"))
            raise AssertionError(
                f"no Socket Mode client connected within {timeout}s "
                f"(apps.connections.open was called {opened} time(s))"
            ) from None

    async def socket_send(
        self,
        payload_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        timeout: float = 3.0,  # noqa: ASYNC109 - see CallLog.wait_for; Slack's ack deadline
    ) -> dict[str, Any]:
        """Send an envelope to the newest ready client and return its ack message.

        `accepts_response_payload` defaults to what Slack sends for the kind of payload.
        An ack that does not come within `timeout`, or a connection that closes first,
        fails with AssertionError.
        """
        if payload_type not in _ENVELOPE_TYPES:
            raise ValueError(f"payload_type must be one of {sorted(_ENVELOPE_TYPES)}")
        socket = self._ready_socket()
        if socket is None:
            raise RuntimeError("no Socket Mode client is connected: await wait_for_socket()")
        if accepts_response_payload is None:
            accepts_response_payload = payload_type == "slash_commands" or (
                payload_type == "interactive"
                and payload.get("type") in _ANSWERABLE_INTERACTIONS
            )
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": payload_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if payload_type == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        ack = socket.unacked[envelope_id] = asyncio.get_running_loop().create_future()
        try:
            await socket.ws.send_json(envelope)
            return await asyncio.wait_for(ack, timeout)
        except TimeoutError:
            raise AssertionError(
                f"no ack for the {payload_type} envelope {envelope_id} within {timeout}s"
            ) from None
        finally:
            socket.unacked.pop(envelope_id, None)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell the newest ready client to reconnect, as Slack does every few hours.

        The connection gets no more envelopes; it stays open until the client closes it.
        """
        socket = self._ready_socket()
        if socket is None:
            raise RuntimeError("no Socket Mode client is connected: await wait_for_socket()")
        socket.refreshing = True
        await socket.ws.send_json(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-emulator"}}
        )

    def _ready_socket(self) -> _Socket | None:
        for socket in reversed(self._sockets):
            if not socket.refreshing and not socket.ws.closed:
                return socket
        return None

    # ----------------------------------------------------------------- HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        response = await self._serve_api(request)
        method = request.match_info["method"]
        delay = self._delays.get(method)
        if delay:
            await asyncio.sleep(delay)
        gate = self._holds.get(method)
        if gate is not None:
            await gate.wait()
        return response

    async def _serve_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args, bad_body = await _read_args(request)
        token = _bearer_token(request.headers.get("Authorization"))
        form_token = args.pop("token", None)
        token = token or (form_token if isinstance(form_token, str) else None)
        call = Call(method, args, dict(request.headers), time.monotonic())
        self._log.add(method, call)
        # From here to the return nothing awaits, so a waiter woken by the record above
        # already sees `call.faulted` set.
        if method == "openid.connect.token" and not bad_body:  # client credentials, no token
            return web.json_response(self.openid.token(
                args, request.headers.get("Authorization"), self._users,
                issuer=str(request.url.origin())))
        handler = self._handlers.get(method)
        if handler is None:
            return _ok_false("unknown_method", req_method=method)
        if bad_body:
            return _ok_false("invalid_json")
        if not token:
            return _ok_false("not_authed")
        if not self._token_valid(token):
            return _ok_false("invalid_auth")
        if method in _APP_TOKEN_METHODS and not token.startswith("xapp-"):
            return _ok_false("not_allowed_token_type")
        failure = self._injected_failure(method) or self._throttled(method, args)
        if failure is not None:
            call.faulted = True
            return failure
        try:
            return web.json_response(handler(args))
        except _SlackError as exc:
            return _ok_false(exc.error, **exc.extra)

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        body, bad_body = await _read_args(request)
        self._responses.add(name, ResponsePost(name, body, dict(request.headers), time.monotonic()))
        if bad_body:
            return web.Response(status=400, text="invalid_payload")
        return web.json_response({"ok": True})

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.match_info["ticket"]
        # A URL connects once, as Slack's do; none while the emulator is stopping.
        if self._runner is None or ticket not in self._tickets:
            return web.Response(status=404, text="invalid_ticket")
        self._tickets.discard(ticket)
        # autoclose off: the socket is forgotten before the close is answered, so a client
        # whose close() returned is no longer counted. Pings are answered (autoping).
        ws = web.WebSocketResponse(autoclose=False)
        await ws.prepare(request)
        socket = _Socket(ws)
        await ws.send_json({
            "type": "hello",
            "num_connections": len(self._sockets) + 1,
            "debug_info": _SOCKET_DEBUG_INFO,
            "connection_info": {"app_id": self.APP_ID},
        })
        self._sockets.append(socket)
        try:
            async with self._socket_change:
                self._socket_change.notify_all()
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    _take_ack(socket, message.data)
        finally:
            self._sockets.remove(socket)
            for envelope_id, ack in socket.unacked.items():
                if not ack.done():
                    ack.set_exception(AssertionError(
                        f"the Socket Mode connection closed before envelope {envelope_id} "
                        "was acknowledged"))
        await ws.close()
        return ws

    def _token_valid(self, token: str) -> bool:
        if self._tokens is not None:
            return token in self._tokens
        return token.startswith(("xoxb-", "xapp-"))

    def _injected_failure(self, method: str) -> web.Response | None:
        fault = self._outage(method)
        queue = self._faults.get(method)
        if fault is None and not queue:
            return None
        if fault is None:
            assert queue
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
        if fault.status == 429:
            return _rate_limited(fault.retry_after, fault.error)
        if fault.status == 200:
            return _ok_false(fault.error or "internal_error")
        return web.Response(status=fault.status, text=fault.error or "Internal Server Error")

    def _outage(self, method: str) -> Fault | None:
        now = time.monotonic()
        outages = self._outages.get(method) or []
        while outages and outages[0][1] <= now:
            outages.pop(0)
        if outages and outages[0][0] <= now:
            return outages[0][2]
        return None

    def _throttled(self, method: str, args: dict[str, Any]) -> web.Response | None:
        limit = self._limits.get(method)
        if limit is None:
            return None
        per_second, burst, per_channel = limit
        key = (
            method,
            str(args.get("channel") or args.get("channel_id") or "") if per_channel else "",
        )
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(per_second, burst)
        wait = bucket.take()
        if wait == 0.0:
            return None
        return _rate_limited(TokenBucket.retry_after(wait), None)

    # ----------------------------------------------------------------- Web API methods

    def _next_ts(self) -> str:
        micros = self._next_micros
        self._next_micros += 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq:08X}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": self.TEAM_URL,
            "team": self.TEAM_NAME,
            "user": "touchpoint",
            "team_id": self.TEAM_ID,
            "user_id": self.BOT_USER_ID,
            "bot_id": self.BOT_ID,
            "is_enterprise_install": False,
        }

    def _resolve_channel(self, channel: Any) -> str:
        if not channel or not isinstance(channel, str):
            raise _SlackError("channel_not_found")
        # Posting to a user id posts into the app's DM with that user; the answer names the
        # DM, and that id (not the user id) is what chat.update needs later.
        if channel[0] in "UW":
            return self.dm_channel(channel)
        return channel

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise _SlackError("no_text")
        _check_blocks(args.get("blocks"))
        self._check_image_blocks(args.get("blocks"))
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": self.BOT_USER_ID,
            "bot_id": self.BOT_ID,
            "app_id": self.APP_ID,
            "team": self.TEAM_ID,
            "text": args.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key):
                message[key] = args[key]
        self._messages.setdefault(channel, {})[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _existing_message(self, args: dict[str, Any], ts_field: str) -> tuple[str, str, dict]:
        channel, ts = args.get("channel"), args.get(ts_field)
        if not channel:
            raise _SlackError("channel_not_found")
        message = self._messages.get(str(channel), {}).get(str(ts))
        if message is None:
            raise _SlackError("message_not_found")
        return str(channel), str(ts), message

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts, message = self._existing_message(args, "ts")
        _check_blocks(args.get("blocks"))
        self._check_image_blocks(args.get("blocks"))
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                message[key] = args[key]
        message["edited"] = {"user": self.BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": message,
        }

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        # Unlike chat.postMessage, an ephemeral message needs a conversation: Slack's
        # documentation asks for a channel or IM id, never a user id.
        if isinstance(channel, str) and channel[:1] in ("U", "W"):
            raise _SlackError("channel_not_found")
        self._resolve_channel(channel)
        if not args.get("user"):
            raise _SlackError("user_not_in_channel")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise _SlackError("no_text")
        # Ephemeral messages are not stored: Slack does not let chat.update touch them.
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts, _ = self._existing_message(args, "ts")
        del self._messages[channel][ts]
        return {"ok": True, "channel": channel, "ts": ts}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = args.get("users")
        if isinstance(users, str):
            users = [u.strip() for u in users.split(",") if u.strip()]
        if not users:
            raise _SlackError("users_list_not_supplied")
        channel_id = self.dm_channel(*users)
        channel: dict[str, Any] = {"id": channel_id}
        if _truthy(args.get("return_im")):
            channel.update({"is_im": len(users) == 1, "is_open": True, "created": 1_700_000_000})
            if len(users) == 1:
                channel["user"] = users[0]
        answer: dict[str, Any] = {"ok": True, "channel": channel}
        if channel_id in self._opened:
            answer.update({"no_op": True, "already_open": True})
        self._opened.add(channel_id)
        return answer

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest` on; metadata only with `include_all_metadata`. Replies
        in threads are not in a channel's history (conversations.replies has them)."""
        channel = str(args.get("channel") or "")
        if channel not in self._messages and channel not in self._opened:
            raise _SlackError("channel_not_found")
        return self._page(args, [m for ts, m in self._messages.get(channel, {}).items()
                                 if m.get("thread_ts", ts) == ts])

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent and replies from `oldest` on, oldest first (as Slack pages
        them)."""
        channel, ts = str(args.get("channel") or ""), str(args.get("ts"))
        if ts not in self._messages.get(channel, {}):
            raise _SlackError("thread_not_found")
        thread = [m for m_ts, m in self._messages[channel].items()
                  if m_ts == ts or m.get("thread_ts") == ts]
        return self._page(args, thread, newest_first=False)

    def _page(self, args: dict[str, Any], messages: list[dict[str, Any]], *,
              newest_first: bool = True) -> dict[str, Any]:
        oldest = float(args.get("oldest") or 0)
        limit = min(int(args.get("limit") or 100), self.MAX_PAGE_SIZE)
        found = sorted((m for m in messages if float(m["ts"]) >= oldest),
                       key=lambda m: float(m["ts"]), reverse=newest_first)
        with_metadata = _truthy(args.get("include_all_metadata"))
        kept = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
                for m in found[:limit]]
        return {"ok": True, "messages": kept, "has_more": len(found) > limit}

    def _new_view(self, args: dict[str, Any], root_view_id: str | None) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict) or not view.get("type"):
            raise _SlackError("invalid_arguments")
        view_id = self._next_id("V")
        stored = {
            "id": view_id,
            "team_id": self.TEAM_ID,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "app_id": self.APP_ID,
            "bot_id": self.BOT_ID,
            **view,
            "root_view_id": root_view_id or view_id,
            "hash": f"{self._next_ts()}.{view_id}",
        }
        self._views[view_id] = stored
        return {"ok": True, "view": stored}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "trigger_id")
        return self._new_view(args, None)

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "trigger_id")
        return self._new_view(args, None)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        # Slack's views.update takes no trigger_id: the view is named by id or external id.
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise _SlackError("invalid_arguments")
        if view_id:
            stored = self._views.get(str(view_id))
        else:
            stored = next(
                (v for v in self._views.values() if v.get("external_id") == external_id), None
            )
        if stored is None:
            raise _SlackError("not_found")
        if args.get("hash") and args["hash"] != stored["hash"]:
            raise _SlackError("hash_conflict")
        view = args.get("view")
        if not isinstance(view, dict) or not view.get("type"):
            raise _SlackError("invalid_arguments")
        stored.update(view)
        stored["hash"] = f"{self._next_ts()}.{stored['id']}"
        return {"ok": True, "view": stored}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """A person's Home tab, replaced whole each time; refused as Slack refuses a view that
        is not a home view, over 100 blocks, or over 250 kB (``view_too_large``)."""
        _require(args, "user_id")
        user_id, view = str(args["user_id"]), args.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise _SlackError("invalid_arguments")
        if len(view.get("blocks") or []) > MAX_HOME_BLOCKS:
            raise _SlackError("invalid_arguments")
        if len(json.dumps(view).encode()) > MAX_VIEW_BYTES:
            raise _SlackError("view_too_large")
        current = self.homes.get(user_id)
        if current and args.get("hash") and args["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        view_id = current["id"] if current else self._next_id("V")
        stored = {**view, "id": view_id, "team_id": self.TEAM_ID, "app_id": self.APP_ID,
                  "bot_id": self.BOT_ID, "hash": f"{self._next_ts()}.{view_id}"}
        self.homes[user_id] = stored
        return {"ok": True, "view": stored}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            limit = int(args.get("limit") or 0) or self.DEFAULT_PAGE_SIZE
        except (TypeError, ValueError) as exc:
            raise _SlackError("invalid_limit") from exc
        limit = max(1, min(limit, self.MAX_PAGE_SIZE))
        start = _decode_cursor(args.get("cursor"))
        members = list(self._users.values())
        if start > len(members):
            raise _SlackError("invalid_cursor")
        page = members[start : start + limit]
        end = start + len(page)
        next_cursor = _encode_cursor(end) if end < len(members) else ""
        return {
            "ok": True,
            "members": [_with_locale(user, args) for user in page],
            "cache_ts": 1_700_000_000,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise _SlackError("user_not_found")
        return {"ok": True, "user": _with_locale(user, args)}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email") or "").lower()
        if not email:
            raise _SlackError("invalid_email")
        for user in self._users.values():
            if str(user["profile"].get("email", "")).lower() == email:
                return {"ok": True, "user": _with_locale(user, args)}
        raise _SlackError("users_not_found")

    def _usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        include_users = _truthy(args.get("include_users"))
        groups = []
        for group in self._usergroups.values():
            shown = {k: v for k, v in group.items() if k != "users"}
            shown["user_count"] = len(group["users"])
            if include_users:
                shown["users"] = list(group["users"])
            groups.append(shown)
        return {"ok": True, "usergroups": groups}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self._usergroups.get(str(args.get("usergroup") or ""))
        if group is None:
            raise _SlackError("no_such_subteam")
        return {"ok": True, "users": list(group["users"])}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        _require(args, "name")
        _, _, message = self._existing_message(args, "timestamp")
        reactions = message.setdefault("reactions", [])
        for reaction in reactions:
            if reaction["name"] == args["name"]:
                raise _SlackError("already_reacted")
        reactions.append({"name": args["name"], "users": [self.BOT_USER_ID], "count": 1})
        return {"ok": True}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"ok": True, "url": f"ws{self._base.removeprefix('http')}socket-mode/{ticket}"}

    # ----------------------------------------------------------------- files and image blocks

    def file(self, file_id: str) -> dict[str, Any] | None:
        """An uploaded file as the emulator keeps it: `name`, `length` (declared), `alt_txt`,
        `data` (the bytes POSTed, None before), `completed`, `channels`, `thread_ts`."""
        return self._files.get(file_id)

    @property
    def uploaded_files(self) -> list[dict[str, Any]]:
        return list(self._files.values())

    def _require_scope(self, scope: str) -> None:
        if self.scopes is not None and scope not in self.scopes:
            raise _SlackError("missing_scope", needed=scope,
                              provided=",".join(sorted(self.scopes)))

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require_scope(FILES_SCOPE)
        _require(args, "filename")
        try:
            length = int(args.get("length") or 0)
        except (TypeError, ValueError) as exc:
            raise _SlackError("invalid_arguments") from exc
        if length <= 0:
            raise _SlackError("missing_argument")
        if length > self.max_upload_bytes:
            raise _SlackError("file_upload_size_restricted")
        alt_txt = args.get("alt_txt")
        if alt_txt is not None and len(str(alt_txt)) > MAX_ALT_TXT:
            raise _SlackError("alt_txt_too_large")
        file_id = self._next_id("F")
        self._files[file_id] = {"id": file_id, "name": args["filename"], "length": length,
                                "alt_txt": alt_txt, "data": None, "completed": False,
                                "ready_at": None, "channels": [], "thread_ts": None}
        return {"ok": True, "upload_url": f"{self._base}upload/{file_id}", "file_id": file_id}

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        # The upload URL is the credential: Slack's carries no token either.
        file = self._files.get(request.match_info["file_id"])
        if file is None or file["completed"]:
            return web.Response(status=404, text="file_not_found")
        if request.content_type == "multipart/form-data":
            data = b""
            async for part in await request.multipart():
                if isinstance(part, BodyPartReader) and part.filename is not None:
                    data = await part.read()
                    break
        else:
            data = await request.read()
        file["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require_scope(FILES_SCOPE)
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise _SlackError("invalid_arguments")
        stored = []
        for item in files:
            file = self._files.get(str(item.get("id") if isinstance(item, dict) else None))
            if file is None or file["data"] is None:
                raise _SlackError("file_not_found")
            stored.append((file, item.get("title") or file["name"]))
        channel = args.get("channel_id")
        answered = []
        for file, title in stored:
            file.update(completed=True, title=title, thread_ts=args.get("thread_ts"),
                        ready_at=time.monotonic() + self.file_processing_s,
                        channels=[channel] if channel else [])
            answered.append({"id": file["id"], "name": file["name"], "title": title,
                             "size": len(file["data"]), "channels": file["channels"]})
        return {"ok": True, "files": answered}

    def _check_image_blocks(self, blocks: Any) -> None:
        """Refuse what Slack refuses in image blocks: no alt text, not exactly one source,
        or a `slack_file` that is not a completed, processed image (``invalid_blocks``)."""
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        errors = []
        for index, block in enumerate(blocks or []):
            if not isinstance(block, dict) or block.get("type") != "image":
                continue
            where = f"[json-pointer:/blocks/{index}"
            alt_text = block.get("alt_text")
            if not isinstance(alt_text, str) or not alt_text:
                errors.append(f"must provide alt_text {where}/alt_text]")
            elif len(alt_text) > MAX_IMAGE_ALT_TEXT:
                errors.append(f"must be less than {MAX_IMAGE_ALT_TEXT + 1} characters "
                              f"{where}/alt_text]")
            source = block.get("slack_file")
            if bool(block.get("image_url")) == bool(source):
                errors.append(f"must provide exactly one of image_url or slack_file {where}]")
            elif source is not None and not self._usable_image(source):
                errors.append(f"invalid slack file {where}/slack_file]")
        if errors:
            raise _SlackError("invalid_blocks", errors=errors,
                              response_metadata={"messages": [f"[ERROR] {e}" for e in errors]})

    def _usable_image(self, source: Any) -> bool:
        if not isinstance(source, dict) or len(source) != 1 or not source.get("id"):
            return False
        file = self._files.get(str(source["id"]))
        return (file is not None and file["completed"]
                and time.monotonic() >= file["ready_at"]
                and (file["data"] or b"").startswith(_IMAGE_SIGNATURES))


# --------------------------------------------------------------------------- module helpers


def _ok_false(error: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error": error, **extra})


def _rate_limited(retry_after: int, error: str | None) -> web.Response:
    return web.json_response(
        {"ok": False, "error": error or "ratelimited"},
        status=429,
        headers={"Retry-After": str(retry_after)},
    )


def _bearer_token(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


async def _read_args(request: web.Request) -> tuple[dict[str, Any], bool]:
    """Query string and body merged; the flag says the body could not be parsed."""
    args: dict[str, Any] = dict(request.query)
    bad_body = False
    if request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body, bad_body = None, True
            if isinstance(body, dict):
                args.update(body)
            elif not bad_body:
                bad_body = True
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
        else:
            await request.read()
    for key in _JSON_FIELDS.intersection(args):
        value = args[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                args[key] = json.loads(value)
            except ValueError:
                pass  # left as sent: the handler rejects it, the test can still see it
    return args, bad_body


def _take_ack(socket: _Socket, data: str) -> None:
    """Resolve the envelope a client message acknowledges; Slack ignores anything else."""
    try:
        message = json.loads(data)
    except ValueError:
        return
    if not isinstance(message, dict):
        return
    ack = socket.unacked.get(str(message.get("envelope_id")))
    if ack is not None and not ack.done():
        ack.set_result(message)


def _encode_cursor(offset: int) -> str:
    # Opaque like Slack's (base64 text), so callers cannot be tempted to build their own.
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        text = base64.b64decode(str(cursor), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset":
            raise ValueError(text)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _SlackError("invalid_cursor") from exc


def _tz_offset(tz: str) -> int:
    try:
        offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


def _check_blocks(blocks: Any) -> None:
    """Refuse what Slack refuses in a message's blocks: two elements of one block sharing an
    action id (Slack answers ``invalid_blocks``)."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks or []:
        ids = [element.get("action_id") for element in block.get("elements") or []
               if isinstance(element, dict) and element.get("action_id")]
        if len(ids) != len(set(ids)):
            raise _SlackError("invalid_blocks")


def _with_locale(user: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """A user object as users.info and users.list answer it: the ``locale`` field only when
    asked for with include_locale (Slack's changelog "Locale locale locale", 2017-09: "If you
    don't include the parameter, no locale will be provided")."""
    if _truthy(args.get("include_locale")):
        return user
    return {key: value for key, value in user.items() if key != "locale"}
