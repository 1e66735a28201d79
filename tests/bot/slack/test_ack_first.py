"""The order of work after Slack's acknowledgements (bot/slack/ack_first.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.slack.ack_first import BURST, BURST_S, AckFirst


def _start(acks: AckFirst, log: list[str], name: str, seconds: float) -> asyncio.Future:
    """Hand work to `acks` as a listener does once it has acknowledged; done when it ends."""
    done = asyncio.get_running_loop().create_future()

    async def work() -> None:
        log.append(f"{name} starts")
        await asyncio.sleep(seconds)
        log.append(f"{name} ends")
        done.set_result(None)

    acks.after_ack(work)
    return done


async def test_with_no_other_request_waiting_work_runs_at_once_side_by_side():
    acks, log = AckFirst(max_wait_s=5), []
    await asyncio.gather(*(_start(acks, log, name, 0.05) for name in "ab"))
    assert log == ["a starts", "b starts", "a ends", "b ends"]


async def test_while_others_wait_for_their_ack_work_runs_one_at_a_time():
    acks, log = AckFirst(max_wait_s=5), []
    with acks.answering():  # a request still waiting for its acknowledgement
        await asyncio.gather(*(_start(acks, log, name, 0.05) for name in "abc"))
    assert log == ["a starts", "a ends", "b starts", "b ends", "c starts", "c ends"]


async def test_work_waits_its_turn_at_most_the_longest_wait():
    acks, log = AckFirst(max_wait_s=0.1), []
    loop = asyncio.get_running_loop()
    with acks.answering():
        started = loop.time()
        await asyncio.gather(_start(acks, log, "slow", 1.0), _start(acks, log, "next", 0.0))
    # "next" did not wait for "slow" to end, only for the longest wait.
    assert log[:3] == ["slow starts", "next starts", "next ends"]
    assert loop.time() - started < 2.0


async def test_work_starts_only_once_the_listener_that_handed_it_returns():
    acks, log = AckFirst(), []
    done = _start(acks, log, "work", 0.0)
    log.append("listener returns")
    await done
    assert log == ["listener returns", "work starts", "work ends"]


async def test_failed_work_is_logged_and_the_next_runs(caplog: pytest.LogCaptureFixture):
    acks, log = AckFirst(), []

    async def fails() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="bot.slack.ack_first"):
        acks.after_ack(fails)
        await _start(acks, log, "next", 0.0)
        await asyncio.sleep(0)
    assert log == ["next starts", "next ends"]
    [failed] = [r for r in caplog.records if r.name == "bot.slack.ack_first"]
    assert "after an acknowledgement failed" in failed.getMessage()
    assert failed.exc_info is not None and "boom" in str(failed.exc_info[1])


async def test_work_runs_one_at_a_time_while_requests_come_in_a_burst_then_at_once_again():
    acks, log = AckFirst(max_wait_s=5), []
    for _ in range(BURST):
        with acks.answering():
            pass  # answered at once, but a burst: the next may come any moment
    await asyncio.gather(*(_start(acks, log, name, 0.05) for name in "ab"))
    assert log == ["a starts", "a ends", "b starts", "b ends"]

    log.clear()
    await asyncio.sleep(BURST_S * 2)  # none since
    with acks.answering():
        pass  # one request more is no burst
    await asyncio.gather(*(_start(acks, log, name, 0.05) for name in "cd"))
    assert log == ["c starts", "d starts", "c ends", "d ends"]


async def test_shut_down_waits_for_acknowledged_work_still_waiting_its_turn():
    acks, log = AckFirst(max_wait_s=5), []
    with acks.answering():  # work queues behind `a` while a request waits for its ack
        _start(acks, log, "a", 0.2)
        _start(acks, log, "b", 0.05)
        await asyncio.sleep(0.05)
    assert log == ["a starts"]  # `b` has not reached any handler yet
    await acks.drain(within_s=5)
    assert log == ["a starts", "a ends", "b starts", "b ends"]


async def test_shut_down_gives_up_on_work_past_its_time(caplog: pytest.LogCaptureFixture):
    acks, log = AckFirst(max_wait_s=5), []
    slow = _start(acks, log, "slow", 0.5)
    await asyncio.sleep(0)
    await acks.drain(within_s=0.05)
    assert log == ["slow starts"]
    assert "1 acknowledged request(s) not worked on within 0s" in caplog.text
    await slow
