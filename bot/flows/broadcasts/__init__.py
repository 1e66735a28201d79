"""Broadcasts: `/broadcast` status updates for outages and planned maintenance, one channel
post per channel kept current in place, and per-service subscriptions."""
