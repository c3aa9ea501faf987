"""How findings, rule hits and the model score become one score.

Evidence is combined with a *noisy-OR*: each signal i with weight w_i in [0, 1] is treated as an
independent chance of the message being an attack, so score = 1 - Π(1 - w_i). It never exceeds 1,
a single strong signal (0.9) is enough on its own, and several weak ones add up without any one
of them having to be decisive — which is how an analyst reasons about "three small odd things".

A finding with a *negative* weight is a trust signal (e.g. a message signed by the very domain
it claims, from a known vendor): it scales the score down by (1 - |w|), and is listed last — unless a
signal strong on its own (hard evidence, ≥ ``hard_evidence``) is present: authentication proves the
account, not the content, and hard evidence from an authenticated sender is a taken-over mailbox.

Rule hits (``rempart.rules``, docs/rules.md) enter the same noisy-OR, one signal per rule, weighted
by severity; a rule hit with a negative weight (an organisation allowlist or trust rule) damps the
score exactly like a trust finding.

Findings that share a code family (``links.*`` with the same code) are counted once, at the
strongest weight: twenty links to the same shortener are one signal, not twenty.

The model score (when a model is loaded) enters as one more signal, scaled by ``model_weight``;
the reason list says plainly when it is the model that carried the verdict.
Each reason's share is the drop in score when that signal is removed, so the reasons are ordered
by what they actually contributed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rempart.engine.verdict import Level, Reason, RuleHit
from rempart.findings import Finding

# A signal at least this strong is hard evidence (``[engine] malicious_evidence_weight``'s default): trust does
# not damp a message carrying one.
HARD_EVIDENCE = 0.6


def noisy_or(weights: Iterable[float]) -> float:
    keep = 1.0
    for w in weights:
        keep *= 1.0 - min(max(w, 0.0), 1.0)
    return 1.0 - keep


def strongest_per_code(findings: Iterable[Finding], overrides: Mapping[str, float]) -> dict[str, Finding]:
    """One finding per code: the one with the largest absolute weight (after config overrides)."""
    best: dict[str, Finding] = {}
    strength: dict[str, float] = {}  # abs(weight) of best[code], not recomputed per finding
    for f in findings:
        w = overrides.get(f.code, f.weight)
        if w == 0:
            continue
        code = f.code
        current = strength.get(code)
        if current is None or abs(w) > current:
            best[code] = f
            strength[code] = abs(w)
    return best


def fuse(
    findings: Iterable[Finding],
    rule_hits: Iterable[RuleHit],
    model_score: float | None,
    *,
    weights: Mapping[str, float],
    model_weight: float = 0.0,
    hard_evidence: float = HARD_EVIDENCE,
) -> tuple[float, list[Reason]]:
    signals: list[Reason] = []
    for code, f in strongest_per_code(findings, weights).items():
        signals.append(Reason(code=code, weight=weights.get(code, f.weight), source=f.source, evidence=f.evidence))
    for hit in rule_hits:
        if hit.weight != 0:  # a negative weight is a trust rule (allowlist), damping like a trust finding
            signals.append(
                Reason(code=f"rule.{hit.rule_id}", weight=hit.weight, source="rules", texts=dict(hit.description))
            )
    if model_score is not None and model_weight > 0:
        signals.append(
            Reason(code="model.score", weight=model_score * model_weight, source="model",
                   evidence={"probability": round(model_score, 3)})
        )
    positive = [s for s in signals if s.weight > 0]
    trust = [s for s in signals if s.weight < 0]
    # noisy_or over ``positive``, keeping each running product: prefix[i] is the product of the first i
    # factors, multiplied in the same order as noisy_or does (so the same floats).
    factors = [1.0 - min(max(s.weight, 0.0), 1.0) for s in positive]
    prefix: list[float] = []
    keep = 1.0
    for factor in factors:
        prefix.append(keep)
        keep *= factor
    raw = 1.0 - keep
    damp = 1.0
    # Authentication proves which account sent the message, not what it says: a signal strong on its own (an IBAN
    # not on file, a lookalike link, a credential form) from an authenticated vendor or colleague is what a
    # taken-over mailbox looks like, so trust no longer damps it (the trust reasons stay listed, at 0).
    # The organisation's own trust rules (allowlists) are its explicit decision and always apply.
    hard = any(s.weight >= hard_evidence for s in positive if s.source != "model")
    applies = [not hard or t.source == "rules" for t in trust]
    for t, applied in zip(trust, applies, strict=True):
        if applied:
            damp *= 1.0 + max(t.weight, -1.0)
    score = raw * damp
    # Contribution = score lost when the signal is dropped; with noisy-OR this is
    # raw - noisy_or(others) = w_i * Π_{j≠i}(1 - w_j), scaled by the trust damping. noisy_or(others) is
    # computed as noisy_or would (the factors j≠i in order from 1.0): prefix[i], then the factors after i.
    contributions: list[Reason] = []
    for i, s in enumerate(positive):
        rest = prefix[i]
        for factor in factors[i + 1:]:
            rest *= factor
        others = 1.0 - rest
        contributions.append(Reason(s.code, max(raw - others, 0.0) * damp, s.source, s.evidence, s.texts))
    contributions.sort(key=lambda r: (-r.weight, r.code))
    for t, applied in sorted(zip(trust, applies, strict=True), key=lambda pair: pair[0].weight):
        share = -raw * (1.0 - (1.0 + max(t.weight, -1.0))) if applied else 0.0
        contributions.append(Reason(t.code, share, t.source, t.evidence, t.texts))
    return score, contributions


def level_for(score: float, suspicious: float, malicious: float, *, decisive: bool = True) -> Level:
    """The level for a score; ``decisive`` says whether one concrete signal is strong enough on its own
    to call the message malicious (see ``has_decisive_signal``)."""
    if score >= malicious and decisive:
        return Level.MALICIOUS
    if score >= suspicious:
        return Level.SUSPICIOUS
    return Level.CLEAN


def has_decisive_signal(findings: Iterable[Finding], rule_hits: Iterable[RuleHit], *, minimum: float,
                        weights: Mapping[str, float]) -> bool:
    """A finding or rule hit whose own weight reaches ``minimum``. Soft signals that merely add up
    (urgency, a payment request, the model's probability) can make a message suspicious, but calling it
    malicious — and quarantining it — takes at least one piece of hard evidence a person can check."""
    return any(weights.get(f.code, f.weight) >= minimum for f in findings) or any(
        h.weight >= minimum for h in rule_hits)


def reports_a_lure(findings: Iterable[Finding]) -> bool:
    """Someone forwarding a message to ask whether it is genuine ("is this really you? I didn't click"): the
    forwarded lure's evidence still scores, but the message is a report for the reader, who must receive it, not a
    message to quarantine. Read from the forwarder's own words above the forward (``intent.security_warning`` with
    ``reported``), never from the forwarded text."""
    return any(f.code == "intent.security_warning" and f.evidence.get("reported") for f in findings)
