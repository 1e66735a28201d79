"""The plan form: how it is built (with a figure chosen, or what was typed so far) and the
checks a submission must pass before anything is stored. Errors name blocks of
messages/plans/form.j2."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import ChoiceField, Form, Option, PeopleField, TextField
from bot.flows.plans import ids
from storage.directory import find_by_email, find_by_platform_id
from storage.models import Person
from storage.plans import FIGURES, MAX_CHANGE

FURTHEST_DUE = timedelta(days=730)
"""A plan item is due within two years: further off, it is a wish, not a plan."""


@dataclass(frozen=True)
class Draft:
    """A valid plan item, as submitted."""

    figure: str
    change: str
    owner: Person
    due_on: date


def plan_form(values: Mapping[str, str] | None = None,
              errors: Mapping[str, str] | None = None) -> Form:
    values = values or {}
    figure = values.get(ids.FIGURE)
    return Form(
        template="plans/form",
        callback_id=ids.FORM,
        fields=(
            ChoiceField(ids.FIGURE, "figure_label",
                        tuple(Option(name, label=f"figure_{name}") for name in FIGURES),
                        initial=figure if figure in FIGURES else None),
            TextField(ids.CHANGE, "change_label", multiline=True,
                      initial=values.get(ids.CHANGE, ""), max_length=MAX_CHANGE),
            PeopleField(ids.OWNER, "owner_label", required=False, max_people=1),
            TextField(ids.OWNER_EMAIL, "owner_email_label", required=False,
                      initial=values.get(ids.OWNER_EMAIL, ""), max_length=320),
            TextField(ids.DUE, "due_label", initial=values.get(ids.DUE, ""), max_length=10),
        ),
        errors=errors or {},
    )


def _due(text: str, today: date) -> tuple[date | None, str | None]:
    try:
        due = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        due = None
    if due is None:
        return None, "error_due"
    if due < today:
        return None, "error_due_past"
    if due > today + FURTHEST_DUE:
        return None, "error_due_far"
    return due, None


async def _owner(session: AsyncSession, platform: str, values: Mapping[str, str]
                 ) -> tuple[Person | None, str | None]:
    """The owner picked (or, without a pick, named by email), from the directory."""
    picked = [part.strip() for part in values.get(ids.OWNER, "").split(",") if part.strip()]
    email = values.get(ids.OWNER_EMAIL, "").strip()
    if len(picked) > 1:
        return None, "error_owner_many"
    if picked:
        person = await find_by_platform_id(session, platform, picked[0])
    elif email:
        person = await find_by_email(session, email) if "@" in email else None
    else:
        return None, "error_owner_missing"
    if person is None or not person.active:
        return None, "error_owner_unknown"
    return person, None


async def check_plan(session: AsyncSession, platform: str, values: Mapping[str, str],
                     today: date) -> tuple[Draft | None, dict[str, str]]:
    """The plan item, or the errors (field -> template block) that stop it. Reads only."""
    errors: dict[str, str] = {}
    figure = values.get(ids.FIGURE, "")
    if figure not in FIGURES:
        errors[ids.FIGURE] = "error_figure"
    change = values.get(ids.CHANGE, "").strip()
    if not change:
        errors[ids.CHANGE] = "error_change_empty"
    elif len(change) > MAX_CHANGE:
        errors[ids.CHANGE] = "error_change_long"
    owner, problem = await _owner(session, platform, values)
    if problem:
        # Under the email when one was typed and nobody picked, else under the picker.
        typed = values.get(ids.OWNER_EMAIL, "").strip() and not values.get(ids.OWNER, "")
        errors[ids.OWNER_EMAIL if typed else ids.OWNER] = problem
    due, problem = _due(values.get(ids.DUE, "").strip(), today)
    if problem:
        errors[ids.DUE] = problem
    if errors or owner is None or due is None:
        return None, errors
    return Draft(figure, change, owner, due), {}
