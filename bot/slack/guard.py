"""Checks in front of Bolt, so unsigned or malformed requests get 401/400 and never a 500.

Bolt 1.30 parses a request before verifying it, and answers 500 to a non-numeric timestamp or
a broken ``payload=`` field. Here the signature is verified first (401 with no detail), then the
body's shape is checked (400); only a signed, well-formed request reaches Bolt, which verifies
it again as it always does.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_slack_request(verifier: SignatureVerifier, headers, body: bytes) -> None:
    """Raise Rejected(401) unless signed within the time window, Rejected(400) unless parseable."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not signature.startswith("v0="):
        raise Rejected(401, "unsigned")
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
        raise Rejected(401, "bad signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    if headers.get("Content-Type", "").startswith("application/json"):
        try:
            parsed = json.loads(text)
        except ValueError:
            raise Rejected(400, "body is not JSON") from None
        if not isinstance(parsed, dict):
            raise Rejected(400, "body is not a JSON object")
        return
    form = parse_qs(text)
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            raise Rejected(400, "payload is not JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise Rejected(400, "payload has no type")
