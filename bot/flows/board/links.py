"""Sign-in links to the bulletin board: ``{base}/board/signin?token=...``.

A token is ``{person id}.{expires}.{nonce}.{mac}``: whose link it is, the Unix time it
expires (`LINK_MINUTES` after it was asked for), a random nonce that the database records
when the link is used (`storage.board.use_signin`: each link signs in once), and
HMAC-SHA256 of the rest under ``TOUCHPOINT_BOARD_KEY`` (base64url). The key comes from the
environment only and is never logged; a token is checked before the database is touched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import Secrets

LINK_MINUTES = 10
SIGNIN_PATH = "/board/signin"
MAX_TOKEN = 200


@dataclass(frozen=True)
class SigninToken:
    person_id: int
    expires: datetime
    nonce: str


class SigninLinks:
    def __init__(self, secrets_: Secrets):
        key = secrets_.board_key
        self._key = key.get_secret_value().encode() if key else None
        self.base = secrets_.public_url

    @property
    def enabled(self) -> bool:
        return self._key is not None and self.base is not None

    @property
    def secure(self) -> bool:
        """Cookies are marked Secure when the board is served over https."""
        return bool(self.base and self.base.startswith("https://"))

    def url_for(self, person_id: int, now: datetime) -> str | None:
        """A fresh link signing `person_id` in, valid for `LINK_MINUTES`; None when the
        board's key or public address is not set."""
        if not self.enabled:
            return None
        expires = int((now + timedelta(minutes=LINK_MINUTES)).timestamp())
        payload = f"{person_id}.{expires}.{secrets.token_urlsafe(16)}"
        return f"{self.base}{SIGNIN_PATH}?token={payload}.{self._mac(payload)}"

    def verify(self, token: str, now: datetime) -> SigninToken | None:
        """What a valid, unexpired token says; None for anything else (never why)."""
        if self._key is None or len(token) > MAX_TOKEN:
            return None
        payload, _, mac = token.rpartition(".")
        if not payload or not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            return None
        person, _, rest = payload.partition(".")
        stamp, _, nonce = rest.partition(".")
        try:
            expires = datetime.fromtimestamp(int(stamp), UTC)
            person_id = int(person)
        except (ValueError, OverflowError, OSError):
            return None
        if expires <= now or not nonce:
            return None
        return SigninToken(person_id, expires, nonce)

    def _mac(self, payload: str) -> str:
        mac = hmac.new(self._key or b"", payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")
