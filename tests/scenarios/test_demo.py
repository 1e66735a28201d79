"""`touchpoint demo`, run as a person would run it: a subprocess, its transcript on stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_prints_the_help_answer_and_leaves_nothing_behind(tmp_path: Path):
    command = Path(sys.executable).with_name("touchpoint")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # TMPDIR is where the demo's database goes; an empty app.yaml-less cwd proves it needs none.
    env = {**os.environ, "TMPDIR": str(scratch)}

    done = subprocess.run([str(command), "demo"], cwd=tmp_path, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stderr
    transcript = done.stdout
    assert ("Erin (Slack) \u203a /touchpoint help\n"
            "Touchpoint → Erin (only visible to you)\n") in transcript
    # The words of messages/help.j2, with Slack's markup turned into plain terminal text.
    assert "  Touchpoint: how can IT help?\n" in transcript
    assert "  I help you tell IT how we are doing, and help IT do better." in transcript
    assert "  • /touchpoint help: Show this list of what I can do.\n" in transcript
    assert "  Sorry, I don't know hello. Here is what I can do:\n" in transcript
    # Teams: the same template in the Teams dialect, where the command is just "help".
    assert ("Ann (Teams) \u203a help\n"
            "Touchpoint → Ann (direct message)\n"
            "  Touchpoint: how can IT help?\n") in transcript
    assert "  • help: Show this list of what I can do.\n" in transcript
    # The CSAT scene: a signed ticket event from the desk surveys Erin; her low score alerts
    # triage, and Tom reaches out and logs it as a complaint.
    assert ("Service desk (ticket webhook) \u203a ticket INC0012400 is now resolved\n"
            "Touchpoint → Erin (direct message)\n") in transcript
    assert "  Low CSAT score: 1/5 on ticket INC0012400\n" in transcript
    assert ("Tom (Slack) \u203a [ Reach out ]\n"
            "Touchpoint updates its message in #it-triage\n") in transcript
    assert "  Logged as complaint CMP-" in transcript
    # The kudos scene: the wall shows the story, the lead's approval updates the card.
    assert ("Touchpoint → #kudos\n"
            "  🎉 @Erin thanked @Tom:\n"
            "  “had my laptop back in ten minutes, right before the board meeting”\n"
            ) in transcript
    assert ("Lee presses [ Approve ] in #it-triage\n"
            "Touchpoint updates its message in #it-triage\n") in transcript
    assert "  Good news: @Lee approved your Lunch with the CIO." in transcript
    # The plans and milestones scene: Tom is told he owns the plan item, and the morning's
    # check celebrates the complaint backlog at zero in the leads' channel and on the wall.
    assert ("Touchpoint → Tom (direct message)\n"
            "  You own an improvement plan item\n") in transcript
    assert ("Touchpoint's scheduler \u203a milestones.check runs\n"
            "Touchpoint → #it-leads\n"
            "  🎉 Milestone reached\n"
            "  The complaint backlog is at zero: every complaint is resolved (2 in all).\n"
            ) in transcript
    # At the quarter's end the newsletter is drafted for Lee, with the complaint Tom let it
    # tell (what changed, no name), and once approved it is in #announcements.
    assert ("Touchpoint → #announcements\n"
            "  IT service news, ") in transcript
    assert ("  • Network and Wi-Fi (Responsiveness): Faulty Wi-Fi access points are now found "
            "and replaced within a day.\n") in transcript
    # The broadcast scene: one post in #it-status, edited in place, with Erin told each time.
    assert ("Tom presses [ Update ] in #it-status\n"
            "Touchpoint opens a form for Tom\n") in transcript
    assert transcript.count("Touchpoint updates its message in #it-status\n"
                            "  Incident: Email is down\n") == 2
    assert "  @channel Status: investigating · Impact: outage" in transcript
    assert "  Status: resolved · Impact: outage · Services: Email and calendar\n" in transcript
    # The project review scene: Erin's verdicts per condition reach Tom and Lee a week on.
    assert ("  1 of 2 conditions of satisfaction met:\n"
            "  • Expense forms work on the phone (Erin): met 1, not met 0\n") in transcript
    assert transcript.count("  Review results: project intranet\n") == 2
    assert "\x1b[" not in transcript, "no colour when stdout is not a terminal"
    assert "Traceback" not in done.stderr
    assert list(scratch.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tmp"]
