"""Kudos giving: ``/kudos @person what they did`` (or the form) and the rules a voucher must
pass.

A voucher is checked whole before anything is written: every recipient must be a known
person (not a bot, not the giver) in one of the configured roles, the story must be there and
short enough, the giver must have allowance left this week (their own week, Monday 00:00 in
their time zone) and must not have thanked the same person today. Any problem refuses the
whole voucher with a kind message naming each problem. The checks that count past vouchers
run with the giver's row locked, so two of their requests cannot both spend the last one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import ChoiceField, Form, Message, Option, PeopleField, TextField
from bot.chat.port import Origin, Platform
from bot.config import Role
from bot.flows.board.changes import home_changed
from bot.flows.directory.people import add_profile
from bot.flows.kudos import wall
from bot.flows.kudos.gifts import Gift, Problem, form_metadata
from bot.flows.kudos.ids import GIVE_FORM, RECIPIENTS, STORY, VALUE, VISIBILITY
from bot.flows.kudos.people import person_view, week_start, zone_of
from bot.intents import Mention
from bot.services import Services
from storage.kudos import (
    MAX_STORY,
    KudosVoucher,
    balance,
    given_since,
    lock_person,
    store_voucher,
    thanked_on,
)
from storage.models import Person
from storage.people_cache import find_person

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 10


async def open_give_form(session: AsyncSession, services: Services, origin: Origin) -> None:
    """The form for ``/kudos`` with nothing after it."""
    config = services.settings.app.kudos

    def option(value: str) -> Option:
        # Named by block, so the form's renderer writes it in the reader's language.
        return Option(value, label=f"{value}_option")

    fields: list[TextField | ChoiceField | PeopleField] = [
        PeopleField(RECIPIENTS, "recipients_label", max_people=MAX_RECIPIENTS),
        TextField(STORY, "story_label", multiline=True, max_length=MAX_STORY),
    ]
    if config.values:
        fields.append(ChoiceField(VALUE, "value_label", required=False,
                                  options=tuple(Option(v, v) for v in config.values)))
    fields.append(ChoiceField(VISIBILITY, "visibility_label", initial="public",
                              options=(option("public"), option("private"))))
    # The actor was loaded in this turn: end its transaction before the platform is asked,
    # so Slack's 3-second trigger is spent on the form alone.
    await session.commit()
    await services.chat.open_form(origin, Form(
        "kudos/form", GIVE_FORM, tuple(fields),
        context={"allowance": config.weekly_allowance, "points": config.points_per_voucher},
        # The answer to the submission goes where the command was typed.
        metadata=form_metadata(origin)))


async def _resolve(session: AsyncSession, services: Services, platform: Platform,
                   mention: Mention) -> tuple[Person | None, Problem | None]:
    """The person a mention names, added to the directory from their platform profile when
    new."""
    person = await find_person(session, platform, mention.user_id)
    if person is not None and person.active:
        return person, None
    # The platform is asked with no transaction open (on SQLite it would hold the one
    # connection, and every other turn with it).
    await session.commit()
    profile = await services.chat.profile(platform, mention.user_id)
    name = mention.name or (profile.display_name if profile else "") or mention.user_id
    if profile is None:
        return None, Problem("unknown", name=name)
    if profile.is_bot:
        return None, Problem("bot", name=name)
    return await add_profile(session, services.settings.app, profile), None


async def give_kudos(session: AsyncSession, services: Services, giver: Person, origin: Origin,
                     gift: Gift) -> KudosVoucher | None:
    """Check a voucher whole, store it once, then tell everyone it concerns. The voucher, or
    None when it was refused (the giver is told why)."""
    config = services.settings.app.kudos
    problems = list(gift.problems)
    if not gift.recipients:
        problems.append(Problem("no_recipients"))
    elif len(gift.recipients) > MAX_RECIPIENTS:
        problems.append(Problem("too_many", count=MAX_RECIPIENTS))
    if not gift.story:
        problems.append(Problem("no_story"))
    elif len(gift.story) > MAX_STORY:
        problems.append(Problem("too_long", count=MAX_STORY))
    people: list[Person] = []
    for mention in gift.recipients[:MAX_RECIPIENTS]:
        person, problem = await _resolve(session, services, origin.platform, mention)
        if problem is not None:
            problems.append(problem)
        elif person is not None and person.id == giver.id:
            problems.append(Problem("self"))
        elif person is not None and Role(person.role) not in config.recipient_roles:
            problems.append(Problem("not_recipient", name=person.display_name))
        elif person is not None:
            people.append(person)
    if problems:
        await _refuse(session, services, origin, problems)
        return None

    zone = zone_of(giver)
    now = services.clock()
    start = week_start(now, zone)
    today = now.astimezone(zone).date()
    voucher, left, problems = await _store(session, services, giver, people, gift, start, today)
    if voucher is None:
        await _refuse(session, services, origin, problems, next_week=start + timedelta(days=7),
                      tz=str(zone))
        return None
    services.metrics.kudos_given.inc(len(people))
    await _announce(session, services, giver, people, voucher)
    # The voucher and its messages are stored before the giver is answered: the outbox sends
    # them meanwhile, and no transaction is held across the answer's round trip.
    await session.commit()
    await services.chat.reply_privately(origin, Message("kudos/given", {
        "recipients": [person_view(p) for p in people], "public": voucher.public,
        "on_wall": voucher.public and wall.wall_shown_on(services, origin.platform),
        "left": left, "allowance": config.weekly_allowance, "code": voucher.code,
        "points": voucher.points, "resets": start + timedelta(days=7), "tz": str(zone)}))
    return voucher


async def _store(session: AsyncSession, services: Services, giver: Person,
                 people: list[Person], gift: Gift, start: datetime, today: date
                 ) -> tuple[KudosVoucher | None, int, list[Problem]]:
    """Write the voucher, its recipients and their points, or nothing: (the voucher, the
    allowance left, the problems)."""
    config = services.settings.app.kudos
    assert giver.id is not None
    ids = [p.id for p in people if p.id is not None]
    await lock_person(session, giver.id)
    left = config.weekly_allowance - await given_since(session, giver.id, start)
    thanked = await thanked_on(session, giver.id, ids, today)
    problems = [Problem("already_today", name=p.display_name) for p in people
                if p.id in thanked]
    if left < len(people):
        problems.append(Problem("allowance", count=max(left, 0)))
    if problems:
        return None, left, problems
    voucher = KudosVoucher(giver_id=giver.id, story=gift.story, value=gift.value,
                           public=gift.public, points=config.points_per_voucher,
                           created_at=services.clock())
    try:
        await store_voucher(session, voucher, ids, today)
    except IntegrityError:
        # The same voucher, submitted twice at once: the other submission stored it.
        return None, left, [Problem("already_today", name=p.display_name) for p in people]
    return voucher, left - len(people), []


def received_key(voucher_id: int, person_id: int) -> str:
    """The outbox key of a recipient's DM about a voucher."""
    return f"kudos:{voucher_id}:dm:{person_id}"


async def _announce(session: AsyncSession, services: Services, giver: Person,
                    people: Sequence[Person], voucher: KudosVoucher) -> None:
    """A DM to each recipient, and the wall post of a public voucher, through the outbox."""
    assert voucher.id is not None
    for person in people:
        assert person.id is not None
        await services.outbox.send_dm(session, person, Message("kudos/received", {
            "giver": person_view(giver), "story": voucher.story, "value": voucher.value,
            "points": voucher.points, "balance": await balance(session, person.id),
            "public": voucher.public}), key=received_key(voucher.id, person.id))
    await home_changed(session, services, (person.id for person in people))
    if voucher.public:
        await wall.post_voucher(session, services, voucher, giver, people)


async def _refuse(session: AsyncSession, services: Services, origin: Origin,
                  problems: list[Problem], **context: Any) -> None:
    for problem in problems:
        services.metrics.kudos_refused.labels(problem.reason).inc()
    log.info("kudos from %s refused: %s", origin.user_id,
             ", ".join(problem.reason for problem in problems))
    # Nothing was written but the people met for the first time; they are kept, and the
    # giver's row lock is let go before the answer's round trip.
    await session.commit()
    await services.chat.reply_privately(origin, Message("kudos/refused", {
        "problems": problems, **context}))
