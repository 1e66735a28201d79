"""Prometheus metrics, one registry per application so several apps can live in one process."""

from __future__ import annotations

from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _KeptChildren:
    """`labels` keeping each child it returns by the values it was asked with: prometheus_client
    takes a lock and checks the values on every call, about 7 µs, and a command counts four
    times (its request, its time, its turn, its answer)."""

    def labels(self, *values: Any, **named: Any) -> Any:
        if named:
            return super().labels(*values, **named)  # type: ignore[misc]
        kept = self.__dict__.setdefault("_kept_children", {})
        child = kept.get(values)
        if child is None:
            child = kept[values] = super().labels(*values)  # type: ignore[misc]
        return child


class Counter(_KeptChildren, prometheus_client.Counter):
    pass


class Histogram(_KeptChildren, prometheus_client.Histogram):
    pass


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "touchpoint_http_requests", "Inbound HTTP requests by route and status.",
            ["route", "status"], registry=self.registry)
        self.request_seconds = Histogram(
            "touchpoint_http_request_seconds", "Time to answer an inbound HTTP request.",
            ["route"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.handler_seconds = Histogram(
            "touchpoint_handler_seconds", "Time a handler took, from intent to done.",
            ["intent"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.outbound = Counter(
            "touchpoint_outbound_calls", "Calls to chat platforms by method and result.",
            ["platform", "method", "result"], registry=self.registry)
        self.slack_rate_limited = Counter(
            "touchpoint_slack_rate_limited", "Slack's app_rate_limited events: a workspace's "
            "events held back by Slack, by workspace.", ["team"], registry=self.registry)
        self.scheduler_runs = Counter(
            "touchpoint_scheduler_runs", "Scheduled runs by job and outcome "
            "(ok, failed, or skipped when another replica claimed the run).",
            ["job", "outcome"], registry=self.registry)
        self.ticket_changes = Counter(
            "touchpoint_ticket_changes", "Ticket events applied, by source and the status "
            "they left the ticket in.", ["source", "status"], registry=self.registry)
        self.csat_invitations = Counter(
            "touchpoint_csat_invitations", "CSAT survey invitations by what became of them "
            "(sent, deferred, skipped, unreachable, void, expired) and why.",
            ["outcome", "reason"], registry=self.registry)
        self.csat_answers = Counter(
            "touchpoint_csat_answers", "CSAT survey answers by score.",
            ["score"], registry=self.registry)
        self.csat_links = Counter(
            "touchpoint_csat_links", "Survey answers taken into another feature: logged as a "
            "complaint, or turned into kudos for the assignee.", ["link"],
            registry=self.registry)

        self.complaints = Counter(
            "touchpoint_complaints", "Complaint events: filed, acknowledged, resolved, "
            "reopened, closed, escalated, reminded, breached.",
            ["event"], registry=self.registry)
        self.broadcasts = Counter(
            "touchpoint_broadcasts", "Broadcast changes: opened, updated, resolved, reopened.",
            ["event"], registry=self.registry)
        self.kudos_given = Counter(
            "touchpoint_kudos_given", "Kudos vouchers given, one per recipient.",
            registry=self.registry)
        self.kudos_refused = Counter(
            "touchpoint_kudos_refused", "Kudos refused, by the rule that refused them.",
            ["reason"], registry=self.registry)
        self.kudos_redemptions = Counter(
            "touchpoint_kudos_redemptions", "Kudos redemptions by outcome (requested, "
            "approved, declined, fulfilled, refused).", ["outcome"], registry=self.registry)
        self.pulse_deliveries = Counter(
            "touchpoint_pulse_deliveries", "Pulse messages this replica finished, by kind "
            "(invite, reminder) and outcome (sent, failed, skipped, retried).",
            ["kind", "outcome"], registry=self.registry)
        self.pulse_answers = Counter(
            "touchpoint_pulse_answers",
            "Pulse answers received: scores new and changed, surveys partial and finished.",
            ["change"], registry=self.registry)
        self.background_tasks = Gauge(
            "touchpoint_background_tasks", "Background work (survey requesters looked up) "
            "started and not finished on this replica, waiting for a slot included.",
            registry=self.registry)
        self.pulse_outbox = Gauge(
            "touchpoint_pulse_outbox", "Pulse deliveries in the outbox of every open or "
            "closed campaign by kind and status (pending, claimed, sent, failed, skipped), and "
            "answers (kind answer, status answered), as last counted by this replica.",
            ["kind", "status"], registry=self.registry)

        self.outbox_results = Counter(
            "touchpoint_outbox_results", "Outbox rows this replica finished or put back, by "
            "purpose (the key's first segment) and status (sent, failed, retried).",
            ["purpose", "status"], registry=self.registry)
        self.outbox_waiting = Gauge(
            "touchpoint_outbox_waiting", "Outbox rows not sent yet (pending or being sent), by "
            "platform and lane (interactive, bulk), as last counted by this replica.",
            ["platform", "lane"], registry=self.registry)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
