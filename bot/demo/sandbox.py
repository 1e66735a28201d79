"""A throwaway home for a real Touchpoint, shared by `touchpoint demo` and the benchmarks.

`sandbox()` makes a temporary directory holding the app.yaml and, unless a database URL is
given, a migrated SQLite database; everything is removed on exit. `serve()` runs an aiohttp
application on a loopback port for as long as its block lasts.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from aiohttp import web

from bot.config import Settings, load_settings
from bot.demo.cast import app_config
from storage.migrate import upgrade


@dataclass(frozen=True)
class Sandbox:
    directory: Path
    database_url: str
    signing_secret: str
    """What requests into this Touchpoint are signed with, as Slack would sign them."""
    webhook_secret: str = ""
    """What the service desk signs its ticket events with (TOUCHPOINT_WEBHOOK_SECRET)."""

    def settings(self, *, slack_api_url: str, teams_service_url: str | None = None) -> Settings:
        """Settings pointing Slack at an emulator and, when given a Bot Connector emulator's
        URL, Teams at it too, in emulator mode (no Bot Framework authentication)."""
        config = app_config()
        env = {
            "SLACK_BOT_TOKEN": f"xoxb-{secrets.token_hex(8)}",
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_API_URL": slack_api_url,
            "DATABASE_URL": self.database_url,
            "TOUCHPOINT_SEAL_KEY": secrets.token_hex(16),
            "TOUCHPOINT_WEBHOOK_SECRET": self.webhook_secret,
        }
        if teams_service_url is not None:
            config["teams"] = {"service_url": teams_service_url}
            env["TOUCHPOINT_TEAMS_DEV_MODE"] = "1"
        path = self.directory / "app.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return load_settings({**env, "TOUCHPOINT_CONFIG": str(path)})


@contextmanager
def sandbox(database_url: str | None = None) -> Iterator[Sandbox]:
    """A temporary directory and a migrated database (SQLite inside it unless one is given)."""
    with tempfile.TemporaryDirectory(prefix="touchpoint-") as tmp:
        directory = Path(tmp)
        url = database_url or f"sqlite:///{directory / 'touchpoint.db'}"
        upgrade(url)
        yield Sandbox(directory, url, signing_secret=secrets.token_hex(16),
                      webhook_secret=secrets.token_hex(16))


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yields its base URL (no trailing slash)."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
