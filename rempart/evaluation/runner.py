"""``rempart eval``: scan labelled mail and measure detection, overall, per source and per kind.

Three scorers are measured on the same scans, side by side: the fused verdict (``score``), the model
alone (``model_score``, when a model is loaded) and the analyzers and rules alone (``base_score``: the
engine's fusion function re-run over the verdict's own findings and rule hits without the model score,
with the same ``[engine.weights]`` overrides).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rempart.config import load_config
from rempart.engine.fusion import fuse
from rempart.engine.verdict import RuleHit
from rempart.evaluation.labels import Labelled, read_labels
from rempart.evaluation.metrics import rate, roc_auc, tpr_at_fpr
from rempart.findings import Finding
from rempart.hunt.local import ScanResult, scan_sources
from rempart.message.sources import Source

FPR_POINTS = (0.001, 0.01)


@dataclass(slots=True)
class Scored:
    item: Labelled
    score: float
    flagged: bool  # verdict is not clean at the shipped thresholds
    level: str
    codes: list[str] = field(default_factory=list)  # reason codes, for per-kind analysis
    model_score: float | None = None
    error: str | None = None
    base_score: float | None = None  # analyzers and rules alone (the fusion without the model)


def _config_for(item: Labelled, csv_path: Path, explicit: str | None) -> str | None:
    if explicit:
        return explicit
    if item.config is not None:
        return str(item.config)
    beside = csv_path.parent / "rempart.toml"
    return str(beside) if beside.is_file() else None


def score_without_model(result: dict[str, Any], weights: dict[str, float]) -> float:
    """The verdict's score had no model been loaded: same findings, same rule hits, same fusion."""
    findings = [Finding(f["code"], float(f["weight"])) for f in result.get("findings", [])]
    hits = [RuleHit(h["id"], h.get("name", h["id"]), h.get("severity", ""), float(h["weight"]))
            for h in result.get("rule_hits", [])]
    score, _ = fuse(findings, hits, None, weights=weights)
    return score


def _read_sources(items: Sequence[Labelled]) -> Iterator[Source]:
    for it in items:
        try:
            yield Source(label=str(it.path), raw=it.path.read_bytes(), error=None)
        except OSError as err:
            yield Source(label=str(it.path), raw=b"", error=f"cannot read: {err.strerror}")


def scan_labelled(
    label_files: Sequence[Path], *, config: str | None, split: str | None, jobs: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Scored], float]:
    """Scan every labelled message with its organisation's config; returns results and wall seconds."""
    groups: dict[str | None, list[Labelled]] = defaultdict(list)
    for csv_path in label_files:
        for item in read_labels(csv_path, split):
            groups[_config_for(item, csv_path, config)].append(item)
    scored: list[Scored] = []
    started = time.perf_counter()
    for cfg, items in groups.items():
        weights = dict(load_config(cfg).engine.weights)
        results: Iterator[ScanResult] = scan_sources(_read_sources(items), config_path=cfg, jobs=jobs)
        for item, res in zip(items, results, strict=True):
            if res.result is None:
                scored.append(Scored(item, 0.0, False, "error", error=res.error))
            else:
                r = res.result
                scored.append(Scored(item, float(r["score"]), r["verdict"] != "clean", r["verdict"],
                                     [x["code"] for x in r["reasons"]], r.get("model_score"),
                                     base_score=score_without_model(r, weights)))
            if progress:
                progress(1)
    return scored, time.perf_counter() - started


def _block(pos: list[Scored], neg: list[Scored], score: Callable[[Scored], float]) -> dict[str, Any]:
    ps, ns = [score(s) for s in pos], [score(s) for s in neg]
    out: dict[str, Any] = {"n_pos": len(pos), "n_neg": len(neg)}
    for fpr in FPR_POINTS:
        out[f"tpr_at_fpr_{fpr}"] = tpr_at_fpr(ps, ns, fpr)
    out["tpr"] = rate([s.flagged for s in pos])
    out["fpr"] = rate([s.flagged for s in neg])
    out["auc"] = roc_auc(ps, ns)
    out["malicious_negatives"] = sum(1 for s in neg if s.level == "malicious")
    return out


def summarise(scored: list[Scored], seconds: float = 0.0,
              score: Callable[[Scored], float] | None = None) -> dict[str, Any]:
    key = score or (lambda s: s.score)
    ok = [s for s in scored if s.error is None]
    pos = [s for s in ok if s.item.is_positive]
    neg = [s for s in ok if s.item.is_negative]
    report: dict[str, Any] = {"n": len(scored), "errors": len(scored) - len(ok), **_block(pos, neg, key)}
    per_source: dict[str, Any] = {}
    for source in sorted({s.item.source for s in ok}):
        sp = [s for s in pos if s.item.source == source]
        sn = [s for s in neg if s.item.source == source]
        if not sp and not sn:  # spam and other labels: only the share flagged means something
            others = [s for s in ok if s.item.source == source]
            per_source[source] = {"n": len(others), "flagged": rate([s.flagged for s in others])}
            continue
        # A one-class source is measured against the other class overall; the rates that would
        # describe the other class's messages are left out (None), not borrowed.
        block = _block(sp or pos, sn or neg, key)
        block["n_pos"], block["n_neg"] = len(sp), len(sn)
        if not sp:
            block.update({f"tpr_at_fpr_{fpr}": None for fpr in FPR_POINTS}, tpr=None)
        if not sn:
            block.update(fpr=None, malicious_negatives=0)
        per_source[source] = block
    report["per_source"] = per_source
    spam = [s for s in ok if s.item.label == "spam"]
    report["spam_flagged"] = rate([s.flagged for s in spam])
    kinds: dict[str, list[Scored]] = defaultdict(list)
    for s in ok:
        if s.item.kind:
            kinds[f"{s.item.label}:{s.item.kind}"].append(s)
    if kinds:
        report["per_kind"] = {
            k: {"n": len(v), "flagged": rate([s.flagged for s in v]),
                "missed" if v[0].item.is_positive else "flagged_paths":
                    [str(s.item.path.name) for s in v if s.flagged != v[0].item.is_positive][:10]}
            for k, v in sorted(kinds.items())
        }
    report["msgs_per_s"] = len(scored) / seconds if seconds > 0 else None
    if score is None:
        report["compare"] = compare(pos, neg)
    return report


def _scorer_block(pos: list[Scored], neg: list[Scored], score: Callable[[Scored], float | None],
                  flag_at: float) -> dict[str, Any] | None:
    ps = [v for v in (score(s) for s in pos) if v is not None]
    ns = [v for v in (score(s) for s in neg) if v is not None]
    if not ps and not ns:
        return None
    out: dict[str, Any] = {"n_pos": len(ps), "n_neg": len(ns)}
    for fpr in FPR_POINTS:
        out[f"tpr_at_fpr_{fpr}"] = tpr_at_fpr(ps, ns, fpr)
    out["tpr"] = rate([v >= flag_at for v in ps])
    out["fpr"] = rate([v >= flag_at for v in ns])
    out["auc"] = roc_auc(ps, ns)
    ai = [v for v in (score(s) for s in pos if s.item.label == "ai_phish") if v is not None]
    out["ai_phish_tpr_at_fpr_0.01"] = tpr_at_fpr(ai, ns, 0.01)
    return out


def compare(pos: list[Scored], neg: list[Scored], suspicious: float = 0.5) -> dict[str, Any]:
    """Fused verdict, analyzers and rules alone, model alone — same messages, same metrics. ``tpr``/``fpr``
    are the shares at or above ``suspicious`` (for the model alone: probability ≥ 0.5)."""
    return {
        "fused": _scorer_block(pos, neg, lambda s: s.score, suspicious),
        "analyzers": _scorer_block(pos, neg, lambda s: s.base_score, suspicious),
        "model": _scorer_block(pos, neg, lambda s: s.model_score, 0.5),
    }
