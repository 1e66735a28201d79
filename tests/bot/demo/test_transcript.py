"""The demo transcript: Block Kit and Adaptive Cards as terminal text, and who sees what."""

from __future__ import annotations

import click

from bot.chat.message import Button, Message
from bot.demo.transcript import (
    ADAPTIVE_CARD,
    RULE_WIDTH,
    Line,
    Transcript,
    activity_lines,
    block_kit_lines,
    card_lines,
    connector_call_delivery,
    response_url_delivery,
    slack_call_delivery,
    slack_text,
    teams_text,
    view_lines,
)
from bot.slack.render import SlackRenderer

NAMES = {"U0ERIN001": "Erin", "C0TRIAGE1": "#it-triage", "D0ERIN": "Erin"}


def plain(lines: list[Line]) -> list[tuple[str, str]]:
    return [(click.unstyle(line.text), line.style) for line in lines]


def test_slack_markup_becomes_terminal_styles():
    assert slack_text("*bold* and _it_ and `code`", {}) == (
        f"{click.style('bold', bold=True)} and {click.style('it', italic=True)} and "
        f"{click.style('code', fg='yellow')}")


def test_slack_mentions_links_and_entities_read_as_people_see_them():
    text = ("<@U0ERIN001> in <#C0TRIAGE1>, see <https://x.example/a?b=1&amp;c=2|the page> "
            "or <https://y.example>; <!here>. Typed: &lt;!channel&gt; &amp; a*b*c snake_case_x")
    assert click.unstyle(slack_text(text, NAMES)) == (
        "@Erin in #it-triage, see the page (https://x.example/a?b=1&c=2) or "
        "https://y.example; @here. Typed: <!channel> & a*b*c snake_case_x")


def test_a_rendered_message_shows_header_text_buttons_and_footer():
    rendered = SlackRenderer().message(Message(
        "help", {"usages": ["touchpoint help"], "unknown": "<b>"},
        buttons=(Button("demo.one", "header", "1"), Button("demo.two", "footer", "2"))))

    assert plain(block_kit_lines(rendered["blocks"], rendered["text"], {})) == [
        ("Touchpoint: how can IT help?", "header"),
        ("Sorry, I don't know <b>. Here is what I can do:", "body"),
        ("• /touchpoint help: Show this list of what I can do.", "body"),
        ("[ Touchpoint: how can IT help? ] "
         "[ Your feedback goes to the IT team that serves you. ]", "buttons"),
        ("Your feedback goes to the IT team that serves you.", "note"),
    ]


def test_a_message_without_blocks_shows_its_text():
    assert plain(block_kit_lines(None, "line one\n\n*line* two", {})) == [
        ("line one", "body"), ("line two", "body")]


def test_a_modal_shows_title_fields_and_submit():
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Tell us"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {"type": "divider"},
            {"type": "input", "block_id": "what",
             "label": {"type": "plain_text", "text": "What & why"},
             "element": {"type": "plain_text_input", "action_id": "what"}},
            {"type": "input", "block_id": "size", "label": {"type": "plain_text", "text": "Size"},
             "element": {"type": "static_select", "action_id": "size", "options": [
                 {"text": {"type": "plain_text", "text": "Small"}, "value": "s"},
                 {"text": {"type": "plain_text", "text": "Large & tall"}, "value": "l"}]}},
            {"type": "actions", "elements": [
                {"type": "users_select", "action_id": "who",
                 "placeholder": {"type": "plain_text", "text": "Pick someone"}}]},
        ],
    }

    assert plain(view_lines(view, {})) == [
        ("Tell us", "header"),
        ("─" * 24, "note"),
        ("What & why", "body"),
        ("[ ________________________ ]", "buttons"),
        ("Size", "body"),
        ("( ) Small  ( ) Large & tall", "buttons"),
        ("[ Pick someone ▾ ]", "buttons"),
        ("[ Send ]", "buttons"),
    ]


def test_each_slack_call_is_shown_to_whoever_sees_it():
    text = {"text": "hi"}
    cases = {
        ("chat.postMessage", "U0ERIN001", None): ("direct", {"name": "Erin"}),
        ("chat.postMessage", "D0ERIN", None): ("direct", {"name": "Erin"}),
        ("chat.postMessage", "C0TRIAGE1", None): ("channel", {"channel": "#it-triage"}),
        ("chat.postMessage", "C0TRIAGE1", "1.2"): ("thread", {"channel": "#it-triage"}),
        ("chat.update", "C0OTHER01", None): ("updated", {"channel": "C0OTHER01"}),
        ("chat.update", "D0ERIN", None): ("updated_direct", {"name": "Erin"}),
    }
    for (method, channel, thread), (heading, context) in cases.items():
        delivery = slack_call_delivery(method, {**text, "channel": channel, "thread_ts": thread},
                                       "Tom", NAMES)
        assert delivery is not None
        assert (delivery.heading, dict(delivery.context)) == (heading, context), method
        assert plain(delivery.lines) == [("hi", "body")]

    ephemeral = slack_call_delivery("chat.postEphemeral",
                                    {**text, "channel": "C1", "user": "U0ERIN001"}, "Tom", NAMES)
    assert ephemeral is not None
    assert (ephemeral.heading, dict(ephemeral.context)) == ("private", {"name": "Erin"})
    form = slack_call_delivery("views.open", {"view": {"title": {"type": "plain_text",
                                                                   "text": "Complain"}}},
                               "Tom", NAMES)
    assert form is not None
    assert (form.heading, dict(form.context)) == ("form", {"name": "Tom"})
    assert plain(form.lines) == [("Complain", "header")]
    assert slack_call_delivery("users.info", {"user": "U0ERIN001"}, "Tom", NAMES) is None


def test_response_url_answers_are_private_unless_posted_in_channel():
    private = response_url_delivery({"response_type": "ephemeral", "text": "psst"}, "Erin",
                                    "C0TRIAGE1", NAMES)
    public = response_url_delivery({"response_type": "in_channel", "text": "all"}, "Erin",
                                   "C0TRIAGE1", NAMES)
    assert (private.heading, dict(private.context)) == ("private", {"name": "Erin"})
    assert (public.heading, dict(public.context)) == ("channel", {"channel": "#it-triage"})
    assert plain(public.lines) == [("all", "body")]


def test_teams_markdown_escapes_are_undone_after_the_markup_is_read():
    text = r"**Bold** and _it_ and [the page](https://x.example) typed: \*not bold\* \[x\] \- a"
    assert teams_text(text) == (
        f"{click.style('Bold', bold=True)} and {click.style('it', italic=True)} and "
        "the page (https://x.example) typed: *not bold* [x] - a")


def test_an_adaptive_card_shows_its_blocks_facts_inputs_and_actions():
    card = {
        "type": "AdaptiveCard",
        "body": [
            {"type": "TextBlock", "text": "How did we do?", "weight": "Bolder"},
            {"type": "Container", "items": [
                {"type": "TextBlock", "text": "Ticket \\#42 was resolved."},
                {"type": "ColumnSet", "columns": [
                    {"type": "Column", "items": [{"type": "FactSet", "facts": [
                        {"title": "Owner", "value": "Tom"}]}]}]},
            ]},
            {"type": "Input.ChoiceSet", "id": "score", "label": "Score",
             "choices": [{"title": "1", "value": "1"}, {"title": "2", "value": "2"}]},
            {"type": "Input.Text", "id": "why", "label": "Why?"},
            {"type": "ActionSet", "actions": [{"type": "Action.Submit", "title": "Skip"}]},
            {"type": "TextBlock", "text": "Anonymous to staff", "isSubtle": True},
        ],
        "actions": [{"type": "Action.Submit", "title": "1"},
                    {"type": "Action.Submit", "title": "2"}],
    }
    assert plain(card_lines(card)) == [
        ("How did we do?", "header"),
        ("Ticket #42 was resolved.", "body"),
        ("Owner: Tom", "body"),
        ("Score", "body"),
        ("( ) 1  ( ) 2", "buttons"),
        ("Why?", "body"),
        ("[ ________________________ ]", "buttons"),
        ("[ Skip ]", "buttons"),
        ("Anonymous to staff", "note"),
        ("[ 1 ] [ 2 ]", "buttons"),
    ]
    activity = {"type": "message", "text": "Hello",
                "attachments": [{"contentType": ADAPTIVE_CARD, "content": card},
                                {"contentType": "image/png", "contentUrl": "x"}]}
    assert plain(activity_lines(activity))[:2] == [("Hello", "body"),
                                                   ("How did we do?", "header")]
    assert len(activity_lines(activity)) == 11


def test_each_connector_call_is_shown_where_it_went():
    activity = {"type": "message", "text": "hi"}
    names = {"a:1ann": "Ann"}
    cases = {
        ("send", "a:1ann"): ("direct", {"name": "Ann"}),
        ("reply", "a:1ann"): ("direct", {"name": "Ann"}),
        ("send", "19:status@thread.tacv2"): ("channel", {"channel": "19:status@thread.tacv2"}),
        ("send", "19:s@thread.tacv2;messageid=17"): (
            "thread", {"channel": "19:s@thread.tacv2;messageid=17"}),
        ("reply", "19:s@thread.tacv2"): ("thread", {"channel": "19:s@thread.tacv2"}),
        ("update", "a:1ann"): ("updated_direct", {"name": "Ann"}),
        ("update", "19:status@thread.tacv2"): ("updated", {"channel": "19:status@thread.tacv2"}),
    }
    for (kind, conversation), (heading, context) in cases.items():
        delivery = connector_call_delivery(kind, conversation, activity, names)
        assert delivery is not None
        assert (delivery.heading, dict(delivery.context)) == (heading, context), (kind,
                                                                                  conversation)
        assert plain(delivery.lines) == [("hi", "body")]
    assert connector_call_delivery("get_member", "a:1ann", {}, names) is None
    assert connector_call_delivery("create_conversation", None, {}, names) is None


def test_the_transcript_narrates_from_the_demo_templates():
    printed: list[str] = []
    transcript = Transcript(echo=printed.append)

    transcript.scene("demo/help", slack_name="Erin", teams_name="Ann")
    transcript.says("Erin", "slack", "/touchpoint <help> & more")
    transcript.shows(response_url_delivery({"text": "*Hi*"}, "Erin", "C1", {}))
    transcript.says("Ann", "teams", "help")

    assert [click.unstyle(line) for line in printed] == [
        "",
        "── Scene 1: asking for help " + "─" * (RULE_WIDTH - 28),
        "Erin is new here: she asks Touchpoint in Slack what it can do, then tries a word it "
        "does not know. Ann asks the same in Teams.",
        "",
        "Erin (Slack) \u203a /touchpoint <help> & more",
        "Touchpoint → Erin (only visible to you)",
        "  Hi",
        "",
        "Ann (Teams) \u203a help",
    ]
