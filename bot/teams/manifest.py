"""The Teams app package: manifest.json (schema 1.17), a localization file for each shipped
language besides the organisation's (``de.json``: Teams shows an app's name, descriptions and
commands in the language of the person's client, `localizationInfo`), and the two icons,
zipped for upload to the Teams admin center or Developer Portal.

Like the Slack manifest it follows from the code: its commands are the routed commands typed
without a slash (the ones the bot understands, see bot/teams/intents.py), and its words come
from messages/manifest/, offering only the features whose commands have a handler. The
icons are the PNG files in bot/teams/icons/, drawn by tools/teams_icons.py.
"""

from __future__ import annotations

import json
import re
import zipfile
from importlib import metadata, resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.chat import catalogues
from bot.chat.templates import templates_for
from bot.chat.text import Formatted
from bot.config.app import AppConfig
from bot.config.problems import ConfigError
from bot.handlers import Routes
from bot.teams.intents import DEFAULT_COMMAND
from bot.web.pages import PAGES

SCHEMA = "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = ("https://developer.microsoft.com/json-schemas/teams/v1.17/"
                       "MicrosoftTeams.Localization.schema.json")
"""A localization file's schema is of the manifest's own version, as Teams requires."""
MANIFEST_VERSION = "1.17"
ICONS = {"color": "color.png", "outline": "outline.png"}
SCOPES = ["personal", "team", "groupChat"]
PLACEHOLDER_SITE = "https://example.com/"

# Limits of the 1.17 schema.
MAX_DEVELOPER_NAME = 32
MAX_SHORT_NAME = 30
MAX_FULL_NAME = 100
MAX_COMMANDS = 10

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_HOST = re.compile(r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def teams_commands(routes: Routes) -> list[str]:
    """What a person types to the bot for each Slack slash command, in the same order: the
    general command's words are typed alone, so it is listed as ``help``."""
    return ["help" if command == DEFAULT_COMMAND else command for command in routes.commands]


def teams_manifest(app: AppConfig, routes: Routes, *, app_id: str | None,
                   domain: str | None = None) -> dict[str, Any]:
    """manifest.json as a dict; raise ConfigError without a valid app id or domain.

    `app_id` is the bot's Microsoft App ID, which also identifies the app. `domain` is the
    host Touchpoint is served at; the developer links not set in app.yaml go to Touchpoint's
    own pages there, or without it to a placeholder.
    """
    if not app_id:
        raise ConfigError(["MICROSOFT_APP_ID: not set; set it or pass --app-id (the Microsoft "
                           "App ID of the Azure Bot registration)"])
    if not _GUID.match(app_id):
        raise ConfigError([f"app id: {app_id!r} is not a GUID (like "
                           f"00000000-0000-0000-0000-000000000000)"])
    host = _host(domain) if domain else None
    language = default_language(app)
    words = _words(app, routes, language)
    commands = [{"title": title, "description": description}
                for title, description in zip(teams_commands(routes), words["commands"],
                                              strict=True)]
    if len(commands) > MAX_COMMANDS:
        raise ConfigError([f"commands: Teams lists at most {MAX_COMMANDS}, the bot has "
                           f"{len(commands)}"])
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": metadata.version("touchpoint"),
        "id": app_id,
        "developer": {
            "name": _fit(app.organisation.name, MAX_DEVELOPER_NAME),
            **developer_links(app, host),
        },
        "name": {"short": _fit(app.teams.app_name, MAX_SHORT_NAME),
                 "full": words["name.full"]},
        "description": {"short": words["description.short"],
                        "full": words["description.full"]},
        "icons": dict(ICONS),
        "accentColor": words["accent_color"],
        "localizationInfo": {
            "defaultLanguageTag": language,
            "additionalLanguages": [{"languageTag": other, "file": f"{other}.json"}
                                    for other in catalogues.available() if other != language],
        },
        "bots": [{
            "botId": app_id,
            "scopes": SCOPES,
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": SCOPES, "commands": commands}],
        }],
        # identity: who is writing (AAD object id, email); messageTeamMembers: surveys,
        # follow-ups and announcements sent to people who have not written first.
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
        # The bulletin board as a personal tab: the same page as in a browser, behind the
        # tab's own door (its cookie works inside Teams' frame: bot.web.board.TAB).
        "staticTabs": [{"entityId": "board", "name": words["board_tab"],
                        "contentUrl": f"https://{host}/board/tab",
                        "websiteUrl": f"https://{host}/board",
                        "scopes": ["personal"]}] if host else [],
    }


def default_language(app: AppConfig) -> str:
    """The language of manifest.json's own words: the organisation's."""
    return catalogues.negotiate(app.organisation.locale)


def translations(app: AppConfig, routes: Routes, manifest: dict[str, Any]
                 ) -> dict[str, dict[str, Any]]:
    """The localization file of each language `manifest` lists besides its own, by file name:
    its words in that language, keyed as Teams' localization schema names them (Teams shows
    them to people whose client is in that language)."""
    files = {}
    for entry in manifest["localizationInfo"]["additionalLanguages"]:
        words = _words(app, routes, entry["languageTag"])
        strings: dict[str, Any] = {
            "$schema": LOCALIZATION_SCHEMA,
            "name.short": manifest["name"]["short"],
            "name.full": words["name.full"],
            "description.short": words["description.short"],
            "description.full": words["description.full"],
        }
        for index, description in enumerate(words["commands"]):
            strings[f"bots[0].commandLists[0].commands[{index}].description"] = description
        if manifest["staticTabs"]:
            strings["staticTabs[0].name"] = words["board_tab"]
        files[entry["file"]] = strings
    return files


def _words(app: AppConfig, routes: Routes, language: str) -> dict[str, Any]:
    """The package's words in `language`, from messages/manifest/."""
    templates = templates_for("teams", language)
    # Manifest fields are plain text, so the operator's names go in as they are, unescaped.
    context = {"organisation": Formatted(app.organisation.name),
               "app_name": Formatted(app.teams.app_name), "commands": routes.commands}

    def text(block: str) -> str:
        return templates.render_block("manifest/app", block, context)

    return {
        "name.full": _fit(text("full_name"), MAX_FULL_NAME),
        "description.short": text("short_description"),
        "description.full": text("long_description"),
        "accent_color": text("accent_color"),
        "board_tab": text("board_tab"),
        "commands": [templates.render_block(f"manifest/commands/{command}", "description",
                                            {"words": routes.words(command)})
                     for command in routes.commands],
    }


def developer_links(app: AppConfig, host: str | None) -> dict[str, str]:
    """The package's website, privacy and terms links: app.yaml's (``teams.website_url``, ...),
    else the pages Touchpoint serves at `host` (bot.web.pages), else a placeholder."""
    fields = {"website_url": "websiteUrl", "privacy_url": "privacyUrl",
              "terms_url": "termsOfUseUrl"}
    links = {}
    for setting, field in fields.items():
        own = f"https://{host}/{PAGES[setting]}" if host else PLACEHOLDER_SITE
        links[field] = getattr(app.teams, setting) or own
    return links


def write_package(manifest: dict[str, Any], out: Path,
                  localizations: dict[str, dict[str, Any]] | None = None) -> None:
    """The zip Teams takes: manifest.json, its localization files (`translations`) and the
    icons, side by side at its root."""
    icons = resources.files("bot.teams").joinpath("icons")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(_entry("manifest.json"),
                         json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for name, strings in (localizations or {}).items():
            package.writestr(_entry(name), json.dumps(strings, indent=2, ensure_ascii=False)
                             + "\n")
        for name in ICONS.values():
            package.writestr(_entry(name), icons.joinpath(name).read_bytes())


def _entry(name: str) -> zipfile.ZipInfo:
    # A fixed date keeps the package byte-for-byte the same for the same manifest.
    entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def _host(domain: str) -> str:
    host = urlsplit(domain).hostname if "://" in domain else domain.strip().rstrip("/")
    if not host or not _HOST.match(host):
        raise ConfigError([f"--domain: {domain!r} is not a host name (like "
                           f"touchpoint.example.com)"])
    return host.lower()


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
