"""Every id the broadcast feature puts on the wire: its buttons' action ids, its forms'
callback ids and their fields' ids. A reader greps from a button to its handler by value."""

from __future__ import annotations

# Buttons on a broadcast's channel post; each carries the broadcast's id as its value.
UPDATE = "broadcast.update"
RESOLVE = "broadcast.resolve"
REOPEN = "broadcast.reopen"

# On the offer to a related ticket's requester: follow the broadcast's services.
FOLLOW = "broadcast.follow"

# The subscribers' answer to "how well were you kept informed?": "{broadcast id}:{score}".
INFORMED = "broadcast.informed"

# Forms (Slack modal callback ids, Teams card submit ids).
OPEN_FORM = "broadcast.open"
CHANGE_FORM = "broadcast.change"
"""Update, resolve or reopen: which, and the broadcast, are in the form's metadata."""

# Fields.
KIND = "kind"
TITLE = "title"
SERVICES = "services"
IMPACT = "impact"
STATUS = "status"
MESSAGE = "message"
WINDOW_START = "window_start"
WINDOW_END = "window_end"
NOTIFY = "notify_channel"
