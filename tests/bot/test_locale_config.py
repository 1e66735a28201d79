"""Languages in app.yaml: `check-config` refuses an organisation, channel or question language
that no shipped catalogue serves, with its path and the languages shipped; a tag a catalogue
serves (``de-DE``) and a question given in several languages are fine."""

from __future__ import annotations

from tests.bot.test_config import SLACK_ENV, _cli, shipped, write

SHIPPED_LIST = "the languages shipped are en, de"


def _check(tmp_path, cli_env, config):
    return _cli("check-config", env=cli_env(TOUCHPOINT_CONFIG=str(write(tmp_path, config)),
                                             **SLACK_ENV))


def test_an_organisation_language_with_no_catalogue_is_refused_kindly(tmp_path, cli_env):
    config = shipped()
    config["organisation"]["locale"] = "fr"

    done = _check(tmp_path, cli_env, config)

    assert done.returncode == 2
    [line] = [line for line in done.stderr.splitlines() if "organisation.locale" in line]
    assert "no messages are shipped in 'fr'" in line and SHIPPED_LIST in line
    assert "Traceback" not in done.stderr


def test_a_channel_language_with_no_catalogue_is_refused_with_its_path(tmp_path, cli_env):
    config = shipped()
    config["channels"]["digests"]["locale"] = "pt-BR"

    done = _check(tmp_path, cli_env, config)

    assert done.returncode == 2
    [line] = [line for line in done.stderr.splitlines() if "channels.digests" in line]
    assert "no messages are shipped in 'pt-BR'" in line and SHIPPED_LIST in line


def test_a_question_in_a_language_with_no_catalogue_is_refused(tmp_path, cli_env):
    config = shipped()
    config["csat"]["question"] = {"en": "How did we do?", "es": "¿Qué tal lo hicimos?"}

    done = _check(tmp_path, cli_env, config)

    assert done.returncode == 2
    assert any("csat.question" in line and "'es'" in line
               for line in done.stderr.splitlines()), done.stderr


def test_shipped_languages_by_any_tag_and_questions_by_language_are_fine(tmp_path, cli_env):
    config = shipped()
    config["organisation"]["locale"] = "de-DE"
    config["channels"]["digests"]["locale"] = "en_GB"
    config["csat"]["question"] = {"en": "How did we do?", "de": "Wie war unser Service?"}
    survey = config["pulses"]["campaigns"]["satisfaction"]["questions"][0]
    survey["text"] = {"en": survey["text"], "de": "Wie zufrieden sind Sie?"}

    done = _check(tmp_path, cli_env, config)

    assert done.returncode == 0, done.stderr
