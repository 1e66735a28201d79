"""app.yaml and the environment: every problem named by its path, secrets never shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError, Secrets, load_settings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "app.yaml"
TOKEN = "xoxb-1234-5678-config-test-token"
SIGNING = "f00dfeedc0ffee-signing-secret"
DB_PASSWORD = "hunter2-db-password"
SLACK_ENV = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING}


def shipped() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def write(tmp_path: Path, config: Any) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def problems_of(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings({**SLACK_ENV, **(env or {}), "TOUCHPOINT_CONFIG": str(path)})
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_the_shipped_app_yaml_is_valid():
    settings = load_settings({**SLACK_ENV, "TOUCHPOINT_CONFIG": str(SHIPPED)})

    assert settings.app.channels.triage.slack == "C0TRIAGE1"
    assert settings.app.organisation.timezone == "Europe/London"
    assert settings.app.organisation.business_hours.weekday_numbers == {0, 1, 2, 3, 4}
    assert settings.app.organisation.holidays.extra_dates == ["2026-12-24"]
    assert settings.secrets.slack_enabled and not settings.secrets.teams_enabled


def _set(*keys: str, value: Any):
    def change(config: dict[str, Any]) -> None:
        node = config
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return change


def _drop(*keys: str):
    def change(config: dict[str, Any]) -> None:
        node = config
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return change


HOURS = ("organisation", "business_hours")
HOLIDAYS = ("organisation", "holidays")


@pytest.mark.parametrize(("change", "problem"), [
    (_drop("channels", "triage"), "channels.triage: required"),
    (_drop("organisation"), "organisation: required"),
    (_set("organisation", "colour", value="blue"), "organisation.colour: unknown key"),
    (_set("slack_bot_token", value="xoxb-in-the-file"), "slack_bot_token: unknown key"),
    (_set("organisation", "timezone", value="Europe/Atlantis"),
     "organisation.timezone: 'Europe/Atlantis' is not an IANA time zone (like Europe/London)"),
    (_set(*HOURS, "days", value=["mon", "funday"]),
     "organisation.business_hours.days: 'funday' is not a weekday (mon..sun)"),
    (_set(*HOURS, "start", value="18:00"),
     "organisation.business_hours: start must be before end"),
    (_set(*HOLIDAYS, "country", value="XX"),
     "organisation.holidays: unknown holiday calendar: Country XX not available"),
    (_set(*HOLIDAYS, "extra_dates", value=["2026-02-30"]),
     "organisation.holidays.extra_dates: '2026-02-30' is not a date (YYYY-MM-DD)"),
    (_set("roles", "admin", "emails", value=["it-director"]),
     "roles.admin.emails: 'it-director' is not an email address"),
    (_set("roles", "admin", "emails", value=["it@example.com\n"]),
     "roles.admin.emails: 'it@example.com\\n' is not an email address"),
    (_set("roles", "it_lead", "slack_users", value=["@lee"]),
     "roles.it_lead.slack_users: '@lee' is not a Slack user id (like U012ABC)"),
    (_set("roles", "it_staff", "slack_usergroups", value=["helpdesk"]),
     "roles.it_staff.slack_usergroups: 'helpdesk' is not a Slack user group id (like S012ABC)"),
    (_set("channels", "digests", "slack", value="#digests"),
     "channels.digests.slack: '#digests' is not a Slack channel id (like C012ABC)"),
    (_set("channels", "kudos_wall", value={}),
     "channels.kudos_wall: give a slack channel id, a teams channel id, or both"),
    (_set("channels", "triage", value="C0TRIAGE1"),
     "channels.triage: must be a mapping of keys to values"),
    (_set("channels", value=["C0TRIAGE1"]), "channels: must be a mapping of keys to values"),
    (_set("channels", "broadcasts", value=[]),
     "channels.broadcasts: List should have at least 1 item after validation, not 0"),
])
def test_each_problem_is_named_by_its_path(tmp_path, change, problem):
    config = shipped()
    change(config)

    assert problems_of(write(tmp_path, config)) == [problem]


def test_every_problem_is_listed_at_once(tmp_path):
    config = shipped()
    del config["channels"]["triage"]
    config["organisation"]["timezone"] = "Nowhere/Special"
    config["organisation"]["business_hours"]["days"] = ["someday"]
    config["roles"]["admin"]["emails"] = ["nobody"]
    config["surprise"] = True

    problems = problems_of(write(tmp_path, config), {"SLACK_SIGNING_SECRET": ""})

    assert sorted(problems) == sorted([
        "channels.triage: required",
        "organisation.timezone: 'Nowhere/Special' is not an IANA time zone (like Europe/London)",
        "organisation.business_hours.days: 'someday' is not a weekday (mon..sun)",
        "roles.admin.emails: 'nobody' is not an email address",
        "surprise: unknown key",
        "SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set "
        "(or set SLACK_APP_TOKEN for Socket Mode)",
    ])


def test_an_unquoted_date_is_read_as_the_same_day(tmp_path):
    path = tmp_path / "app.yaml"
    text = SHIPPED.read_text(encoding="utf-8").replace('["2026-12-24"]', "[2026-12-24, 20261231]")
    path.write_text(text, encoding="utf-8")

    settings = load_settings({**SLACK_ENV, "TOUCHPOINT_CONFIG": str(path)})

    assert settings.app.organisation.holidays.extra_dates == ["2026-12-24", "2026-12-31"]


@pytest.mark.parametrize("content", [["a", "list"], "just text", None, 42])
def test_a_file_that_is_not_a_mapping(tmp_path, content):
    assert problems_of(write(tmp_path, content)) == [
        "(top level): must be a mapping of keys to values"]


def test_invalid_yaml_gives_the_line(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text("organisation:\n  name: IT\n\ttimezone: UTC\n", encoding="utf-8")

    [problem] = problems_of(path)

    assert problem.startswith(f"{path}: not valid YAML at line 3, column 1 (")


def test_unreadable_files(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"organisation:\n  name: \xff\xfe\n")

    assert problems_of(missing) == [f"{missing}: cannot be read (No such file or directory); "
                                    "TOUCHPOINT_CONFIG names the file (default: app.yaml in "
                                    "the current folder)"]
    assert problems_of(tmp_path) == [f"{tmp_path}: cannot be read (Is a directory)"]
    assert problems_of(binary) == [f"{binary}: is not UTF-8 text (byte 23)"]


def test_an_unreadable_file_does_not_hide_environment_problems(tmp_path):
    problems = problems_of(tmp_path / "nowhere.yaml", {"SLACK_SIGNING_SECRET": ""})

    assert len(problems) == 2
    assert problems[1].startswith("SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set")


@pytest.mark.parametrize(("env", "problem"), [
    ({"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""},
     "SLACK_BOT_TOKEN or MICROSOFT_APP_ID: set at least one chat platform"),
    ({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"},
     "SLACK_APP_TOKEN: must be an app-level token starting with xapp-"),
    ({"MICROSOFT_APP_ID": "0000-app"},
     "MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set"),
    ({"DATABASE_URL": "mysql://root:pa55word@db/touchpoint"},
     "DATABASE_URL: must be a sqlite:///path or postgresql://user@host/db URL"),
    ({"DATABASE_URL": "touchpoint.db"},
     "DATABASE_URL: must be a sqlite:///path or postgresql://user@host/db URL"),
    ({"TOUCHPOINT_IMAGE_KEY": "short"},
     "TOUCHPOINT_IMAGE_KEY: at least 32 characters (e.g. `openssl rand -hex 32`)"),
    ({"TOUCHPOINT_BOARD_KEY": "short"},
     "TOUCHPOINT_BOARD_KEY: at least 32 characters (e.g. `openssl rand -hex 32`)"),
    *[({"TOUCHPOINT_PUBLIC_URL": url}, "TOUCHPOINT_PUBLIC_URL: an https address with no "
       "query, like https://touchpoint.example.com (http only on loopback)")
      for url in ("http://touchpoint.example.com", "touchpoint.example.com",
                  "https://touchpoint.example.com/?x=1", "https://")],
])
def test_environment_problems(env, problem):
    assert problems_of(SHIPPED, env) == [problem]


@pytest.mark.parametrize(("url", "kept"), [
    ("https://touchpoint.example.com/", "https://touchpoint.example.com"),
    ("https://example.com/touchpoint", "https://example.com/touchpoint"),
    ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
])
def test_the_public_url_is_kept_without_its_trailing_slash(url, kept):
    secrets = Secrets.from_env({"TOUCHPOINT_PUBLIC_URL": url})
    assert secrets.public_url == kept
    assert not [p for p in secrets.problems() if p.startswith("TOUCHPOINT_PUBLIC_URL")]


def test_a_signing_secret_without_a_token():
    assert problems_of(SHIPPED, {"SLACK_BOT_TOKEN": ""}) == [
        "SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set",
        "SLACK_BOT_TOKEN or MICROSOFT_APP_ID: set at least one chat platform",
    ]


def test_secrets_come_from_the_environment_and_never_show(tmp_path):
    env = {**SLACK_ENV, "TOUCHPOINT_CONFIG": str(SHIPPED), "MICROSOFT_APP_ID": "app-id",
           "MICROSOFT_APP_PASSWORD": "ms-password-value", "TOUCHPOINT_WEBHOOK_SECRET": "whsec-v",
           "DATABASE_URL": f"postgresql://touchpoint:{DB_PASSWORD}@db.internal/touchpoint"}

    settings = load_settings(env)

    secrets = settings.secrets
    assert secrets.slack_bot_token.get_secret_value() == TOKEN
    assert secrets.slack_signing_secret.get_secret_value() == SIGNING
    assert DB_PASSWORD in secrets.database_url.get_secret_value()
    shown = "\n".join([repr(settings), str(settings), settings.model_dump_json(),
                       repr(secrets), str(settings.model_dump())])
    for value in (TOKEN, SIGNING, DB_PASSWORD, "ms-password-value", "whsec-v"):
        assert value not in shown


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args],  # noqa: S603 - our own CLI
                          env=env, capture_output=True, text=True, timeout=60, check=False)


def test_check_config_lists_every_problem_and_exits_2(tmp_path, cli_env):
    config = shipped()
    del config["channels"]["triage"]
    config["organisation"]["timezone"] = "Mars/Olympus"
    path = write(tmp_path, config)

    done = _cli("check-config", env=cli_env(TOUCHPOINT_CONFIG=str(path), SLACK_BOT_TOKEN=TOKEN,
                                            SLACK_APP_TOKEN="xoxb-wrong-kind"))

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "The configuration has problems:",
        "  organisation.timezone: 'Mars/Olympus' is not an IANA time zone (like Europe/London)",
        "  channels.triage: required",
        "  SLACK_APP_TOKEN: must be an app-level token starting with xapp-",
    ]
    assert "Traceback" not in done.stderr
    assert TOKEN not in done.stdout + done.stderr
    assert "xoxb-wrong-kind" not in done.stdout + done.stderr


def test_check_config_exits_0_on_a_valid_configuration(cli_env):
    done = _cli("check-config", env=cli_env(TOUCHPOINT_CONFIG=str(SHIPPED), **SLACK_ENV))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{SHIPPED}: OK"
    assert TOKEN not in done.stdout + done.stderr
    assert SIGNING not in done.stdout + done.stderr


def test_check_config_warns_of_channels_missing_on_an_enabled_platform(tmp_path, cli_env):
    """With Slack and Teams both enabled, a kudos wall (or any channel setting) set for one
    platform only posts nothing for the people on the other: check-config says so, with the
    setting's path, and still exits 0."""
    config = shipped()
    config["channels"] = {
        "triage": {"slack": "C0TRIAGE1", "teams": "19:triage@thread.tacv2"},
        "digests": {"teams": "19:digests@thread.tacv2"},
        "kudos_wall": {"slack": "C0KUDOS01"},
        "broadcasts": [{"slack": "C0STATUS1"}, {"teams": "19:status@thread.tacv2"}],
    }
    config["kudos"]["approvals"] = {"slack": "C0LEADS01"}
    path = write(tmp_path, config)

    done = _cli("check-config", env=cli_env(
        TOUCHPOINT_CONFIG=str(path), MICROSOFT_APP_ID="0b5e1a6c-0000-4000-8000-00000000b0b0",
        MICROSOFT_APP_PASSWORD="app-password", **SLACK_ENV))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{path}: OK"
    assert done.stderr.splitlines() == [
        "Warnings:",
        "  channels.digests: no slack channel, so nothing is posted there for Slack "
        "(enabled: SLACK_BOT_TOKEN is set)",
        "  channels.kudos_wall: no teams channel, so nothing is posted there for Teams "
        "(enabled: MICROSOFT_APP_ID is set)",
        "  kudos.approvals: no teams channel, so nothing is posted there for Teams "
        "(enabled: MICROSOFT_APP_ID is set)",
        "  services.3.broadcast_channel: no teams channel, so nothing is posted there for "
        "Teams (enabled: MICROSOFT_APP_ID is set)",
    ]


def test_check_config_does_not_warn_about_a_platform_that_is_not_enabled(tmp_path, cli_env):
    done = _cli("check-config", env=cli_env(TOUCHPOINT_CONFIG=str(SHIPPED), **SLACK_ENV))

    assert done.returncode == 0, done.stderr
    assert "Warnings" not in done.stderr


def test_sign_in_with_slack_needs_its_secret_the_board_key_and_the_public_address(tmp_path):
    raw = yaml.safe_load(SHIPPED.read_text())
    raw["board"]["slack_signin"] = {"client_id": "2141029472.691202649728"}
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert problems_of(path) == [
        "SLACK_CLIENT_SECRET: required when board.slack_signin is set (the app's client secret)",
        "TOUCHPOINT_BOARD_KEY: required when board.slack_signin is set "
        "(it signs the sign-in state)",
        "TOUCHPOINT_PUBLIC_URL: required when board.slack_signin is set "
        "(Slack sends people back there)",
    ]
    settings = load_settings({**SLACK_ENV, "TOUCHPOINT_CONFIG": str(path),
                              "SLACK_CLIENT_SECRET": "s3cret-of-the-slack-app",
                              "TOUCHPOINT_BOARD_KEY": "k" * 32,
                              "TOUCHPOINT_PUBLIC_URL": "https://touchpoint.example.com"})
    assert "s3cret-of-the-slack-app" not in repr(settings)
