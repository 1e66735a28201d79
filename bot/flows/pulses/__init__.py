"""NPS pulses: campaigns, their fan-out, answers, results and replies to comments."""
