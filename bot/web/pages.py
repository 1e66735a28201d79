"""The pages the Teams app package links to: GET /about, /privacy and /terms, plain text
from messages/pages/ in the organisation's language, so the package's website, privacy and
terms links answer (unless app.yaml's ``teams`` section points them at the organisation's
own pages)."""

from __future__ import annotations

from aiohttp import web

from bot.chat.templates import templates_for
from bot.chat.text import Formatted
from bot.config.app import AppConfig

PAGES = {"website_url": "about", "privacy_url": "privacy", "terms_url": "terms"}
"""Each link of the Teams package (its `teams` setting) -> the page served at /NAME."""


def page_text(app: AppConfig, page: str) -> str:
    # Plain text, so the operator's names go in as they are.
    context = {"organisation": Formatted(app.organisation.name),
               "app_name": Formatted(app.teams.app_name)}
    templates = templates_for("teams", app.organisation.locale)
    title = templates.render_block(f"pages/{page}", "title", context)
    return f"{title}\n\n{templates.render_block(f'pages/{page}', 'text', context)}\n"


def add_page_routes(app: web.Application, config: AppConfig) -> None:
    for page in PAGES.values():
        text = page_text(config, page)

        async def serve(_request: web.Request, text: str = text) -> web.Response:
            return web.Response(text=text, content_type="text/plain", charset="utf-8")

        app.router.add_get(f"/{page}", serve)
