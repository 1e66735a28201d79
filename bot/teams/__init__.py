"""The Microsoft Teams adapter: botbuilder's CloudAdapter turns activities into intents, and
Adaptive Cards render messages.

`adapter` builds the CloudAdapter from Settings; `route` guards ``POST /api/messages``;
`bot` (an ActivityHandler) keeps conversation references current and hands intents
(`intents`) and what Teams says about people, as events, to the dispatcher; `chat` is Teams'
half of the chat port, sending cards (`render`) through the references stored in
`storage.conversations`, with every Connector call retried and counted (`calls`).
"""
