"""Adaptive Card rendering: a neutral `Message` or `Form` becomes a Teams message activity.

Card text is Markdown, rendered from the templates in the Teams dialect (typed text escaped);
titles, labels, choices and the notification summary are plain text, so they are rendered
from the same templates with no markup at all (`bot.chat.text.PlainText`): Teams would show
``**5/5**`` as asterisks there.
Teams refuses a message over about 28 KB, so a card that would be too big has its longest
texts cut with an ellipsis until it fits, rather than being refused. Cards are built as
dicts and serialised by the connector client, so their JSON is always valid.
"""

from __future__ import annotations

import json
import re
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.chat.message import (
    CHECKED,
    Button,
    CheckboxField,
    ChoiceField,
    Form,
    Message,
    PeopleField,
    TextField,
)
from bot.chat.rendering import Renderer, cut
from bot.chat.templates import Templates, plain_templates_for, templates_for
from bot.chat.text import ELLIPSIS, TEAMS_PLAIN

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
MAX_CARD_BYTES = 24_000
"""Teams' limit is about 28 KB for the whole activity; this leaves room for the envelope."""
MAX_ACTIONS_PER_ROW = 6
"""Teams shows at most six actions in one set; more buttons go on further rows."""
MAX_BUTTON_TITLE = 80
MAX_LABEL = 500
MAX_OPTION_TEXT = 200
MAX_OPTIONS = 100
MAX_SUMMARY = 200
MAX_METADATA = 3000

_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}
_LINE_BREAKS = re.compile(r"\n+")


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    # A single newline is no line break in card Markdown; every line of a template is one.
    return {"type": "TextBlock", "text": _LINE_BREAKS.sub("\n\n", text), "wrap": True, **style}


def card_size(card: dict[str, Any]) -> int:
    """Bytes of the card as the connector client sends it (JSON, ASCII-escaped)."""
    return len(json.dumps(card))


def _json_size(text: str) -> int:
    return len(json.dumps(text)) - 2


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None
          ) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA,
                            "version": CARD_VERSION, "body": body}
    if actions:
        card["actions"] = actions
    return card


def card_activity(card: dict[str, Any], summary: str) -> Activity:
    """A message activity carrying the card; `summary` is what notifications show."""
    return Activity(type=ActivityTypes.message, summary=summary or None,
                    attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)])


class TeamsRenderer(Renderer):
    def __init__(self, templates: Templates | None = None,
                 plain_templates: Templates | None = None):
        super().__init__(templates or templates_for("teams"))
        # The same templates, read with no markup (tests bring their own loader).
        self.plain_templates = plain_templates or (
            plain_templates_for("teams", self.templates.locale) if templates is None else
            Templates(TEAMS_PLAIN, templates.locale, loader=templates.env.loader,
                      fallback=templates.fallback))

    def _in(self, templates: Templates) -> TeamsRenderer:
        return TeamsRenderer(templates, self.plain_templates.localized(templates.locale))

    def _plain(self, template: str, block: str, context, limit: int) -> str:
        """A block for a plain-text property (a title, a label, a notification summary):
        no markup, on one line, cut to `limit`."""
        text = self.plain_templates.render_block(template, block, context)
        return cut(" ".join(text.split()), limit)

    def message_card(self, message: Message, *, image_url: str | None = None
                     ) -> dict[str, Any]:
        """The card; its image is shown, below the sections, only from `image_url` (a
        signed link Touchpoint serves, `bot.web.images`): without one it goes without."""
        if (localized := self.in_language(message.locale)) is not self:
            return localized.message_card(message, image_url=image_url)
        name, ctx = message.template, message.context
        has = self.templates.template(name).blocks
        body: list[dict[str, Any]] = []
        header = self._block(name, "header", ctx) if "header" in has else ""
        if header:
            body.append(_text_block(header, weight="Bolder", size="Medium"))
        for section in message.sections:
            text = self._block(name, section, ctx)
            if text:
                body.append(_text_block(text))
        if message.image is not None and image_url is not None:
            # altText is plain text, never Markdown: the alt text goes in as written.
            body.append({"type": "Image", "url": image_url,
                         "altText": message.image.alt_text})
        body.extend(self._input(name, field, ctx) for field in message.inputs)
        buttons = [self._button(name, button, ctx) for button in message.buttons]
        for start in range(0, len(buttons), MAX_ACTIONS_PER_ROW):
            body.append({"type": "ActionSet",
                         "actions": buttons[start : start + MAX_ACTIONS_PER_ROW]})
        footer = self._block(name, "footer", ctx) if "footer" in has else ""
        if footer:
            body.append(_text_block(footer, isSubtle=True, size="Small"))
        return self._fit(_card(body))

    def summary(self, message: Message) -> str:
        """Notification text: the ``notification`` block, else the header, else the text,
        in plain text on one line (Teams shows a summary as it is: Markdown would show as
        asterisks and backslashes)."""
        if (localized := self.in_language(message.locale)) is not self:
            return localized.summary(message)
        name, ctx = message.template, message.context
        has = self.plain_templates.template(name).blocks
        for block in ("notification", "header", *message.sections):
            if block in has:
                text = self._plain(name, block, ctx, MAX_SUMMARY)
                if text:
                    return text
        return ""

    def message(self, message: Message, *, image_url: str | None = None) -> Activity:
        return card_activity(self.message_card(message, image_url=image_url),
                             self.summary(message))

    def _button(self, template: str, button: Button, ctx) -> dict[str, Any]:
        action: dict[str, Any] = {
            "type": "Action.Submit",
            # The label may name its button's value (one label block for a row of buttons).
            "title": self._plain(template, button.label, {**ctx, "button_value": button.value},
                                 MAX_BUTTON_TITLE),
            "data": {"action_id": button.action_id, "value": button.value},
        }
        if button.style:
            action["style"] = _BUTTON_STYLES[button.style]
        return action

    def form_card(self, form: Form) -> dict[str, Any]:
        if (localized := self.in_language(form.locale)) is not self:
            return localized.form_card(form)
        name, ctx = form.template, form.context
        has = self.templates.template(name).blocks
        if len(form.metadata) > MAX_METADATA:
            raise ValueError("form metadata is over the 3,000 character limit")
        title = self._block(name, "title", ctx)
        body = [_text_block(title, weight="Bolder", size="Medium")]
        if "text" in has:
            body.append(_text_block(self._block(name, "text", ctx)))
        for field in form.fields:
            body.append(self._input(name, field, ctx))
            if field.name in form.errors:
                # Shown under its input, as Teams shows its own required-field errors.
                error = self._block(name, form.errors[field.name], ctx)
                body.append(_text_block(error, color="Attention", size="Small",
                                        spacing="None"))
        submit = {"type": "Action.Submit",
                  "title": self._plain(name, "submit", ctx, MAX_BUTTON_TITLE),
                  "data": {"callback_id": form.callback_id, "metadata": form.metadata}}
        return self._fit(_card(body, [submit]))

    def form(self, form: Form) -> Activity:
        localized = self.in_language(form.locale)
        return card_activity(localized.form_card(form), localized._plain(
            form.template, "title", form.context, MAX_SUMMARY))

    def _input(self, template: str,
               field: TextField | ChoiceField | PeopleField | CheckboxField,
               ctx) -> dict[str, Any]:
        label = self._plain(template, field.label, ctx, MAX_LABEL)
        if isinstance(field, CheckboxField):
            return {"type": "Input.Toggle", "id": field.name, "label": label,
                    "title": self._plain(template, field.text, ctx, MAX_OPTION_TEXT),
                    "valueOn": CHECKED, "valueOff": "no",
                    "value": CHECKED if field.initial else "no"}
        if isinstance(field, PeopleField):
            # Teams' people picker: it searches the organisation and submits AAD object ids.
            return {"type": "Input.ChoiceSet", "id": field.name, "label": label,
                    "isMultiSelect": True, "isRequired": field.required, "choices": [],
                    "choices.data": {"type": "Data.Query",
                                     "dataset": "graph.microsoft.com/users"}}
        if isinstance(field, TextField):
            element: dict[str, Any] = {"type": "Input.Text", "id": field.name, "label": label,
                                       "isMultiline": field.multiline,
                                       "isRequired": field.required,
                                       "maxLength": field.max_length}
            if field.initial:
                element["value"] = field.initial[: field.max_length]
            return element
        options = field.options[:MAX_OPTIONS]
        element = {"type": "Input.ChoiceSet", "id": field.name, "label": label,
                   "style": "expanded" if field.style == "radio" else "compact",
                   "isRequired": field.required,
                   "choices": [{"title": self._plain(template, option.label, ctx,
                                                     MAX_OPTION_TEXT)
                                if option.label else cut(option.text, MAX_OPTION_TEXT),
                                "value": option.value} for option in options]}
        if field.multiple:
            element["isMultiSelect"] = True
        picked = [value for value in field.initial_values()
                  if any(o.value == value for o in options)]
        if picked:
            element["value"] = ",".join(picked)
        return element

    def _fit(self, card: dict[str, Any]) -> dict[str, Any]:
        """Cut the longest text blocks until the card is within MAX_CARD_BYTES."""
        blocks = [block for block in card["body"] if block["type"] == "TextBlock"]
        while (excess := card_size(card) - MAX_CARD_BYTES) > 0 and blocks:
            longest = max(blocks, key=lambda block: _json_size(block["text"]))
            text = longest["text"]
            if len(text) <= len(ELLIPSIS):
                break
            # Keep the share of characters that fits, as if every one cost the same; a
            # text that costs more towards its end is cut again on the next pass.
            cost = _json_size(text)
            keep = min(len(text) - 1, (cost - excess) * len(text) // cost)
            longest["text"] = self.dialect.truncate(text, max(len(ELLIPSIS), keep))
        return card
