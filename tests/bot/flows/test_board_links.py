"""Sign-in links to the board: signed with TOUCHPOINT_BOARD_KEY, each with its own nonce,
refused when expired, altered or signed with another key, and absent without the key or the
public address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Secrets
from bot.flows.board.links import LINK_MINUTES, SigninLinks

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
KEY = "k" * 40
PUBLIC = "https://touchpoint.example.com"


def _links(**env: str) -> SigninLinks:
    return SigninLinks(Secrets.from_env({"TOUCHPOINT_BOARD_KEY": KEY,
                                         "TOUCHPOINT_PUBLIC_URL": PUBLIC, **env}))


def _token(url: str) -> str:
    return url.split("token=", 1)[1]


def test_a_link_names_its_person_until_it_expires():
    links = _links()
    url = links.url_for(42, NOW)
    assert url is not None and url.startswith(PUBLIC + "/board/signin?token=")
    token = links.verify(_token(url), NOW + timedelta(minutes=LINK_MINUTES - 1))
    assert token is not None and token.person_id == 42
    assert token.expires == NOW + timedelta(minutes=LINK_MINUTES)
    assert links.verify(_token(url), NOW + timedelta(minutes=LINK_MINUTES)) is None


def test_every_link_has_its_own_nonce():
    links = _links()
    first, second = (links.verify(_token(links.url_for(42, NOW) or ""), NOW) for _ in range(2))
    assert first and second and first.nonce != second.nonce


def test_altered_or_foreign_tokens_are_refused():
    token = _token(_links().url_for(42, NOW) or "")
    person, stamp, nonce, mac = token.split(".")
    for bad in (f"43.{stamp}.{nonce}.{mac}", f"{person}.{int(stamp) + 600}.{nonce}.{mac}",
                f"{person}.{stamp}.other.{mac}", token + "A", "", ".", "a.b.c.d", "x" * 500):
        assert _links().verify(bad, NOW) is None, bad
    assert _links(TOUCHPOINT_BOARD_KEY="z" * 40).verify(token, NOW) is None


def test_no_links_without_the_key_or_the_public_address():
    assert SigninLinks(Secrets.from_env({"TOUCHPOINT_PUBLIC_URL": PUBLIC})).url_for(1, NOW) is None
    assert SigninLinks(Secrets.from_env({"TOUCHPOINT_BOARD_KEY": KEY})).url_for(1, NOW) is None
    assert _links().secure and not _links(TOUCHPOINT_PUBLIC_URL="http://127.0.0.1:3000").secure
