"""`/touchpoint digest NAME` where app.yaml sets up no digest says so, as the command with no
name does, rather than listing no digests ("Digests: .")."""

from __future__ import annotations

from tests.scenarios.project_kit import LEAD, answer_of


async def test_a_digest_named_where_none_is_set_up_says_none_is(bot, slack, slack_sender):
    named = await answer_of(slack_sender, slack, LEAD, "digest weekly")
    unnamed = await answer_of(slack_sender, slack, LEAD, "digest")

    assert "No digest is set up yet: an administrator adds one under `digests`" in named
    assert "Digests:" not in named
    assert named == unnamed
