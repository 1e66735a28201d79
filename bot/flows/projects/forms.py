"""The project forms and the checks a submission must pass before anything is stored: the
IT lead's project form (owner, stakeholders, end-user audience, close date), the owner's
conditions form (a few lines per stakeholder) and a stakeholder's review form (per condition
met or not, and 1-5 overall). Errors name blocks of the form's template."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import ChoiceField, Form, Option, PeopleField, TextField
from bot.config import AppConfig
from bot.flows.projects import ids
from storage.directory import find_by_platform_id
from storage.models import Person
from storage.projects import ProjectCondition

MAX_STAKEHOLDERS = 6
"""One labelled box each in the conditions form (messages/projects/conditions_form.j2)."""
MAX_PER_STAKEHOLDER = 5
MAX_CONDITIONS = 10
"""A review asks about every condition in one form (c0 .. c9 in review_form.j2)."""
MAX_CONDITION = 300
FURTHEST_CLOSE = timedelta(days=730)


@dataclass(frozen=True)
class Draft:
    owner: Person
    stakeholders: list[Person]
    audience: tuple[str, str] | None
    closes_on: date


def audiences(app: AppConfig) -> list[str]:
    """``everyone`` and each configured segment value, as ``segment=value``."""
    return [ids.EVERYONE, *(f"{segment}={value}" for segment, values in
                            sorted(app.segments.items()) for value in sorted(values))]


def create_form(app: AppConfig, name: str, values: Mapping[str, str] | None = None,
                errors: Mapping[str, str] | None = None) -> Form:
    values = values or {}
    audience = values.get(ids.AUDIENCE_FIELD) or ids.EVERYONE
    return Form(
        "projects/create_form", ids.CREATE_FORM,
        (PeopleField(ids.OWNER_FIELD, "owner_label", max_people=1),
         PeopleField(ids.STAKEHOLDERS_FIELD, "stakeholders_label", max_people=MAX_STAKEHOLDERS),
         ChoiceField(ids.AUDIENCE_FIELD, "audience_label", tuple(
             Option(a, label="everyone") if a == ids.EVERYONE else Option(a, a.replace("=", ": "))
             for a in audiences(app)), initial=audience),
         TextField(ids.CLOSES_FIELD, "closes_label", initial=values.get(ids.CLOSES_FIELD, ""),
                   max_length=10)),
        context={"name": name}, metadata=name, errors=errors or {})


async def _people(session: AsyncSession, platform: str, raw: str) -> list[Person] | None:
    """The people picked, from the directory; None when one is unknown or inactive."""
    found = []
    for user_id in dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()):
        person = await find_by_platform_id(session, platform, user_id)
        if person is None or not person.active:
            return None
        found.append(person)
    return found


def _closes_on(text: str, today: date) -> tuple[date | None, str | None]:
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return None, "error_closes"
    if day <= today:
        return None, "error_closes_past"
    if day > today + FURTHEST_CLOSE:
        return None, "error_closes_far"
    return day, None


async def check_create(session: AsyncSession, app: AppConfig, platform: str,
                       values: Mapping[str, str], today: date
                       ) -> tuple[Draft | None, dict[str, str]]:
    """The project, or the errors (field -> template block) that stop it. Reads only."""
    errors: dict[str, str] = {}
    owners = await _people(session, platform, values.get(ids.OWNER_FIELD, ""))
    if not owners or len(owners) != 1:
        errors[ids.OWNER_FIELD] = "error_owner"
    stakeholders = await _people(session, platform, values.get(ids.STAKEHOLDERS_FIELD, ""))
    if not stakeholders:
        errors[ids.STAKEHOLDERS_FIELD] = "error_stakeholders"
    elif len(stakeholders) > MAX_STAKEHOLDERS:
        errors[ids.STAKEHOLDERS_FIELD] = "error_stakeholders_many"
    audience = values.get(ids.AUDIENCE_FIELD) or ids.EVERYONE
    if audience not in audiences(app):
        errors[ids.AUDIENCE_FIELD] = "error_audience"
    closes_on, problem = _closes_on(values.get(ids.CLOSES_FIELD, "").strip(), today)
    if problem:
        errors[ids.CLOSES_FIELD] = problem
    if errors or not owners or not stakeholders or closes_on is None:
        return None, errors
    segment = None if audience == ids.EVERYONE else tuple(audience.split("=", 1))
    return Draft(owners[0], stakeholders, segment, closes_on), {}  # type: ignore[arg-type]


def conditions_form(project_id: int, name: str, stakeholders: Sequence[Person],
                    texts: Mapping[int, str], errors: Mapping[str, str] | None = None) -> Form:
    """`texts`: each stakeholder's conditions so far, a line each, by their position."""
    return Form(
        "projects/conditions_form", ids.CONDITIONS_FORM,
        tuple(TextField(f"{ids.STAKEHOLDER_FIELD}{n}", f"s{n}", multiline=True, required=False,
                        initial=texts.get(n, ""),
                        max_length=MAX_PER_STAKEHOLDER * (MAX_CONDITION + 1))
              for n in range(len(stakeholders))),
        context={"name": name, "stakeholders": [p.display_name for p in stakeholders],
                 "per_stakeholder": MAX_PER_STAKEHOLDER, "most": MAX_CONDITIONS},
        metadata=str(project_id), errors=errors or {})


def check_conditions(count: int, values: Mapping[str, str]
                     ) -> tuple[dict[int, list[str]], dict[str, str]]:
    """Each stakeholder's conditions (by position), a line each, or the errors."""
    lines: dict[int, list[str]] = {}
    errors: dict[str, str] = {}
    for n in range(count):
        name = f"{ids.STAKEHOLDER_FIELD}{n}"
        found = [line.strip() for line in values.get(name, "").splitlines() if line.strip()]
        if len(found) > MAX_PER_STAKEHOLDER:
            errors[name] = "error_many"
        elif any(len(line) > MAX_CONDITION for line in found):
            errors[name] = "error_long"
        lines[n] = found
    if not errors and sum(map(len, lines.values())) > MAX_CONDITIONS:
        errors[f"{ids.STAKEHOLDER_FIELD}0"] = "error_total"
    return lines, errors


def review_form(project_id: int, name: str, conditions: Sequence[ProjectCondition],
                owners: Mapping[int, str], verdicts: Mapping[int, bool],
                overall: int | None) -> Form:
    """Every condition, met or not (pre-filled with an earlier answer), and 1-5 overall."""
    verdict = {True: ids.MET, False: ids.NOT_MET}
    return Form(
        "projects/review_form", ids.REVIEW_FORM,
        (*(ChoiceField(f"{ids.CONDITION_FIELD}{n}", f"c{n}",
                       (Option(ids.MET, label="met"), Option(ids.NOT_MET, label="not_met")),
                       initial=verdict.get(verdicts.get(c.id)) if c.id in verdicts else None,
                       style="radio")
           for n, c in enumerate(conditions)),
         ChoiceField(ids.OVERALL_FIELD, "overall_label",
                     tuple(Option(str(v), label=f"sat_{v}") for v in ids.SATISFACTION),
                     initial=str(overall) if overall else None, style="radio")),
        context={"name": name, "conditions": [
            {"text": c.text, "stakeholder": owners.get(c.stakeholder_id, "")}
            for c in conditions]},
        metadata=str(project_id))


def parse_review(conditions: Sequence[ProjectCondition], values: Mapping[str, str]
                 ) -> tuple[dict[int, bool], int] | None:
    """Every verdict and the overall score, or None when one is missing or not offered."""
    verdicts: dict[int, bool] = {}
    for n, found in enumerate(conditions):
        raw = values.get(f"{ids.CONDITION_FIELD}{n}", "")
        if raw not in (ids.MET, ids.NOT_MET) or found.id is None:
            return None
        verdicts[found.id] = raw == ids.MET
    overall = {str(n): n for n in ids.SATISFACTION}.get(values.get(ids.OVERALL_FIELD, ""))
    if overall is None:
        return None
    return verdicts, overall
