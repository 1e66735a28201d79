"""The broadcast forms: opening one (`open_form`) and changing one (`change_form`: an update,
a resolution or a reopening), and the checks a submission passes before anything is stored.
Errors name blocks of ``broadcasts/form``, so their words live in messages/.

Services are offered from the catalogue with their place in it as the value, since a
multi-select submits its values comma-separated and a service's name may hold a comma.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chat.message import CHECKED, CheckboxField, ChoiceField, Form, Option, TextField
from bot.config import AppConfig
from bot.flows.broadcasts import ids, states
from storage.broadcasts import Broadcast

TEMPLATE = "broadcasts/form"
TITLE_MAX = 150
WINDOW_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Opening:
    """A valid new broadcast, as submitted."""

    kind: str
    title: str
    services: list[str]
    impact: str
    status: str
    message: str
    window_start: datetime | None
    window_end: datetime | None
    notify_channel: bool


@dataclass(frozen=True)
class Change:
    """A valid update, resolution or reopening of a broadcast, as submitted."""

    action: str
    broadcast_id: int
    status: str | None
    """None: the status the action implies (resolved, or where a reopening starts)."""
    impact: str | None
    services: list[str] | None
    message: str
    notify_channel: bool


def _service_options(app: AppConfig) -> tuple[Option, ...]:
    return tuple(Option(str(place), service.name) for place, service in enumerate(app.services))


def service_values(app: AppConfig, names: Sequence[str]) -> str:
    """The services field's value for `names` (their places in the catalogue)."""
    places = {service.name: str(place) for place, service in enumerate(app.services)}
    return ",".join(places[name] for name in names if name in places)


def _labelled(prefix: str, values: Sequence[str]) -> tuple[Option, ...]:
    return tuple(Option(value, label=f"{prefix}_{value}") for value in values)


def _common(app: AppConfig, values: Mapping[str, str]) -> tuple:
    return (
        ChoiceField(ids.SERVICES, "services_label", _service_options(app), multiple=True,
                    initial=values.get(ids.SERVICES)),
        ChoiceField(ids.IMPACT, "impact_label", _labelled("impact", states.IMPACTS),
                    initial=values.get(ids.IMPACT) or "degraded"),
    )


def _message_field(app: AppConfig, values: Mapping[str, str]) -> TextField:
    return TextField(ids.MESSAGE, "message_label", multiline=True,
                     initial=values.get(ids.MESSAGE, ""), max_length=app.broadcasts.max_length)


def _notify_field(values: Mapping[str, str]) -> CheckboxField:
    """The explicit choice to notify everyone in the channels; unticked unless ticked."""
    return CheckboxField(ids.NOTIFY, "notify_label", "notify_text",
                         initial=values.get(ids.NOTIFY) == CHECKED)


def open_form(app: AppConfig, values: Mapping[str, str] | None = None,
              errors: Mapping[str, str] | None = None) -> Form:
    values = values or {}
    every_status = tuple(dict.fromkeys(status for kind in states.KINDS
                                       for status in states.open_statuses(kind)))
    return Form(
        template=TEMPLATE, callback_id=ids.OPEN_FORM,
        fields=(
            ChoiceField(ids.KIND, "kind_label", _labelled("kind", states.KINDS),
                        initial=values.get(ids.KIND) or states.INCIDENT),
            TextField(ids.TITLE, "title_label", initial=values.get(ids.TITLE, ""),
                      max_length=TITLE_MAX),
            *_common(app, values),
            ChoiceField(ids.STATUS, "status_label", _labelled("status", every_status),
                        required=False, initial=values.get(ids.STATUS)),
            _message_field(app, values),
            TextField(ids.WINDOW_START, "window_start_label", required=False,
                      initial=values.get(ids.WINDOW_START, ""), max_length=16),
            TextField(ids.WINDOW_END, "window_end_label", required=False,
                      initial=values.get(ids.WINDOW_END, ""), max_length=16),
            _notify_field(values),
        ),
        context={"mode": "open", "timezone": app.organisation.timezone},
        errors=errors or {},
    )


def change_form(app: AppConfig, action: str, broadcast: Broadcast,
                values: Mapping[str, str] | None = None,
                errors: Mapping[str, str] | None = None) -> Form:
    """The form for `action` (updated, resolved, reopened) on `broadcast`, filled in with its
    current status, impact and services until something else was typed."""
    values = {ids.STATUS: broadcast.status, ids.IMPACT: broadcast.impact,
              ids.SERVICES: service_values(app, broadcast.services), **(values or {})}
    fields: tuple = ()
    if action == states.UPDATED:
        fields = (ChoiceField(ids.STATUS, "status_label",
                              _labelled("status", states.open_statuses(broadcast.kind)),
                              initial=values.get(ids.STATUS)),
                  *_common(app, values))
    return Form(
        template=TEMPLATE, callback_id=ids.CHANGE_FORM,
        fields=(*fields, _message_field(app, values), _notify_field(values)),
        context={"mode": action, "id": broadcast.id, "title": broadcast.title,
                 "kind": broadcast.kind, "timezone": app.organisation.timezone},
        metadata=f"{action}:{broadcast.id}",
        errors=errors or {},
    )


def _services(app: AppConfig, raw: str) -> list[str] | None:
    places = [part.strip() for part in raw.split(",") if part.strip()]
    if not places or not all(p.isdigit() and int(p) < len(app.services) for p in places):
        return None
    return list(dict.fromkeys(app.services[int(p)].name for p in places))


def _message(app: AppConfig, values: Mapping[str, str], errors: dict[str, str]) -> str:
    message = values.get(ids.MESSAGE, "").strip()
    if not message:
        errors[ids.MESSAGE] = "error_message_empty"
    elif len(message) > app.broadcasts.max_length:
        errors[ids.MESSAGE] = "error_message_long"
    return message


def _when(raw: str, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.strptime(raw.strip(), WINDOW_FORMAT).replace(tzinfo=zone)
    except ValueError:
        return None


def check_opening(app: AppConfig, values: Mapping[str, str]
                  ) -> tuple[Opening | None, dict[str, str]]:
    """The new broadcast, or the errors (field -> template block) that stop it."""
    errors: dict[str, str] = {}
    kind = values.get(ids.KIND, "")
    if kind not in states.KINDS:
        errors[ids.KIND] = "error_kind"
    title = values.get(ids.TITLE, "").strip()
    if not title:
        errors[ids.TITLE] = "error_title_empty"
    elif len(title) > TITLE_MAX:
        errors[ids.TITLE] = "error_title_long"
    services = _services(app, values.get(ids.SERVICES, ""))
    if services is None:
        errors[ids.SERVICES] = "error_services"
    impact = values.get(ids.IMPACT, "")
    if impact not in states.IMPACTS:
        errors[ids.IMPACT] = "error_impact"
    status = values.get(ids.STATUS, "")
    if kind in states.KINDS:
        status = status or states.STATUSES[kind][0]
        if status not in states.open_statuses(kind):
            errors[ids.STATUS] = f"error_status_{kind}"
    message = _message(app, values, errors)
    start = end = None
    if kind == states.MAINTENANCE:
        zone = app.organisation.zone
        start = _when(values.get(ids.WINDOW_START, ""), zone)
        end = _when(values.get(ids.WINDOW_END, ""), zone)
        if start is None:
            errors[ids.WINDOW_START] = "error_window_start"
        if end is None:
            errors[ids.WINDOW_END] = "error_window_end"
        elif start is not None and end <= start:
            errors[ids.WINDOW_END] = "error_window_order"
    if errors:
        return None, errors
    assert services is not None
    return Opening(kind, title, services, impact, status, message, start, end,
                   values.get(ids.NOTIFY) == CHECKED), {}


def parse_metadata(metadata: str) -> tuple[str, int] | None:
    """(action, broadcast id) from a change form's metadata; None when it is not one."""
    action, _, raw_id = metadata.partition(":")
    if action not in states.CHANGES or not raw_id.isdigit():
        return None
    return action, int(raw_id)


def check_change(app: AppConfig, broadcast: Broadcast, action: str,
                 values: Mapping[str, str]) -> tuple[Change | None, dict[str, str]]:
    """The change, or the errors that stop it."""
    errors: dict[str, str] = {}
    status = impact = services = None
    if action == states.UPDATED:
        status = values.get(ids.STATUS, "")
        if status not in states.open_statuses(broadcast.kind):
            errors[ids.STATUS] = f"error_status_{broadcast.kind}"
        impact = values.get(ids.IMPACT, "")
        if impact not in states.IMPACTS:
            errors[ids.IMPACT] = "error_impact"
        services = _services(app, values.get(ids.SERVICES, ""))
        if services is None:
            errors[ids.SERVICES] = "error_services"
    message = _message(app, values, errors)
    if errors:
        return None, errors
    assert broadcast.id is not None
    return Change(action, broadcast.id, status, impact, services, message,
                  values.get(ids.NOTIFY) == CHECKED), {}
