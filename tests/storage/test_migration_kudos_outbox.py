"""Migration 0013 on a database with kudos in it, on SQLite and PostgreSQL: the wall posts and
approval cards sent before the outbox become outbox rows already sent under their keys (so a
revocation, a decision or a reaction still finds them), reactions are kept per voucher, and
the way down puts the references back."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import create_engine, text

from storage.engine import sync_url
from storage.migrate import alembic_config

SLACK_POST = ("slack", "C0KUDOS01", "1700000000.000100")
TEAMS_POST = ("teams", "19:kudos@thread.tacv2", "1700000000123")
CARD = {"platform": "slack", "channel": "C0TRIAGE1", "message_id": "1700000000.000200"}


def run(url: str, *statements: tuple[str, dict]) -> list[list[tuple]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            results = [connection.execute(text(sql), params) for sql, params in statements]
            return [list(result) if result.returns_rows else [] for result in results]
    finally:
        engine.dispose()


def test_posts_cards_and_reactions_move_to_the_outbox_and_back(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "0012")
    run(database_url,
        ("INSERT INTO person (id, display_name, tz, role, segments, active, created_at, "
         "updated_at) VALUES (1, 'Erin', 'UTC', 'employee', '{}', true, :at, :at), "
         "(2, 'Tom', 'UTC', 'it_staff', '{}', true, :at, :at)", {"at": "2026-03-04 12:00:00"}),
        ("INSERT INTO kudos_voucher (id, giver_id, story, public, points, created_at) "
         "VALUES (7, 1, 'fixed it', true, 10, :at)", {"at": "2026-03-04 12:00:00"}),
        ("INSERT INTO kudos_wall_post (id, voucher_id, platform, channel, message_id) "
         "VALUES (1, 7, :sp, :sc, :sm), (2, 7, :tp, :tc, :tm)",
         dict(zip(("sp", "sc", "sm", "tp", "tc", "tm"), SLACK_POST + TEAMS_POST, strict=True))),
        ("INSERT INTO kudos_reaction (post_id, user_id, reaction) VALUES "
         "(1, 'U0TECH002', 'tada'), (1, 'U0LEAD001', 'tada'), (2, 'aad-ann', 'like')", {}),
        ("INSERT INTO kudos_redemption (id, person_id, reward_key, reward_name, cost, status, "
         "requested_at, card_refs) VALUES (3, 2, 'coffee', 'Coffee', 20, 'pending', :at, :refs), "
         "(4, 2, 'coffee', 'Coffee', 20, 'pending', :at, '[]')",
         {"at": "2026-03-04 12:00:00", "refs": json.dumps([json.dumps(CARD)])}))

    command.upgrade(config, "0013")

    outbox, reactions = run(
        database_url,
        ("SELECT key, platform, kind, status, version, sent_version, ref_channel, ref_id "
         "FROM outbox_message ORDER BY key, platform", {}),
        ("SELECT voucher_id, user_id, reaction FROM kudos_reaction ORDER BY user_id", {}))
    assert outbox == [
        ("kudos:7:wall", *SLACK_POST[:1], "post", "sent", 1, 1, *SLACK_POST[1:]),
        ("kudos:7:wall", *TEAMS_POST[:1], "post", "sent", 1, 1, *TEAMS_POST[1:]),
        ("kudos:redemption:3:card", "slack", "post", "sent", 1, 1, CARD["channel"],
         CARD["message_id"]),
    ]
    assert reactions == [(7, "U0LEAD001", "tada"), (7, "U0TECH002", "tada"),
                         (7, "aad-ann", "like")]

    command.downgrade(config, "0012")

    posts, refs, reactions = run(
        database_url,
        ("SELECT id, voucher_id, platform, channel, message_id FROM kudos_wall_post "
         "ORDER BY platform", {}),
        ("SELECT id, card_refs FROM kudos_redemption ORDER BY id", {}),
        ("SELECT post_id, user_id, reaction FROM kudos_reaction ORDER BY user_id", {}))
    assert [post[1:] for post in posts] == [(7, *SLACK_POST), (7, *TEAMS_POST)]
    assert [(n, [json.loads(ref) for ref in (json.loads(raw) if isinstance(raw, str) else raw)])
            for n, raw in refs] == [(3, [CARD]), (4, [])]
    # Reactions come back on the voucher's first post.
    slack_post = posts[0][0]
    assert reactions == [(slack_post, "U0LEAD001", "tada"), (slack_post, "U0TECH002", "tada"),
                         (slack_post, "aad-ann", "like")]
