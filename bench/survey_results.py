"""Satisfaction survey results over many answers: the per-aspect figures, the breakdown by a
segment and the comparisons, computed in SQL, timed, with the process's peak memory (which
must not grow with the number of answers: no answer is loaded as an object).

Writes N answer sets of six questions (five 1-5 over five aspects, one 0-10) across four
departments into a fresh migrated database, then times `survey_results` a few times.

    python bench/survey_results.py [--people 20000] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import time
from datetime import UTC, datetime

from bot.config import SurveyQuestion
from bot.demo.sandbox import sandbox
from bot.flows.pulses.survey_results import survey_results
from storage.engine import create_engine, session_factory
from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from storage.pulses import PulseCampaign

ASPECTS = ("service desk", "incident response", "availability", "projects", "communication")
DEPARTMENTS = ("Finance", "Sales", "Operations", "Legal")
BATCH = 2000
ROUNDS = 5


async def run(url: str, people: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    questions = [SurveyQuestion(aspect=a, text=f"{a}?").model_dump() for a in ASPECTS]
    questions.append(SurveyQuestion(aspect="availability", text="0-10?", kind="scale")
                     .model_dump())
    rng = random.Random(19)
    async with sessions() as session:
        campaign = PulseCampaign(
            name="bench", audience={"everyone": True}, anonymity="anonymous", min_group=5,
            reminders=[], send_time="now", opens_at=datetime(2026, 12, 1, tzinfo=UTC),
            closes_at=datetime(2026, 12, 15, tzinfo=UTC), status="closed", questions=questions)
        session.add(campaign)
        await session.commit()
        campaign_id = campaign.id
    assert campaign_id is not None
    started = time.perf_counter()
    for first in range(0, people, BATCH):
        async with sessions() as session:
            responses = [PulseResponse(campaign_id=campaign_id, respondent_key=f"k{n}",
                                       segments={"department": rng.choice(DEPARTMENTS)},
                                       finished=True)
                         for n in range(first, min(people, first + BATCH))]
            session.add_all(responses)
            await session.flush()
            session.add_all(
                PulseQuestionAnswer(response_id=r.id, campaign_id=campaign_id, question=q,
                                    aspect=question["aspect"], kind=question["kind"],
                                    value=rng.randint(0, 10) if question["kind"] == "scale"
                                    else rng.choice((1, 2, 3, 4, 4, 5, 5)))
                for r in responses for q, question in enumerate(questions))
            await session.commit()
    print(f"wrote {people:,} answer sets ({people * len(questions):,} answers) in "
          f"{time.perf_counter() - started:.1f} s")
    timings = []
    for _ in range(ROUNDS):
        async with sessions() as session:
            began = time.perf_counter()
            results = await survey_results(session, campaign_id, target_points=3,
                                           by=["department"], with_texts=True)
            timings.append(time.perf_counter() - began)
            await session.commit()
    print(f"results by aspect and department: median {statistics.median(timings) * 1000:.0f} ms"
          f", best {min(timings) * 1000:.0f} ms over {ROUNDS} runs; overall "
          f"{results.overall.figures.satisfied}% satisfied of {results.answered:,} people")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    with sandbox(None if args.database == "sqlite" else args.database) as box:
        asyncio.run(run(box.database_url, args.people))


if __name__ == "__main__":
    main()
