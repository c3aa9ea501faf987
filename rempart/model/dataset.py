"""Labelled mail → one record per message: the analyzers' findings, rule hits, score and model features.

Every message is scanned by the real engine (without a model) with its own organisation's config — the
``config`` column, else the ``rempart.toml`` beside the labels file, else the defaults — exactly as
``rempart eval`` does, so training sees the same findings the shipped engine produces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rempart.config import Config, ModelSettings, load_config
from rempart.engine.fusion import fuse
from rempart.engine.verdict import RuleHit
from rempart.evaluation.labels import NEGATIVE, POSITIVE, Labelled, read_labels
from rempart.findings import Finding
from rempart.message.parse import parse_message
from rempart.model.features import Extracted, Featurizer
from rempart.model.text import body_hash


@dataclass(frozen=True, slots=True)
class Record:
    path: str
    label: str
    source: str
    extracted: Extracted
    findings: tuple[tuple[str, float], ...]  # (code, weight): enough to re-fuse with any model score
    rule_hits: tuple[tuple[str, float], ...]  # (rule id, weight)
    base_score: float  # the verdict's score without a model: analyzers and rules alone
    weights: dict[str, float] = field(default_factory=dict)  # the config's [engine.weights] overrides
    body_hash: str = ""
    error: str = ""
    raw_sha256: str = ""  # of the message file, for the model card's data digest

    @property
    def positive(self) -> bool:
        return self.label in POSITIVE

    @property
    def usable(self) -> bool:
        return not self.error and (self.label in POSITIVE or self.label in NEGATIVE)

    def fused(self, model_score: float, model_weight: float) -> float:
        """The verdict's score had the model said ``model_score``: the engine's own fusion function."""
        findings = [Finding(code, weight) for code, weight in self.findings]
        hits = [RuleHit(rule_id, rule_id, "", weight) for rule_id, weight in self.rule_hits]
        score, _ = fuse(findings, hits, model_score, weights=self.weights, model_weight=model_weight)
        return score


def source_family(source: str) -> str:
    """The collection a source belongs to: one study's phishing and legitimate halves
    (``x`` and ``x_legit``) and one archive's folders (``spamassassin/easy_ham``, ``…/hard_ham``) are one
    family, held out together — otherwise the held-out half is judged by a model that learnt its
    sibling's style as the other class. An organisation's own exported decisions (``rempart:<decision>``,
    `rempart db export-labels`) are one collection too."""
    if source.startswith("rempart:"):
        return "rempart"
    base = source.split("/", 1)[0] if not source.startswith("corpus-fr/") else source
    return base.removesuffix("_legit")


def _config_path(item: Labelled, csv_path: Path) -> str | None:
    if item.config is not None:
        return str(item.config)
    beside = csv_path.parent / "rempart.toml"
    return str(beside) if beside.is_file() else None


def without_model(config: Config) -> Config:
    return config.model_copy(update={"model": ModelSettings(enabled=False)})


def load_rows(label_files: Sequence[Path], splits: Sequence[str] | None = None) -> list[tuple[Labelled, str | None]]:
    """Rows of every labels file (only ``splits`` when given) with the config each is scanned with,
    sorted by path so that the order — and so every fold and fit — never depends on file order."""
    rows: list[tuple[Labelled, str | None]] = []
    for csv_path in label_files:
        for item in read_labels(csv_path):
            if splits and item.split not in splits:
                continue
            rows.append((item, _config_path(item, csv_path)))
    rows.sort(key=lambda r: str(r[0].path))
    return rows


def build_records(
    rows: Sequence[tuple[Labelled, str | None]], featurizer: Featurizer,
    progress: Callable[[int], None] | None = None,
) -> list[Record]:
    from rempart.engine.build import build_engine  # the engine sits above the model; only training needs it

    engines = {}
    records: list[Record] = []
    for item, cfg in rows:
        if cfg not in engines:
            engines[cfg] = build_engine(without_model(load_config(cfg)))
        engine = engines[cfg]
        try:
            raw = item.path.read_bytes()
        except OSError as err:
            records.append(Record(str(item.path), item.label, item.source, Extracted({}, "", ""), (), (), 0.0,
                                  error=f"cannot read: {err.strerror}"))
            continue
        message = parse_message(raw, engine.config.limits)
        verdict = engine.scan_message(message)
        extracted = featurizer.extract(message, verdict.findings, verdict.facts)
        key = body_hash(extracted.text) if extracted.text else hashlib.sha256(
            (message.subject + "|" + message.body_text[:20000] + "|"
             + ",".join(a.sha256 for a in message.attachments)).encode("utf-8", "replace")).hexdigest()[:20]
        records.append(Record(
            str(item.path), item.label, item.source, extracted,
            tuple((f.code, f.weight) for f in verdict.findings),
            tuple((h.rule_id, h.weight) for h in verdict.rule_hits),
            verdict.score, dict(engine.config.engine.weights), key, raw_sha256=hashlib.sha256(raw).hexdigest(),
        ))
        if progress:
            progress(1)
    return records


def data_digests(records: Sequence[Record]) -> dict[str, str]:
    """Per source, a SHA-256 over its messages' own SHA-256s in path order: the same digest means the
    same mail, whatever folder it was copied to."""
    by_source: dict[str, list[Record]] = {}
    for r in records:
        by_source.setdefault(r.source, []).append(r)
    return {source: hashlib.sha256("".join(r.raw_sha256 for r in sorted(rs, key=lambda r: r.path)).encode()).hexdigest()
            for source, rs in sorted(by_source.items())}


def dedupe(records: Sequence[Record]) -> tuple[list[Record], int]:
    """One record per body hash (the first by path); a hash seen with both classes is dropped entirely.
    Returns the kept records and how many were dropped."""
    by_hash: dict[str, list[Record]] = {}
    for r in records:
        by_hash.setdefault(r.body_hash, []).append(r)
    kept: list[Record] = []
    for group in by_hash.values():
        classes = {r.positive for r in group if r.label in POSITIVE | NEGATIVE}
        if len(classes) > 1:
            continue
        kept.append(min(group, key=lambda r: r.path))
    kept.sort(key=lambda r: r.path)
    return kept, len(records) - len(kept)
