"""Prometheus metrics, in a registry per app (several apps in one process, e.g. tests, don't collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rempart_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "rempart_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.scans = Counter(
            "rempart_scans_total", "Messages scanned, by verdict", ["verdict"], registry=self.registry
        )
        self.scan_seconds = Histogram(
            "rempart_scan_seconds",
            "Engine time per message",
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
        )
        self.cases = Counter("rempart_cases_stored_total", "Cases stored", ["source"], registry=self.registry)
        self.reports = Counter("rempart_reports_total", "Reports filed by employees", registry=self.registry)
        self.decisions = Counter(
            "rempart_decisions_total", "Analyst decisions", ["decision"], registry=self.registry
        )
        self.db_unavailable = Counter(
            "rempart_database_unavailable_total", "Requests answered 503 (database)", registry=self.registry
        )
        self.scan_unavailable = Counter(
            "rempart_scan_unavailable_total", "Requests answered 503 (scanner)", registry=self.registry
        )
        self.analyzer_errors = Counter(
            "rempart_analyzer_errors_total", "engine.analyzer_error findings", registry=self.registry
        )
        self.purged = Counter(
            "rempart_retention_purged_total", "Raw messages purged by retention", registry=self.registry
        )
        self.up = Gauge(
            "rempart_database_up", "1 when the database answered the last check", registry=self.registry
        )
