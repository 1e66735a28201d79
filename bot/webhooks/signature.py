"""Who may send ticket events: a request signed with TOUCHPOINT_WEBHOOK_SECRET, or one bearing
TOUCHPOINT_WEBHOOK_TOKEN.

Signed: ``X-Touchpoint-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw body with the
secret. A sender that also sends ``X-Touchpoint-Timestamp: <Unix seconds>`` signs
``<timestamp>.<raw body>`` instead, and the request is refused when the timestamp is more than
five minutes from now, so a captured request cannot be replayed later. Bearer:
``Authorization: Bearer <token>``. Every comparison takes constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from pydantic import SecretStr

SIGNATURE_HEADER = "X-Touchpoint-Signature"
TIMESTAMP_HEADER = "X-Touchpoint-Timestamp"
MAX_AGE_S = 300


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Touchpoint-Signature value for `body` (and `timestamp`, when one is sent)."""
    signed = body if timestamp is None else f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def authentic(headers: Mapping[str, str], body: bytes, now: datetime, *,
              secret: SecretStr | None, token: SecretStr | None) -> bool:
    """Whether the request carries a valid signature or the bearer token."""
    if secret is not None and SIGNATURE_HEADER in headers:
        return _signed(headers, body, now, secret.get_secret_value())
    authorization = headers.get("Authorization", "")
    scheme, _, presented = authorization.partition(" ")
    if token is not None and scheme.lower() == "bearer" and presented:
        return hmac.compare_digest(presented.strip().encode(),
                                   token.get_secret_value().encode())
    return False


def _signed(headers: Mapping[str, str], body: bytes, now: datetime, secret: str) -> bool:
    raw_timestamp = headers.get(TIMESTAMP_HEADER)
    timestamp = None
    if raw_timestamp is not None:
        if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):
            return False
        timestamp = int(raw_timestamp)
        if abs(now.timestamp() - timestamp) > MAX_AGE_S:
            return False
    expected = sign(secret, body, timestamp)
    return hmac.compare_digest(headers[SIGNATURE_HEADER].strip().encode(), expected.encode())
