"""The chat port: the platform-neutral way flows talk to people, and the shared renderer.

Flows describe a message (`Message`, `Form`) and hand it to a `ChatPort`; the Slack and
Teams adapters render it with the templates in messages/ and send it.
"""
