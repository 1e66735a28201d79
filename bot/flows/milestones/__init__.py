"""Milestones: figures worth celebrating (CSAT over 80 % for the first time, ...), each
celebrated once in the digest channel and on the kudos wall."""
