"""Project post-implementation reviews on Slack, end to end on SQLite and PostgreSQL, over
signed HTTP and the Slack emulator: an IT lead creates a project through its form, the owner
records each stakeholder's conditions of satisfaction and checks one off, the project closes
on its date (the scheduled tick), the stakeholders review every condition in a modal and the
Finance end users rate it with one button, and a week later the results reach the owner and
the IT lead once: per condition met and not met, the stakeholders' and the end users' %
satisfied and average, and response rates, the end users' withheld below K. Other people are
refused kindly at every step, and the typed conditions never reach anyone as markup."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.emulators.slack import SlackEmulator
from tests.scenarios import pulse_kit
from tests.scenarios.project_kit import (
    CLOSE_DAY,
    CLOSES,
    END_USERS,
    ERIN,
    LEAD,
    OWNER,
    STAKEHOLDERS,
    TYPED,
    answer_of,
    answered,
    create_project,
    opened_view,
    press,
    record_conditions,
    run_tick,
)
from tests.scenarios.pulse_kit import FINANCE, buttons, configure, latest_in
from tests.scenarios.pulse_kit import text_of as text_in
from tests.waiting import eventually

bot_options, clock = pulse_kit.bot_options, pulse_kit.clock
slack, pulse_bot, sender = pulse_kit.slack, pulse_kit.pulse_bot, pulse_kit.sender


def with_digest(raw: dict) -> None:
    configure(raw)
    raw["channels"]["digests"] = {"slack": "C0DIGEST1"}
    raw["digests"] = [{"name": "weekly", "sections": ["projects"]}]


@pytest.fixture
def settings(make_settings):
    return make_settings(config=with_digest)


def dms_with(slack: SlackEmulator, action_id: str) -> list[str]:
    """Who received a DM carrying `action_id`'s button."""
    return sorted(call.args["channel"] for call in slack.calls_to("chat.postMessage")
                  if action_id in str(call.args.get("blocks")))


def results_dms(slack: SlackEmulator) -> list[tuple[str, str]]:
    return sorted((call.args["channel"], text_in(call.args))
                  for call in slack.calls_to("chat.postMessage")
                  if "Review results" in str(call.args.get("blocks")))


async def test_a_project_review_from_conditions_to_results(bot, sender, slack, clock):
    # Only IT leads create projects: Erin is told so, kindly, and no form opens.
    refused = await answer_of(sender, slack, ERIN, "project create erp")
    assert "only IT leads can create projects" in refused
    assert not slack.calls_to("views.open")

    await create_project(sender, slack, "erp")
    assert "`erp`: closes Thu 10 Dec 2026" in await answer_of(sender, slack, ERIN, "project list")
    assert "I do not know a project called `crm`" in await answer_of(sender, slack, ERIN,
                                                                     "project show crm")
    owner_dm = text_in(latest_in(slack, OWNER))
    assert "Please record what each stakeholder of `erp`" in owner_dm

    # Erin cannot open the owner's conditions form, even with the owner's button value.
    slack.clear()
    await sender.click("project.conditions", buttons(latest_in(slack, OWNER))
                       ["project.conditions"], user_id=ERIN)
    assert "only the owner of `erp`" in await answered(slack)
    assert not slack.calls_to("views.open")

    await record_conditions(sender, slack, {"s0": f"{TYPED}\nReports by 9:00",
                                            "s1": "No downtime in the close week"})
    shown = await answer_of(sender, slack, OWNER, "project done erp 2")
    assert "2. Reports by 9:00 (met)" in shown
    assert "1. Invoices post &lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "<https://evil" not in shown
    assert "only the owner" in await answer_of(sender, slack, ERIN, "project risk erp 1")
    assert "only the owner" in await answer_of(sender, slack, ERIN, "project close erp")
    assert "from 1 to 3" in await answer_of(sender, slack, OWNER, "project risk erp 7")
    assert "from 1 to 3" in await answer_of(sender, slack, OWNER, "project risk erp \u00b2")

    # The close: the tick before the date does nothing; on the date, one DM each.
    await run_tick(bot, clock, CLOSES - timedelta(minutes=1))
    assert not dms_with(slack, "project.review")
    await run_tick(bot, clock, CLOSES)
    await eventually(lambda: len(dms_with(slack, "project.rate.5")) == len(END_USERS))
    assert dms_with(slack, "project.review") == sorted(STAKEHOLDERS)
    assert dms_with(slack, "project.rate.5") == sorted(END_USERS)

    # Each stakeholder reviews every condition in one modal of radio groups.
    for user_id, verdicts, overall in ((ERIN, ("met", "met", "not_met"), "4"),
                                       (FINANCE[0], ("not_met", "met", "met"), "5")):
        before = len(slack.calls_to("views.open"))
        await press(sender, slack, user_id, "project.review")
        view = await opened_view(slack, before)
        labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
        assert labels[0].startswith("erin.employee: Invoices post")
        assert labels[-1] == "Overall, how satisfied are you with the project?"
        radios = {f"c{n}": v for n, v in enumerate(verdicts)} | {"overall": overall}
        reply = await sender.submit("project.review.form", {}, user_id=user_id,
                                    private_metadata=view["private_metadata"], radios=radios)
        assert reply.status == 200
    await eventually(lambda: "Your review is kept" in text_in(latest_in(slack, ERIN)))

    # Four end users answer: fewer than K (5), so the lead sees no end-user figure yet.
    for user_id, score in zip(END_USERS, (4, 5, 3, 4), strict=False):
        await press(sender, slack, user_id, f"project.rate.{score}")
    await eventually(lambda: "You answered" in text_in(latest_in(slack, END_USERS[3])))
    early = await answer_of(sender, slack, LEAD, "project show erp")
    assert "End users: 4 of 5 answered, fewer than 5, so no figure is shown" in early
    # Someone the project did not ask cannot answer for it, nor a forged project id.
    slack.clear()
    await sender.click("project.rate.3", "9" * 40, user_id=END_USERS[0])
    assert "not one I asked you for" in await answered(slack)
    slack.clear()
    await sender.click("project.rate.1", buttons(latest_in(slack, END_USERS[0]))
                       ["project.rate.1"], user_id=LEAD)
    assert "not one I asked you for" in await answered(slack)
    await press(sender, slack, END_USERS[4], "project.rate.2")
    await eventually(lambda: "You answered" in text_in(latest_in(slack, END_USERS[4])))

    # A week after the close, the results go to the owner and the IT lead, once.
    slack.clear()
    await run_tick(bot, clock, CLOSES + timedelta(days=7))
    await eventually(lambda: len(results_dms(slack)) == 2)
    await run_tick(bot, clock, CLOSES + timedelta(days=7, minutes=1))
    [(first, results), (second, _)] = results_dms(slack)
    assert {first, second} == {OWNER, LEAD}
    assert "1 of 3 conditions of satisfaction met" in results
    assert "No downtime in the close week (u0fin0001): met 1, not met 1" in results
    assert "Reports by 9:00 (erin.employee): met 2, not met 0" in results
    assert "Stakeholders: 100% satisfied (4-5), average 4.5 of 5; 2 of 2 answered (100%)" \
        in results
    assert "End users: 60% satisfied (4-5), average 3.6 of 5; 5 of 5 answered (100%)" in results
    assert "&lt;!channel&gt;" in results and "<!channel>" not in results
    # The review has ended: a late answer is refused kindly and changes nothing.
    slack.clear()
    await press(sender, slack, END_USERS[0], "project.rate.1")
    assert "the review of `erp` has ended" in await answered(slack)
    assert "60% satisfied" in await answer_of(sender, slack, OWNER, "project show erp")

    # The project's figure joins the digest of the week its results were sent.
    digest = await answer_of(sender, slack, LEAD, "digest")
    assert "*Project reviews*" in digest
    assert ("`erp`: 1 of 3 conditions met; stakeholders 100% satisfied; "
            "end users 60% satisfied") in digest


async def test_a_forged_project_form_tells_an_employee_nothing_of_who_uses_touchpoint(
        bot, sender, slack):
    # Erin, an employee, posts the project form herself with an owner nobody knows: the
    # form's errors would say whether that Slack id has used Touchpoint. She gets the refusal.
    slack.clear()
    reply = await sender.submit("project.create", {
        "owner": ["U0NOBODY99"], "stakeholders": ["U0NOBODY98"], "closes": CLOSE_DAY},
        user_id=ERIN, private_metadata="forged", selects={"audience": "department=Finance"})
    assert reply.status == 200
    assert not (reply.json() or {}).get("errors")
    assert (await answered(slack)).startswith("Sorry, only IT leads can create projects.")
    assert "forged" not in await answer_of(sender, slack, LEAD, "project list")
