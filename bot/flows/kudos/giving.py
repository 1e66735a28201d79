"""Kudos giving: ``/kudos @person what they did`` (or the form), the rules a voucher must pass,
and an admin's revocation of one.

A voucher is checked whole before anything is written: every recipient must be a known
person (not a bot, not the giver) in one of the configured roles, the story must be there and
short enough, the giver must have allowance left this week (their own week, Monday 00:00 in
their time zone) and must not have thanked the same person today. Any problem refuses the
whole voucher with a kind message naming each problem. The checks that count past vouchers
run with the giver's row locked, so two of their requests cannot both spend the last one.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import ChoiceField, Form, Message, Option, PeopleField, TextField
from bot.chat.port import MessageRef, Origin, Platform
from bot.chat.templates import templates_for
from bot.config import KudosSettings, Role
from bot.flows.directory import people as directory
from bot.intents import Mention, ReactionChanged
from bot.services import Services
from storage import audit
from storage.kudos import (
    MAX_STORY,
    Entry,
    KudosRecipient,
    KudosVoucher,
    KudosWallPost,
    add_entry,
    balance,
    given_since,
    lock_person,
    react,
    thanked_on,
    voucher_code,
    voucher_id_of,
    wall_post_at,
    wall_posts,
)
from storage.models import Person

log = logging.getLogger(__name__)

FORM = "kudos.give"
"""Callback id of the giving form."""
APPROVE, DECLINE, FULFIL = "kudos.approve", "kudos.decline", "kudos.fulfil"
"""Action ids of the buttons on a redemption's approval card."""
MAX_RECIPIENTS = 10

_JOINER = re.compile(r"^(?:and|&|\+)\s+", re.IGNORECASE)
_SEPARATORS = " ,;:\t\n"


@dataclass(frozen=True)
class Problem:
    """One reason a voucher cannot be given; `reason` names a case in kudos/refused.j2."""

    reason: str
    name: str = ""
    count: int = 0
    detail: str = ""


@dataclass
class Gift:
    """What the giver asked for, from the command or the form."""

    recipients: Sequence[Mention]
    story: str
    value: str | None = None
    public: bool = True
    problems: list[Problem] = field(default_factory=list)


def zone_of(person: Person) -> ZoneInfo:
    try:
        return ZoneInfo(person.tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 of `now`'s week in `zone`, as an aware datetime in that zone."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone)


def person_view(person: Person) -> dict[str, Any]:
    """What templates need to name a person on either platform."""
    return {"name": person.display_name or "someone", "slack_id": person.slack_user_id}


def _named_first(text: str, mentions: Sequence[Mention]) -> tuple[Mention, str] | None:
    """The mention `text` starts with (as ``@name`` or ``name``) and the text after it."""
    for mention in mentions:
        for shown in (f"@{mention.name}", mention.name):
            end = len(shown)
            if (mention.name and text[:end].lower() == shown.lower()
                    and (len(text) == end or not text[end].isalnum())):
                return mention, text[end:]
    return None


def split_recipients(text: str, mentions: Sequence[Mention]) -> tuple[list[Mention], str]:
    """(recipients, story): mentions leading the text are recipients and are taken off the
    story; with none leading, everyone mentioned is a recipient and the text stays whole."""
    rest = text.strip()
    leading: list[Mention] = []
    pending = list(mentions)
    while pending:
        rest = rest.lstrip(_SEPARATORS)
        # "@ann and @bob": the joiner belongs to the list only when a mention follows it.
        found = _named_first(rest, pending) or (
            _named_first(_JOINER.sub("", rest), pending) if leading else None)
        if found is None:
            break
        leading.append(found[0])
        pending.remove(found[0])
        rest = found[1]
    if leading:
        return _unique(leading), rest.strip(_SEPARATORS)
    return _unique(mentions), text.strip()


def _unique(mentions: Sequence[Mention]) -> list[Mention]:
    seen: dict[str, Mention] = {}
    for mention in mentions:
        seen.setdefault(mention.user_id, mention)
    return list(seen.values())


def gift_from_command(text: str, mentions: Sequence[Mention]) -> Gift:
    recipients, story = split_recipients(text, mentions)
    return Gift(recipients=recipients, story=story)


def gift_from_form(values: dict[str, str], config: KudosSettings) -> Gift:
    ids = [part.strip() for part in values.get("recipients", "").split(",") if part.strip()]
    gift = Gift(recipients=_unique([Mention(user_id=i, name="") for i in ids]),
                story=values.get("story", "").strip())
    value = values.get("value", "").strip()
    if value:
        if value in config.values:
            gift.value = value
        else:
            gift.problems.append(Problem("unknown_value", detail=value))
    visibility = values.get("visibility", "public").strip() or "public"
    if visibility not in ("public", "private"):
        gift.problems.append(Problem("unknown_visibility"))
    gift.public = visibility != "private"
    return gift


async def open_give_form(services: Services, origin: Origin) -> None:
    """The form for ``/kudos`` with nothing after it."""
    config = services.settings.app.kudos
    words = templates_for(origin.platform)

    def option(value: str) -> Option:
        return Option(value, words.render_block("kudos/form", f"{value}_option", {}))

    fields: list[TextField | ChoiceField | PeopleField] = [
        PeopleField("recipients", "recipients_label", max_people=MAX_RECIPIENTS),
        TextField("story", "story_label", multiline=True, max_length=MAX_STORY),
    ]
    if config.values:
        fields.append(ChoiceField("value", "value_label", required=False,
                                  options=tuple(Option(v, v) for v in config.values)))
    fields.append(ChoiceField("visibility", "visibility_label", initial="public",
                              options=(option("public"), option("private"))))
    await services.chat.open_form(origin, Form(
        "kudos/form", FORM, tuple(fields),
        context={"allowance": config.weekly_allowance, "points": config.points_per_voucher},
        # The answer to the submission goes where the command was typed.
        metadata=json.dumps({"channel": origin.channel}) if origin.channel else ""))


def form_origin(origin: Origin, metadata: str) -> Origin:
    """Where to answer a form's submission: the place its command was typed, if known."""
    try:
        channel = json.loads(metadata).get("channel") if metadata else None
    except (ValueError, AttributeError):
        channel = None
    if origin.channel or not isinstance(channel, str):
        return origin
    return replace(origin, channel=channel)


async def _resolve(services: Services, session: AsyncSession, platform: Platform,
                   mention: Mention) -> tuple[Person | None, Problem | None]:
    """The person a mention names, added to the directory from their platform profile when
    new; the platform is asked with no transaction open."""
    person = await directory.find_by_platform_id(session, platform, mention.user_id)
    await session.commit()
    if person is not None and person.active:
        return person, None
    profile = await services.chat.profile(platform, mention.user_id)
    name = mention.name or (profile.display_name if profile else "") or mention.user_id
    if profile is None:
        return None, Problem("unknown", name=name)
    if profile.is_bot:
        return None, Problem("bot", name=name)
    person = await directory.add_profile(session, services.settings.app, profile)
    return person, None


async def give(services: Services, session: AsyncSession, giver: Person, origin: Origin,
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
        person, problem = await _resolve(services, session, origin.platform, mention)
        if problem is not None:
            problems.append(problem)
        elif person is not None and person.id == giver.id:
            problems.append(Problem("self"))
        elif person is not None and Role(person.role) not in config.recipient_roles:
            problems.append(Problem("not_recipient", name=person.display_name))
        elif person is not None:
            people.append(person)
    if problems:
        await _refuse(services, origin, problems)
        return None

    zone = zone_of(giver)
    now = services.clock()
    start = week_start(now, zone)
    today = now.astimezone(zone).date()
    voucher, left, problems = await _store(services, session, giver, people, gift, start, today)
    if voucher is None:
        await _refuse(services, origin, problems, next_week=start + timedelta(days=7),
                      tz=str(zone))
        return None
    services.metrics.kudos_given.inc(len(people))
    await _announce(services, session, giver, people, voucher)
    await services.chat.reply_privately(origin, Message("kudos/given", {
        "recipients": [person_view(p) for p in people], "public": voucher.public,
        "left": left, "allowance": config.weekly_allowance, "code": voucher.code,
        "points": voucher.points, "resets": start + timedelta(days=7), "tz": str(zone)}))
    return voucher


async def _store(services: Services, session: AsyncSession, giver: Person,
                 people: list[Person], gift: Gift, start: datetime, today: date
                 ) -> tuple[KudosVoucher | None, int, list[Problem]]:
    """Write the voucher, its recipients and their points in one transaction, or nothing."""
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
        await session.rollback()
        return None, left, problems
    voucher = KudosVoucher(giver_id=giver.id, story=gift.story, value=gift.value,
                           public=gift.public, points=config.points_per_voucher,
                           created_at=services.clock())
    session.add(voucher)
    await session.flush()
    for person_id in ids:
        session.add(KudosRecipient(voucher_id=voucher.id, person_id=person_id,
                                   giver_id=giver.id, given_on=today))
        add_entry(session, person_id, Entry.GIVE, voucher.points, voucher_id=voucher.id)
    names = [p.display_name for p in people]
    try:
        await session.commit()
    except IntegrityError:
        # The same voucher, submitted twice at once: the other submission stored it.
        await session.rollback()
        return None, left, [Problem("already_today", name=name) for name in names]
    return voucher, left - len(people), []


def _wall_message(voucher: KudosVoucher, giver: Person, people: Sequence[Person]) -> Message:
    return Message("kudos/wall", {
        "giver": person_view(giver), "recipients": [person_view(p) for p in people],
        "story": voucher.story, "value": voucher.value, "code": voucher.code,
        "revoked": voucher.revoked_at is not None})


async def _announce(services: Services, session: AsyncSession, giver: Person,
                    people: Sequence[Person], voucher: KudosVoucher) -> None:
    """DM each recipient and post public vouchers on the wall; one unreachable person or
    channel is logged and does not stop the others."""
    for person in people:
        assert person.id is not None
        points = await balance(session, person.id)
        await session.commit()
        try:
            await services.chat.send_dm(person, Message("kudos/received", {
                "giver": person_view(giver), "story": voucher.story, "value": voucher.value,
                "points": voucher.points, "balance": points, "public": voucher.public}))
        except Exception:
            log.exception("could not tell person %s about kudos %s", person.id, voucher.code)
    if not voucher.public:
        return
    try:
        refs = await services.chat.post(services.settings.app.channels.kudos_wall,
                                        _wall_message(voucher, giver, people))
    except Exception:
        log.exception("could not post kudos %s on the wall", voucher.code)
        return
    for ref in refs:
        session.add(KudosWallPost(voucher_id=voucher.id, platform=ref.platform,
                                  channel=ref.channel, message_id=ref.message_id))
    await session.commit()


async def _refuse(services: Services, origin: Origin, problems: list[Problem],
                  **context: Any) -> None:
    for problem in problems:
        services.metrics.kudos_refused.labels(problem.reason).inc()
    log.info("kudos from %s refused: %s", origin.user_id,
             ", ".join(problem.reason for problem in problems))
    await services.chat.reply_privately(origin, Message("kudos/refused", {
        "problems": problems, **context}))


async def revoke(services: Services, session: AsyncSession, admin: Person, origin: Origin,
                 text: str) -> None:
    """``/kudos revoke K-42 reason``: an admin withdraws a voucher given in abuse.

    The points come off each recipient's balance with an adjust entry, as far as they still
    have them (spent points are not clawed back below zero); the wall post says so; the audit
    trail keeps who did it and why.
    """
    code, _, reason = text.strip().partition(" ")
    reason = reason.strip()
    voucher_id = voucher_id_of(code) if code else None
    outcome = None
    if Role(admin.role) != Role.ADMIN:
        outcome = "not_admin"
    elif voucher_id is None or not reason:
        outcome = "usage"
    if outcome is None:
        assert voucher_id is not None
        voucher = await session.get(KudosVoucher, voucher_id)
        if voucher is None:
            outcome = "not_found"
        elif voucher.revoked_at is not None:
            outcome = "already"
    if outcome is not None:
        await session.rollback()
        await services.chat.reply_privately(origin, Message("kudos/revoked", {
            "outcome": outcome, "code": code, "reason": reason}))
        return
    assert voucher_id is not None
    revoked = await session.exec(
        update(KudosVoucher)
        .where(col(KudosVoucher.id) == voucher_id, col(KudosVoucher.revoked_at).is_(None))
        .values(revoked_at=services.clock(), revoked_by=admin.id, revoke_reason=reason[:500]))
    if revoked.rowcount != 1:
        await session.rollback()
        await services.chat.reply_privately(origin, Message("kudos/revoked", {
            "outcome": "already", "code": code, "reason": reason}))
        return
    voucher = await session.get(KudosVoucher, voucher_id, populate_existing=True)
    assert voucher is not None
    people = list((await session.exec(
        select(Person).join(KudosRecipient, col(KudosRecipient.person_id) == Person.id)
        .where(KudosRecipient.voucher_id == voucher_id).order_by(col(Person.id)))).all())
    taken: dict[str, int] = {}
    for person in people:
        assert person.id is not None
        await lock_person(session, person.id)
        points = min(voucher.points, max(await balance(session, person.id), 0))
        if points:
            add_entry(session, person.id, Entry.ADJUST, -points, voucher_id=voucher_id)
        taken[str(person.id)] = points
    audit.record(session, actor_id=admin.id, action="kudos.revoke",
                 subject_type="kudos_voucher", subject_id=voucher_id, reason=reason,
                 points_taken=taken)
    giver = await session.get(Person, voucher.giver_id)
    posts = await wall_posts(session, voucher_id)
    await session.commit()
    assert giver is not None
    for post in posts:
        ref = MessageRef(post.platform, post.channel, post.message_id)  # type: ignore[arg-type]
        try:
            await services.chat.update(ref, _wall_message(voucher, giver, people))
        except Exception:
            log.exception("could not mark kudos %s revoked on the wall", voucher.code)
    await services.chat.reply_privately(origin, Message("kudos/revoked", {
        "outcome": "done", "code": voucher_code(voucher_id), "reason": reason,
        "recipients": [person_view(p) for p in people],
        "taken": sum(taken.values())}))


async def record_reaction(session: AsyncSession, event: ReactionChanged) -> None:
    """Count a reaction to a wall post (for the stories people liked most); reactions to
    anything else are none of kudos' business."""
    post = await wall_post_at(session, event.platform, event.channel, event.message_id)
    if post is None or post.id is None:
        return
    await react(session, post.id, event.user_id, event.reaction, event.added)
