"""`touchpoint manifest slack|teams`: the manifests that create the Slack and Teams apps,
written from the registered routes, so they advertise only what the bot answers."""

from __future__ import annotations

import os
from pathlib import Path

import click

from bot.cli.startup import app_config_or_exit, exit_with
from bot.config.environment import Secrets
from bot.config.problems import ConfigError


def register(cli: click.Group) -> None:
    cli.add_command(manifest)


@click.group()
def manifest() -> None:
    """Write the manifests that create the Slack and Teams apps.

    They need app.yaml but no tokens: the tokens come from the apps made with them.
    """


@manifest.command("slack")
@click.option("--url", help="The https address Touchpoint is served at, like "
                            "https://touchpoint.example.com.")
@click.option("--socket-mode", is_flag=True,
              help="Slack connects over Socket Mode (SLACK_APP_TOKEN); no --url needed.")
@click.option("--name", help="The app's name in Slack.  [default: Touchpoint]")
@click.option("--locale", help="The language of its description and commands, like de.  "
                               "[default: organisation.locale]")
def manifest_slack(url: str | None, socket_mode: bool, name: str | None,
                   locale: str | None) -> None:
    """Print the Slack app manifest (YAML) to paste at api.slack.com/apps."""
    from bot.handlers import handler_routes  # imported late, like the rest of the bot
    from bot.slack.manifest import manifest_yaml, slack_manifest

    app = app_config_or_exit()
    try:
        built = slack_manifest(app, handler_routes(), url=url, socket_mode=socket_mode,
                               name=name, locale=locale)
    except ConfigError as exc:
        exit_with(exc.problems, "Cannot write the Slack manifest:")
    click.echo(manifest_yaml(built), nl=False)


@manifest.command("teams")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("touchpoint-teams.zip"), show_default=True,
              help="Where to write the app package.")
@click.option("--app-id", help="The bot's Microsoft App ID.  [default: MICROSOFT_APP_ID]")
@click.option("--domain", help="The host Touchpoint is served at, like touchpoint.example.com.")
def manifest_teams(out: Path, app_id: str | None, domain: str | None) -> None:
    """Write the Teams app package (manifest.json, a localization file for each other shipped
    language, and icons) to upload to Teams."""
    from bot.handlers import handler_routes  # imported late, like the rest of the bot
    from bot.teams.manifest import (
        PLACEHOLDER_SITE,
        teams_manifest,
        translations,
        write_package,
    )

    app = app_config_or_exit()
    app_id = app_id or Secrets.from_env(os.environ).microsoft_app_id
    try:
        routes = handler_routes()
        built = teams_manifest(app, routes, app_id=app_id, domain=domain)
        write_package(built, out, translations(app, routes, built))
    except ConfigError as exc:
        exit_with(exc.problems, "Cannot write the Teams app package:")
    except OSError as exc:
        exit_with([f"--out: {out} cannot be written ({exc.strerror})"],
                  "Cannot write the Teams app package:")
    click.echo(f"{out}: Teams app package for app id {built['id']}")
    placeholders = [name for name, link in built["developer"].items()
                    if link == PLACEHOLDER_SITE]
    if placeholders:
        click.echo(f"Without --domain (or teams.website_url, privacy_url and terms_url in "
                   f"app.yaml), the app's {', '.join(placeholders)} link to "
                   f"{PLACEHOLDER_SITE}", err=True)
