"""The Microsoft Teams adapter: botbuilder's CloudAdapter turns activities into intents, and
Adaptive Cards render messages.

`adapter` builds the CloudAdapter from Settings; `route` guards ``POST /api/messages``;
`bot` (an ActivityHandler) keeps conversation references and the people directory current
and hands intents (`intents`) to the dispatcher; `chat` is Teams' half of the chat port,
sending cards (`render`) through stored references (`references`), with every Connector call
retried and counted (`calls`).
"""
