"""Every word a template shows is in every shipped catalogue, translated.

Two ways a language can fall behind: a template uses a string the catalogue lacks (the
reader sees English in the middle of German), or a template writes words outside
``{% trans %}`` / ``_()`` at all, where no catalogue can reach them. Both fail here, so a
string added without its translation, or without marking it, is caught before it ships.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

from bot.chat import catalogues

MESSAGES = Path(catalogues.locale_dir()).parent
OPTIONS = {"**.j2": {"trim_blocks": "true", "lstrip_blocks": "true", "silent": "false"}}

NOT_CHAT = {"demo"}
"""The demo's narration is the command line's, in English like every CLI and log line; the
chat messages it shows come from the other templates and are translated."""


def _extracted() -> dict[tuple[str | tuple[str, ...], str | None], set[str]]:
    """Each (message, context) the templates use: a context (``pgettext("incident status",
    "resolved")``) makes the same words a message of their own, translated on their own."""
    found: dict[tuple[str | tuple[str, ...], str | None], set[str]] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
            str(MESSAGES), method_map=[("**.j2", "jinja2")], options_map=OPTIONS):
        if filename.split("/", 1)[0] not in NOT_CHAT:
            found.setdefault((message, context), set()).add(filename)
    return found


def _catalogue(language: str):
    path = catalogues.locale_dir() / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        return read_po(source, locale=language)


@pytest.mark.parametrize("language", catalogues.available()[1:])
def test_every_template_string_is_translated(language):
    catalogue = _catalogue(language)
    missing = []
    for (message, context), files in sorted(_extracted().items(), key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(key, context=context)
        translated = entry is not None and not entry.fuzzy and (
            all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string))
        if not translated:
            missing.append(f"{sorted(files)[0]}: {key!r}"
                           + (f" (context {context!r})" if context else ""))
    assert not missing, f"{language} lacks {len(missing)} translations:\n" + "\n".join(missing)


def test_the_template_catalogue_is_current():
    """messages.pot is what `pybabel init` copies for a new language: it must hold exactly
    what the templates use (run `make catalogues` after changing a template)."""
    with (catalogues.locale_dir() / "messages.pot").open("rb") as source:
        pot = read_po(source)
    shipped = {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context) for m in pot if m.id}
    used = {(m[0] if isinstance(m, tuple) else m, context) for m, context in _extracted()}
    assert shipped == used, (f"run `make catalogues`: not in messages.pot "
                             f"{sorted(used - shipped)}, no longer used {sorted(shipped - used)}")


_WORD = re.compile(r"[^\W\d_]")
_TAG = re.compile(r"<[^<>]*(?:>|$)|^[^<>]*>")
"""Markup, also a tag cut by an expression in it (``<html lang="{{ locale }}">``)."""
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}\b")
"""A hex colour (the app's accent colour in the manifests) is a value, not words."""


class _Markup:
    """Where an HTML template's text stands: inside a tag (its name, attributes and their
    values, split by expressions as ``<a href="{{ url }}">``) or between tags, where the
    words people read are. Only the latter must be translated."""

    def __init__(self) -> None:
        self.in_tag = False

    def text_of(self, data: str) -> str:
        text = []
        for char in data:
            if self.in_tag:
                self.in_tag = char != ">"
            elif char == "<":
                self.in_tag = True
                text.append(" ")
            else:
                text.append(char)
        return "".join(text)


def _untranslated(node: nodes.Node, inside: type | None = None,
                  markup: _Markup | None = None):
    """Words a template writes out without a gettext call: literal text between tags, and
    string constants that are printed (``{{ "NPS" | bold }}``, ``"s" if ... else ""``). In
    an HTML template (`markup`), what stands inside a tag is not read as words."""
    if isinstance(node, nodes.TemplateData):
        text = _COLOUR.sub(" ", markup.text_of(node.data) if markup else _TAG.sub(" ", node.data))
        if _WORD.search(text):
            yield node.data.strip()
        return
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in (
            "gettext", "ngettext", "_", "pgettext", "npgettext"):
        return
    if isinstance(node, nodes.Const) and isinstance(node.value, str) and inside is nodes.Output:
        if _WORD.search(node.value) and not (markup and markup.in_tag):
            yield node.value
        return
    for child in node.iter_child_nodes():
        # A constant counts only where it is printed: directly, through a filter's input,
        # joined (~ or +) or as a branch of an inline if; not as a key, a comparison or an
        # argument.
        printed = inside is nodes.Output and (
            isinstance(node, nodes.Output | nodes.Concat | nodes.Add)
            or (isinstance(node, nodes.Filter) and child is node.node)
            or (isinstance(node, nodes.CondExpr) and child is not node.test))
        direct = isinstance(node, nodes.Output) and child in node.nodes
        yield from _untranslated(child, nodes.Output if printed or direct else None, markup)


def _templates() -> list[Path]:
    paths = []
    for path in sorted(MESSAGES.rglob("*.j2")):
        top = path.relative_to(MESSAGES).parts[0]
        if top not in NOT_CHAT:
            paths.append(path)
    return paths


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(MESSAGES)))
def test_no_template_writes_words_outside_the_catalogue(path):
    # Parsed only, never rendered: autoescaping does not apply.
    env = Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True,  # noqa: S701
                      lstrip_blocks=True)
    tree = env.parse(path.read_text())
    words = list(_untranslated(tree, markup=_Markup() if path.name.endswith(".html.j2")
                               else None))
    assert not words, f"{path.name} writes words no catalogue translates: {words}"


def _miscounted(tree: nodes.Template) -> list[str]:
    """Plural sentences that count by something other than their ``count``: Jinja's trans tag
    counts by the first variable it binds unless ``{% pluralize count %}`` names one, so
    ``{% trans number=n, count=days %}`` would ask the catalogue for the number's plural."""
    found = []
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in ("ngettext", "npgettext"):
            counted = call.args[-1]
            bound = {keyword.key: keyword.value for keyword in call.kwargs}
            if "count" in bound and counted != bound["count"]:
                found.append(call.args[-3].value)
    return found


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(MESSAGES)))
def test_every_plural_counts_by_its_count(path):
    env = Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True,  # noqa: S701
                      lstrip_blocks=True)
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    assert not _miscounted(env.parse(path.read_text())), f"{path.name}: use {{% pluralize count %}}"


def test_the_plural_check_sees_a_sentence_counted_by_another_variable():
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    source = ("{% trans n=x, count=d %}{{ n }} in {{ count }} day{% pluralize PLURAL %}"
              "{{ n }} in {{ count }} days{% endtrans %}")
    assert _miscounted(env.parse(source.replace(" PLURAL", ""))) == ["%(n)s in %(count)s day"]
    assert _miscounted(env.parse(source.replace("PLURAL", "count"))) == []


def test_the_template_parser_sees_words_outside_trans():
    """The check above can fail: a plain word, a printed constant and a branch of an inline
    if are all caught, while a translated string and a comparison are not."""
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701
    caught = list(_untranslated(env.parse(
        '{% trans %}Hello{% endtrans %} world {{ "NPS" | bold }} {{ "s" if n != 1 else "" }}'
        '{{ _("Open") }}{% if band == "good" %}{{ x }}{% endif %}<p lang="{{ locale }}">')))
    assert caught == ["world", "NPS", "s"]


def test_the_html_parser_sees_words_between_tags_only():
    """In an HTML template, attribute text around an expression is not words; the text
    between tags and a constant printed there are."""
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701
    caught = list(_untranslated(env.parse(
        '<a class="skip" href="{{ url }}" title="{{ "inside" }}">{{ _("Skip") }}</a>'
        '<p class="{{ kind }} note">Untranslated {{ "printed" }}</p>'), markup=_Markup()))
    assert caught == ['note">Untranslated', "printed"]
