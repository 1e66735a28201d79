"""The ticket webhook: service desks tell Touchpoint about their tickets over HTTP.

`route` owns the HTTP side (authentication, the choice of source, the one-line 400 reasons),
`signature` the HMAC and bearer checks, `presets` what each desk's payload means, and
`openapi` the published description of all of it. What a ticket event does is the ticket flow's
business (`bot.flows.tickets.ingest`); this package only turns a request into a `TicketEvent`.
"""
