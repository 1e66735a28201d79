"""The Slack adapter: Bolt listeners turn payloads into intents; Block Kit renders messages."""
