"""What the Slack and Teams manifest tests share: an app.yaml whose organisation's name holds
characters a careless renderer would escape, with its channels on one platform, and
`touchpoint manifest ...` run with that app.yaml and no secrets at all in the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from bot.cli import cli

ORGANISATION = "R&D <IT>_Services"
SLACK_CHANNELS = {"triage": {"slack": "C0TRIAGE1"}, "digests": {"slack": "C0DIGEST1"},
                  "kudos_wall": {"slack": "C0KUDOS01"}, "broadcasts": [{"slack": "C0STATUS1"}]}
TEAMS_CHANNELS = {"triage": {"teams": "19:triage@thread.tacv2"},
                  "digests": {"teams": "19:digests@thread.tacv2"},
                  "kudos_wall": {"teams": "19:kudos@thread.tacv2"},
                  "broadcasts": [{"teams": "19:status@thread.tacv2"}]}
_ENV_WITHOUT_SECRETS = {name: None for name in (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD", "TOUCHPOINT_TEAMS_DEV_MODE")}


def write_app_yaml(path: Path, channels: dict[str, Any], **organisation: str) -> Path:
    """app.yaml at `path`: the organisation (`ORGANISATION`, and any more of its keys) and
    `channels`."""
    path.write_text(yaml.safe_dump({
        "organisation": {"name": ORGANISATION, **organisation},
        "channels": channels,
    }), encoding="utf-8")
    return path


def manifest_command(config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """`touchpoint manifest <args>` with app.yaml at `config`, no secrets but `env`."""
    return CliRunner().invoke(cli, ["manifest", *args], env={
        **_ENV_WITHOUT_SECRETS, "TOUCHPOINT_CONFIG": str(config), **(env or {})})
