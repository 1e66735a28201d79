"""Bot Framework authentication for real: with an app id set, inbound JWTs are validated
against OpenID metadata and signing keys served locally, as login.botframework.com serves them.

botbuilder fetches the metadata with blocking `requests` calls from the event loop, so the
metadata server runs in its own thread. Its URL reaches the adapter the way a sovereign-cloud
operator's would: through the configuration object ConfigurationBotFrameworkAuthentication
reads.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlmodel import select

from bot.server import SERVICES, create_app
from bot.teams import adapter as teams_adapter
from storage.models import ConversationRef
from tests.teams_activities import recorded

APP_ID = "0b5e1a6c-0000-4000-8000-00000000b0b0"
ISSUER = "https://api.botframework.com"
KID = "test-signing-key"
CONVERSATION = "a:1someone-personal-chat"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def openid_url(signing_key) -> Iterator[str]:
    """OpenID metadata and a JWKS with the signing key, endorsed for msteams."""
    jwk = {**RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True),
           "kid": KID, "use": "sig", "endorsements": ["msteams"]}
    documents: dict[str, dict] = {"/keys": {"keys": [jwk]}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(documents.get(self.path, {})).encode()
            self.send_response(200 if self.path in documents else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    documents["/.well-known/openid-configuration"] = {"issuer": ISSUER,
                                                      "jwks_uri": f"{base}/keys"}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{base}/.well-known/openid-configuration"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def secured_bot(make_settings, openid_url, monkeypatch):
    settings = make_settings(env={"MICROSOFT_APP_ID": APP_ID,
                                  "MICROSOFT_APP_PASSWORD": "app-password",
                                  "TOUCHPOINT_TEAMS_DEV_MODE": None})
    config = SimpleNamespace(
        APP_ID=APP_ID, APP_PASSWORD="app-password", APP_TYPE="MultiTenant",
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=openid_url,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=ISSUER,
        TO_CHANNEL_FROM_BOT_LOGIN_URL="https://login.microsoftonline.com/botframework.com",
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=ISSUER,
    )
    monkeypatch.setattr(teams_adapter, "bot_framework_config", lambda _settings: config)
    async with TestServer(create_app(settings)) as server:
        yield server


def token(key: rsa.RSAPrivateKey, service_url: str, *, kid: str = KID,
          **claims: object) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 60,
               "exp": now + 3600, "jti": str(uuid.uuid4()), **claims}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def bot_removed(service_url: str) -> dict:
    """Teams telling the bot it was removed from a 1:1 chat (recorded): handled without
    outbound calls."""
    removed = recorded("conversation_update_members_removed", serviceUrl=service_url,
                       recipient={"id": f"28:{APP_ID}", "name": "Touchpoint"},
                       membersRemoved=[{"id": f"28:{APP_ID}"}],
                       channelData={"tenant": {"id": "tenant-1"}})
    removed["conversation"] = {"id": CONVERSATION, "conversationType": "personal"}
    return removed


async def seed_reference(server: TestServer, service_url: str) -> None:
    async with server.app[SERVICES].sessions() as session:
        session.add(ConversationRef(conversation_id=CONVERSATION, kind="personal",
                                    reference={"serviceUrl": service_url,
                                               "conversation": {"id": CONVERSATION}}))
        await session.commit()


async def references_left(server: TestServer) -> int:
    async with server.app[SERVICES].sessions() as session:
        return len((await session.exec(select(ConversationRef))).all())


async def post(server: TestServer, activity: dict, bearer: str) -> int:
    async with aiohttp.ClientSession() as http, http.post(
            server.make_url("/api/messages"), json=activity,
            headers={"Authorization": f"Bearer {bearer}"}) as response:
        return response.status


async def test_an_activity_signed_by_the_bot_framework_is_processed(secured_bot, signing_key,
                                                                    connector):
    await seed_reference(secured_bot, connector.url)

    status = await post(secured_bot, bot_removed(connector.url),
                        token(signing_key, connector.url))

    assert status == 201
    assert await references_left(secured_bot) == 0


@pytest.mark.parametrize("forgery", [
    "other key",
    "unknown kid",
    "expired",
    "other app",
    "other issuer",
    "other service url",
    "unsigned",
])
async def test_forged_tokens_get_401_and_change_nothing(secured_bot, signing_key, connector,
                                                        forgery):
    await seed_reference(secured_bot, connector.url)
    url = connector.url
    bearer = {
        "other key": lambda: token(new_key(), url),
        "unknown kid": lambda: token(signing_key, url, kid="rotated-away"),
        "expired": lambda: token(signing_key, url, exp=int(time.time()) - 600,
                                 nbf=int(time.time()) - 7200),
        "other app": lambda: token(signing_key, url, aud="another-app-id"),
        "other issuer": lambda: token(signing_key, url, iss="https://evil.example"),
        "other service url": lambda: token(signing_key, "https://evil.example/"),
        "unsigned": lambda: jwt.encode({"iss": ISSUER, "aud": APP_ID, "serviceurl": url},
                                       key=None, algorithm="none"),
    }[forgery]()

    status = await post(secured_bot, bot_removed(url), bearer)

    assert status == 401
    assert await references_left(secured_bot) == 1
    assert connector.calls == []
