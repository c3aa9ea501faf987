"""What the filter does with one message once the engine has spoken (pure: bytes in, bytes out).

- ``X-Rempart-*`` fields that arrived with the message are removed first: only this filter writes them.
- ``X-Rempart-Verdict`` (clean | suspicious | malicious | phishing_simulation | error),
  ``X-Rempart-Score`` and ``X-Rempart-Reasons`` (finding codes with their contribution) are added.
- ``X-Rempart-Id`` names the accepted transaction (the spool key: Message-ID, digest of the bytes received
  and envelope): a copy the filter hands on twice (it died between the next hop's 250 and its own note)
  carries the same value, so the mailbox's delivery agent can drop it (docs/gateway.md, Sieve ``duplicate``).
- The subject is tagged per level and language (``[gateway] subject_tags``), except simulations.
- ``malicious`` is quarantined when ``[gateway] quarantine`` is on (the original bytes go to the store);
  simulations never are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rempart.config import GatewaySettings
from rempart.gateway.headers import prepend, reasons_value, remove_prefixed, tag_subject
from rempart.gateway.scanning import ScanResult

PREFIX = "X-Rempart-"
VERDICT = "X-Rempart-Verdict"
SCORE = "X-Rempart-Score"
REASONS = "X-Rempart-Reasons"
SIMULATION = "X-Rempart-Simulation"
RELEASED = "X-Rempart-Released"
IDENT = "X-Rempart-Id"
ERROR = "error"
PHISHING_SIMULATION = "phishing_simulation"


@dataclass(frozen=True)
class Disposition:
    action: str  # deliver | quarantine
    content: bytes  # what goes to the next hop, or the original bytes for the store
    verdict: str  # the X-Rempart-Verdict value
    removed_headers: int = 0  # X-Rempart-* fields that came from outside


def subject_tag(settings: GatewaySettings, level: str, language: str) -> str:
    tag = settings.subject_tags.get(level)
    if tag is None:
        return ""
    return tag.fr if language == "fr" else tag.en


def stamp(raw: bytes, verdict: str, score: float | None, reasons: Sequence[tuple[str, float]] | str,
          extra: Sequence[tuple[str, str]] = (), ident: str = "") -> tuple[bytes, int]:
    """``raw`` with outside ``X-Rempart-*`` fields removed and ours added on top (``ident``: the spool key)."""
    clean, removed = remove_prefixed(raw, PREFIX)
    reasons_text = reasons if isinstance(reasons, str) else reasons_value(reasons)
    added = [(VERDICT, verdict)]
    if score is not None:
        added.append((SCORE, f"{score:.3f}"))
    added.append((REASONS, reasons_text))
    added.extend(extra)
    if ident:
        added.append((IDENT, ident))
    return prepend(clean, added), removed


def dispose(raw: bytes, result: ScanResult, settings: GatewaySettings, language: str,
            ident: str = "") -> Disposition:
    if result.simulation:
        content, removed = stamp(raw, PHISHING_SIMULATION, result.score, result.reasons,
                                 [(SIMULATION, result.simulation)], ident)
        return Disposition("deliver", content, PHISHING_SIMULATION, removed)
    if result.case is not None and result.level == "malicious" and settings.quarantine:
        _, removed = remove_prefixed(raw, PREFIX)
        return Disposition("quarantine", raw, result.level, removed)
    content, removed = stamp(raw, result.level, result.score, result.reasons, ident=ident)
    if settings.tag_subject:
        content = tag_subject(content, subject_tag(settings, result.level, language))
    return Disposition("deliver", content, result.level, removed)


def dispose_error(raw: bytes, reason: str, ident: str = "") -> Disposition:
    """``fail_open``: deliver untouched but for the headers saying the scan did not happen."""
    safe = "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in reason)[:200]
    content, removed = stamp(raw, ERROR, None, f"engine.error ({safe})", ident=ident)
    return Disposition("deliver", content, ERROR, removed)


def released(raw: bytes, verdict: str, score: float, reasons: Sequence[tuple[str, float]], case_id: int,
             settings: GatewaySettings, language: str, ident: str = "") -> bytes:
    """A quarantined message an analyst released: fresh headers, tagged unless judged clean."""
    content, _ = stamp(raw, verdict, score, reasons, [(RELEASED, f"case {case_id}")], ident)
    if settings.tag_subject and verdict in settings.subject_tags:
        content = tag_subject(content, subject_tag(settings, verdict, language))
    return content
