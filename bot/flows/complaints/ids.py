"""Every id the complaint feature puts on the wire: the action ids of its buttons, the callback
ids of its forms and the ids of their fields. Flows build messages and forms with them,
handlers route on them and tests click and submit with them; a reader greps from a button to
its handler by the dotted value."""

from __future__ import annotations

# Buttons on the triage card; each carries the complaint's number as its value.
ASSIGN_ME = "complaint.assign_me"
ASSIGN_START = "complaint.assign_to"
ACKNOWLEDGE = "complaint.acknowledge"
RESOLVE_START = "complaint.resolve_start"
ESCALATE = "complaint.escalate"
REPLY_START = "complaint.reply_start"

# Buttons under the resolution in the complainant's thread: "are you satisfied?".
SATISFIED = "complaint.satisfied"
UNSATISFIED = "complaint.unsatisfied"

# Forms (Slack modal callback ids, Teams card submit ids).
FILE_FORM = "complaint.file"
RESOLVE_FORM = "complaint.resolve"
ASSIGN_FORM = "complaint.assign"
REPLY_FORM = "complaint.reply"

# Fields of the filing form.
DESCRIPTION = "description"
SERVICE = "service"
CATEGORY = "category"
IMPACT = "impact"
TICKET = "ticket"
ANONYMOUS = "anonymous"

# Fields of the resolve, assign and reply forms.
NOTE = "note"
ROOT_CAUSE = "root_cause"
SHAREABLE = "shareable"
WHAT_CHANGED = "what_changed"
OWNER = "owner"
TEXT = "text"
