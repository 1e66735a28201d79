"""The newsletter for the user community: drafted at each period's end, reviewed by IT leads
(Approve / Edit / Skip), posted in the announcements channel, exported as Markdown or HTML."""
