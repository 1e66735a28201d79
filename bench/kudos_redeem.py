"""Kudos redemptions under contention: many signed ``/kudos redeem`` commands at once into a
real Touchpoint, each person asking for more than their balance or the stock allows.

Every person gets the same balance, enough for `--affordable` redemptions, then sends
`--per-person` redemptions at once, all people together; half the people ask for a reward
with no stock limit, half for one with `--stock` items in all. The run waits for every private
answer, then prints how long the burst took, how many redemptions went through and were
refused, and checks in the database that no balance went below zero and no more items were
handed out than the stock (the run fails otherwise).

    python bench/kudos_redeem.py [--people 40] [--per-person 5] [--database sqlite|URL]

A PostgreSQL URL must name an empty database: the run migrates it and leaves its rows there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from sqlmodel import func, select

from bot.chat.port import Profile
from bot.config import KudosReward, KudosSettings
from bot.demo.sandbox import sandbox, serve
from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.flows.directory import people as directory
from bot.server import SERVICES, create_app
from storage.engine import describe_url
from storage.kudos import KudosLedger, KudosRedemption, claimed

COST = 10
ANSWER_TIMEOUT_S = 120.0


def catalogue(stock: int) -> KudosSettings:
    return KudosSettings(rewards=[
        KudosReward(key="coffee", name="Coffee", cost=COST, needs_approval=False),
        KudosReward(key="mug", name="Mug", cost=COST, stock=stock, needs_approval=False),
    ])


async def bench(people: int, per_person: int, affordable: int, stock: int,
                database_url: str | None) -> int:
    with sandbox(database_url) as box:
        async with SlackEmulator() as slack:
            settings = box.settings(slack_api_url=slack.url)
            settings = settings.model_copy(update={"app": settings.app.model_copy(
                update={"kudos": catalogue(stock)})})
            app = create_app(settings, scheduler=False)
            services = app[SERVICES]
            ids = [f"U0BENCH{n:04d}" for n in range(people)]
            async with services.sessions() as session:
                for user_id in ids:
                    slack.add_user(user_id, name=user_id.lower())
                    person = await directory.upsert_profile(
                        session, settings.app, Profile("slack", user_id, user_id.lower()))
                    await session.flush()
                    session.add(KudosLedger(person_id=person.id, kind="adjust",
                                            points=affordable * COST))
                await session.commit()
            async with serve(app) as url, SlackSender(
                    url, box.signing_secret, response_base=slack.response_url("")) as sender:
                started = time.perf_counter()
                replies = await asyncio.gather(*(
                    sender.command("/kudos", f"redeem {'coffee' if n % 2 else 'mug'}",
                                   user_id=user_id)
                    for n, user_id in enumerate(ids) for _ in range(per_person)))
                acked = time.perf_counter()
                total = people * per_person
                answers = await slack.wait_for_response(total, timeout=ANSWER_TIMEOUT_S)
                answered = time.perf_counter()
            async with services.sessions() as session:
                redeemed = (await session.exec(select(func.count(KudosRedemption.id)))).one()
                lowest = (await session.exec(
                    select(func.sum(KudosLedger.points)).group_by(KudosLedger.person_id)
                    .order_by(func.sum(KudosLedger.points)).limit(1))).one()
                mugs = await claimed(session, "mug")
            await services.engine.dispose()

    bad_status = sum(reply.status != 200 for reply in replies)
    went_through = sum("You redeemed" in str(a.body) for a in answers)
    mug_askers = people - people // 2
    expected = (people // 2) * min(per_person, affordable) + min(
        stock, mug_askers * min(per_person, affordable))
    print(f"database: {describe_url(box.database_url) if database_url else 'sqlite (temp)'}")
    print(f"{total} redemptions from {people} people at once ({per_person} each, "
          f"{affordable} affordable each; mug stock {stock})")
    print(f"all acknowledged in {acked - started:.2f} s, all answered in "
          f"{answered - started:.2f} s ({total / (answered - started):.0f} answers/s)")
    print(f"went through: {went_through} (expected {expected}), refused: "
          f"{total - went_through}, HTTP errors: {bad_status}")
    print(f"stored redemptions: {redeemed}; mugs handed out: {mugs} of {stock}; "
          f"lowest balance: {lowest}")
    ok = (went_through == redeemed == expected and mugs <= stock and lowest >= 0
          and bad_status == 0)
    print("invariants: " + ("held" if ok else "BROKEN"))
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--per-person", type=int, default=5)
    parser.add_argument("--affordable", type=int, default=2,
                        help="redemptions each person's balance pays for")
    parser.add_argument("--stock", type=int, default=15, help="mugs in stock")
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (a temporary file) or a PostgreSQL URL")
    args = parser.parse_args()
    database = None if args.database == "sqlite" else args.database
    sys.exit(asyncio.run(bench(args.people, args.per_person, args.affordable, args.stock,
                               database)))


if __name__ == "__main__":
    main()
