"""The engine: raw bytes in, verdict out. Pure: no network, no database, no global state.

Resources (config, analyzers' data, rules, model) are loaded once in ``Engine.__init__``; ``scan``
only reads them, so one engine serves any number of messages, in any process.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from importlib import resources as importlib_resources
from typing import Any, Protocol

from rempart.analyzers.base import AnalyzeFn, Context, Envelope, Resources
from rempart.analyzers.registry import ANALYZERS
from rempart.catalogue import Catalogue
from rempart.config import Config, OrgProfile
from rempart.engine import warmup
from rempart.engine.facts import build_facts
from rempart.engine.fusion import fuse, has_decisive_signal, level_for, reports_a_lure
from rempart.engine.implicit_org import ImplicitOrg, infer_org, recipient_domains
from rempart.engine.verdict import Verdict
from rempart.findings import Finding
from rempart.message.model import Message
from rempart.message.parse import parse_message

_RULE_COUNTERS = ("eval_errors", "seconds")  # a rule engine's running totals a warm-up must not move
# Per-engine structures that do not depend on the organisation profile: shared with the resources of an
# implicit organisation (``implicit_org``) instead of being built again.
_ORG_INDEPENDENT = frozenset({
    "correlate:families", "intent:data", "links:generic_lure_domain_words", "payload:sandbox", "payload:tables",
    "payload:yara", "scam:data",
})
MAX_IMPLICIT_ORGS = 8  # receiving companies whose resources are kept (least recently seen dropped first)


class RuleEngine(Protocol):
    """Detection-as-code (``rempart.rules``): evaluates rules over the facts document."""

    def evaluate(self, facts: Mapping[str, Any]) -> list[Any]: ...


class ScoreModel(Protocol):
    """A learned model (``rempart.model``): probability that the message is an attack."""

    weight: float  # how much the model counts in the fusion, in [0, 1]

    def predict(self, message: Message, findings: Sequence[Finding], facts: Mapping[str, Any]) -> float: ...


class Engine:
    def __init__(
        self,
        config: Config | None = None,
        *,
        rules: RuleEngine | None = None,
        model: ScoreModel | None = None,
        analyzers: Sequence[tuple[str, AnalyzeFn]] | None = None,
    ) -> None:
        self.config = config or Config()
        self.resources = Resources(self.config)
        self.analyzers = tuple(analyzers if analyzers is not None else ANALYZERS)
        self.rules = rules
        self.model = model
        self.catalogue = Catalogue.load_shipped()
        self.analyzer_errors = 0  # counted for metrics; each error is also a finding on its message
        self._implicit: OrderedDict[ImplicitOrg, tuple[Config, Resources]] = OrderedDict()
        self._implicit_lock = threading.Lock()  # the service may scan from several threads with one engine
        self._prepare_analyzers()

    def _prepare_analyzers(self) -> None:
        """Let each analyzer module build its per-engine structures now (``prepare(resources)``): a
        broken data file or YARA rule fails the start with its own error, not the first scan."""
        for _, analyze in self.analyzers:
            module = sys.modules.get(getattr(analyze, "__module__", ""))
            prepare = getattr(module, "prepare", None)
            if callable(prepare):
                prepare(self.resources)

    def warm_up(self) -> None:
        """Scan the shipped warm-up messages once and forget the results: what analyzers, rules and
        model build on first use (lexicons, compiled patterns, lookalike tables, the regex DFAs) is
        then built at start, not inside the first real message's latency. Counters are left as they were."""
        errors = self.analyzer_errors
        counters = {name: getattr(self.rules, name) for name in _RULE_COUNTERS if hasattr(self.rules, name)}
        for resource in sorted(importlib_resources.files(warmup).iterdir(), key=lambda r: r.name):
            if resource.name.endswith(".eml"):
                self.scan(resource.read_bytes())
        self.analyzer_errors = errors
        for name, value in counters.items():
            setattr(self.rules, name, value)

    def scan(self, raw: bytes, envelope: Envelope | None = None) -> Verdict:
        started = time.perf_counter()
        message = parse_message(raw, self.config.limits)
        parsed = time.perf_counter()
        verdict = self.scan_message(message, envelope)
        total = (time.perf_counter() - started) * 1000
        timings = {"parse": (parsed - started) * 1000, **verdict.timings, "total": total}
        return Verdict(verdict.level, verdict.score, verdict.reasons, verdict.findings, verdict.rule_hits,
                       verdict.model_score, timings, verdict.facts)

    def _profile_for(self, message: Message, envelope: Envelope | None) -> tuple[Config, Resources, ImplicitOrg | None]:
        """The config and resources to scan ``message`` with: the engine's own, or — when the config names
        no organisation and no trusted authserv-id — those of the company the message proves it was
        delivered to (``implicit_org``)."""
        if self.config.org.domains or self.config.auth.trusted_authserv_ids:
            return self.config, self.resources, None
        org = infer_org(message, envelope, self.resources.data_list("freemail"))
        if org is None:
            return self.config, self.resources, None
        with self._implicit_lock:
            found = self._implicit.get(org)
            if found is None:
                config = self.config.model_copy(update={
                    "org": self.config.org.model_copy(update={"domains": [org.domain]}),
                    "auth": self.config.auth.model_copy(update={"trusted_authserv_ids": [org.authserv_id]}),
                })
                found = (config, self.resources.derive(config, _ORG_INDEPENDENT))
                self._implicit[org] = found
                if len(self._implicit) > MAX_IMPLICIT_ORGS:
                    self._implicit.popitem(last=False)
            else:
                self._implicit.move_to_end(org)
        return found[0], found[1], org

    def org_for(self, findings: Sequence[Finding]) -> OrgProfile:
        """The organisation profile ``findings`` were produced under: the config's, or the implicit one."""
        for f in findings:
            if f.code == "engine.implicit_org":
                org = ImplicitOrg(str(f.evidence["domain"]), str(f.evidence["authserv_id"]))
                with self._implicit_lock:
                    found = self._implicit.get(org)
                if found is not None:  # the profile _profile_for built for this company (the usual case)
                    return found[0].org
                return self.config.org.model_copy(update={"domains": [org.domain]})
        return self.config.org

    def facts_for(self, message: Message, findings: list[Finding], envelope: Envelope | None = None) -> dict[str, Any]:
        """The facts rules read, under the organisation ``findings`` were produced for. With no organisation
        known at all, links on the recipients' own domain (not free mail) count as the organisation's: a
        company's IT notice linking to its intranet is not sending the reader away, and a sender cannot host
        a page on the recipient's domain."""
        org = self.org_for(findings)
        readers: frozenset[str] = frozenset()
        if not org.domains:
            freemail = self.resources.data_list("freemail")
            readers = frozenset(d for d in recipient_domains(message, envelope) if d and d not in freemail)
        return build_facts(message, findings, org, readers)

    def run_analyzers(
        self, message: Message, envelope: Envelope | None = None
    ) -> tuple[list[Finding], dict[str, float]]:
        config, resources, org = self._profile_for(message, envelope)
        context = Context(config, resources, envelope)
        if org is not None:
            context.findings.append(Finding("engine.implicit_org", 0.0, {
                "domain": org.domain, "authserv_id": org.authserv_id}, source="engine"))
        timings: dict[str, float] = {}
        for name, analyze in self.analyzers:
            t0 = time.perf_counter()
            try:
                produced = [f.with_source(name) for f in analyze(message, context)]
            except Exception as err:  # an analyzer bug must not lose the message: it becomes a finding
                self.analyzer_errors += 1
                produced = [Finding("engine.analyzer_error", 0.05,
                                    {"analyzer": name, "error": type(err).__name__, "detail": str(err)[:200]},
                                    source="engine")]
            context.findings.extend(produced)
            timings[name] = (time.perf_counter() - t0) * 1000
        return context.findings, timings

    def scan_message(self, message: Message, envelope: Envelope | None = None) -> Verdict:
        findings, timings = self.run_analyzers(message, envelope)
        facts = self.facts_for(message, findings, envelope)
        rule_hits: list[Any] = []
        if self.rules is not None:
            t0 = time.perf_counter()
            rule_hits = self.rules.evaluate(facts)
            timings["rules"] = (time.perf_counter() - t0) * 1000
        model_score: float | None = None
        model_weight = 0.0
        if self.model is not None:
            t0 = time.perf_counter()
            model_score = self.model.predict(message, findings, facts)
            model_weight = self.model.weight
            facts["model_score"] = model_score
            timings["model"] = (time.perf_counter() - t0) * 1000
        settings = self.config.engine
        score, reasons = fuse(findings, rule_hits, model_score, weights=settings.weights, model_weight=model_weight,
                              hard_evidence=settings.malicious_evidence_weight)
        decisive = has_decisive_signal(findings, rule_hits, minimum=settings.malicious_evidence_weight,
                                       weights=settings.weights) and not reports_a_lure(findings)
        level = level_for(score, settings.suspicious_threshold, settings.malicious_threshold, decisive=decisive)
        return Verdict(level, score, tuple(reasons[: settings.max_reasons]), tuple(findings), tuple(rule_hits),
                       model_score, timings, facts)
