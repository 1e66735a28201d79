"""The served OpenAPI description of the ticket webhook: a well-formed OpenAPI 3.1 document
whose every reference resolves, and whose examples the running endpoint accepts."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from bot.emulators.tickets import TicketSender
from tests.scenarios.test_ticket_webhook import SECRET, all_tickets, tickets_config

PRESET_SOURCES = {"generic": "desk", "jira_service_management": "jira", "servicenow": "snow",
                  "zendesk": "zendesk", "freshservice": "fresh", "freshdesk": "freshdesk"}


@pytest.fixture
def settings(make_settings):
    return make_settings(config=tickets_config, env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET})


@pytest.fixture
async def document(bot) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, \
            http.get(f"{bot.url}/webhooks/tickets/openapi.json") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        return await response.json()


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for step in ref[2:].split("/"):
        assert isinstance(node, dict) and step in node, f"{ref} does not resolve"
        node = node[step]
    return node


def conforms(value: Any, schema: dict[str, Any]) -> list[str]:
    """What in `value` breaks the (object, string, integer, format) subset the schema uses."""
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds or []
    checks = {"object": dict, "string": str, "integer": int, "null": type(None)}
    if kinds and not any(isinstance(value, checks[kind]) for kind in kinds):
        return [f"{value!r} is not {kinds}"]
    problems = []
    if isinstance(value, dict):
        problems += [f"{name} missing" for name in schema.get("required", ())
                     if name not in value]
        for name, item in value.items():
            if name not in schema.get("properties", {}):
                problems.append(f"{name} not described")
            else:
                problems += [f"{name}: {problem}" for problem in
                             conforms(item, schema["properties"][name])]
    return problems


async def test_the_document_is_well_formed_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    assert isinstance(document["info"]["title"], str) and document["info"]["version"]
    operation = document["paths"]["/webhooks/tickets"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "413", "503"}
    for code, response in operation["responses"].items():
        assert re.fullmatch(r"[1-5][0-9][0-9]", code) and response["description"]
    schemes = document["components"]["securitySchemes"]
    assert [name for requirement in operation["security"] for name in requirement] == [
        "signature", "bearer"]
    assert schemes["signature"] == {**schemes["signature"], "type": "apiKey", "in": "header",
                                    "name": "X-Touchpoint-Signature"}
    assert schemes["bearer"]["scheme"] == "bearer"
    for parameter in operation["parameters"]:
        assert parameter["in"] in ("query", "header", "path", "cookie")
    every_ref = refs(document)
    assert "#/components/schemas/GenericTicketEvent" in every_ref
    for ref in every_ref:
        resolve(document, ref)


async def test_the_generic_example_matches_the_schema_and_is_accepted(bot, document):
    content = document["paths"]["/webhooks/tickets"]["post"]["requestBody"]["content"]
    schema = resolve(document, content["application/json"]["schema"]["$ref"])
    example = content["application/json"]["examples"]["generic"]["value"]
    assert conforms(example, schema) == []
    assert conforms({"id": "x", "colour": 1}, schema) == [
        "status missing", "created_at missing", "colour not described"]

    async with TicketSender(bot.url, secret=SECRET) as desk:
        reply = await desk.send(example, source="desk")

    assert reply.status == 200
    assert conforms(reply.json(), document["components"]["schemas"]["Result"]) == []
    [ticket] = await all_tickets(bot)
    assert (ticket.external_id, ticket.status) == (example["id"], example["status"])


async def test_every_preset_example_is_accepted_by_its_source(bot, document):
    examples = document["paths"]["/webhooks/tickets"]["post"]["requestBody"]["content"][
        "application/json"]["examples"]
    assert set(examples) == set(PRESET_SOURCES)

    async with TicketSender(bot.url, secret=SECRET) as desk:
        for preset, source in PRESET_SOURCES.items():
            reply = await desk.send(examples[preset]["value"], source=source)
            assert (reply.status, reply.json()["outcome"]) == (200, "stored"), preset

    assert sorted(ticket.source for ticket in await all_tickets(bot)) == sorted(
        PRESET_SOURCES.values())
