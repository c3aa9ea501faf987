"""What a batch job is and what one worker does with a batch of messages — shared by the local process
pool and Dask (``dask_runner``).

A ``Job`` carries everything a worker needs as plain data: the loaded ``Config`` and the *text* of
every rule file. A worker (a local process or a Dask worker on another machine) therefore needs
``rempart`` installed, but neither the config file nor the organisation's rule directories: it
compiles the rules it is sent, once, and keeps the engine for every later batch of the same job.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rempart.config import Config
from rempart.engine.build import build_engine
from rempart.engine.engine import Engine
from rempart.message.parse import parse_message
from rempart.rules.errors import RuleError, RuleLoadError
from rempart.rules.loader import load_rule_text, load_rules, pack_sources
from rempart.rules.model import Rule
from rempart.rules.ruleset import RuleSet

SCAN, HUNT = "scan", "hunt"


@dataclass(frozen=True, slots=True)
class RuleDoc:
    path: str
    root: str
    text: str


@dataclass(frozen=True, slots=True)
class Job:
    mode: str  # SCAN (full verdicts) | HUNT (which rules match)
    config: Config
    rules: tuple[RuleDoc, ...]
    lang: str = "en"
    key: str = field(default="")

    @classmethod
    def create(cls, mode: str, config: Config, rules: Sequence[Rule], lang: str = "en") -> Job:
        docs = tuple(RuleDoc(r.path, r.root, Path(r.path).read_text(encoding="utf-8")) for r in rules)
        digest = hashlib.sha256(config.model_dump_json().encode())
        for d in docs:
            digest.update(d.path.encode() + b"\0" + d.text.encode())
        return cls(mode, config, docs, lang, f"{mode}:{lang}:{digest.hexdigest()[:24]}")


def select_rules(config: Config, selectors: Sequence[str] = ()) -> list[Rule]:
    """The pack and the config's extra rules; with selectors (rule ids or rule files), only those.

    Raises RuleLoadError (with every problem) when a rule cannot load or a selector names nothing."""
    loaded = load_rules(pack_sources(config.rules.extra_dirs))
    rules = loaded.raise_on_error()
    if not selectors:
        disabled = set(config.rules.disabled)
        return [r for r in rules if r.id not in disabled]
    by_id = {r.id: r for r in rules}
    chosen: list[Rule] = []
    files = [s for s in selectors if s not in by_id]
    chosen.extend(by_id[s] for s in selectors if s in by_id)
    if files:
        extra = load_rules(files)
        chosen.extend(extra.raise_on_error())
    return chosen


def _ruleset(job: Job) -> RuleSet:
    rules: list[Rule] = []
    errors: list[RuleError] = []
    for doc in job.rules:
        rule, problems = load_rule_text(doc.text, doc.path, doc.root)
        errors.extend(e for e in problems if e.severity == "error")
        if rule is not None:
            rules.append(rule)
    ruleset = RuleSet(rules, job.config.rules)
    errors.extend(ruleset.errors)
    if errors:
        raise RuleLoadError(errors)
    return ruleset


_ENGINES: dict[str, Engine] = {}


def engine_for(job: Job) -> Engine:
    """The worker's engine for this job, built on first use (rules compiled once per worker)."""
    engine = _ENGINES.get(job.key)
    if engine is None:
        _ENGINES.clear()  # one job at a time per worker: do not keep old engines alive
        engine = _ENGINES[job.key] = build_engine(job.config, rules=_ruleset(job))
    return engine


def _scan(engine: Engine, label: str, raw: bytes, lang: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    verdict = engine.scan(raw)
    return {"label": label, "result": verdict.to_dict(lang, engine.catalogue), "error": None,
            "elapsed_ms": (time.perf_counter() - t0) * 1000}


def _hunt(engine: Engine, label: str, raw: bytes) -> dict[str, Any]:
    """Which rules match one message; the facts are built the way a scan builds them, no fusion."""
    message = parse_message(raw, engine.config.limits)
    findings, _ = engine.run_analyzers(message)
    facts = engine.facts_for(message, findings)
    assert isinstance(engine.rules, RuleSet)
    matches = [{"id": c.rule.id, "name": c.rule.name, "severity": c.rule.severity.value}
               for c in engine.rules.matching(facts)]
    sender = facts["from"]["address"]
    return {"label": label, "matches": matches, "subject": message.subject[:200], "from": sender,
            "error": None}


def run_batch(job: Job, items: Iterable[tuple[str, bytes]]) -> list[dict[str, Any]]:
    """What a worker runs: one result dict per message, in order; a message that breaks is an error row."""
    engine = engine_for(job)
    out: list[dict[str, Any]] = []
    for label, raw in items:
        try:
            out.append(_scan(engine, label, raw, job.lang) if job.mode == SCAN else _hunt(engine, label, raw))
        except Exception as err:  # the engine should never raise; if it does, the row says so
            out.append({"label": label, "error": f"{type(err).__name__}: {str(err)[:200]}"})
    return out
