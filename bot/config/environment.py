"""Secrets and deployment settings, from the environment only.

They are held as `SecretStr`, so they never show up in a repr, a log line or an error
message; `problems` lists what is missing or inconsistent the way app.yaml's problems are
listed, by the variable's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///touchpoint.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
MIN_IMAGE_KEY = 32
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class Secrets(BaseModel):
    """Secrets and deployment settings, from the environment only."""

    model_config = ConfigDict(frozen=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_token: SecretStr | None = None
    """TOUCHPOINT_WEBHOOK_TOKEN: a static bearer token for desks that cannot sign requests."""
    seal_key: SecretStr | None = None
    """TOUCHPOINT_SEAL_KEY: seals the way back to an anonymous respondent, so IT leads can
    reply to an anonymous pulse comment; without it they cannot."""
    image_key: SecretStr | None = None
    """TOUCHPOINT_IMAGE_KEY: signs the links to the images Touchpoint serves Teams cards."""
    board_key: SecretStr | None = None
    """TOUCHPOINT_BOARD_KEY: signs the bulletin board's sign-in links; without it the board
    has no sign-in (only its public view, when app.yaml switches that on)."""
    slack_client_secret: SecretStr | None = None
    """SLACK_CLIENT_SECRET: the Slack app's client secret, for Sign in with Slack."""
    public_url: str | None = None
    """TOUCHPOINT_PUBLIC_URL: the https address Touchpoint is served at, as Teams sees it."""
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    teams_dev_mode: bool = False
    """TOUCHPOINT_TEAMS_DEV_MODE=1: accept unauthenticated Teams activities (local emulators)."""

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def teams_enabled(self) -> bool:
        return self.microsoft_app_id is not None or self.teams_dev_mode

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Secrets:
        def value(name: str) -> str | None:
            raw = env.get(name, "").strip()
            return raw or None

        api_url = value("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        return cls(
            slack_bot_token=value("SLACK_BOT_TOKEN"),
            slack_signing_secret=value("SLACK_SIGNING_SECRET"),
            slack_app_token=value("SLACK_APP_TOKEN"),
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            microsoft_app_id=value("MICROSOFT_APP_ID"),
            microsoft_app_password=value("MICROSOFT_APP_PASSWORD"),
            microsoft_app_tenant_id=value("MICROSOFT_APP_TENANT_ID"),
            webhook_secret=value("TOUCHPOINT_WEBHOOK_SECRET"),
            webhook_token=value("TOUCHPOINT_WEBHOOK_TOKEN"),
            seal_key=value("TOUCHPOINT_SEAL_KEY"),
            image_key=value("TOUCHPOINT_IMAGE_KEY"),
            board_key=value("TOUCHPOINT_BOARD_KEY"),
            slack_client_secret=value("SLACK_CLIENT_SECRET"),
            public_url=(value("TOUCHPOINT_PUBLIC_URL") or "").rstrip("/") or None,
            database_url=value("DATABASE_URL") or DEFAULT_DATABASE_URL,
            teams_dev_mode=value("TOUCHPOINT_TEAMS_DEV_MODE") in ("1", "true", "yes"),
        )

    def problems(self) -> list[str]:
        found = []
        if self.slack_bot_token and not self.slack_signing_secret and not self.socket_mode:
            found.append("SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set "
                         "(or set SLACK_APP_TOKEN for Socket Mode)")
        if self.slack_signing_secret and not self.slack_bot_token:
            found.append("SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set")
        if self.slack_app_token and not self.slack_bot_token:
            found.append("SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set")
        if self.slack_app_token and not self.slack_app_token.get_secret_value().startswith(
                "xapp-"):
            found.append("SLACK_APP_TOKEN: must be an app-level token starting with xapp-")
        if self.microsoft_app_id and not self.microsoft_app_password:
            found.append("MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set")
        if self.microsoft_app_id and self.teams_dev_mode:
            found.append("TOUCHPOINT_TEAMS_DEV_MODE: must not be set together with "
                         "MICROSOFT_APP_ID (it turns off Bot Framework authentication)")
        if not self.slack_enabled and not self.teams_enabled:
            found.append("SLACK_BOT_TOKEN or MICROSOFT_APP_ID: set at least one chat platform")
        if self.image_key and len(self.image_key.get_secret_value()) < MIN_IMAGE_KEY:
            found.append(f"TOUCHPOINT_IMAGE_KEY: at least {MIN_IMAGE_KEY} characters "
                         "(e.g. `openssl rand -hex 32`)")
        if self.board_key and len(self.board_key.get_secret_value()) < MIN_IMAGE_KEY:
            found.append(f"TOUCHPOINT_BOARD_KEY: at least {MIN_IMAGE_KEY} characters "
                         "(e.g. `openssl rand -hex 32`)")
        if self.public_url and not _public_url_ok(self.public_url):
            found.append("TOUCHPOINT_PUBLIC_URL: an https address with no query, like "
                         "https://touchpoint.example.com (http only on loopback)")
        return found + self.database_problems()

    def database_problems(self) -> list[str]:
        """What is wrong with DATABASE_URL, never repeating it (it may hold a password)."""
        try:
            url = make_url(self.database_url.get_secret_value())
            backend = url.get_backend_name()
        except ArgumentError:
            url, backend = None, None
        # A SQLite URL without a file is a database in memory: nothing would be kept.
        if backend not in ("sqlite", "postgresql") or (
                backend == "sqlite" and url is not None and not url.database):
            return ["DATABASE_URL: must be a sqlite:///path or postgresql://user@host/db URL"]
        return []


def _public_url_ok(url: str) -> bool:
    # Teams fetches card images over https only; plain http is for tests on this machine.
    parts = urlsplit(url)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    return secure and bool(parts.hostname) and not parts.query and not parts.fragment
