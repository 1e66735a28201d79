"""The pulse DM in each of its states: asking, reminding, thanking (with the score buttons
still there to change it, and a button for the why), or closed. A satisfaction survey's DM
has one button instead, opening its form (bot.flows.pulses.survey)."""

from __future__ import annotations

from bot.chat.message import Button, Message
from bot.flows.pulses.ids import SCORE_ACTION, SCORES, SURVEY_OPEN, WHY_ACTION
from storage.pulses import PulseCampaign

INVITE_STAGE, REMINDER_STAGE, ANSWERED_STAGE, CLOSED_STAGE = (
    "invite", "reminder", "answered", "closed")


def pulse_message(campaign: PulseCampaign, organisation: str, tz: str, stage: str,
                  token: str | None, *, score: int | None = None,
                  comment: str | None = None, answered: int | None = None,
                  finished: bool = False, started: bool = False) -> Message:
    """`token` goes only into the buttons' values, with the campaign id (see storage.pulses);
    a message recorded in the outbox gives `bot.chat.outbox.FRESH_TOKEN`, so the token is
    made when it is sent and never stored."""
    buttons: tuple[Button, ...] = ()
    if campaign.is_survey:
        return _survey_message(campaign, organisation, tz, stage, token, answered, finished,
                               started)
    if token is not None and stage != CLOSED_STAGE:
        value = f"{campaign.id}.{token}"
        buttons = tuple(Button(f"{SCORE_ACTION}{n}", f"score_{n}", value,
                               style="primary" if n == score else None) for n in SCORES)
        if stage == ANSWERED_STAGE:
            buttons += (Button(WHY_ACTION, "why", value),)
    context = {"organisation": organisation, "stage": stage, "score": score,
               "comment": comment, "closes_at": campaign.closes_at, "tz": tz,
               "anonymity": campaign.anonymity,
               # app.yaml's words, in every language given: the renderer picks the reader's.
               "question": (campaign.wording or {}).get("question"),
               "why_question": (campaign.wording or {}).get("why")}
    return Message(campaign.template, context, buttons=buttons)


def _survey_message(campaign: PulseCampaign, organisation: str, tz: str, stage: str,
                    token: str | None, answered: int | None, finished: bool,
                    started: bool) -> Message:
    """`answered`: how many questions the person has answered, once they have, and whether
    that `finished` it (every scale answered; words are optional). `started`: a
    reminder to someone who began an anonymous survey, which only the message they began
    from can go on with (nothing else links them to their answers), so it has no button."""
    questions = campaign.questions or []
    buttons: tuple[Button, ...] = ()
    if token is not None and stage != CLOSED_STAGE and not started:
        buttons = (Button(SURVEY_OPEN, "open", f"{campaign.id}.{token}", style="primary"),)
    context = {"organisation": organisation, "stage": stage, "closes_at": campaign.closes_at,
               "tz": tz, "anonymity": campaign.anonymity, "questions": len(questions),
               "aspects": sorted({q["aspect"] for q in questions}), "answered": answered,
               "finished": finished, "started": started}
    return Message("pulses/survey", context, buttons=buttons)
