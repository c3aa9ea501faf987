"""What the case view shows, built from what the store kept: the facts document and the findings.

Nothing is re-analysed here: authentication results, lookalike matches, link and attachment
findings are the analyzers' own, read from the facts (see ``rempart.engine.facts``). The only
computation is presentational: splitting strings into marked segments for highlighting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rempart.analyzers.lookalike import differing_positions
from rempart.catalogue import Catalogue
from rempart.service.console.sanitize import defang, openable

AUTH_METHODS = ("spf", "dkim", "dmarc", "arc")
CLICKABLE = frozenset({"href", "form_action", "text", "link_text", "attachment"})  # origins a reader could follow
_GOOD = frozenset({"pass", "bestguesspass"})
_BAD = frozenset({"fail", "softfail", "permerror", "hardfail", "policy"})
_AUTH_WORD = re.compile(r"\b(spf|dkim|dmarc|arc|compauth)\s*=\s*([a-z]+)", re.IGNORECASE)
HEADER_ORDER = (
    "from",
    "sender",
    "reply-to",
    "return-path",
    "to",
    "cc",
    "date",
    "subject",
    "message-id",
    "in-reply-to",
    "authentication-results",
    "arc-authentication-results",
    "received-spf",
    "dkim-signature",
    "x-mailer",
    "list-id",
)


@dataclass(frozen=True)
class Segment:
    text: str
    mark: str = ""  # "" | diff | ok | bad | neutral


def auth_class(result: str) -> str:
    value = result.lower()
    if value in _GOOD:
        return "ok"
    if value in _BAD:
        return "bad"
    return "neutral"


@dataclass(frozen=True)
class AuthResult:
    method: str
    result: str
    mark: str
    domain: str = ""


def auth_results(facts: Mapping[str, Any]) -> list[AuthResult]:
    auth = facts.get("auth") or {}
    domains = {
        "spf": str(auth.get("spf_domain", "")),
        "dkim": ", ".join(str(d) for d in auth.get("dkim_domains", []) or []),
        "dmarc": str(auth.get("dmarc_domain", "")),
        "arc": "",
    }
    return [
        AuthResult(m, str(auth.get(m, "none")), auth_class(str(auth.get(m, "none"))), domains[m])
        for m in AUTH_METHODS
    ]


def highlight_auth(value: str) -> list[Segment]:
    """A header value cut into segments, with every ``method=result`` marked good, bad or neutral."""
    out: list[Segment] = []
    last = 0
    for m in _AUTH_WORD.finditer(value):
        if m.start() > last:
            out.append(Segment(value[last : m.start()]))
        out.append(Segment(m.group(0), auth_class(m.group(2))))
        last = m.end()
    if last < len(value):
        out.append(Segment(value[last:]))
    return out


@dataclass(frozen=True)
class HeaderRow:
    name: str
    segments: list[Segment]
    auth: bool = False


def header_rows(facts: Mapping[str, Any], limit: int = 2000) -> list[HeaderRow]:
    headers: Mapping[str, list[str]] = facts.get("headers") or {}
    rows: list[HeaderRow] = []
    for name in HEADER_ORDER:
        for value in headers.get(name, [])[:20]:
            text = " ".join(str(value).split())[:limit]
            is_auth = "authentication-results" in name or name == "received-spf"
            rows.append(HeaderRow(name, highlight_auth(text) if is_auth else [Segment(text)], is_auth))
    return rows


@dataclass(frozen=True)
class Hop:
    from_host: str
    from_ip: str
    by_host: str


def received_chain(facts: Mapping[str, Any]) -> list[Hop]:
    return [
        Hop(str(r.get("from_host", "")), str(r.get("from_ip", "")), str(r.get("by_host", "")))
        for r in (facts.get("received") or [])[:30]
    ]


def marked(text: str, positions: Iterable[int]) -> list[Segment]:
    """``text`` cut into runs, the characters at ``positions`` marked as differing."""
    marks = set(positions)
    out: list[Segment] = []
    for i, ch in enumerate(text):
        kind = "diff" if i in marks else ""
        if out and out[-1].mark == kind:
            out[-1] = Segment(out[-1].text + ch, kind)
        else:
            out.append(Segment(ch, kind))
    return out


@dataclass(frozen=True)
class Lookalike:
    role: str  # sender | reply_to | link
    shown: list[Segment]
    real: list[Segment]
    shown_domain: str
    real_domain: str
    target_name: str
    target_kind: str
    technique: str


def _lookalike(role: str, host: str, target: str, ev: Mapping[str, Any]) -> Lookalike:
    diff = ev.get("diff")
    shown_diff = [int(i) for i in diff] if isinstance(diff, list) and diff else list(differing_positions(host, target))
    return Lookalike(
        role=role,
        shown=marked(host, shown_diff),
        real=marked(target, differing_positions(target, host)),
        shown_domain=host,
        real_domain=target,
        target_name=str(ev.get("target_name", "")),
        target_kind=str(ev.get("target_kind", "")),
        technique=str(ev.get("technique", "")),
    )


def lookalikes(findings: Sequence[Mapping[str, Any]]) -> list[Lookalike]:
    out: list[Lookalike] = []
    seen: set[tuple[str, str]] = set()
    for f in findings:
        code, ev = str(f.get("code", "")), f.get("evidence") or {}
        if code in ("sender.lookalike_domain", "sender.reply_to_lookalike"):
            role = "sender" if code == "sender.lookalike_domain" else "reply_to"
            host, target = str(ev.get("domain", "")), str(ev.get("target", ""))
        elif code == "links.lookalike_domain":
            role, host, target = "link", str(ev.get("host", "")), str(ev.get("target_domain", ""))
        else:
            continue
        if host and target and (host, target) not in seen:
            seen.add((host, target))
            out.append(_lookalike(role, host, target, ev))
    return out[:10]


def _finding_texts(
    findings: Sequence[Mapping[str, Any]], key: str, value: str, lang: str, catalogue: Catalogue
) -> list[str]:
    texts: list[str] = []
    for f in findings:
        ev = f.get("evidence") or {}
        if value and str(ev.get(key, "")) == value and float(f.get("weight", 0) or 0) != 0:
            text = catalogue.text(str(f.get("code", "")), lang, ev)
            if text not in texts:
                texts.append(text)
    return texts


@dataclass(frozen=True)
class LinkRow:
    shown_text: str
    url: str
    defanged: str
    host: str
    origin: str
    openable: bool
    mismatch: bool
    findings: list[str] = field(default_factory=list)


def _shows_other_host(shown: str, host: str) -> bool:
    m = re.search(r"(?:https?://)?((?:[\w-]+\.)+[a-z]{2,})", shown.lower())
    return bool(m) and bool(host) and m is not None and m.group(1).rstrip(".") != host.lower()


def link_rows(
    facts: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], lang: str, catalogue: Catalogue
) -> list[LinkRow]:
    rows: list[LinkRow] = []
    for u in (facts.get("urls") or [])[:100]:
        url, host = str(u.get("url", "")), str(u.get("host", ""))
        shown = " ".join(str(u.get("shown_text", "")).split())[:300]
        texts = _finding_texts(findings, "url", url, lang, catalogue)
        rows.append(
            LinkRow(
                shown_text=shown,
                url=url,
                defanged=defang(url[:2000]),
                host=host,
                origin=str(u.get("origin", "")),
                openable=openable(url) is not None and str(u.get("origin", "")) in CLICKABLE,
                mismatch=_shows_other_host(shown, host),
                findings=texts,
            )
        )
    rows.sort(key=lambda r: (not r.findings and not r.mismatch, r.origin not in ("href", "form_action")))
    return rows


@dataclass(frozen=True)
class AttachmentRow:
    filename: str
    declared_type: str
    sniffed_type: str
    size: int
    sha256: str
    type_mismatch: bool
    findings: list[str] = field(default_factory=list)


def attachment_rows(
    facts: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], lang: str, catalogue: Catalogue
) -> list[AttachmentRow]:
    rows: list[AttachmentRow] = []
    for a in (facts.get("attachments") or [])[:100]:
        declared, sniffed = str(a.get("declared_type", "")), str(a.get("sniffed_type", ""))
        sha = str(a.get("sha256", ""))
        texts = _finding_texts(findings, "sha256", sha, lang, catalogue)
        name = str(a.get("filename", ""))
        texts += [t for t in _finding_texts(findings, "filename", name, lang, catalogue) if t not in texts]
        rows.append(
            AttachmentRow(
                filename=name,
                declared_type=declared,
                sniffed_type=sniffed,
                size=int(a.get("size", 0) or 0),
                sha256=sha,
                type_mismatch=bool(declared and sniffed and declared.split("/")[0] != sniffed.split("/")[0]),
                findings=texts,
            )
        )
    return rows


@dataclass(frozen=True)
class RuleRow:
    rule_id: str
    name: str
    severity: str
    weight: float
    text: str


def rule_rows(verdict: Mapping[str, Any], lang: str) -> list[RuleRow]:
    texts = {
        str(r.get("code", ""))[5:]: (r.get("texts") or {}).get(lang, "")
        for r in verdict.get("reasons", [])
        if str(r.get("code", "")).startswith("rule.")
    }
    return [
        RuleRow(
            rule_id=str(h.get("id", "")),
            name=str(h.get("name", "")),
            severity=str(h.get("severity", "")),
            weight=float(h.get("weight", 0) or 0),
            text=str(texts.get(str(h.get("id", "")), "")),
        )
        for h in verdict.get("rule_hits", [])
    ]
