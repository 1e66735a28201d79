"""``/touchpoint project ...``, answered privately: ``create NAME`` (IT leads: opens the project
form), ``list``, ``show NAME`` (the conditions and where they stand; the results too, once
closed, for the owner and the IT leads), ``close NAME`` (IT leads and the owner: closes it now),
``conditions NAME`` (the owner: the conditions form) and ``done|risk|open NAME N`` (the owner:
condition N checked off, flagged at risk, or open again). The project form's submission and
the conditions form are here too. Every role check is here, on the server."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Form, Message
from bot.chat.port import Origin
from bot.config import Role
from bot.flows.projects import ids
from bot.flows.projects.closing import close_project
from bot.flows.projects.forms import (
    MAX_STAKEHOLDERS,
    check_conditions,
    check_create,
    conditions_form,
    create_form,
)
from bot.flows.projects.results import project_results
from bot.services import Services
from storage import projects as store
from storage.models import Person
from storage.projects import AT_RISK, DONE, OPEN, Project

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")
LISTED = 10
CLOSES_AT = time(9, 0)
"""A project closes at 09:00 on its close date, in the organisation's time zone: the review
DMs arrive at the start of a working day."""
MARKS = {"done": DONE, "risk": AT_RISK, "open": OPEN}


def number(text: str) -> int | None:
    """A project id or condition number as typed or carried by a button or form: plain ASCII
    digits that fit the database's integer, else None (``²`` is a digit to `str.isdigit`)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


async def find_by_id(session: AsyncSession, text: str) -> Project | None:
    found = number(text)
    return await session.get(Project, found) if found is not None else None


def _lead(person: Person) -> bool:
    return Role(person.role).at_least(Role.IT_LEAD)


async def _answer(session: AsyncSession, services: Services, origin: Origin,
                  context: dict) -> None:
    # What the command recorded is kept before the answer: no transaction waits on the
    # platform, and the DMs it recorded go out on the commit.
    await session.commit()
    await services.chat.reply_privately(origin, answer(context))


def answer(context: dict) -> Message:
    """messages/projects/answer.j2 says one of these; the others are None."""
    return Message("projects/answer", {"problem": None, "listed": None, "created": None,
                                       "closed_now": None, "shown": None} | context)


async def project_command(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, text: str) -> None:
    words = text.split()
    sub = words[0].lower() if words else "list"
    name = words[1].lower() if len(words) > 1 else ""
    if sub == "create" and len(words) == 2:
        await _create(session, services, actor, origin, name)
        return
    if sub == "list" and len(words) == 1:
        projects = await store.latest(session, LISTED)
        await _answer(session, services, origin, {"listed": [
            {"name": p.name, "closes_at": p.closes_at, "closed": p.closed_at is not None}
            for p in projects], "tz": actor.tz})
        return
    known = ("show", "close", "conditions") if len(words) == 2 else (
        tuple(MARKS) if len(words) == 3 else ())
    if sub not in known:
        await _answer(session, services, origin, {"problem": "usage"})
        return
    project = await store.find(session, name)
    if project is None or project.id is None:
        await _answer(session, services, origin, {"problem": "unknown project", "name": name})
        return
    owner = actor.id == project.owner_id
    if sub == "show":
        await _answer(session, services, origin, await _shown(session, services, project,
                                                              actor, owner or _lead(actor)))
    elif sub == "close":
        await _close(session, services, origin, actor, project, owner)
    elif not owner:
        await _answer(session, services, origin, {"problem": "not owner", "name": name})
    elif project.closed_at is not None:
        await _answer(session, services, origin, {"problem": "closed", "name": name})
    elif sub == "conditions":
        await open_conditions(session, services, actor, origin, str(project.id))
    else:
        await _mark(session, services, origin, actor, project, MARKS[sub], words[2])


async def _create(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                  name: str) -> None:
    if not _lead(actor):
        await _answer(session, services, origin, {"problem": "not lead"})
    elif not NAME.fullmatch(name):
        await _answer(session, services, origin, {"problem": "bad name", "name": name})
    elif await store.find(session, name) is not None:
        await _answer(session, services, origin, {"problem": "name taken", "name": name})
    else:
        # Slack's trigger lasts 3 seconds: end the transaction before asking for the form.
        await session.commit()
        await services.chat.open_form(origin, create_form(services.settings.app, name))


async def create_problems(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, metadata: str, values: Mapping[str, str]
                          ) -> Form | None:
    """The project form again with its errors, or None when the submission is valid or not
    the actor's to make (`create_project` refuses it)."""
    if not _lead(actor):
        # A form forged by someone else must not learn from the errors who uses Touchpoint.
        return None
    _draft, errors = await check_create(session, services.settings.app, origin.platform,
                                        values, _today(services))
    return create_form(services.settings.app, metadata, values, errors) if errors else None


async def create_project(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin, metadata: str, values: Mapping[str, str]) -> None:
    """Store the project, ask its owner for the conditions (a DM through the outbox), and
    answer the lead."""
    name = metadata.lower()
    if not _lead(actor):
        await _answer(session, services, origin, {"problem": "not lead"})
        return
    draft, _errors = await check_create(session, services.settings.app, origin.platform,
                                        values, _today(services))
    if draft is None or not NAME.fullmatch(name):
        await _answer(session, services, origin, {"problem": "usage"})
        return
    zone = services.settings.app.organisation.zone
    project = Project(name=name, owner_id=draft.owner.id, created_by=actor.id,
                      audience_segment=draft.audience[0] if draft.audience else None,
                      audience_value=draft.audience[1] if draft.audience else None,
                      created_at=services.clock(),
                      closes_at=datetime.combine(draft.closes_on, CLOSES_AT, zone))
    if not await store.add(session, project, draft.stakeholders):
        await _answer(session, services, origin, {"problem": "name taken", "name": name})
        return
    await services.outbox.send_dm(session, draft.owner, Message(
        "projects/owner", {"name": name, "closes_at": project.closes_at, "tz": draft.owner.tz,
                           "stakeholders": [p.display_name for p in draft.stakeholders]},
        buttons=(Button(ids.CONDITIONS_OPEN, "record", str(project.id), style="primary"),)),
        key=f"project:{project.id}:owner")
    await _answer(session, services, origin, {"created": name, "closes_at": project.closes_at,
                                              "owner": draft.owner.display_name, "tz": actor.tz})


def _today(services: Services):
    return services.clock().astimezone(services.settings.app.organisation.zone).date()


async def _shown(session: AsyncSession, services: Services, project: Project, actor: Person,
                 reads_results: bool) -> dict:
    assert project.id is not None
    people = await store.stakeholders(session, project.id)
    owner = await session.get(Person, project.owner_id)
    conditions = await store.conditions(session, project.id)
    shown = {"shown": project.name, "owner": owner.display_name if owner else "",
             "closes_at": project.closes_at, "closed": project.closed_at is not None,
             "tz": actor.tz, "audience": project.audience_value,
             "stakeholders": [{"name": p.display_name, "conditions": [
                 {"n": n, "text": c.text, "state": c.state}
                 for n, c in enumerate(conditions, 1) if c.stakeholder_id == p.id]}
                 for p in people],
             "results": None}
    if project.closed_at is not None and reads_results:
        shown["results"] = await project_results(session, project,
                                                 services.settings.app.pulses.min_group)
    return shown


async def _close(session: AsyncSession, services: Services, origin: Origin, actor: Person,
                 project: Project, owner: bool) -> None:
    if not (owner or _lead(actor)):
        await _answer(session, services, origin, {"problem": "not owner", "name": project.name})
    elif not await close_project(session, services, project):
        await _answer(session, services, origin, {"problem": "closed", "name": project.name})
    else:
        await _answer(session, services, origin, {"closed_now": project.name})


async def _mark(session: AsyncSession, services: Services, origin: Origin, actor: Person,
                project: Project, state: str, typed: str) -> None:
    assert project.id is not None
    conditions = await store.conditions(session, project.id)
    n = number(typed)
    if n is None or not 1 <= n <= len(conditions):
        await _answer(session, services, origin, {"problem": "unknown condition",
                                                  "name": project.name, "count": len(conditions)})
        return
    conditions[n - 1].state = state
    session.add(conditions[n - 1])
    await _answer(session, services, origin, await _shown(session, services, project, actor,
                                                          True))


async def _owned_open(session: AsyncSession, services: Services, actor: Person,
                      origin: Origin, value: str) -> Project | None:
    """The open project a button or form names, when the actor owns it; else None, and the
    actor has been told why."""
    project = await find_by_id(session, value)
    if project is None or project.id is None:
        await _answer(session, services, origin, {"problem": "unknown project", "name": ""})
    elif project.owner_id != actor.id:
        await _answer(session, services, origin, {"problem": "not owner", "name": project.name})
    elif project.closed_at is not None:
        await _answer(session, services, origin, {"problem": "closed", "name": project.name})
    else:
        return project
    return None


async def open_conditions(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, value: str) -> None:
    """The conditions form, with what was recorded so far."""
    project = await _owned_open(session, services, actor, origin, value)
    if project is None:
        return
    assert project.id is not None
    people = (await store.stakeholders(session, project.id))[:MAX_STAKEHOLDERS]
    conditions = await store.conditions(session, project.id)
    texts = {n: "\n".join(c.text for c in conditions if c.stakeholder_id == p.id)
             for n, p in enumerate(people)}
    await session.commit()
    await services.chat.open_form(origin, conditions_form(project.id, project.name, people,
                                                          texts))


async def conditions_problems(session: AsyncSession, services: Services, metadata: str,
                              values: Mapping[str, str]) -> Form | None:
    project = await find_by_id(session, metadata)
    if project is None or project.id is None:
        return None
    people = await store.stakeholders(session, project.id)
    _lines, errors = check_conditions(len(people), values)
    if not errors:
        return None
    return conditions_form(project.id, project.name, people,
                           {n: values.get(f"{ids.STAKEHOLDER_FIELD}{n}", "")
                            for n in range(len(people))}, errors)


async def record_conditions(session: AsyncSession, services: Services, actor: Person,
                            origin: Origin, metadata: str, values: Mapping[str, str]) -> None:
    project = await _owned_open(session, services, actor, origin, metadata)
    if project is None:
        return
    assert project.id is not None
    people = await store.stakeholders(session, project.id)
    lines, errors = check_conditions(len(people), values)
    if errors:
        await _answer(session, services, origin, {"problem": "usage"})
        return
    await store.replace_conditions(session, project.id, {
        p.id: lines[n] for n, p in enumerate(people) if p.id is not None})
    await session.flush()
    await _answer(session, services, origin, await _shown(session, services, project, actor,
                                                          True))
