"""Help: what the bot can do, for `/touchpoint help` and words it does not know."""
