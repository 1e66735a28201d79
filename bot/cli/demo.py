"""`touchpoint demo`: a scripted conversation with a real Touchpoint."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    cli.add_command(demo)


@click.command()
def demo() -> None:
    """Play a scripted conversation with a real Touchpoint on a throwaway SQLite database."""
    # Imported late: keeps `check-config` fast.
    from bot.demo.run import run_demo
    from bot.demo.stage import DemoError

    try:
        run_demo()
    except DemoError as exc:
        raise click.ClickException(f"the demo did not go as scripted: {exc}") from exc
