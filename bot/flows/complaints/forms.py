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
from bot.flows.complaints import ids
from storage.models import Person

IMPACTS = ("low", "medium", "high")
YES, NO = "yes", "no"
NOTE_MAX = 3000
WHAT_CHANGED_MAX = 1000


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
        callback_id=ids.FILE_FORM,
        fields=(
            TextField(ids.DESCRIPTION, "description_label", multiline=True,
                      initial=values.get(ids.DESCRIPTION, ""), max_length=config.max_length),
            ChoiceField(ids.SERVICE, "service_label", _choices(config.services),
                        initial=values.get(ids.SERVICE)),
            ChoiceField(ids.CATEGORY, "category_label", _choices(config.categories),
                        initial=values.get(ids.CATEGORY)),
            ChoiceField(ids.IMPACT, "impact_label",
                        tuple(Option(impact, label=f"impact_{impact}") for impact in IMPACTS),
                        initial=values.get(ids.IMPACT) or "medium"),
            TextField(ids.TICKET, "ticket_label", required=False,
                      initial=values.get(ids.TICKET, ""), max_length=40),
            ChoiceField(ids.ANONYMOUS, "anonymous_label",
                        (Option(NO, label="anonymous_no"), Option(YES, label="anonymous_yes")),
                        initial=values.get(ids.ANONYMOUS) or NO),
        ),
        context={"sla": {impact: sla.acknowledge_hours for impact, sla in config.sla.items()}},
        errors=errors or {},
    )


def check_filing(config: ComplaintsConfig, values: Mapping[str, str]
                 ) -> tuple[Filing | None, dict[str, str]]:
    """The filing, or the errors (field -> template block) that stop it."""
    errors: dict[str, str] = {}
    description = values.get(ids.DESCRIPTION, "").strip()
    if not description:
        errors[ids.DESCRIPTION] = "error_description_empty"
    elif len(description) > config.max_length:
        errors[ids.DESCRIPTION] = "error_description_long"
    service = values.get(ids.SERVICE, "")
    if service not in config.services:
        errors[ids.SERVICE] = "error_service"
    category = values.get(ids.CATEGORY, "")
    if category not in config.categories:
        errors[ids.CATEGORY] = "error_category"
    impact = values.get(ids.IMPACT, "")
    if impact not in IMPACTS:
        errors[ids.IMPACT] = "error_impact"
    ticket = values.get(ids.TICKET, "").strip()
    if ticket and not re.fullmatch(config.ticket_pattern, ticket):
        errors[ids.TICKET] = "error_ticket"
    anonymous = values.get(ids.ANONYMOUS) or NO
    if anonymous not in (YES, NO):
        errors[ids.ANONYMOUS] = "error_anonymous"
    if errors:
        return None, errors
    return Filing(description, service, category, impact, ticket.upper() or None,
                  anonymous == YES), {}


@dataclass(frozen=True)
class Resolution:
    """A valid resolution, as submitted."""

    note: str
    root_cause: str
    shareable: bool = False
    """Whether `what_changed` may be told in the newsletter, without any name."""
    what_changed: str | None = None


def resolve_form(config: ComplaintsConfig, number: str,
                 values: Mapping[str, str] | None = None,
                 errors: Mapping[str, str] | None = None) -> Form:
    values = values or {}
    return Form(
        template="complaints/resolve_form",
        callback_id=ids.RESOLVE_FORM,
        fields=(
            TextField(ids.NOTE, "note_label", multiline=True, initial=values.get(ids.NOTE, ""),
                      max_length=NOTE_MAX),
            ChoiceField(ids.ROOT_CAUSE, "root_cause_label", _choices(config.root_causes),
                        initial=values.get(ids.ROOT_CAUSE)),
            ChoiceField(ids.SHAREABLE, "shareable_label",
                        (Option(NO, label="shareable_no"), Option(YES, label="shareable_yes")),
                        initial=values.get(ids.SHAREABLE) or NO),
            TextField(ids.WHAT_CHANGED, "what_changed_label", multiline=True, required=False,
                      initial=values.get(ids.WHAT_CHANGED, ""), max_length=WHAT_CHANGED_MAX),
        ),
        context={"number": number},
        metadata=number,
        errors=errors or {},
    )


def check_resolution(config: ComplaintsConfig, values: Mapping[str, str]
                     ) -> tuple[Resolution | None, dict[str, str]]:
    """The resolution, or the errors."""
    errors: dict[str, str] = {}
    note = values.get(ids.NOTE, "").strip()
    if not note:
        errors[ids.NOTE] = "error_note_empty"
    elif len(note) > NOTE_MAX:
        errors[ids.NOTE] = "error_note_long"
    root_cause = values.get(ids.ROOT_CAUSE, "")
    if root_cause not in config.root_causes:
        errors[ids.ROOT_CAUSE] = "error_root_cause"
    shareable = values.get(ids.SHAREABLE) or NO
    what_changed = values.get(ids.WHAT_CHANGED, "").strip()
    if shareable not in (YES, NO):
        errors[ids.SHAREABLE] = "error_shareable"
    elif shareable == YES and not what_changed:
        errors[ids.WHAT_CHANGED] = "error_what_changed_empty"
    if len(what_changed) > WHAT_CHANGED_MAX:
        errors[ids.WHAT_CHANGED] = "error_what_changed_long"
    if errors:
        return None, errors
    return Resolution(note, root_cause, shareable == YES, what_changed or None), {}


def assign_form(number: str, staff: Sequence[Person],
                errors: Mapping[str, str] | None = None) -> Form:
    return Form(
        template="complaints/assign_form",
        callback_id=ids.ASSIGN_FORM,
        fields=(ChoiceField(ids.OWNER, "owner_label",
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
        callback_id=ids.REPLY_FORM,
        fields=(TextField(ids.TEXT, "text_label", multiline=True,
                          initial=values.get(ids.TEXT, ""), max_length=NOTE_MAX),),
        context={"number": number},
        metadata=number,
        errors=errors or {},
    )


def check_reply(values: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    text = values.get(ids.TEXT, "").strip()
    if not text:
        return None, {ids.TEXT: "error_text_empty"}
    if len(text) > NOTE_MAX:
        return None, {ids.TEXT: "error_text_long"}
    return text, {}
