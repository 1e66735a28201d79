"""The performance bulletin board: sign-in links from chat, the figures each reader may see,
and the Slack App Home summary."""
