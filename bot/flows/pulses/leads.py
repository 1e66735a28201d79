"""NPS pulses for IT leads in chat: ``/touchpoint pulse`` lists the pulses, ``pulse status
NAME`` shows a fan-out's progress, ``pulse results NAME [by SEGMENT]`` the results with the
reasons given, and ``pulse create NAME [DAYS] [anonymous|confidential|identified] [now]
[survey=KEY]`` starts one for everyone (at 10:00 on each person's clock, or at once with
``now``), an NPS pulse or, with ``survey=KEY``, the satisfaction survey of the questions of
app.yaml's campaign KEY;
``pulse reply REF words`` answers a reason given (bot.flows.pulses.loop).
Only IT leads and admins may; the check is here, on the server.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin
from bot.config import PulseAudience, Role, SurveyQuestion
from bot.flows.pulses.campaigns import (
    CampaignSpec,
    create_campaign,
    open_campaign,
    results_message,
)
from bot.flows.pulses.loop import lead_reply
from bot.flows.pulses.results import campaign_progress
from bot.services import Services
from storage import pulses as store
from storage.models import Person

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")
ANONYMITY = ("anonymous", "confidential", "identified")
DEFAULT_OPEN_DAYS = 14
MAX_OPEN_DAYS = 90
LISTED = 10
SURVEY_OPTION = "survey="


async def lead_command(session: AsyncSession, services: Services, actor: Person,
                       origin: Origin, text: str) -> None:
    """Everything after ``pulse``; answered privately."""
    words = text.split()
    sub = words[0].lower() if words else "list"
    context: dict = {"sub": sub, "problem": None, "created": None, "replied": None,
                     "progress": []}
    if not Role(actor.role).at_least(Role.IT_LEAD):
        context["problem"] = "not allowed"
    elif sub == "list":
        context["progress"] = [await campaign_progress(session, campaign)
                               for campaign in await store.latest_campaigns(session, LISTED)]
    elif sub in ("status", "results") and len(words) >= 2:
        context |= await _about(session, services, actor, words[1], sub, words[2:])
    elif sub == "create" and len(words) >= 2:
        context |= await _create(session, services, actor, words[1:])
    elif sub == "reply" and len(words) >= 3:
        context |= await lead_reply(session, services, actor, words[1].lstrip("#").lower(),
                                    text.split(maxsplit=2)[2])
    else:
        context["problem"] = "usage"
    if "results" in context:
        message = context["results"]
    else:
        context["tz"] = actor.tz
        message = Message("pulses/lead", context)
    # What the command recorded is kept before the answer (no transaction waits on the
    # platform, and a created pulse's messages go out on the commit).
    await session.commit()
    await services.chat.reply_privately(origin, message)


async def _about(session: AsyncSession, services: Services, actor: Person, name: str, sub: str,
                 rest: list[str]) -> dict:
    # The pulse first: several words after `results` may be a name typed with spaces.
    campaign = await store.find_campaign(session, name)
    if campaign is None:
        return {"problem": "unknown pulse", "name": " ".join([name, *rest])}
    segments = sorted(services.settings.app.segments)
    by = segments
    if rest:
        if len(rest) != 2 or rest[0].lower() != "by" or rest[1] not in segments:
            return {"problem": "unknown segment", "segments": segments}
        by = [rest[1]]
    assert campaign.id is not None
    if sub == "status":
        return {"progress": [await campaign_progress(session, campaign)]}
    return {"results": await results_message(
        session, services.settings.app, campaign.id, actor.tz, by=by, with_comments=True,
        reader_is_admin=actor.role == Role.ADMIN)}


async def _create(session: AsyncSession, services: Services, actor: Person,
                  args: list[str]) -> dict:
    name, options = args[0].lower(), [word.lower() for word in args[1:]]
    days, anonymity, send_time = DEFAULT_OPEN_DAYS, "confidential", CampaignSpec.send_time
    questions: tuple[SurveyQuestion, ...] = ()
    for option in options:
        if option.startswith(SURVEY_OPTION):
            key = option.removeprefix(SURVEY_OPTION)
            found = services.settings.app.pulses.campaigns.get(key)
            if found is None or not found.questions:
                return {"problem": "unknown survey", "name": key,
                        "surveys": sorted(k for k, c in services.settings.app.pulses
                                          .campaigns.items() if c.questions)}
            questions = tuple(found.questions)
        elif option.isdigit() and 1 <= int(option) <= MAX_OPEN_DAYS:
            days = int(option)
        elif option in ANONYMITY:
            anonymity = option
        elif option == "now":
            send_time = None
        else:
            return {"problem": "usage"}
    if not NAME.fullmatch(name):
        return {"problem": "bad name", "name": name}
    now = services.clock()
    spec = CampaignSpec(name=name, opens_at=now, open_days=days,
                        audience=PulseAudience(everyone=True), anonymity=anonymity,
                        send_time=send_time, questions=questions)
    campaign = await create_campaign(session, services.settings.app, spec,
                                     created_by=actor.id)
    if campaign is None:
        return {"problem": "name taken", "name": name}
    assert campaign.id is not None
    await open_campaign(session, services, campaign.id)
    return {"created": name, "closes_at": now + timedelta(days=days), "anonymity": anonymity,
            "questions": len(questions),
            "send_time": spec.send_time.strftime("%H:%M") if spec.send_time else None}
