"""The complaint cards with arbitrary typed text: on Slack no mention, link or other markup
can come out of what a complainant or IT staff typed, and every card stays within the
platforms' limits; an anonymous complaint's context never carries the complainant's name."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flows.complaints import cards
from bot.slack.render import SlackRenderer
from bot.teams.render import TeamsRenderer
from storage.complaints import Complaint, Status
from storage.models import Person

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ATTACKS = ["<!channel>", "<@U123>", "<https://evil|click>", "&lt;", "&", "<", ">", "*", "_",
           "`", "[x](http://evil)", "\n", "> ", "- ", "1. ", "\u202e", "👩\u200d💻"]
typed = st.lists(st.one_of(st.sampled_from(ATTACKS),
                           st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)),
                 max_size=60).map("".join)


def _complaint(description: str, note: str | None, anonymous: bool,
               status: str = Status.RESOLVED) -> Complaint:
    return Complaint(
        number="CMP-2026-0001", submission_key="k", complainant_id=1, anonymous=anonymous,
        description=description, service="Service desk", category="Attitude", impact="high",
        status=status, created_at=NOW, acknowledge_due_at=NOW + timedelta(hours=1),
        resolve_due_at=NOW + timedelta(hours=8), acknowledge_remind_at=NOW,
        resolve_remind_at=NOW + timedelta(hours=7), resolution_note=note, root_cause="People",
        resolved_at=NOW + timedelta(hours=2) if note else None)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(description=typed, note=typed, complainant=typed, owner=typed,
       status=st.sampled_from(Status.ALL))
def test_triage_cards_keep_typed_text_inert_and_fit(description, note, complainant, owner,
                                                    status):
    complaint = _complaint(description, note or None, anonymous=False, status=status)
    context = cards.complaint_context(complaint, Person(display_name=complainant),
                                      Person(display_name=owner), now=NOW, tz="Europe/London")

    slack = SlackRenderer().message(cards.triage_card(context))
    teams = TeamsRenderer().message(cards.triage_card(context))

    for block in slack["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if (block.get("text") or {}).get("type") == "mrkdwn":
            assert "<" not in text and ">" not in text, text
            assert len(text) <= 3000
    assert len(slack["blocks"]) <= 50
    assert len(json.dumps(teams.serialize())) < 28_000


@given(complainant=st.uuids().map(lambda uuid: f"Person {uuid}"),
       status=st.sampled_from(Status.ALL))
def test_an_anonymous_context_has_no_name(complainant, status):
    complaint = _complaint("x", None, anonymous=True, status=status)

    context = cards.complaint_context(complaint, Person(display_name=complainant), None,
                                      now=NOW, tz="UTC")

    assert context["complainant"] is None
    for message in (cards.triage_card(context), cards.staff_notice(context, "reopened")):
        assert complainant not in json.dumps(SlackRenderer().message(message))
        assert complainant not in json.dumps(TeamsRenderer().message(message).serialize())
