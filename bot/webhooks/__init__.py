"""The ticket webhook: service desks tell Touchpoint about their tickets over HTTP.

`route` owns the HTTP side (authentication, the 400 and 503 answers), `reading` the way from a
body and a source's name to an event (shared with `touchpoint webhook try`), `signature` the
HMAC and bearer checks, `presets` what each desk's payloads mean, and `openapi` the published
description of all of it. What a ticket event does is the ticket flow's
business (`bot.flows.tickets.ingest`); this package only turns a request into a `TicketEvent`.
"""
