"""Sign in with Slack (OpenID Connect) for the board, when ``board.slack_signin`` is set.

The authorization-code flow as Slack documents it: ``GET /board/signin/slack`` sends the
browser to Slack's ``/openid/connect/authorize`` (scopes ``openid email profile``, a random
``state`` and ``nonce``, the redirect URL ``{TOUCHPOINT_PUBLIC_URL}/board/signin/slack/callback``,
and ``team`` when one workspace is configured). Slack sends the person back to the callback
with a ``code``; the code is exchanged with ``openid.connect.token`` (client id and
SLACK_CLIENT_SECRET), and the ``id_token`` it answers is verified: RS256 under a key of
Slack's published key set, issuer (the origin of SLACK_API_URL: ``https://slack.com``),
audience (our client id), expiry, the nonce we sent, and the workspace. Its Slack user id
then names the person, through the directory.

State and nonce travel in a short-lived cookie (HttpOnly, SameSite=Lax: the callback is a
top-level GET from Slack, which Lax cookies accompany), signed with TOUCHPOINT_BOARD_KEY,
so any replica can finish a flow another one started. The nonce is recorded as used, in
the table the chat links use, so a callback cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import jwt
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.metrics import Metrics
from bot.slack.client import make_client

log = logging.getLogger(__name__)

START_PATH = "/board/signin/slack"
CALLBACK_PATH = "/board/signin/slack/callback"
STATE_COOKIE = "touchpoint_slack_signin"
STATE_MINUTES = 10
SCOPES = "openid email profile"
KEYS_KEPT_S = 3600
"""Slack's signing keys are fetched again after an hour, or at once for an unknown key id."""
_USER_CLAIM = "https://slack.com/user_id"
_TEAM_CLAIM = "https://slack.com/team_id"


class SigninRefused(Exception):
    """The flow cannot finish: what is wrong goes to the log, never to the page."""


class SlackUnreachable(Exception):
    """Slack did not answer the token exchange or the key set."""


@dataclass(frozen=True)
class Started:
    authorize_url: str
    cookie: str
    """The signed state and nonce, for STATE_COOKIE."""


@dataclass(frozen=True)
class SlackIdentity:
    user_id: str
    nonce: str
    expires: datetime
    """Until when the nonce must be remembered as used."""


class SlackSignin:
    def __init__(self, settings: Settings, metrics: Metrics):
        config = settings.app.board.slack_signin
        client_secret = settings.secrets.slack_client_secret
        board_key = settings.secrets.board_key
        assert config and client_secret and board_key and settings.secrets.public_url
        self.client_id = config.client_id
        self.team = config.team
        self._client_secret = client_secret.get_secret_value()
        self._key = board_key.get_secret_value().encode()
        self.redirect_uri = settings.secrets.public_url + CALLBACK_PATH
        api = urlsplit(settings.secrets.slack_api_url)
        # Slack's pages and keys live beside its Web API: https://slack.com/api/ -> https://slack.com
        self.issuer = f"{api.scheme}://{api.netloc}"
        self._client = make_client(None, settings.secrets.slack_api_url, metrics)
        self._keys: dict[str, Any] = {}
        self._keys_at = -float(KEYS_KEPT_S + 1)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return settings.app.board.slack_signin is not None

    def start(self, now: datetime) -> Started:
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
        expires = int((now + timedelta(minutes=STATE_MINUTES)).timestamp())
        payload = f"{state}.{nonce}.{expires}"
        query = {"response_type": "code", "scope": SCOPES, "client_id": self.client_id,
                 "state": state, "nonce": nonce, "redirect_uri": self.redirect_uri}
        if self.team:
            query["team"] = self.team
        return Started(f"{self.issuer}/openid/connect/authorize?{urlencode(query)}",
                       f"{payload}.{self._mac(payload)}")

    async def finish(self, query: dict[str, str], cookie: str | None,
                     now: datetime) -> SlackIdentity:
        """The person Slack vouches for; SigninRefused or SlackUnreachable otherwise."""
        nonce, expires = self._check_state(query.get("state", ""), cookie or "", now)
        if "error" in query or not query.get("code"):
            raise SigninRefused(f"Slack answered {query.get('error', 'without a code')}")
        try:
            answer = await self._client.openid_connect_token(
                client_id=self.client_id, client_secret=self._client_secret,
                code=query["code"], redirect_uri=self.redirect_uri,
                grant_type="authorization_code")
        except SlackApiError as exc:
            raise SigninRefused(f"openid.connect.token: {exc.response.get('error')}") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SlackUnreachable(type(exc).__name__) from None
        token = answer.get("id_token")
        if not isinstance(token, str):
            raise SigninRefused("openid.connect.token answered no id_token")
        claims = await self._verify(token)
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SigninRefused("the id_token's nonce is not the one sent")
        if self.team and claims.get(_TEAM_CLAIM) != self.team:
            raise SigninRefused("the id_token is for another workspace")
        user = claims.get(_USER_CLAIM) or claims.get("sub")
        if not isinstance(user, str) or not user:
            raise SigninRefused("the id_token names no user")
        return SlackIdentity(user, nonce, expires)

    def _check_state(self, state: str, cookie: str, now: datetime) -> tuple[str, datetime]:
        payload, _, mac = cookie.rpartition(".")
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            raise SigninRefused("no sign-in under way in this browser")
        sent_state, nonce, stamp = payload.split(".")  # ours: the MAC says so
        # compare_digest takes ASCII strings only; a state of ours is ASCII.
        if not state or not state.isascii() or not hmac.compare_digest(state, sent_state):
            raise SigninRefused("the state is not the one sent")
        expires = datetime.fromtimestamp(int(stamp), now.tzinfo)
        if expires <= now:
            raise SigninRefused("the sign-in took longer than 10 minutes")
        return nonce, expires

    async def _verify(self, token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise SigninRefused("the id_token is not a JWT") from None
        key = await self._key_for(str(kid))
        try:
            return jwt.decode(token, key, algorithms=["RS256"], audience=self.client_id,
                              issuer=self.issuer, leeway=60,
                              options={"require": ["exp", "iat", "sub", "nonce"]})
        except jwt.PyJWTError as exc:
            raise SigninRefused(f"the id_token does not verify ({type(exc).__name__})") from None

    async def _key_for(self, kid: str) -> Any:
        age = time.monotonic() - self._keys_at
        # An unknown key id may be a key Slack has just rotated in: fetch again, though not
        # more than once a minute whatever a caller sends.
        if age > KEYS_KEPT_S or (kid not in self._keys and age > 60):
            self._keys = await self._fetch_keys()
            self._keys_at = time.monotonic()
        if kid not in self._keys:
            raise SigninRefused("the id_token is signed with a key Slack does not publish")
        return self._keys[kid]

    async def _fetch_keys(self) -> dict[str, Any]:
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
                async with http.get(f"{self.issuer}/openid/connect/keys") as response:
                    response.raise_for_status()
                    document = await response.json()
            found = jwt.PyJWKSet.from_dict(document)
        except (aiohttp.ClientError, TimeoutError, ValueError, jwt.PyJWTError) as exc:
            raise SlackUnreachable(f"the key set: {type(exc).__name__}") from None
        return {key.key_id: key.key for key in found.keys if key.key_id}

    def _mac(self, payload: str) -> str:
        mac = hmac.new(self._key, f"slack-signin:{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")
