"""The Teams app package: manifest.json and icons as Teams wants them, with the Slack commands."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.bot.manifest_kit import (
    ORGANISATION,
    TEAMS_CHANNELS,
    manifest_command,
    write_app_yaml,
)

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@pytest.fixture
def app_yaml(tmp_path: Path) -> Path:
    return write_app_yaml(tmp_path / "app.yaml", TEAMS_CHANNELS)


def package(config: Path, out: Path, *args: str, env: dict[str, str] | None = None
            ) -> dict[str, bytes]:
    result = manifest_command(config, "teams", "--out", str(out), *args, env=env)
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def png_header(data: bytes) -> tuple[int, int, int, int]:
    """Width, height, bit depth and colour type from the IHDR chunk, which must come first."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def rgba_rows(data: bytes) -> list[list[tuple[int, ...]]]:
    """The pixels of an 8-bit RGBA PNG whose scanlines use no filter."""
    width, height, _depth, _colour = png_header(data)
    offset, idat = 8, b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            idat += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = []
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0, "filter type none"
        rows.append([tuple(line[1 + 4 * x:5 + 4 * x]) for x in range(width)])
    return rows


def manifest_in(files: dict[str, bytes]) -> dict[str, Any]:
    return json.loads(files["manifest.json"])


def test_the_package_holds_a_1_17_manifest_and_its_icons(app_yaml, tmp_path):
    files = package(app_yaml, tmp_path / "teams.zip", "--app-id", APP_ID,
                    "--domain", "touchpoint.example.com")

    assert set(files) == {"manifest.json", "de.json", "color.png", "outline.png"}
    manifest = manifest_in(files)
    assert manifest["$schema"].endswith("/teams/v1.17/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == "1.17"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert (bot["scopes"], bot["supportsFiles"], bot["isNotificationOnly"]) == (
        ["personal", "team", "groupChat"], False, False)
    assert set(manifest["icons"].values()) == {"color.png", "outline.png"}
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["accentColor"])
    assert manifest["validDomains"] == ["touchpoint.example.com"]
    [tab] = manifest["staticTabs"]
    assert tab == {"entityId": "board", "name": "Performance board",
                   "contentUrl": "https://touchpoint.example.com/board/tab",
                   "websiteUrl": "https://touchpoint.example.com/board", "scopes": ["personal"]}
    developer = manifest["developer"]
    assert developer["name"] == ORGANISATION
    # Touchpoint's own pages at the domain, unless app.yaml names others.
    assert {key: developer[key] for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl")} == {
        "websiteUrl": "https://touchpoint.example.com/about",
        "privacyUrl": "https://touchpoint.example.com/privacy",
        "termsOfUseUrl": "https://touchpoint.example.com/terms"}
    # The 1.17 schema's limits; the text is plain, with the organisation's name unescaped.
    assert 0 < len(manifest["name"]["short"]) <= 30
    assert ORGANISATION in manifest["name"]["full"] and len(manifest["name"]["full"]) <= 100
    assert 0 < len(manifest["description"]["short"]) <= 80
    assert ORGANISATION in manifest["description"]["full"]
    assert len(manifest["description"]["full"]) <= 4000
    assert set(manifest["permissions"]) <= {"identity", "messageTeamMembers"}


def test_the_icons_are_the_sizes_and_colours_teams_wants(app_yaml, tmp_path):
    files = package(app_yaml, tmp_path / "teams.zip", "--app-id", APP_ID)
    accent = manifest_in(files)["accentColor"]

    assert png_header(files["color.png"]) == (192, 192, 8, 6)
    assert png_header(files["outline.png"]) == (32, 32, 8, 6)
    colour = rgba_rows(files["color.png"])
    assert colour[0][0] == (*bytes.fromhex(accent[1:]), 255)
    assert (255, 255, 255, 255) in {pixel for row in colour for pixel in row}
    outline = [pixel for row in rgba_rows(files["outline.png"]) for pixel in row]
    assert all(pixel[:3] == (255, 255, 255) for pixel in outline), "white only"
    alphas = {pixel[3] for pixel in outline}
    assert 0 in alphas and 255 in alphas, "a white shape on a transparent ground"


def test_the_commands_are_the_slack_commands_typed_without_a_slash(app_yaml, tmp_path):
    files = package(app_yaml, tmp_path / "teams.zip", "--app-id", APP_ID)
    slack = yaml.safe_load(manifest_command(app_yaml, "slack", "--socket-mode").stdout)

    [command_list] = manifest_in(files)["bots"][0]["commandLists"]
    assert set(command_list["scopes"]) == {"personal", "team", "groupChat"}
    commands = command_list["commands"]
    # /touchpoint's words are typed alone in Teams, so it is listed as its "help".
    expected = {"help" if c["command"] == "/touchpoint" else c["command"].removeprefix("/")
                for c in slack["features"]["slash_commands"]}
    assert [c["title"] for c in commands] and {c["title"] for c in commands} == expected
    assert len(commands) <= 10
    for command in commands:
        assert len(command["title"]) <= 32
        assert 0 < len(command["description"]) <= 128


def test_the_app_id_comes_from_the_environment_too(app_yaml, tmp_path):
    files = package(app_yaml, tmp_path / "teams.zip", env={"MICROSOFT_APP_ID": APP_ID})

    manifest = manifest_in(files)
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID


def test_without_an_app_id_it_says_where_to_give_one(app_yaml, tmp_path):
    out = tmp_path / "teams.zip"

    result = manifest_command(app_yaml, "teams", "--out", str(out))

    assert result.exit_code == 2
    assert "MICROSOFT_APP_ID: not set; set it or pass --app-id" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(("args", "problem"), [
    (["--app-id", "not-a-guid"], "is not a GUID"),
    (["--app-id", APP_ID, "--domain", "touchpoint example"], "--domain:"),
])
def test_a_bad_app_id_or_domain_is_refused(app_yaml, tmp_path, args, problem):
    result = manifest_command(app_yaml, "teams", "--out", str(tmp_path / "teams.zip"), *args)

    assert result.exit_code == 2
    assert problem in result.stderr
    assert "Traceback" not in result.output


def test_a_domain_given_as_a_url_is_its_host(app_yaml, tmp_path):
    files = package(app_yaml, tmp_path / "teams.zip", "--app-id", APP_ID,
                    "--domain", "https://Touchpoint.Example.com/api/messages")

    assert manifest_in(files)["validDomains"] == ["touchpoint.example.com"]


def test_without_a_domain_the_placeholder_links_are_pointed_out(app_yaml, tmp_path):
    result = manifest_command(app_yaml, "teams", "--out", str(tmp_path / "teams.zip"),
                              "--app-id", APP_ID)

    assert result.exit_code == 0
    assert "Without --domain" in result.stderr
    with zipfile.ZipFile(tmp_path / "teams.zip") as archive:
        written = json.loads(archive.read("manifest.json"))
        assert written["validDomains"] == [] and written["staticTabs"] == []


def with_teams(app_yaml: Path, **teams: str) -> Path:
    config = yaml.safe_load(app_yaml.read_text(encoding="utf-8"))
    config["teams"] = teams
    app_yaml.write_text(yaml.safe_dump(config), encoding="utf-8")
    return app_yaml


def test_the_links_app_yaml_names_are_the_packages(app_yaml, tmp_path):
    config = with_teams(app_yaml, website_url="https://intranet.example.com/it",
                        privacy_url="https://intranet.example.com/privacy")

    developer = manifest_in(package(config, tmp_path / "teams.zip", "--app-id", APP_ID,
                                    "--domain", "touchpoint.example.com"))["developer"]

    assert (developer["websiteUrl"], developer["privacyUrl"], developer["termsOfUseUrl"]) == (
        "https://intranet.example.com/it", "https://intranet.example.com/privacy",
        "https://touchpoint.example.com/terms")


def test_a_link_that_is_not_https_is_refused_with_its_path(app_yaml, tmp_path):
    config = with_teams(app_yaml, terms_url="http://intranet.example.com/terms")

    result = manifest_command(config, "teams", "--out", str(tmp_path / "teams.zip"),
                              "--app-id", APP_ID)

    assert result.exit_code == 2
    assert "teams.terms_url" in result.stderr and "is not an https address" in result.stderr
    assert "Traceback" not in result.output


async def test_the_default_links_answer_with_touchpoints_own_pages(bot, settings):
    from bot.handlers import handler_routes
    from bot.teams.manifest import teams_manifest

    developer = teams_manifest(settings.app, handler_routes(), app_id=APP_ID,
                               domain="touchpoint.example.com")["developer"]
    async with aiohttp.ClientSession() as http:
        for field in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
            path = developer[field].removeprefix("https://touchpoint.example.com")
            async with http.get(bot.url + path) as response:
                body = await response.text()
            assert response.status == 200, (field, path)
            assert response.content_type == "text/plain"
            assert settings.app.organisation.name in body
    assert "privacy" in developer["privacyUrl"]


def test_the_package_speaks_german_to_a_german_teams_client(app_yaml, tmp_path):
    """manifest.json is in the organisation's language (English here) and names a
    localization file for each other shipped language, of the manifest's schema version, with
    the same commands in the same order, described in that language."""
    files = package(app_yaml, tmp_path / "teams.zip", "--app-id", APP_ID,
                    "--domain", "touchpoint.example.com")
    manifest = manifest_in(files)

    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "en",
        "additionalLanguages": [{"languageTag": "de", "file": "de.json"}]}
    german = json.loads(files["de.json"])
    assert german["$schema"].endswith("/teams/v1.17/MicrosoftTeams.Localization.schema.json")
    assert german["name.short"] == manifest["name"]["short"]
    assert german["description.short"].startswith("Sagen Sie der IT, wie gut sie arbeitet")
    assert ORGANISATION in german["description.full"] and ORGANISATION in german["name.full"]
    assert german["staticTabs[0].name"] == "Leistungsübersicht"
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    described = {key: value for key, value in german.items() if key.startswith("bots[0]")}
    assert set(described) == {f"bots[0].commandLists[0].commands[{index}].description"
                              for index in range(len(commands))}
    kudos = [c["title"] for c in commands].index("kudos")
    assert (described[f"bots[0].commandLists[0].commands[{kudos}].description"]
            == "Jemandem aus der IT für großartigen Service danken")
    assert all(0 < len(text) <= 128 for text in described.values())


def test_a_german_organisation_gets_a_german_manifest_and_an_english_file(tmp_path):
    path = write_app_yaml(tmp_path / "app.yaml", TEAMS_CHANNELS, locale="de-DE")
    files = package(path, tmp_path / "teams.zip", "--app-id", APP_ID)
    manifest = manifest_in(files)

    assert manifest["localizationInfo"]["defaultLanguageTag"] == "de"
    assert manifest["description"]["short"].startswith("Sagen Sie der IT")
    assert json.loads(files["en.json"])["description.short"].startswith(
        "Tell IT how it is doing")
    assert "de.json" not in files
