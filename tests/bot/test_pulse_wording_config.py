"""An NPS campaign's words in app.yaml (`pulses.campaigns.<name>.question` and
`.why_question`): one text or one per shipped language like `csat.question`; check-config
refuses a language no catalogue serves with the setting's path, and words on a satisfaction
survey, whose questions have their own."""

from __future__ import annotations

from tests.bot.test_config import shipped
from tests.bot.test_locale_config import SHIPPED_LIST, _check


def test_a_question_in_a_language_with_no_catalogue_is_refused_with_its_path(tmp_path,
                                                                            cli_env):
    config = shipped()
    campaign = config["pulses"]["campaigns"]["quarterly"]
    campaign["question"] = {"en": "Would you recommend us?", "es": "¿Nos recomendaría?"}
    campaign["why_question"] = {"de": "Warum?", "pt-BR": "Por quê?"}

    done = _check(tmp_path, cli_env, config)

    assert done.returncode == 2
    lines = done.stderr.splitlines()
    [question] = [line for line in lines if "pulses.campaigns.quarterly.question" in line]
    assert "no messages are shipped in 'es'" in question and SHIPPED_LIST in question
    [why] = [line for line in lines if "pulses.campaigns.quarterly.why_question" in line]
    assert "no messages are shipped in 'pt-BR'" in why
    assert "Traceback" not in done.stderr


def test_words_for_a_survey_are_refused(tmp_path, cli_env):
    config = shipped()
    config["pulses"]["campaigns"]["satisfaction"]["question"] = "Would you recommend us?"

    done = _check(tmp_path, cli_env, config)

    assert done.returncode == 2
    assert any("pulses.campaigns.satisfaction" in line and "word an NPS pulse" in line
               for line in done.stderr.splitlines()), done.stderr


def test_one_text_or_one_per_shipped_language_is_fine(tmp_path, cli_env):
    config = shipped()
    campaign = config["pulses"]["campaigns"]["quarterly"]
    campaign["question"] = {"en": "Would you recommend us?", "de-AT": "Würden Sie uns empfehlen?"}
    campaign["why_question"] = "What made the difference?"

    done = _check(tmp_path, cli_env, config)

    assert done.returncode == 0, done.stderr
