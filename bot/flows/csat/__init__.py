"""Transactional CSAT: the survey a requester gets when their ticket is resolved."""
