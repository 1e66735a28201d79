"""Block Kit rendering: a neutral `Message` or `Form` becomes a Slack message or modal.

Every text is cut to Slack's limit with an ellipsis rather than letting Slack reject the call,
and plain_text fields get the literal characters back, since Slack shows them as typed.
"""

from __future__ import annotations

from typing import Any

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
from bot.chat.templates import Templates, templates_for

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_CONTEXT = 2000
MAX_BUTTON_TEXT = 75
MAX_ACTIONS = 25
MAX_FALLBACK = 3000
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_LABEL = 2000
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100
MAX_METADATA = 3000


def _plain(text: str, limit: int) -> dict[str, Any]:
    # The Slack dialect escaped &, < and >; plain_text shows characters literally.
    literal = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return {"type": "plain_text", "text": cut(literal, limit) or " ", "emoji": True}


class SlackRenderer(Renderer):
    def __init__(self, templates: Templates | None = None):
        super().__init__(templates or templates_for("slack"))

    def _in(self, templates: Templates) -> SlackRenderer:
        return SlackRenderer(templates)

    def _mrkdwn(self, text: str, limit: int) -> dict[str, Any]:
        return {"type": "mrkdwn", "text": self.dialect.truncate(text, limit) or " "}

    def message(self, message: Message, *, image_file: str | None = None) -> dict[str, Any]:
        """The arguments for chat.postMessage / chat.update: ``text`` and ``blocks``.

        The message's `inputs` are left out: the flow asks for them with a modal instead. Its
        image is shown, below the sections, only from `image_file`: the id of the Slack file
        it was uploaded as (`bot.slack.images`); without one the message goes without it.
        """
        if (localized := self.in_language(message.locale)) is not self:
            return localized.message(message, image_file=image_file)
        name, ctx = message.template, message.context
        has = self.templates.template(name).blocks
        blocks: list[dict[str, Any]] = []
        header = self._block(name, "header", ctx) if "header" in has else ""
        if header:
            blocks.append({"type": "header", "text": _plain(header, MAX_HEADER)})
        sections = [self._block(name, section, ctx) for section in message.sections]
        footer = self._block(name, "footer", ctx) if "footer" in has else ""
        image = image_block(message, image_file)
        room = MAX_BLOCKS - len(blocks) - bool(footer) - bool(message.buttons) - bool(image)
        for text in [s for s in sections if s][:room]:
            blocks.append({"type": "section", "text": self._mrkdwn(text, MAX_SECTION)})
        if image:
            blocks.append(image)
        if message.buttons:
            elements = [self._button(name, b, ctx) for b in message.buttons[:MAX_ACTIONS]]
            blocks.append({"type": "actions", "elements": unique_action_ids(elements)})
        if footer:
            blocks.append({"type": "context",
                           "elements": [self._mrkdwn(footer, MAX_CONTEXT)]})
        if "notification" in has:
            fallback = self._block(name, "notification", ctx)
        else:
            fallback = header or next((s for s in sections if s), "")
        return {"text": self.dialect.truncate(fallback, MAX_FALLBACK), "blocks": blocks}

    def _button(self, template: str, button: Button, ctx) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "button",
            "action_id": button.action_id,
            # The label may name its button's value (one label block for a row of buttons).
            "text": _plain(self._block(template, button.label,
                                       {**ctx, "button_value": button.value}),
                           MAX_BUTTON_TEXT),
            "value": button.value,
        }
        if button.style:
            element["style"] = button.style
        return element

    def form(self, form: Form) -> dict[str, Any]:
        """A modal view for views.open."""
        if (localized := self.in_language(form.locale)) is not self:
            return localized.form(form)
        name, ctx = form.template, form.context
        has = self.templates.template(name).blocks
        blocks: list[dict[str, Any]] = []
        if "text" in has:
            blocks.append({"type": "section",
                           "text": self._mrkdwn(self._block(name, "text", ctx), MAX_SECTION)})
        for field in form.fields:
            blocks.append(self._input(name, field, ctx))
        if len(form.metadata) > MAX_METADATA:
            raise ValueError("form metadata is over Slack's 3,000 character limit")
        return {
            "type": "modal",
            "callback_id": form.callback_id,
            "title": _plain(self._block(name, "title", ctx), MAX_MODAL_TITLE),
            "submit": _plain(self._block(name, "submit", ctx), MAX_MODAL_BUTTON),
            "close": _plain(self._block(name, "cancel", ctx), MAX_MODAL_BUTTON)
            if "cancel" in has else _plain("Cancel", MAX_MODAL_BUTTON),
            "private_metadata": form.metadata,
            "blocks": blocks[:100],
        }

    def form_errors(self, form: Form) -> dict[str, str]:
        """Block id -> message, for a view_submission's ``response_action: errors``."""
        if (localized := self.in_language(form.locale)) is not self:
            return localized.form_errors(form)
        return {name: _plain(self._block(form.template, block, form.context), MAX_LABEL)["text"]
                for name, block in form.errors.items()}

    def _input(self, template: str,
               field: TextField | ChoiceField | PeopleField | CheckboxField,
               ctx) -> dict[str, Any]:
        label = _plain(self._block(template, field.label, ctx), MAX_LABEL)
        if isinstance(field, CheckboxField):
            box = {"text": _plain(self._block(template, field.text, ctx), MAX_OPTION_TEXT),
                   "value": CHECKED}
            element: dict[str, Any] = {"type": "checkboxes", "action_id": field.name,
                                       "options": [box]}
            if field.initial:
                element["initial_options"] = [box]
            return {"type": "input", "block_id": field.name, "label": label,
                    "optional": True, "element": element}
        if isinstance(field, PeopleField):
            element = {"type": "multi_users_select", "action_id": field.name,
                                       "max_selected_items": field.max_people}
        elif isinstance(field, TextField):
            element = {"type": "plain_text_input", "action_id": field.name,
                       "multiline": field.multiline, "max_length": field.max_length}
            if field.initial:
                element["initial_value"] = field.initial[: field.max_length]
        else:
            options = [{"text": _plain(self._block(template, option.label, ctx) if option.label
                                       else self.dialect.escape(option.text), MAX_OPTION_TEXT),
                        "value": option.value[:150]} for option in field.options[:MAX_OPTIONS]]
            kind = ("radio_buttons" if field.style == "radio" else
                    "multi_static_select" if field.multiple else "static_select")
            element = {"type": kind, "action_id": field.name, "options": options}
            picked = field.initial_values()
            initial = [o for o in options if o["value"] in picked]
            if initial and field.multiple:
                element["initial_options"] = initial
            elif initial:
                element["initial_option"] = initial[0]
        return {"type": "input", "block_id": field.name, "label": label,
                "optional": not field.required, "element": element}


def image_block(message: Message, file_id: str | None) -> dict[str, Any] | None:
    """An image block showing an uploaded file. Its alt text is plain text, which Slack shows
    as written (Block Kit: "should not contain any markup"), so it goes in unescaped: an
    escaped ``&lt;`` would be read out to a screen reader as such."""
    if message.image is None or file_id is None:
        return None
    return {"type": "image", "slack_file": {"id": file_id}, "alt_text": message.image.alt_text}


ACTION_COPY = "#"
"""Joins a repeated action id to its copy number: Slack refuses two buttons with one action id
in a block (``csat.score`` five times becomes ``csat.score``, ``csat.score#2``, ...)."""


def unique_action_ids(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    for element in elements:
        action_id = element["action_id"]
        seen[action_id] = seen.get(action_id, 0) + 1
        if seen[action_id] > 1:
            element["action_id"] = f"{action_id}{ACTION_COPY}{seen[action_id]}"
    return elements


def routed_action_id(action_id: str) -> str:
    """The action id a handler is registered under, without the copy number."""
    return action_id.split(ACTION_COPY, 1)[0]
