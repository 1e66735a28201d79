"""A satisfaction survey's configuration: the shipped example is valid, and `check-config`
refuses more than ten questions, an unknown kind and an aspect not listed, each with its path."""

from __future__ import annotations

from typing import Any

from tests.bot.test_config import SHIPPED, SLACK_ENV, _cli, problems_of, shipped, write


def _survey(**changes: Any) -> dict[str, Any]:
    config = shipped()
    config["pulses"]["campaigns"]["satisfaction"].update(changes)
    return config


def test_the_shipped_survey_has_its_questions_by_aspect():
    questions = shipped()["pulses"]["campaigns"]["satisfaction"]["questions"]
    aspects = shipped()["pulses"]["aspects"]
    assert 1 < len(questions) <= 10 and {q["aspect"] for q in questions} == set(aspects)


def test_check_config_refuses_an_eleventh_question_with_its_path(tmp_path, cli_env):
    question = {"aspect": "service desk", "text": "How satisfied are you?"}
    path = write(tmp_path, _survey(questions=[question] * 11))

    done = _cli("check-config", env=cli_env(TOUCHPOINT_CONFIG=str(path), **SLACK_ENV))

    assert done.returncode == 2
    assert "  pulses.campaigns.satisfaction.questions: List should have at most 10 items " \
        "after validation, not 11" in done.stderr.splitlines()
    assert "Traceback" not in done.stderr


def test_ten_questions_are_fine(tmp_path, cli_env):
    question = {"aspect": "service desk", "text": "How satisfied are you?"}
    path = write(tmp_path, _survey(questions=[question] * 10))
    done = _cli("check-config", env=cli_env(TOUCHPOINT_CONFIG=str(path), **SLACK_ENV))
    assert done.returncode == 0, done.stderr


def test_a_kind_or_aspect_unknown_is_refused_with_its_path(tmp_path):
    path = write(tmp_path, _survey(questions=[
        {"aspect": "service desk", "text": "Fine?", "kind": "stars"}]))
    [problem] = problems_of(path)
    assert problem.startswith("pulses.campaigns.satisfaction.questions.0.kind:")

    path = write(tmp_path, _survey(questions=[{"aspect": "canteen", "text": "Lunch?"}]))
    [problem] = problems_of(path)
    assert "campaigns.satisfaction.questions.0.aspect: 'canteen' is not one of " \
        "pulses.aspects" in problem


def test_the_shipped_file_passes(cli_env):
    done = _cli("check-config", env=cli_env(TOUCHPOINT_CONFIG=str(SHIPPED), **SLACK_ENV))
    assert done.returncode == 0, done.stderr
