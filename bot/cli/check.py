"""`touchpoint check-config`: validate app.yaml and the environment, listing every problem,
and warn about channel settings with no channel on an enabled platform
(`bot.config.targets`)."""

from __future__ import annotations

import click

from bot.cli.startup import settings_or_exit
from bot.config.targets import untargeted


def register(cli: click.Group) -> None:
    cli.add_command(check_config)


@click.command("check-config")
def check_config() -> None:
    """Validate app.yaml and the environment; list every problem and exit 2 if any. Channels
    missing on an enabled platform are warnings: listed, and the exit is still 0."""
    settings = settings_or_exit()
    warnings = untargeted(settings.app, settings.secrets)
    if warnings:
        click.echo("Warnings:", err=True)
        for warning in warnings:
            click.echo(f"  {warning}", err=True)
    click.echo(f"{settings.config_path}: OK")
