"""What the command-line tests share: an environment with app.yaml, Slack tokens (Slack
itself unreachable) and a migrated database, and nothing from the developer's shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.conftest import app_config

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
UNREACHABLE_SLACK = "http://127.0.0.1:9/api/"
_OURS = ("SLACK_", "MICROSOFT_", "TOUCHPOINT_", "DATABASE_")


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str) -> dict[str, str | None]:
    """app.yaml, Slack tokens and a migrated database; nothing from the developer's shell."""
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(app_config()), encoding="utf-8")
    cleared: dict[str, str | None] = {name: None for name in os.environ
                                      if name.startswith(_OURS) or name == "PORT"}
    return {**cleared, "TOUCHPOINT_CONFIG": str(config), "DATABASE_URL": sqlite_url,
            "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": UNREACHABLE_SLACK}
