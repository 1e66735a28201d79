"""The board in the reader's language: the browser's Accept-Language picks a shipped
catalogue, else the organisation's language is used; translated sentences keep their own
markup and escape what people typed."""

from __future__ import annotations

from tests.scenarios.board import board_kit as kit

ERIN = "U0EMPL001"


async def _board(bot, slack, slack_sender, accept_language: str) -> str:
    link = await kit.ask_link(slack_sender, slack, ERIN)
    async with kit.browser() as http:
        await kit.sign_in(http, kit.local(link, bot))
        async with http.get(bot.url + "/board",
                            headers={"Accept-Language": accept_language}) as page:
            return await page.text()


async def test_a_german_browser_reads_the_board_in_german(bot, slack, slack_sender):
    html = await _board(bot, slack, slack_sender, "fr-CH, de-DE;q=0.9, en;q=0.5")
    assert '<html lang="de">' in html
    assert "Wie die IT abschneidet" in html and "Angemeldet als erin.employee" in html
    assert "How IT is performing" not in html


async def test_a_language_without_a_catalogue_falls_back_to_the_organisations(
        bot, slack, slack_sender):
    html = await _board(bot, slack, slack_sender, "fr-CH, fr;q=0.9")
    assert '<html lang="en">' in html and "How IT is performing" in html


async def test_translated_sentences_keep_their_markup(bot):
    async with kit.browser() as http, http.get(
            bot.url + "/board/tab", headers={"Accept-Language": "de"}) as page:
        html = await page.text()
    assert "Schreiben Sie Touchpoint in diesem Chat <kbd>board</kbd>." in html
    assert "&lt;kbd&gt;" not in html
