"""Checks in front of Bolt, so unsigned or malformed requests get 401/400 and never a 500.

Bolt 1.30 parses a request before verifying it, and answers 500 to a non-numeric timestamp or
a broken ``payload=`` field. Here the signature is verified first (401 with no detail), then the
body's shape is checked (400); only a signed, well-formed request reaches Bolt, which verifies
it again as it always does.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from bot.web.json_limits import MAX_DEPTH, too_deep

_TIMESTAMP = re.compile(r"[0-9]{1,15}")


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_slack_request(verifier: SignatureVerifier, headers, body: bytes) -> None:
    """Raise Rejected(401) unless signed within the time window, Rejected(400) unless parseable."""
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
    form = parse_qs(text)
    if too_deep(form["payload"][0] if "payload" in form else text):
        raise Rejected(400, f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        # Bolt's own parser (JSON, form, or form with a JSON payload), so what passes here
        # is read the same way by Bolt.
        parsed = parse_body(text, headers.get("Content-Type", "").split(";")[0] or None)
    except (ValueError, RecursionError):
        raise Rejected(400, "body is not JSON") from None
    problem = _shape_problem(parsed, has_payload="payload" in form)
    if problem is not None:
        raise Rejected(400, problem)


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
