"""`touchpoint demo`, run as a person would run it: a subprocess, its transcript on stdout."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

RUNS_TIMEOUT_S = 240
"""For both runs: side by side they took 22 to 45 s on an idle 2-core machine, 47 to 85 s with
both cores kept busy by two other processes."""


@pytest.mark.timeout(RUNS_TIMEOUT_S + 30)
def test_demo_prints_the_help_answer_and_leaves_nothing_behind(tmp_path: Path):
    command = Path(sys.executable).with_name("touchpoint")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # TMPDIR is where the demo's database goes; an empty app.yaml-less cwd proves it needs none.
    env = {**os.environ, "TMPDIR": str(scratch)}

    # Two runs side by side (each a load on the other, as on a busy CI machine): each leaves
    # nothing behind, and they print the same transcript. Their output goes to files, not
    # pipes: a run whose pipe is full while the other is waited for would stall its event loop.
    with contextlib.ExitStack() as stack:
        files = [(stack.enter_context(tempfile.TemporaryFile("w+")),
                  stack.enter_context(tempfile.TemporaryFile("w+"))) for _ in range(2)]
        runs = [subprocess.Popen([str(command), "demo"], cwd=tmp_path, env=env,  # noqa: S603
                                 stdout=out, stderr=err, text=True) for out, err in files]
        deadline = time.monotonic() + RUNS_TIMEOUT_S
        try:
            codes = [run.wait(timeout=max(1.0, deadline - time.monotonic())) for run in runs]
        finally:
            for run in runs:
                if run.poll() is None:
                    run.kill()
                    run.wait()
        for out, err in files:
            out.seek(0)
            err.seek(0)
        outputs = [(out.read(), err.read()) for out, err in files]

    assert codes == [0, 0], outputs[0][1] + outputs[1][1]
    transcript, stderr = outputs[0]
    # The same, but for the clock (the times it shows, and the dates a week on from them).
    assert _clock_masked(transcript) == _clock_masked(outputs[1][0])
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
    # Lee's rating is shown under his click, and counted in the results that follow it.
    assert ("Lee (Slack) \u203a [ Very satisfied ]\n"
            "Touchpoint updates its message to Lee\n"
            "  Thank you!\n"
            "  You answered Very satisfied.") in transcript
    assert "  End users: 1 of 2 answered, fewer than 2" in transcript
    assert "\x1b[" not in transcript, "no colour when stdout is not a terminal"
    assert "Traceback" not in stderr + outputs[1][1]
    assert list(scratch.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tmp"]


_CLOCK = re.compile(r"\w{3} \d{2} \w{3} \d{4}, \d{2}:\d{2} [A-Z]{3}(?:[+-]\d+)?")


def _clock_masked(transcript: str) -> str:
    return _CLOCK.sub("(a time)", transcript)
