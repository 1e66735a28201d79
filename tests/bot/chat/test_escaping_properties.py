"""Typed text can never become markup: property tests over arbitrary Unicode.

The dialects (bot/chat/text.py) are checked on their own, and the renderers are checked end to
end with a real template that shows typed text (messages/help.j2 names back the word it did not
understand). "Shown" below means what a person sees once the platform has read the markup:
Slack turns ``&amp;``/``&lt;``/``&gt;`` back into characters, CommonMark (the Adaptive Card
dialect) turns a backslash before ASCII punctuation into that punctuation.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chat.message import Button, Image, Message
from bot.chat.text import ECHO_LIMIT, ELLIPSIS, SLACK, TEAMS
from bot.slack.render import SlackRenderer
from bot.teams.render import TeamsRenderer
from tests.pngs import bar_chart

# Slack's documented limits (Block Kit reference), not the renderer's own constants.
SLACK_SECTION = 3000
SLACK_HEADER = 150
SLACK_CONTEXT = 2000
SLACK_BUTTON_TEXT = 75
SLACK_BUTTON_VALUE = 2000
SLACK_BLOCKS = 50
SLACK_ACTIONS = 25
FALLBACK_TEXT = 3000
TEAMS_ACTIVITY_BYTES = 28_000  # Teams refuses a message over about 28 KB
TEAMS_SUMMARY = 200
TEAMS_BUTTON_TITLE = 80
# What a typed backtick is shown as inside a code span (MODIFIER LETTER APOSTROPHE).
BACKTICK_LOOKALIKE = "\u02bc"

ATTACKS = [
    "<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123|general>", "<https://evil|click>",
    "&amp;", "&lt;", "&gt;", "&", "<", ">", "&am", "&#60;", "[x](http://evil)", "**", "__", "_",
    "*", "~~", "`", "```", "# ", "## ", "- ", "+ ", "* ", "1. ", "2) ", "> ", "\\", "\\\\", "|",
    "{{DATE(2017-02-14T06:08:00Z, SHORT)}}", "\n", "\r", "\r\n", "\t", "\u200f", "\u202e",
    "\u200d", "\x00", "\x1b[31m", "👩\u200d💻", "🏳️\u200d🌈", "ﷺ", "\ufeff", "é", "e\u0301",
]

# Every category except surrogates (JSON cannot carry a lone one): controls, format marks,
# private use and unassigned code points included.
any_char = st.characters(blacklist_categories=("Cs",))
typed_text = st.one_of(
    st.text(any_char, max_size=200),
    st.lists(st.one_of(st.sampled_from(ATTACKS), st.text(any_char, max_size=5)),
             max_size=40).map("".join),
)
# Long input, up to ~50k characters, built by repetition so Hypothesis stays fast.
long_text = st.builds(lambda unit, times: (unit * times)[:50_000],
                      typed_text.filter(bool), st.integers(1, 50_000))
any_typed = st.one_of(typed_text, long_text)


def echoed(word: str) -> str:
    """What a reply names back of a typed word: one line, at most ECHO_LIMIT characters."""
    line = " ".join(word.split())
    return line if len(line) <= ECHO_LIMIT else line[: ECHO_LIMIT - 1] + ELLIPSIS


# A button's value is set by a flow (an id, a score), not typed; ids are short.
button_value = st.text(any_char, max_size=64)

SLACK_ENTITY = re.compile(r"&(amp|lt|gt);")
CM_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # backslash + ASCII punctuation
CM_SPECIAL = set("`*_[]<>#~|{}")
CM_LIST_ITEM = re.compile(r"[ \t]*([-+*]|\d+[.)])(\s|$)")


def slack_shown(mrkdwn: str) -> str:
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def assert_slack_inert(mrkdwn: str) -> None:
    """No control character of mrkdwn survives: no <...> construct and no stray &."""
    assert "<" not in mrkdwn and ">" not in mrkdwn, mrkdwn
    for amp in re.finditer("&", mrkdwn):
        assert SLACK_ENTITY.match(mrkdwn, amp.start()), mrkdwn[amp.start():amp.start() + 6]


def markdown_shown(text: str) -> str:
    return CM_ESCAPE.sub(r"\1", text)


def assert_markdown_inert(text: str) -> None:
    """Every Markdown special character is backslash-escaped, and no line starts a list."""
    i = 0
    while i < len(text):
        if CM_ESCAPE.match(text, i):
            i += 2
            continue
        assert text[i] not in CM_SPECIAL, (text, i)
        i += 1
    for line in re.split(r"\r\n|\r|\n", text):
        assert not CM_LIST_ITEM.match(line), line


# --------------------------------------------------------------------------- Slack dialect


@given(typed_text)
def test_slack_escape_round_trips_and_is_inert(text):
    escaped = SLACK.escape(text)
    assert_slack_inert(escaped)
    assert slack_shown(escaped) == text


@given(typed_text)
def test_slack_formatting_filters_keep_typed_text_inert(text):
    for styled, mark in ((SLACK.bold(text), "*"), (SLACK.italic(text), "_")):
        assert styled.startswith(mark) and styled.endswith(mark)
        assert_slack_inert(styled)
        assert slack_shown(styled[1:-1]) == text
    code = SLACK.code(text)
    assert_slack_inert(code)
    # A backtick inside would close the span early; it is shown as a look-alike instead.
    assert "`" not in code[1:-1]
    assert slack_shown(code[1:-1]) == text.replace("`", BACKTICK_LOOKALIKE)


@given(st.text(any_char, max_size=100), typed_text)
def test_slack_link_is_exactly_one_link_whatever_its_parts(url, label):
    link = SLACK.link(url, label)
    assert re.fullmatch(r"<[^<>|]*\|[^<>]*>", link, re.DOTALL), link
    assert slack_shown(link[link.index("|") + 1:-1]) == label


@given(st.text(any_char, max_size=20), typed_text)
def test_slack_mention_is_a_user_mention_or_inert_text(user_id, fallback):
    mention = SLACK.mention(user_id, fallback)
    if mention.startswith("<@"):
        assert re.fullmatch(r"<@[UW][A-Z0-9]+>", mention), mention
        assert mention == f"<@{user_id}>"
    else:
        assert_slack_inert(mention)
        assert slack_shown(mention) == fallback


def test_slack_mention_of_a_real_user_id():
    assert SLACK.mention("U0EMPL001", "Erin") == "<@U0EMPL001>"
    assert SLACK.mention("U0EMPL001\n", "Erin") == "Erin"
    assert SLACK.mention(None, "<!here>") == "&lt;!here&gt;"


slack_markup = st.lists(st.one_of(
    typed_text.map(SLACK.escape),
    st.builds(SLACK.link, st.just("https://example.com/a?b=1&c=2"), typed_text),
    st.builds(SLACK.mention, st.sampled_from(["U0EMPL001", "W0ABC"]), st.just("")),
    typed_text.map(SLACK.bold),
), max_size=8).map("".join)


@given(slack_markup, st.integers(1, 400))
def test_slack_truncate_never_splits_an_entity_or_a_link(text, limit):
    cut = SLACK.truncate(text, limit)
    assert len(cut) <= limit
    if len(text) <= limit:
        assert cut == text
        return
    assert cut.endswith(ELLIPSIS)
    kept = cut[: -len(ELLIPSIS)]
    assert text.startswith(kept)
    for amp in re.finditer("&", kept):
        assert SLACK_ENTITY.match(kept, amp.start()), kept[amp.start():]
    # Every "<" is closed: what is left of our markup is whole links and mentions.
    assert re.fullmatch(r"(?:[^<>]|<[^<>]*>)*", kept, re.DOTALL), kept


@given(st.text(any_char, max_size=300), st.integers(1, 400))
def test_any_text_truncates_within_the_limit(text, limit):
    for dialect in (SLACK, TEAMS):
        cut = dialect.truncate(text, limit)
        assert len(cut) <= limit
        assert cut == text or cut.endswith(ELLIPSIS)


# --------------------------------------------------------------------------- Teams dialect


@given(typed_text)
def test_teams_escape_shows_typed_markdown_literally(text):
    escaped = TEAMS.escape(text)
    assert_markdown_inert(escaped)
    assert markdown_shown(escaped) == text


def test_teams_escape_of_the_usual_markdown():
    for typed in ("[x](http://evil)", "**bold**", "_it_", "# title", "- item", "+ item",
                  "1. first", "2) second", "a\\b", "line\r- item", "line\n10. tenth",
                  "{{DATE(2017-02-14T06:08:00Z, SHORT)}}", "-", "3."):
        escaped = TEAMS.escape(typed)
        assert_markdown_inert(escaped)
        assert markdown_shown(escaped) == typed
    assert TEAMS.escape("1. first") == "1\\. first"
    assert TEAMS.escape("[x](http://evil)") == "\\[x\\](http://evil)"


@given(typed_text)
def test_teams_formatting_filters_keep_typed_text_inert(text):
    for styled, mark in ((TEAMS.bold(text), "**"), (TEAMS.italic(text), "_")):
        inner = styled[len(mark):-len(mark)]
        assert styled == f"{mark}{inner}{mark}"
        assert_markdown_inert(inner)
        assert markdown_shown(inner) == text
    link = TEAMS.link("https://example.com/a b)", text)
    label = link[1:link.rindex("](")]
    assert_markdown_inert(label)
    assert markdown_shown(label) == text
    assert link.endswith("](https://example.com/a%20b%29)")


@given(typed_text, st.integers(1, 400))
def test_teams_truncate_never_leaves_a_dangling_escape(text, limit):
    escaped = TEAMS.escape(text)
    cut = TEAMS.truncate(escaped, limit)
    assert len(cut) <= limit
    if len(escaped) <= limit:
        assert cut == escaped
        return
    kept = cut[: -len(ELLIPSIS)]
    assert cut.endswith(ELLIPSIS)
    trailing = len(kept) - len(kept.rstrip("\\"))
    assert trailing % 2 == 0, "a lone backslash would escape the ellipsis"
    assert_markdown_inert(kept)
    assert text.startswith(markdown_shown(kept))


# --------------------------------------------------------------------------- Slack renderer

slack_renderer = SlackRenderer()


def mrkdwn_texts(payload: dict) -> list[tuple[str, int]]:
    """Each mrkdwn text of a rendered message, with Slack's limit for where it sits."""
    found = []
    for block in payload["blocks"]:
        if block["type"] == "section":
            found.append((block["text"]["text"], SLACK_SECTION))
        elif block["type"] == "context":
            found.extend((element["text"], SLACK_CONTEXT) for element in block["elements"])
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_typed.filter(bool), st.integers(1, 60), st.integers(0, 30), button_value)
def test_slack_message_showing_typed_text_is_valid_inert_and_within_limits(
        unknown, sections, buttons, value):
    message = Message(
        "help", {"usages": ["touchpoint help"], "unknown": unknown},
        sections=("text",) * sections,
        # The help text doubles as a button label, so the label carries typed text too.
        buttons=tuple(Button(f"help.b{i}", "text", value=value) for i in range(buttons)),
    )
    payload = slack_renderer.message(message)

    assert json.loads(json.dumps(payload)) == payload
    json.dumps(payload, ensure_ascii=False).encode("utf-8")  # no lone surrogate
    assert len(payload["blocks"]) <= SLACK_BLOCKS
    assert len(payload["text"]) <= FALLBACK_TEXT
    header = payload["blocks"][0]
    assert header["type"] == "header" and len(header["text"]["text"]) <= SLACK_HEADER

    texts = mrkdwn_texts(payload)
    assert texts
    for text, limit in texts:
        assert 0 < len(text) <= limit
        assert_slack_inert(text)
    section = texts[0][0]
    shown_word = echoed(unknown).replace("`", BACKTICK_LOOKALIKE)
    sentence = f"Sorry, I don't know `{shown_word}`. Here is what I can do:"
    if section.endswith(ELLIPSIS):
        kept = slack_shown(section.removesuffix(ELLIPSIS))
        assert sentence.startswith(kept) or kept.startswith(sentence)
        # Cut at the limit, less at most a half entity ("&amp").
        assert len(section) >= SLACK_SECTION - len("&amp")
    else:
        assert slack_shown(section).startswith(sentence)

    actions = [b for b in payload["blocks"] if b["type"] == "actions"]
    if buttons:
        [row] = actions
        assert 0 < len(row["elements"]) <= SLACK_ACTIONS
        for button in row["elements"]:
            label = button["text"]["text"]
            assert button["text"]["type"] == "plain_text"
            assert 0 < len(label) <= SLACK_BUTTON_TEXT
            # plain_text is shown as sent: it carries the characters, not entities.
            literal = slack_shown(section.removesuffix(ELLIPSIS))
            assert literal.startswith(label.removesuffix(ELLIPSIS))
            assert len(button["value"]) <= SLACK_BUTTON_VALUE
    else:
        assert actions == []


def test_slack_message_with_the_classic_injections():
    word = "<!channel> <!here> <@U123> <https://evil|click> &amp; " * 200
    payload = slack_renderer.message(Message("help", {"usages": [], "unknown": word}))
    section = payload["blocks"][1]["text"]["text"]

    for injected in ("<!channel>", "<!here>", "<@U123>", "<https://evil|click>"):
        assert injected not in json.dumps(payload)
    # Named back cut short, whole entities only.
    assert f"`{echoed(word)}`" in slack_shown(section)
    assert_slack_inert(section)


# --------------------------------------------------------------------------- Teams renderer

teams_renderer = TeamsRenderer()
# Teams sets the unknown word in bold: card Markdown has no code spans.
HELP_OPENING = "Sorry, I don't know **"
HELP_CLOSING = "**. Here is what I can do:"


def escaped_at(text: str, index: int) -> bool:
    """Whether the character at `index` follows an odd run of backslashes."""
    run = len(text[:index]) - len(text[:index].rstrip("\\"))
    return run % 2 == 1


def typed_part(text: str) -> str:
    """The typed word between the opening and the closing, which a cut may have shortened."""
    rest = text[len(HELP_OPENING):]
    for at in range(len(rest) + 1):
        tail = rest[at:]
        closes = tail.startswith(HELP_CLOSING) or HELP_CLOSING.startswith(tail)
        if closes and not escaped_at(rest, at):
            return rest[:at]
    raise AssertionError("unreachable: the empty tail always closes")


def one_newline(text: str) -> str:
    # Card Markdown needs a blank line for a line break; compare text, not line-break style.
    return re.sub(r"\n+", "\n", text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_typed.filter(bool), st.integers(1, 60), st.integers(0, 30), button_value)
def test_teams_card_showing_typed_text_is_valid_inert_and_within_size(
        unknown, sections, buttons, value):
    message = Message(
        "help", {"usages": ["touchpoint help"], "unknown": unknown},
        sections=("text",) * sections,
        buttons=tuple(Button(f"help.b{i}", "text", value=value) for i in range(buttons)),
    )
    activity = teams_renderer.message(message).serialize()

    sent = json.dumps(activity)
    assert json.loads(sent) == activity
    assert len(sent.encode("utf-8")) <= TEAMS_ACTIVITY_BYTES
    assert len(activity.get("summary") or "") <= TEAMS_SUMMARY
    card = activity["attachments"][0]["content"]
    shown_word = echoed(unknown)
    texts = [block["text"] for block in card["body"]
             if block["type"] == "TextBlock" and block is not card["body"][0]
             and not block.get("isSubtle")]
    assert len(texts) == sections
    for text in texts:
        if text.endswith(ELLIPSIS):
            kept = text.removesuffix(ELLIPSIS)
            trailing = len(kept) - len(kept.rstrip("\\"))
            assert trailing % 2 == 0, "a lone backslash would escape the ellipsis"
            if len(kept) <= len(HELP_OPENING):
                assert HELP_OPENING.startswith(kept)
                continue
            typed = typed_part(kept)
        else:
            assert text.startswith(HELP_OPENING)
            assert HELP_CLOSING in text
            typed = typed_part(text)
        assert_markdown_inert(typed)
        shown = one_newline(markdown_shown(typed))
        if text.endswith(ELLIPSIS):
            assert shown_word.startswith(shown)
        else:
            assert shown == shown_word

    actions = [action for block in card["body"] if block["type"] == "ActionSet"
               for action in block["actions"]]
    assert len(actions) == buttons
    for action in actions:
        assert 0 < len(action["title"]) <= TEAMS_BUTTON_TITLE
        assert action["data"]["value"] == value


def test_teams_card_with_the_usual_markdown_injections():
    word = "[x](http://evil) **bold** _it_\n# title\n- item\n1. first\\ " * 300
    activity = teams_renderer.message(
        Message("help", {"usages": [], "unknown": word})).serialize()
    sent = json.dumps(activity)

    assert "[x](http://evil)" not in sent and "**bold**" not in sent
    assert len(sent.encode("utf-8")) <= TEAMS_ACTIVITY_BYTES
    text = activity["attachments"][0]["content"]["body"][1]["text"]
    typed = typed_part(text)
    assert_markdown_inert(typed)
    assert markdown_shown(typed) == echoed(word)


# --------------------------------------------------------------------------- image alt text

CHART_PNG = bar_chart()
typed_alt = typed_text.filter(lambda text: " ".join(
    "".join(c if c.isprintable() else " " for c in text).split()) != "")


@settings(max_examples=60, deadline=None)
@given(typed_alt)
def test_alt_text_is_plain_text_that_reaches_no_markup(alt):
    """The alt text of an image is words a person may have typed: both platforms show it as
    plain text, so it goes as written (an escape would be read out as such), one line with no
    control or format characters, within Slack's limit, and in no markup field at all: a
    message with an image is the same message plus one image element."""
    image = Image(CHART_PNG, alt)
    assert image.alt_text == image.alt_text.strip() and 0 < len(image.alt_text) <= 1000
    assert all(c.isprintable() for c in image.alt_text)
    if len(alt) < 500:
        assert image.alt_text == " ".join(
            "".join(c if c.isprintable() else " " for c in alt).split())
    message = Message("help", {"usages": ["touchpoint help"], "unknown": "x"})
    with_image = Message(message.template, message.context, image=image)

    slack = slack_renderer.message(with_image, image_file="F0123ABCD")
    plain = slack_renderer.message(message)
    [block] = [b for b in slack["blocks"] if b["type"] == "image"]
    assert block == {"type": "image", "slack_file": {"id": "F0123ABCD"},
                     "alt_text": image.alt_text}
    assert [b for b in slack["blocks"] if b["type"] != "image"] == plain["blocks"]
    assert slack["text"] == plain["text"]

    card = teams_renderer.message(with_image, image_url="https://t.example/images/x").serialize()
    plain_card = teams_renderer.message(message).serialize()
    body = card["attachments"][0]["content"]["body"]
    [element] = [e for e in body if e["type"] == "Image"]
    assert element["altText"] == image.alt_text
    assert [e for e in body if e["type"] != "Image"] == (
        plain_card["attachments"][0]["content"]["body"])
    assert card["summary"] == plain_card["summary"]
    assert json.loads(json.dumps(card)) == card
