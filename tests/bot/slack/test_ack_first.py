"""The order of work after Slack's acknowledgements (bot/slack/ack_first.py)."""

from __future__ import annotations

import asyncio

from bot.slack.ack_first import AckFirst


async def _work(acks: AckFirst, log: list[str], name: str, seconds: float) -> None:
    # As a listener calls it: within its own request, still counted as unanswered.
    with acks.answering():
        async with acks.working():
            log.append(f"{name} starts")
            await asyncio.sleep(seconds)
            log.append(f"{name} ends")


async def test_with_no_other_request_waiting_work_runs_at_once_side_by_side():
    acks, log = AckFirst(max_wait_s=5), []
    await asyncio.gather(*(_work(acks, log, name, 0.05) for name in "ab"))
    assert log == ["a starts", "b starts", "a ends", "b ends"]


async def test_while_others_wait_for_their_ack_work_runs_one_at_a_time():
    acks, log = AckFirst(max_wait_s=5), []
    with acks.answering():  # a request still waiting for its acknowledgement
        await asyncio.gather(*(_work(acks, log, name, 0.05) for name in "abc"))
    assert log == ["a starts", "a ends", "b starts", "b ends", "c starts", "c ends"]


async def test_work_waits_its_turn_at_most_the_longest_wait():
    acks, log = AckFirst(max_wait_s=0.1), []
    loop = asyncio.get_running_loop()
    with acks.answering():
        started = loop.time()
        await asyncio.gather(_work(acks, log, "slow", 1.0), _work(acks, log, "next", 0.0))
    # "next" did not wait for "slow" to end, only for the longest wait.
    assert log[:3] == ["slow starts", "next starts", "next ends"]
    assert loop.time() - started < 2.0
