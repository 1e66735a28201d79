"""The OpenAPI 3.1 description of the ticket webhook, served at
`GET /webhooks/tickets/openapi.json`: the generic shape, the authentication, the answers, and
a sample payload of every preset, so a desk's integrator can try one before writing their own.
"""

from __future__ import annotations

from typing import Any

from bot.webhooks.presets import PRESETS
from bot.webhooks.signature import MAX_AGE_S, SIGNATURE_HEADER, TIMESTAMP_HEADER

_TIME = {"type": "string", "format": "date-time",
         "description": "ISO 8601; without an offset it is taken as UTC"}
_EMAIL = {"type": "string", "format": "email"}


def _generic_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "The generic shape (preset `generic`); other presets take the desk's "
                       "own JSON, shown in the examples.",
        "required": ["id", "status", "created_at"],
        "properties": {
            "event_id": {"type": "string", "description": "unique per event; a repeat is "
                                                          "stored once (else the body decides)"},
            "id": {"type": ["string", "integer"], "description": "the desk's ticket number"},
            "title": {"type": "string"},
            "requester_email": _EMAIL,
            "assignee_email": _EMAIL,
            "priority": {"type": "string", "description": "as the SLA targets name it (P1, "
                                                          "...), or mapped by the source"},
            "service": {"type": "string"},
            "status": {"type": "string", "description": "open, resolved or closed (also new, "
                                                        "in_progress, pending, on_hold, "
                                                        "reopened), or mapped by the source"},
            "created_at": _TIME,
            "updated_at": {**_TIME, "description": "when this change happened; orders events "
                                                   "(default: when the event arrives, or the "
                                                   "latest time it gives if that is later)"},
            "first_response_at": _TIME,
            "resolved_at": {**_TIME, "description": "default, when the status is resolved "
                                                    "or closed: the time of the event"},
            "reopened_at": _TIME,
        },
    }


def openapi_document() -> dict[str, Any]:
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Touchpoint ticket webhook",
            "version": "1",
            "description": "Service desks send ticket events here. Each event is stored once "
                           "and an event older than the newest one applied to its ticket is "
                           "ignored, so retries and out-of-order deliveries are safe.",
        },
        "paths": {
            "/webhooks/tickets": {
                "post": {
                    "operationId": "receiveTicketEvent",
                    "summary": "Receive one ticket event",
                    "security": [{"signature": []}, {"bearer": []}],
                    "parameters": [
                        {"name": "source", "in": "query", "required": False,
                         "description": "the name of the source in app.yaml "
                                        "(tickets.sources); optional when only one is "
                                        "configured",
                         "schema": {"type": "string"}},
                        {"name": TIMESTAMP_HEADER, "in": "header", "required": False,
                         "description": f"Unix seconds; when sent, the signature covers "
                                        f"`<timestamp>.<body>` and the request must be no "
                                        f"more than {MAX_AGE_S} s from the server's clock",
                         "schema": {"type": "string", "pattern": "^[0-9]+$"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/GenericTicketEvent"},
                            "examples": {name: {"summary": f"preset {name}",
                                                "value": dict(preset.sample)}
                                         for name, preset in PRESETS.items()},
                        }},
                    },
                    "responses": {
                        "200": {"description": "Accepted (stored, or a known duplicate, or "
                                               "older than the ticket's newest event)",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Result"}}}},
                        "400": {"description": "Not JSON, a field missing or unreadable, an "
                                               "unmapped status, or an unknown source",
                                "content": {"application/json": {"schema": error}}},
                        "401": {"description": "Not signed, wrongly signed, too old, or the "
                                               "wrong token; the body is empty"},
                        "413": {"description": "The body is larger than 1 MiB"},
                        "503": {"description": "The database cannot be reached: nothing was "
                                               "written; send the event again after the "
                                               "Retry-After seconds",
                                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                                "content": {"application/json": {"schema": error}}},
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "signature": {
                    "type": "apiKey", "in": "header", "name": SIGNATURE_HEADER,
                    "description": "`sha256=` and the hex HMAC-SHA256 of the raw body (or of "
                                   f"`<{TIMESTAMP_HEADER}>.<body>`) keyed with "
                                   "TOUCHPOINT_WEBHOOK_SECRET",
                },
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "the value of TOUCHPOINT_WEBHOOK_TOKEN"},
            },
            "schemas": {
                "GenericTicketEvent": _generic_schema(),
                "Result": {
                    "type": "object",
                    "required": ["outcome", "ticket"],
                    "properties": {
                        "outcome": {"enum": ["stored", "duplicate", "stale"]},
                        "ticket": {"type": ["integer", "null"],
                                   "description": "Touchpoint's id of the ticket"},
                    },
                },
                "Error": {"type": "object", "required": ["error"],
                          "properties": {"error": {"type": "string",
                                                   "description": "one line: what is wrong"}}},
            },
        },
    }
