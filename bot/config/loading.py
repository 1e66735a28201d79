"""Loading the settings: app.yaml (path from TOUCHPOINT_CONFIG) read and validated into
`AppConfig`, plus the environment's `Secrets`, into one `Settings`.

`load_settings` returns typed `Settings` or raises `ConfigError` carrying every problem found,
in the file and in the environment at once, each with the path of the offending key
(``channels.triage: required``), so an operator fixes them all in one go.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.config.app import AppConfig
from bot.config.environment import Secrets
from bot.config.problems import ConfigError, problems_of

DEFAULT_CONFIG_PATH = "app.yaml"


class Settings(BaseModel):
    """What the running process is configured with: app.yaml plus the environment."""

    model_config = ConfigDict(frozen=True)

    app: AppConfig
    secrets: Secrets
    config_path: Path


def parse_app_config(raw: Any) -> AppConfig:
    """Validate a parsed app.yaml; raise ConfigError listing every problem with its path."""
    if not isinstance(raw, Mapping):
        raise ConfigError(["(top level): must be a mapping of keys to values"])
    try:
        return AppConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(problems_of(exc)) from None


def _read_yaml(path: Path) -> Any:
    """The parsed file, or ConfigError saying why it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        # Most often a first run outside the folder holding app.yaml.
        raise ConfigError([f"{path}: cannot be read ({exc.strerror}); TOUCHPOINT_CONFIG "
                           "names the file (default: app.yaml in the current folder)"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: is not UTF-8 text (byte {exc.start + 1})"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        raise ConfigError([f"{path}: not valid YAML{where}"
                           + (f" ({problem})" if problem else "")]) from None


def config_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("TOUCHPOINT_CONFIG") or DEFAULT_CONFIG_PATH)


def load_app_config(env: Mapping[str, str] | None = None) -> AppConfig:
    """app.yaml alone, without the secrets (the app manifests are written before any token)."""
    return parse_app_config(_read_yaml(config_path(os.environ if env is None else env)))


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read app.yaml (path from TOUCHPOINT_CONFIG) and the environment."""
    env = os.environ if env is None else env
    path = config_path(env)
    problems: list[str] = []
    app = None
    try:
        # The environment is checked even when the file is unusable: every problem at once.
        app = load_app_config(env)
    except ConfigError as exc:
        problems.extend(exc.problems)
    secrets = Secrets.from_env(env)
    problems.extend(secrets.problems())
    if app is not None and app.board.slack_signin is not None:
        problems.extend(
            f"{name}: required when board.slack_signin is set ({why})" for name, why, value in (
                ("SLACK_CLIENT_SECRET", "the app's client secret", secrets.slack_client_secret),
                ("TOUCHPOINT_BOARD_KEY", "it signs the sign-in state", secrets.board_key),
                ("TOUCHPOINT_PUBLIC_URL", "Slack sends people back there", secrets.public_url))
            if value is None)
    if problems or app is None:
        raise ConfigError(problems)
    return Settings(app=app, secrets=secrets, config_path=path)
