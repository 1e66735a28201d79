"""Characters that show as nothing (a zero-width space, a word joiner, a byte-order mark),
pasted along with a command, do not change what the command means: a person cannot see
them, so ``settings language de`` with one after ``de`` is German, and a command of nothing
else is the bare command."""

from __future__ import annotations

from tests.scenarios.project_kit import ERIN, answer_of


async def test_a_zero_width_character_does_not_change_a_command(bot, slack, slack_sender):
    german = await answer_of(slack_sender, slack, ERIN, "settings language de\u200b")
    bare = await answer_of(slack_sender, slack, ERIN, "\u2060\ufeff")

    assert "I have no messages in" not in german
    assert "Deutsch" in german or "Sie" in german, german
    assert "Sorry" not in bare and "Touchpoint" in bare, bare
