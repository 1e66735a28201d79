"""`touchpoint check-config`: validate app.yaml and the environment, listing every problem:
the settings, and what `touchpoint run` reads from the environment itself (PORT,
TOUCHPOINT_LOG_FORMAT), so a value `run` would refuse is not called OK here; and warn about
channel settings with no channel on an enabled platform (`bot.config.targets`)."""

from __future__ import annotations

import os
from collections.abc import Mapping

import click

from bot.cli.logs import FORMATS
from bot.cli.startup import exit_with, settings_or_exit
from bot.config.targets import untargeted


def register(cli: click.Group) -> None:
    cli.add_command(check_config)


def run_problems(env: Mapping[str, str]) -> list[str]:
    """What `touchpoint run` would refuse in the environment."""
    found = []
    port = env.get("PORT", "").strip()
    if port and not (port.isdigit() and int(port) <= 65535):
        found.append(f"PORT: {port!r} is not a port number (0 to 65535)")
    log_format = env.get("TOUCHPOINT_LOG_FORMAT", "").strip().lower()
    if log_format and log_format not in FORMATS:
        found.append(f"TOUCHPOINT_LOG_FORMAT: {log_format!r} is not one of "
                     f"{', '.join(FORMATS)}")
    return found


@click.command("check-config")
def check_config() -> None:
    """Validate app.yaml and the environment; list every problem and exit 2 if any. Channels
    missing on an enabled platform are warnings: listed, and the exit is still 0."""
    settings = settings_or_exit()
    if problems := run_problems(os.environ):
        exit_with(problems)
    warnings = untargeted(settings.app, settings.secrets)
    if warnings:
        click.echo("Warnings:", err=True)
        for warning in warnings:
            click.echo(f"  {warning}", err=True)
    click.echo(f"{settings.config_path}: OK")
