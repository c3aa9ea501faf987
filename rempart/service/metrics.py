"""Prometheus metrics, in a registry per app (several apps in one process, e.g. tests, don't collide),
and the middleware that counts, times and logs every request."""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rempart.store.writer import BatchWriter


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

    def watch_writer(self, writer: BatchWriter) -> None:
        """Export the group-commit writer's counters (jobs per round, how busy it is)."""
        for name, doc, read in (
            ("rempart_write_rounds", "Write transactions of the intake writer", lambda: writer.rounds),
            ("rempart_write_jobs", "Writes (cases, reports, scan records) in those transactions", lambda: writer.jobs),
            ("rempart_write_busy_seconds", "Time the intake writer spent in transactions", lambda: writer.busy_seconds),
        ):
            Gauge(name, doc, registry=self.registry).set_function(read)


class ObserveMiddleware:
    """One log line and the request metrics per HTTP request: method, route template, status, duration,
    principal id (``token:3``) — never the query string, the body or a token.

    A plain ASGI middleware (not ``BaseHTTPMiddleware``, which runs the app in a separate task
    with memory streams: measurable CPU per request in the service process).
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, logger: logging.Logger) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            if self.log.isEnabledFor(logging.INFO):
                principal: Any = (scope.get("state") or {}).get("principal")
                self.log.info(
                    "%s %s -> %d in %.1f ms (%s)",
                    method,
                    route,
                    status,
                    elapsed * 1000,
                    principal.actor if principal is not None else "anonymous",
                )
