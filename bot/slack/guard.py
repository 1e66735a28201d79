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
    # ASCII digits only, and few of them: int() refuses "²" and numbers over 4,300 digits.
    if not _TIMESTAMP.fullmatch(timestamp) or not signature.startswith("v0="):
        raise Rejected(401, "unsigned")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # Slack sends UTF-8, and the verifier can only check text: this is not from Slack.
        raise Rejected(401, "body is not UTF-8") from None
    if not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
        raise Rejected(401, "bad signature")
    try:
        # Bolt's own parser (JSON, form, or form with a JSON payload), so what passes here
        # is read the same way by Bolt.
        parsed = parse_body(text, headers.get("Content-Type", "").split(";")[0] or None)
    except ValueError:
        raise Rejected(400, "body is not JSON") from None
    problem = _shape_problem(parsed, has_payload="payload" in parse_qs(text))
    if problem is not None:
        raise Rejected(400, problem)


def _shape_problem(body: Any, *, has_payload: bool) -> str | None:
    """What Bolt's matchers would trip over: the fields they read, of the wrong kind."""
    if not isinstance(body, dict):
        return "body is not a JSON object"
    kind = body.get("type")
    if (has_payload or "type" in body) and not isinstance(kind, str):
        return "payload has no type"
    if kind == "event_callback" and not (isinstance(body.get("event"), dict)
                                         and isinstance(body["event"].get("type"), str)):
        return "event has no type"
    if kind == "block_actions" and not (
            isinstance(body.get("actions"), list)
            and all(isinstance(action, dict) for action in body["actions"])):
        return "actions is not a list of objects"
    if kind in ("view_submission", "view_closed") and not (
            isinstance(body.get("view"), dict) and isinstance(body["view"].get("type"), str)):
        return "view has no type"
    return None
