"""The complaint forms (file, resolve, assign, reply to the complainant): how each is built
from what was typed so far, and the checks each submission must pass before anything is
stored. Errors name blocks of the form's template, so their words live in messages/.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.chat.message import ChoiceField, Form, Option, TextField
from bot.config import ComplaintsConfig
from storage.models import Person

FILE = "complaint.file"
RESOLVE = "complaint.resolve"
ASSIGN = "complaint.assign"
REPLY = "complaint.reply"

IMPACTS = ("low", "medium", "high")
YES, NO = "yes", "no"
NOTE_MAX = 3000


@dataclass(frozen=True)
class Filing:
    """A valid complaint, as submitted."""

    description: str
    service: str
    category: str
    impact: str
    ticket: str | None
    anonymous: bool


def _choices(names: Sequence[str]) -> tuple[Option, ...]:
    return tuple(Option(value=name, text=name) for name in names)


def filing_form(config: ComplaintsConfig, values: Mapping[str, str] | None = None,
                errors: Mapping[str, str] | None = None) -> Form:
    values = values or {}
    return Form(
        template="complaints/form",
        callback_id=FILE,
        fields=(
            TextField("description", "description_label", multiline=True,
                      initial=values.get("description", ""), max_length=config.max_length),
            ChoiceField("service", "service_label", _choices(config.services),
                        initial=values.get("service")),
            ChoiceField("category", "category_label", _choices(config.categories),
                        initial=values.get("category")),
            ChoiceField("impact", "impact_label",
                        tuple(Option(impact, label=f"impact_{impact}") for impact in IMPACTS),
                        initial=values.get("impact") or "medium"),
            TextField("ticket", "ticket_label", required=False,
                      initial=values.get("ticket", ""), max_length=40),
            ChoiceField("anonymous", "anonymous_label",
                        (Option(NO, label="anonymous_no"), Option(YES, label="anonymous_yes")),
                        initial=values.get("anonymous") or NO),
        ),
        context={"sla": {impact: sla.acknowledge_hours for impact, sla in config.sla.items()}},
        errors=errors or {},
    )


def check_filing(config: ComplaintsConfig, values: Mapping[str, str]
                 ) -> tuple[Filing | None, dict[str, str]]:
    """The filing, or the errors (field -> template block) that stop it."""
    errors: dict[str, str] = {}
    description = values.get("description", "").strip()
    if not description:
        errors["description"] = "error_description_empty"
    elif len(description) > config.max_length:
        errors["description"] = "error_description_long"
    service = values.get("service", "")
    if service not in config.services:
        errors["service"] = "error_service"
    category = values.get("category", "")
    if category not in config.categories:
        errors["category"] = "error_category"
    impact = values.get("impact", "")
    if impact not in IMPACTS:
        errors["impact"] = "error_impact"
    ticket = values.get("ticket", "").strip()
    if ticket and not re.fullmatch(config.ticket_pattern, ticket):
        errors["ticket"] = "error_ticket"
    anonymous = values.get("anonymous") or NO
    if anonymous not in (YES, NO):
        errors["anonymous"] = "error_anonymous"
    if errors:
        return None, errors
    return Filing(description, service, category, impact, ticket.upper() or None,
                  anonymous == YES), {}


def resolve_form(config: ComplaintsConfig, number: str,
                 values: Mapping[str, str] | None = None,
                 errors: Mapping[str, str] | None = None) -> Form:
    values = values or {}
    return Form(
        template="complaints/resolve_form",
        callback_id=RESOLVE,
        fields=(
            TextField("note", "note_label", multiline=True, initial=values.get("note", ""),
                      max_length=NOTE_MAX),
            ChoiceField("root_cause", "root_cause_label", _choices(config.root_causes),
                        initial=values.get("root_cause")),
        ),
        context={"number": number},
        metadata=number,
        errors=errors or {},
    )


def check_resolution(config: ComplaintsConfig, values: Mapping[str, str]
                     ) -> tuple[tuple[str, str] | None, dict[str, str]]:
    """(note, root cause), or the errors."""
    errors: dict[str, str] = {}
    note = values.get("note", "").strip()
    if not note:
        errors["note"] = "error_note_empty"
    elif len(note) > NOTE_MAX:
        errors["note"] = "error_note_long"
    root_cause = values.get("root_cause", "")
    if root_cause not in config.root_causes:
        errors["root_cause"] = "error_root_cause"
    return (None, errors) if errors else ((note, root_cause), {})


def assign_form(number: str, staff: Sequence[Person],
                errors: Mapping[str, str] | None = None) -> Form:
    return Form(
        template="complaints/assign_form",
        callback_id=ASSIGN,
        fields=(ChoiceField("owner", "owner_label",
                            tuple(Option(str(person.id), person.display_name or f"#{person.id}")
                                  for person in staff)),),
        context={"number": number},
        metadata=number,
        errors=errors or {},
    )


def reply_form(number: str, values: Mapping[str, str] | None = None,
               errors: Mapping[str, str] | None = None) -> Form:
    values = values or {}
    return Form(
        template="complaints/reply_form",
        callback_id=REPLY,
        fields=(TextField("text", "text_label", multiline=True,
                          initial=values.get("text", ""), max_length=NOTE_MAX),),
        context={"number": number},
        metadata=number,
        errors=errors or {},
    )


def check_reply(values: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    text = values.get("text", "").strip()
    if not text:
        return None, {"text": "error_text_empty"}
    if len(text) > NOTE_MAX:
        return None, {"text": "error_text_long"}
    return text, {}
