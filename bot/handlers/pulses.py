"""NPS pulses: the 0-10 buttons and the "why?" form of a pulse DM, a survey's button and
form, ``/touchpoint pulses off|on`` for everyone, ``/touchpoint pulse ...`` for IT leads,
the answer-back button and form of a lead's reply to a comment, and the scheduled jobs: the
every-minute tick (opening and closing campaigns) and the opening of each recurring pulse
app.yaml defines."""

from __future__ import annotations

from collections.abc import Iterator

from bot.config import AppConfig
from bot.flows.pulses import campaigns
from bot.flows.pulses.answers import ask_why, record_comment, record_score, set_opt_out
from bot.flows.pulses.ids import (
    ANSWER_BACK,
    ANSWER_BACK_FIELD,
    COMMENT_FIELD,
    COMMENT_FORM,
    SCORE_ACTION,
    SCORES,
    SURVEY_FORM,
    SURVEY_OPEN,
    WHY_ACTION,
)
from bot.flows.pulses.leads import lead_command
from bot.flows.pulses.loop import ask_answer_back, record_answer_back
from bot.flows.pulses.survey import open_survey, record_survey
from bot.handlers.routes import Routes, ScheduledTurn, ScheduleRoute, Turn


def register(dispatcher: Routes) -> None:
    async def score(turn: Turn) -> None:
        intent = turn.press
        await record_score(turn.session, turn.services, turn.actor, intent.origin,
                           intent.message, intent.value,
                           int(intent.action_id.removeprefix(SCORE_ACTION)))

    async def why(turn: Turn) -> None:
        intent = turn.press
        await ask_why(turn.session, turn.services, intent.origin, intent.message, intent.value)

    async def comment(turn: Turn) -> None:
        intent, origin = turn.submission
        await record_comment(turn.session, turn.services, turn.actor, origin,
                             intent.metadata, intent.values.get(COMMENT_FIELD, ""))

    async def opt_out(turn: Turn) -> None:
        intent = turn.command
        await set_opt_out(turn.session, turn.services, turn.actor, intent.origin,
                          intent.rest.strip().lower())

    async def lead(turn: Turn) -> None:
        intent = turn.command
        await lead_command(turn.session, turn.services, turn.actor, intent.origin, intent.rest)

    async def answer_back(turn: Turn) -> None:
        intent = turn.press
        await ask_answer_back(turn.session, turn.services, turn.actor, intent.origin,
                              intent.value)

    async def answer_back_sent(turn: Turn) -> None:
        intent, origin = turn.submission
        await record_answer_back(turn.session, turn.services, turn.actor, origin,
                                 intent.metadata, intent.values.get(ANSWER_BACK_FIELD, ""))

    async def survey(turn: Turn) -> None:
        intent = turn.press
        await open_survey(turn.session, turn.services, turn.actor, intent.origin,
                          intent.message, intent.value)

    async def survey_answers(turn: Turn) -> None:
        intent, origin = turn.submission
        await record_survey(turn.session, turn.services, turn.actor, origin,
                            intent.metadata, intent.values)

    for n in SCORES:
        dispatcher.on_button(f"{SCORE_ACTION}{n}", score)
    dispatcher.on_button(WHY_ACTION, why)
    dispatcher.on_form(COMMENT_FORM, comment)
    dispatcher.on_button(SURVEY_OPEN, survey)
    dispatcher.on_form(SURVEY_FORM, survey_answers)
    dispatcher.on_button(ANSWER_BACK, answer_back)
    dispatcher.on_form(ANSWER_BACK, answer_back_sent)
    dispatcher.on_command("touchpoint", "pulses", opt_out)
    dispatcher.on_command("touchpoint", "pulse", lead)
    dispatcher.on_schedule("pulses.tick", tick, "interval", minutes=1)
    dispatcher.on_configured_schedules(recurring)


async def tick(turn: ScheduledTurn) -> None:
    await campaigns.tick(turn.services, turn.scheduled_for)


def recurring(app: AppConfig) -> Iterator[ScheduleRoute]:
    """A job per recurring pulse in app.yaml, opening its campaign on its cron."""
    for name, job, recurrence in campaigns.recurring_jobs(app):
        async def open_campaign(turn: ScheduledTurn, job=job) -> None:
            await job(turn.services, turn.scheduled_for)

        yield ScheduleRoute(name, open_campaign, "cron", recurrence)
