"""The `touchpoint` command line: one module per command group, each with a `register(cli)`
that adds its commands, called here once.

`serve` (run, migrate), `check` (check-config), `directory`, `manifest`, `demo`, `imports`
(import tickets), `export`, `pulse`, `webhook` (webhook try), `newsletter` and `digest`; what
they all need first (settings, database, schema, logging, the bot's services without serving)
is in `startup`, so every command fails the same way: a clear message and its exit code, never
a traceback.
"""

from __future__ import annotations

import click

from bot.cli import (
    check,
    demo,
    digest,
    directory,
    export,
    imports,
    manifest,
    newsletter,
    pulse,
    serve,
    webhook,
)


@click.group()
@click.version_option(package_name="touchpoint", prog_name="touchpoint",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """Touchpoint: measure and improve how IT service is received, in Slack and Teams."""


for _group in (serve, check, directory, manifest, demo, imports, export, pulse, webhook,
               newsletter, digest):
    _group.register(cli)
