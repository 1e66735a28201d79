"""``/kudos leaderboard`` end to end: periods in the reader's time zone, teams from app.yaml
segments, revoked vouchers left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.chat.text import ECHO_LIMIT

from .conftest import ADMIN, EMPLOYEE, LEAD, TECH, TECH2, mention


async def test_the_leaderboard_ranks_recipients_and_givers_by_period_and_team(bot, slack,
                                                                              kudos, clock):
    await kudos.at(datetime(2026, 2, 20, 12, tzinfo=UTC))  # last month
    await kudos.command(f"{mention(TECH2, 'tina.tech')} old news")
    await kudos.at(datetime(2026, 3, 2, 12, tzinfo=UTC))  # Monday this week
    await kudos.command(f"{mention(TECH, 'tom.tech')} {mention(TECH2, 'tina.tech')} the move")
    await kudos.command(f"{mention(TECH, 'tom.tech')} the printer", user=LEAD)
    await kudos.at(clock.now + timedelta(days=1))
    await kudos.command(f"{mention(TECH, 'tom.tech')} the scanner")
    await kudos.command(f"{mention(LEAD, 'lee.lead')} for nothing", user=TECH)
    await kudos.command("revoke K-5 abuse", user=ADMIN)

    week = await kudos.command("leaderboard week", user=TECH)

    assert "4 kudos given this week (since 02 Mar)." in week
    assert "*Most thanked*\n1. <@U0TECH001>: 3\n2. <@U0TECH002>: 1" in week
    assert "*Most thankful*\n1. <@U0EMPL001>: 3\n2. <@U0LEAD001>: 1" in week
    # Erin is in Finance; nobody else is in a department.
    assert "*By team*" not in week

    month = await kudos.command("leaderboard", user=TECH)
    assert "4 kudos given this month (since 01 Mar)." in month
    year = await kudos.command("leaderboard year", user=TECH)
    assert "5 kudos given this year (since 01 Jan)." in year
    assert "2. <@U0TECH002>: 2" in year

    finance = await kudos.command("leaderboard week finance", user=TECH)
    assert "0 kudos given this week to Finance" in finance
    # A team's board counts what its people received and what they gave.
    assert "*Most thanked*" not in finance
    assert "*Most thankful*\n1. <@U0EMPL001>: 3" in finance

    unknown = await kudos.command("leaderboard week Narnia", user=EMPLOYEE)
    assert "I don't know a team called `Narnia`. Teams: Finance." in unknown


async def test_an_unknown_team_is_named_back_as_typed_and_cut_short(bot, kudos):
    # Slack has no escape for its markup: the name goes in a code span, where *b* shows as
    # typed instead of in bold.
    bold = await kudos.command("leaderboard week *b* _i_", user=EMPLOYEE)
    assert "I don't know a team called `*b* _i_`. Teams: Finance." in bold

    long = await kudos.command("leaderboard week " + "n" * 4000, user=EMPLOYEE)
    assert f"I don't know a team called `{'n' * (ECHO_LIMIT - 1)}…`." in long
