"""`touchpoint check-config`: validate app.yaml and the environment, listing every problem."""

from __future__ import annotations

import click

from bot.cli.startup import settings_or_exit


def register(cli: click.Group) -> None:
    cli.add_command(check_config)


@click.command("check-config")
def check_config() -> None:
    """Validate app.yaml and the environment; list every problem and exit 2 if any."""
    settings = settings_or_exit()
    click.echo(f"{settings.config_path}: OK")
