"""Adding a language is a catalogue copy and no code change (README, Development > Languages):
in a copy of messages/locale, the README's own `pybabel init -l fr` makes a French catalogue
(a few strings translated, the rest left empty as a translator would find them); pointed at
that copy, Touchpoint ships French everywhere a language is chosen: the catalogue list and its
name, check-config (`organisation.locale: fr`, a question `{en, fr}`), the Teams package (an
`fr.json` beside `de.json`), the Slack manifest (`--locale fr`) and the chat templates, with a
string not translated yet read in English."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from bot.chat import catalogues, templates
from bot.cli import cli
from tests.bot.test_config import SLACK_ENV, shipped

FRENCH = {
    "Performance board": "Tableau de bord",
    "For IT staff: announce an outage or planned maintenance, and keep it up to date":
        "Pour l'équipe IT : annoncer une panne ou une maintenance prévue, et la tenir à jour",
    "Thank you!": "Merci !",
}
PYBABEL = Path(sys.executable).parent / "pybabel"


def _forget_languages() -> None:
    """The caches that hold what was read from the catalogues."""
    for cached in (catalogues.available, catalogues.shipped, catalogues.translations,
                   templates.templates_for, templates.plain_templates_for):
        cached.cache_clear()


@pytest.fixture
def with_french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    locales = tmp_path / "locale"
    shutil.copytree(catalogues.locale_dir(), locales)
    subprocess.run([str(PYBABEL), "init", "-i", str(locales / "messages.pot"),  # noqa: S603
                    "-d", str(locales), "-D", "messages", "-l", "fr"],
                   check=True, capture_output=True)
    po = locales / "fr" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        catalogue = read_po(source, locale="fr")
    for msgid, msgstr in FRENCH.items():
        catalogue[msgid].string = msgstr
    with po.open("wb") as out:
        write_po(out, catalogue)
    monkeypatch.setattr(catalogues, "locale_dir", lambda: locales)
    _forget_languages()
    yield locales
    monkeypatch.undo()
    _forget_languages()


def _config(tmp_path: Path) -> Path:
    config = shipped()
    config["organisation"]["locale"] = "fr"
    config["csat"]["question"] = {"en": "How did we do?", "fr": "Comment avons-nous fait ?"}
    config["channels"]["digests"]["teams"] = "19:digests@thread.tacv2"
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _run(tmp_path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={
        **SLACK_ENV, "TOUCHPOINT_CONFIG": str(_config(tmp_path)), "MICROSOFT_APP_ID": None,
        "SLACK_APP_TOKEN": None, "TOUCHPOINT_TEAMS_DEV_MODE": None})
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def test_without_the_copy_french_is_not_shipped():
    assert "fr" not in catalogues.available()
    assert catalogues.shipped("fr-FR") is None


def test_a_copied_catalogue_ships_the_language_everywhere(with_french, tmp_path):
    assert catalogues.available() == ("en", "de", "fr")
    assert catalogues.shipped("fr-CA") == "fr"
    assert catalogues.language_name("fr") == "Français"

    assert "OK" in _run(tmp_path, "check-config")

    out = tmp_path / "teams.zip"
    _run(tmp_path, "manifest", "teams", "--out", str(out), "--app-id",
         "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "--domain", "touchpoint.example.com")
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["localizationInfo"]["defaultLanguageTag"] == "fr"
        assert sorted(entry["languageTag"] for entry in
                      manifest["localizationInfo"]["additionalLanguages"]) == ["de", "en"]
        assert manifest["staticTabs"][0]["name"] == "Tableau de bord"
        english = json.loads(archive.read("en.json"))
    broadcast = [description for key, description in english.items() if "commands[" in key]
    assert "For IT staff: announce an outage or planned maintenance, and keep it up to date" \
        in broadcast

    slack = yaml.safe_load(_run(tmp_path, "manifest", "slack", "--locale", "fr",
                                "--socket-mode"))
    assert "Pour l'équipe IT : annoncer une panne" in str(slack["features"]["slash_commands"])

    french = templates.templates_for("teams", "fr-FR")
    assert french.locale == "fr"
    assert french.env.from_string('{{ _("Thank you!") }}').render() == "Merci !"
    # Not translated yet: the templates' own words, never an error.
    assert french.env.from_string('{{ _("Send") }}').render() == "Send"
    assert french.env.from_string("{{ 1234.5 | number(1) }}").render() == \
        "1\u202f234,5"
