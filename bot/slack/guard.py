"""Checks in front of Bolt, so unsigned or malformed requests get 401/400 and never a 500.

Bolt 1.30 parses a request before verifying it, and answers 500 to a non-numeric timestamp or
a broken ``payload=`` field. Here the signature is verified first (401 with no detail), then the
body is parsed as Bolt parses it, once, and its shape checked (400); only a signed, well-formed
request reaches Bolt, already parsed, and Bolt verifies its signature again as it always does.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from slack_bolt.async_app import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.web.json_limits import MAX_DEPTH, too_deep

_TIMESTAMP = re.compile(r"[0-9]{1,15}")


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Checked(NamedTuple):
    """A signed, well-formed request's body: as sent, and as Bolt reads it."""

    text: str
    body: dict[str, Any]


def check_slack_request(verifier: SignatureVerifier, headers, body: bytes) -> Checked:
    """Raise Rejected(401) unless signed within the time window, Rejected(400) unless parseable
    and of the shape that Bolt and the listeners read."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    # ASCII digits only, and few of them: int() refuses "²" and numbers over 4,300 digits;
    # an ASCII signature, as compare_digest refuses to compare other text.
    if (not _TIMESTAMP.fullmatch(timestamp) or not signature.startswith("v0=")
            or not signature.isascii()):
        raise Rejected(401, "unsigned")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # Slack sends UTF-8, and the verifier can only check text: this is not from Slack.
        raise Rejected(401, "body is not UTF-8") from None
    if not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
        raise Rejected(401, "bad signature")
    parsed, has_payload = _parse(text, headers.get("Content-Type", "").split(";")[0] or None)
    problem = _shape_problem(parsed, has_payload=has_payload)
    if problem is not None:
        raise Rejected(400, problem)
    return Checked(text, parsed)


def _parse(text: str, content_type: str | None) -> tuple[Any, bool]:
    """The body as Bolt reads it (`slack_bolt.request.internals.parse_body`: JSON, form, or
    form with a JSON payload), and whether it came from a payload; Rejected(400) for JSON
    nested past `MAX_DEPTH` (checked before it is parsed) or for no JSON at all."""
    if not text:
        return {}, False
    has_payload = False
    if content_type != "application/json" and not text.startswith("{"):
        form = dict(parse_qsl(text, keep_blank_values=True))
        has_payload = "payload" in text and "payload" in form
        if not has_payload:
            _refuse_deep(text)  # no JSON, but brackets nested that deep are no form either
            return ({} if "payload" in text else form), False
        text = form["payload"]
    _refuse_deep(text)
    try:
        return json.loads(text), has_payload
    except (ValueError, RecursionError):
        raise Rejected(400, "body is not JSON") from None


def _refuse_deep(text: str) -> None:
    if too_deep(text):
        raise Rejected(400, f"JSON nested deeper than {MAX_DEPTH} levels")


class ParsedRequest(AsyncBoltRequest):
    """Bolt's HTTP request for a checked body, which it does not parse again: built as Bolt
    builds a Socket Mode request (from a parsed body), then given the text and HTTP mode, so
    Bolt's own signature check and all after it see what `to_bolt_request` would make."""

    def __init__(self, checked: Checked, query: str, headers):
        super().__init__(body=checked.body, query=query, headers=headers, mode="socket_mode")
        self.raw_body = checked.text
        self.mode = "http"


def _shape_problem(body: Any, *, has_payload: bool) -> str | None:
    """What Bolt's matchers and `bot.slack.intents` would trip over: the fields they read,
    missing or of the wrong kind."""
    if not isinstance(body, dict):
        return "body is not a JSON object"
    kind = body.get("type")
    if (has_payload or "type" in body) and not isinstance(kind, str):
        return "payload has no type"
    for name in ("team_id", "api_app_id", "event_id", "response_url", "trigger_id",
                 "user_id", "channel_id", "command", "text"):
        if name in body and not isinstance(body[name], str | int | None):
            return f"{name} is not a string"
    for name in ("team", "user", "channel", "container", "message", "enterprise"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    response_url = body.get("response_url")
    if response_url is not None and not (isinstance(response_url, str)
                                         and response_url.startswith(("https://", "http://"))):
        return "response_url is not a URL"
    if "command" in body and not has_payload and not body.get("user_id"):
        return "command has no user_id"
    if kind == "event_callback":
        return _event_problem(body.get("event"))
    if kind == "block_actions":
        return _actions_problem(body)
    if kind in ("view_submission", "view_closed"):
        return _view_problem(body)
    return None


def _event_problem(event: Any) -> str | None:
    if not (isinstance(event, dict) and isinstance(event.get("type"), str)):
        return "event has no type"
    if event.get("user") is not None and not isinstance(event["user"], dict | str):
        return "event.user is not an object or an id"
    for name in ("item", "tokens"):
        if event.get(name) is not None and not isinstance(event[name], dict):
            return f"event.{name} is not an object"
    return None


def _actions_problem(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if not (isinstance(actions, list) and actions
            and all(isinstance(action, dict) for action in actions)):
        return "actions is not a list of objects"
    if not isinstance(actions[0].get("action_id"), str):
        return "actions[0] has no action_id"
    return _user_problem(body)


def _view_problem(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    if not (isinstance(view, dict) and isinstance(view.get("type"), str)):
        return "view has no type"
    if not isinstance(view.get("callback_id"), str):
        return "view has no callback_id"
    if not isinstance(view.get("private_metadata", ""), str | None):
        return "view.private_metadata is not a string"
    state = view.get("state")
    if state is not None:
        values = state.get("values") if isinstance(state, dict) else None
        if not (isinstance(values, dict) and all(
                isinstance(block, dict) and all(isinstance(element, dict)
                                                for element in block.values())
                for block in values.values())):
            return "view.state.values is not an object of blocks of elements"
    return _user_problem(body)


def _user_problem(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if not (isinstance(user, dict) and isinstance(user.get("id"), str)):
        return "user has no id"
    return None
