"""Sign in with Slack (OpenID Connect) for the local Slack emulator: the two steps Slack
documents, on the emulator's own address.

* ``GET /openid/connect/authorize``: Slack's consent page. The emulator plays the person
  signed in to Slack (`signed_in_as`, a user id) who agrees at once: it checks the request (a
  registered `client_id`, ``response_type=code``, the `openid` scope, a `redirect_uri`
  registered for the client) and redirects back with a one-use ``code`` and the ``state``
  it was given. With nobody signed in, or a request it refuses, it answers the way the
  consent page's refusal reaches an app: a redirect with ``error=access_denied`` (or 400
  when there is no registered place to send it).
* ``openid.connect.token`` (a Web API method, client credentials by HTTP Basic or form
  fields): exchanges the code, once, for an access token and an RS256 ``id_token`` with the
  claims of Slack's method reference (iss, sub, aud, exp, iat, auth_time, nonce, team and
  user ids, email, name). ``redirect_uri`` must match the one the code was issued for.
* ``GET /openid/connect/keys``: the JWKS holding the public key that verifies id_tokens.

The issuer is the emulator's own origin, as ``https://slack.com`` is Slack's.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_ID = "emulator-1"
TOKEN_LIFETIME_S = 300


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    user_id: str
    nonce: str | None


class SlackOpenID:
    def __init__(self, team_id: str) -> None:
        self.team_id = team_id
        self.clients: dict[str, tuple[str, frozenset[str]]] = {}
        self.signed_in_as: str | None = None
        """The Slack user id of whoever is signed in to Slack and consents; None: nobody."""
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._signing_key = self._key
        self._codes: dict[str, _Grant] = {}

    def register(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.clients[client_id] = (client_secret, frozenset(redirect_uris))

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/openid/connect/authorize", self.authorize)
        router.add_get("/openid/connect/keys", self.keys)

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        client = self.clients.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        if client is None or redirect_uri not in client[1]:
            return web.Response(status=400, text="invalid_client_id or redirect_uri")
        back: dict[str, str] = {}
        if "state" in query:
            back["state"] = query["state"]
        scopes = set(query.get("scope", "").split())
        if (self.signed_in_as is None or query.get("response_type") != "code"
                or "openid" not in scopes
                or query.get("team", self.team_id) != self.team_id):
            back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            self._codes[code] = _Grant(query["client_id"], redirect_uri,
                                       self.signed_in_as, query.get("nonce"))
            back["code"] = code
        return web.Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(back)}"})

    async def keys(self, _request: web.Request) -> web.Response:
        jwk = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        jwk.update(kid=KEY_ID, use="sig", alg="RS256")
        return web.json_response({"keys": [jwk]})

    def token(self, args: dict[str, Any], authorization: str | None,
              users: dict[str, dict[str, Any]], *, issuer: str) -> dict[str, Any]:
        """The answer to ``openid.connect.token``, as Slack's method reference shows it."""
        client_id, client_secret = _basic(authorization) or (
            str(args.get("client_id", "")), str(args.get("client_secret", "")))
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client[0], client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        if args.get("grant_type", "authorization_code") != "authorization_code":
            return {"ok": False, "error": "invalid_grant_type"}
        grant = self._codes.pop(str(args.get("code", "")), None)
        if grant is None or grant.client_id != client_id:
            return {"ok": False, "error": "invalid_code"}
        if args.get("redirect_uri", "") != grant.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        user = users.get(grant.user_id, {"id": grant.user_id})
        profile = user.get("profile", {})
        now = int(time.time())
        claims = {
            "iss": issuer, "sub": grant.user_id, "aud": client_id,
            "exp": now + TOKEN_LIFETIME_S, "iat": now, "auth_time": now,
            "https://slack.com/team_id": self.team_id,
            "https://slack.com/user_id": grant.user_id,
            "email": profile.get("email", ""), "email_verified": True,
            "name": user.get("real_name") or user.get("name", ""), "locale": "en-US",
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode(claims, self._signing_key, algorithm="RS256", headers={"kid": KEY_ID})
        return {"ok": True, "access_token": f"xoxp-{secrets.token_hex(8)}",
                "token_type": "Bearer", "id_token": id_token}

    def forge_signatures(self) -> None:
        """Sign id_tokens from now on with a key the JWKS does not publish (under the same
        key id), as a forger would: an app that verifies them refuses them."""
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret
