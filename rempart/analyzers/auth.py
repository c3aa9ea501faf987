"""Sender authentication: SPF, DKIM, DMARC and ARC results, believed only from trusted hops.

Results come from ``Authentication-Results`` and ``ARC-Authentication-Results`` headers (RFC 8601,
RFC 8617) whose authserv-id is in ``[auth] trusted_authserv_ids``: any other such header may have
been written by the sender. When several trusted headers carry the same method (OpenDKIM, OpenDMARC
and an SPF policy daemon each add their own), the topmost one wins: RFC 8601 §5 requires the border
MTA to delete incoming headers that claim its authserv-id, so the topmost is the one it wrote.
``ARC-Authentication-Results`` only fill methods the trusted ``Authentication-Results`` lack.
Microsoft 365 writes its header with no authserv-id: ``trusted_authserv_ids = ["protection.outlook.com"]``
believes the one Exchange Online stamped (``exchange_online.py`` says how it is told from a sender's).

``Received-SPF`` (RFC 7208 §9.1) carries no authserv-id. It is used only when no trusted result
exists and it is the topmost trace header (above every ``Received``), i.e. added by the hop that
handed the message over; its findings are then reported with ``trusted = false``.

Own DKIM verification (``[auth] verify_dkim``) needs the raw bytes and an installed resolver
(``rempart.dns``); when either is missing, an informational finding says so.

Every scan emits ``auth.results`` (weight 0), which the facts builder copies into ``facts["auth"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import dkim

from rempart.analyzers.base import Context
from rempart.analyzers.exchange_online import EXCHANGE_ONLINE_ID, exchange_online_results, submitted_inside_tenant
from rempart.analyzers.lookalike import owner_of
from rempart.dns import Resolver, dkim_dnsfunc, installed_resolver
from rempart.domains import registered_domain
from rempart.findings import Finding
from rempart.message.model import Message

NAME = "auth"
CODES = frozenset({
    "auth.results",
    "auth.no_trusted_authserv",
    "auth.no_trusted_results",
    "auth.dmarc_fail",
    "auth.spf_fail",
    "auth.dkim_fail",
    "auth.no_aligned_auth",
    "auth.arc_fail",
    "auth.trusted_sender",
    "auth.mail_gateway_sender",
    "auth.dkim_unverified",
})

WEIGHTS = {
    "dmarc_fail": 0.5,
    # A discussion list (Sympa, Mailman) rewrites the subject and footer, which breaks the author's DKIM: DMARC fails
    # while the list's own domain signs and sends it. Still a failure (a list can relay a forgery), not a forgery's.
    "dmarc_fail_list": 0.15,
    "spf_fail": 0.15,
    "spf_softfail": 0.08,
    "dkim_fail": 0.15,
    "no_aligned_auth": 0.15,
    "arc_fail": 0.1,
    "trust_vendor": -0.3,
    # The organisation's own mail, authenticated by its own MX: moderate, like a vendor's, because a taken-over
    # mailbox sends with passing authentication too (its lures keep most of their weight: 0.9 becomes 0.68).
    "trust_org": -0.25,
    "trust_brand": -0.3,
    # Anyone can make these domains send (shared documents, invoices, invitations): little trust.
    "trust_user_content": -0.15,
}

RESULTS = ("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror")
_RESULT_ALIASES = {
    "hardfail": "fail", "policy": "neutral", "bestguesspass": "none", "error": "temperror",
    "invalid": "permerror", "unknown": "permerror", "tempfail": "temperror", "permfail": "permerror",
}
_METHODS = frozenset({
    "auth", "dkim", "dkim-adsp", "dkim-atps", "dmarc", "domainkeys", "iprev", "rrvs", "sender-id",
    "smime", "spf", "vbr", "arc", "bimi", "compauth", "dnswl",
})
MAX_HEADER_CHARS = 8192  # a real Authentication-Results is well under 2 KB; the rest is not parsed
MAX_HEADERS = 32  # per kind (Authentication-Results, ARC-Authentication-Results)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s"]+')
_EQUALS = re.compile(r"\s*=\s*")


# ---------------------------------------------------------------------------------------------
# Parsing (tolerant: malformed pieces are skipped, never raised)


@dataclass(frozen=True, slots=True)
class MethodResult:
    method: str  # spf, dkim, dmarc, arc, ...
    result: str  # one of RESULTS
    props: Mapping[str, str] = field(default_factory=dict)  # "smtp.mailfrom", "header.d", ...


@dataclass(frozen=True, slots=True)
class AuthResults:
    authserv_id: str  # lower-case, "" when the header omits it
    results: tuple[MethodResult, ...]
    instance: int = 0  # the ARC instance (i=) of an ARC-Authentication-Results header


_PARENS = re.compile(r"[()]")


def _strip_comments(value: str) -> str:
    if "(" not in value:  # no comment opens: the walk below would copy every character
        return value
    if '"' not in value and "\\" not in value:
        return _strip_plain_comments(value)
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if ch == '"' and depth == 0:
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
            continue
        elif not quoted and ch == ")" and depth:
            depth -= 1
            continue
        if depth == 0:
            out.append(ch)
    return "".join(out)


def _strip_plain_comments(value: str) -> str:
    """``_strip_comments`` for a value without quotes or backslashes, jumping from parenthesis to
    parenthesis: the text between two of them is kept when outside every comment, "(" opens one, ")"
    closes one (a stray ")" outside any is kept), exactly as the character walk decides."""
    out: list[str] = []
    depth = 0
    start = 0
    for m in _PARENS.finditer(value):
        at = m.start()
        if depth == 0:
            out.append(value[start:at])
        if value[at] == "(":
            depth += 1
        elif depth:
            depth -= 1
        else:
            out.append(")")
        start = at + 1
    if depth == 0:
        out.append(value[start:])
    return "".join(out)


def _split_semicolons(value: str) -> list[str]:
    if '"' not in value:  # nothing quoted: every ";" separates, as in the walk below
        return [p.strip() for p in value.split(";") if p.strip()]
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def normalise_result(value: str) -> str:
    value = value.strip().strip('"').lower()
    value = _RESULT_ALIASES.get(value, value)
    return value if value in RESULTS else "neutral"


def _method_results(piece: str) -> Iterator[MethodResult]:
    """``dkim=pass header.d=x dkim=fail header.d=y``: a new result starts at each method name."""
    method = ""
    result = ""
    props: dict[str, str] = {}
    for token in _TOKEN.findall(_EQUALS.sub("=", piece)):
        key, eq, val = token.partition("=")
        if not eq:
            continue
        key = key.lower()
        name = key.split("/", 1)[0]
        if name in _METHODS or (name.startswith("x-") and "." not in name):
            if method:
                yield MethodResult(method, result, props)
            method, result, props = name, normalise_result(val), {}
        elif method:
            props[key] = val.strip('"')
    if method:
        yield MethodResult(method, result, props)


def parse_authentication_results(value: str, arc: bool = False) -> AuthResults:
    """One ``Authentication-Results`` (or, with ``arc``, ``ARC-Authentication-Results``) value."""
    pieces = _split_semicolons(_strip_comments(value[:MAX_HEADER_CHARS]))
    instance = 0
    if arc and pieces and pieces[0].lower().replace(" ", "").startswith("i="):
        digits = pieces.pop(0).split("=", 1)[1].strip()
        instance = int(digits) if digits.isdigit() else 0
    authserv_id = ""
    if pieces and "=" not in pieces[0].split()[0]:
        authserv_id = pieces.pop(0).split()[0].lower().rstrip(".")
    results = tuple(r for piece in pieces for r in _method_results(piece))
    return AuthResults(authserv_id, results, instance)


_RECEIVED_SPF = re.compile(r"^\s*(\w+)", re.ASCII)
_ENVELOPE_FROM = re.compile(r"envelope-from\s*=\s*\"?<?([^\s;\">]+)", re.IGNORECASE)
_DOMAIN_OF = re.compile(r"domain of\s+(?:\S+@)?([A-Za-z0-9.-]+)", re.IGNORECASE)


def parse_received_spf(value: str) -> MethodResult:
    m = _RECEIVED_SPF.match(value)
    result = normalise_result(m.group(1)) if m else "neutral"
    sender = _ENVELOPE_FROM.search(value) or _DOMAIN_OF.search(value)
    props = {"smtp.mailfrom": sender.group(1).lower()} if sender else {}
    return MethodResult("spf", result, props)


# ---------------------------------------------------------------------------------------------
# Summary


@dataclass(frozen=True, slots=True)
class AuthSummary:
    spf: str = "none"
    dkim: str = "none"
    dmarc: str = "none"
    arc: str = "none"
    dkim_domains: tuple[str, ...] = ()  # domains of the signatures that passed
    dkim_failed_domains: tuple[str, ...] = ()
    spf_domain: str = ""
    dmarc_domain: str = ""  # header.from of the DMARC result
    trusted: bool = False
    authserv_id: str = ""
    source: str = "none"  # authentication-results | arc-authentication-results | received-spf | none
    dkim_verified: bool = False  # the DKIM result is Rempart's own verification

    def evidence(self) -> dict[str, Any]:
        return {"spf": self.spf, "dkim": self.dkim, "dmarc": self.dmarc, "arc": self.arc,
                "dkim_domains": list(self.dkim_domains), "spf_domain": self.spf_domain,
                "trusted": self.trusted, "authserv_id": self.authserv_id, "source": self.source,
                "dmarc_domain": self.dmarc_domain, "dkim_verified": self.dkim_verified}


def _domain_of(value: str) -> str:
    return value.rpartition("@")[2].strip().strip("<>").lower().rstrip(".")


def _dkim_domain(r: MethodResult) -> str:
    return _domain_of(r.props.get("header.d") or r.props.get("header.i", ""))


def _first(results: Iterable[MethodResult], method: str) -> MethodResult | None:
    return next((r for r in results if r.method == method), None)


def summarise(results: list[MethodResult], *, trusted: bool, authserv_id: str, source: str) -> AuthSummary:
    dkims = [r for r in results if r.method == "dkim"]
    passed = tuple(dict.fromkeys(d for r in dkims if r.result == "pass" and (d := _dkim_domain(r))))
    failed = tuple(dict.fromkeys(d for r in dkims if r.result != "pass" and (d := _dkim_domain(r))))
    dkim_result = "pass" if passed else next((r.result for r in dkims if r.result != "none"), "none")
    spf, dmarc, arc = (_first(results, m) for m in ("spf", "dmarc", "arc"))
    spf_domain = ""
    if spf is not None:
        spf_domain = _domain_of(spf.props.get("smtp.mailfrom") or spf.props.get("smtp.helo", ""))
    return AuthSummary(
        spf=spf.result if spf else "none",
        dkim=dkim_result,
        dmarc=dmarc.result if dmarc else "none",
        arc=arc.result if arc else "none",
        dkim_domains=passed,
        dkim_failed_domains=failed,
        spf_domain=spf_domain,
        dmarc_domain=_domain_of(dmarc.props.get("header.from", "")) if dmarc else "",
        trusted=trusted,
        authserv_id=authserv_id,
        source=source,
    )


def _merge_by_method(groups: Iterable[Iterable[MethodResult]]) -> list[MethodResult]:
    """Keep, per method, every result of the first header that carries it."""
    merged: list[MethodResult] = []
    seen: set[str] = set()
    for group in groups:
        group = list(group)
        fresh = {r.method for r in group} - seen
        merged.extend(r for r in group if r.method in fresh)
        seen |= fresh
    return merged


def trusted_summary(message: Message, trusted_ids: frozenset[str]) -> tuple[AuthSummary, list[str]]:
    """The authentication results to believe, and every authserv-id seen (for diagnostics)."""
    plain = [parse_authentication_results(v)
             for v in message.header_values("Authentication-Results")[:MAX_HEADERS]]
    arc = [parse_authentication_results(v, arc=True)
           for v in message.header_values("ARC-Authentication-Results")[:MAX_HEADERS]]
    seen = list(dict.fromkeys(a.authserv_id or "(none)" for a in [*plain, *arc]))
    good_plain = [a for a in plain if a.authserv_id and a.authserv_id in trusted_ids]
    if not good_plain and EXCHANGE_ONLINE_ID in trusted_ids:
        eop = exchange_online_results(message)
        if eop is not None:  # Microsoft writes no authserv-id: its header is known by where it sits
            good_plain = [replace(parse_authentication_results(eop), authserv_id=EXCHANGE_ONLINE_ID)]
    good_arc = sorted((a for a in arc if a.authserv_id and a.authserv_id in trusted_ids),
                      key=lambda a: -a.instance)
    if good_plain or good_arc:
        first = (good_plain or good_arc)[0]
        source = "authentication-results" if good_plain else "arc-authentication-results"
        merged = _merge_by_method([a.results for a in good_plain] + [a.results for a in good_arc])
        return summarise(merged, trusted=True, authserv_id=first.authserv_id, source=source), seen
    spf = _topmost_received_spf(message)
    if spf is not None:
        return summarise([spf], trusted=False, authserv_id="", source="received-spf"), seen
    return AuthSummary(), seen


def _topmost_received_spf(message: Message) -> MethodResult | None:
    for h in message.headers:
        name = h.name.lower()
        if name == "received":
            return None
        if name == "received-spf":
            return parse_received_spf(h.value)
    return None


# ---------------------------------------------------------------------------------------------
# Own DKIM verification


@dataclass(frozen=True, slots=True)
class DkimCheck:
    domain: str
    valid: bool
    error: str = ""


_SIGNATURE_DOMAIN = re.compile(r"(?:^|;)\s*d\s*=\s*([^;\s]+)")


def verify_dkim_signatures(raw: bytes, resolver: Resolver, limit: int = 5) -> list[DkimCheck]:
    """Verify every DKIM-Signature (up to ``limit``) of ``raw`` with keys from ``resolver``."""
    dnsfunc = dkim_dnsfunc(resolver)
    checks: list[DkimCheck] = []
    try:
        signer = dkim.DKIM(raw, minkey=1024)
    except Exception as err:  # dkimpy raises assorted errors on malformed messages
        return [DkimCheck("", False, type(err).__name__)]
    signatures = [v for k, v in signer.headers if k.lower() == b"dkim-signature"][:limit]
    for idx, value in enumerate(signatures):
        m = _SIGNATURE_DOMAIN.search(value.decode("ascii", "replace"))
        domain = m.group(1).lower() if m else ""
        try:
            checks.append(DkimCheck(domain, bool(signer.verify(idx=idx, dnsfunc=dnsfunc))))
        except Exception as err:  # a bad key or signature is a failed check, not a crash
            checks.append(DkimCheck(domain, False, type(err).__name__))
    return checks


def _with_own_dkim(summary: AuthSummary, checks: list[DkimCheck]) -> AuthSummary:
    passed = tuple(dict.fromkeys(c.domain for c in checks if c.valid and c.domain))
    failed = tuple(dict.fromkeys(c.domain for c in checks if not c.valid and c.domain))
    result = "pass" if passed else ("fail" if checks else "none")
    return replace(summary, dkim=result, dkim_domains=passed, dkim_failed_domains=failed, dkim_verified=True)


def _own_dkim(message: Message, context: Context, summary: AuthSummary) -> tuple[AuthSummary, Finding | None]:
    raw = message.raw or None
    resolver = installed_resolver(context.resources)
    if not isinstance(raw, bytes) or resolver is None:
        reason = "no_raw_message" if not isinstance(raw, bytes) else "no_resolver"
        return summary, Finding("auth.dkim_unverified", 0.0, {"reason": reason})
    if message.header("DKIM-Signature") is None:
        return summary, None
    return _with_own_dkim(summary, verify_dkim_signatures(raw, resolver)), None


# ---------------------------------------------------------------------------------------------
# Findings


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed DMARC alignment: same registrable domain."""
    return bool(domain and from_domain) and registered_domain(domain) == registered_domain(from_domain)


def has_aligned_pass(summary: AuthSummary, from_domain: str) -> bool:
    if summary.dmarc == "pass":
        return True
    if any(aligned(d, from_domain) for d in summary.dkim_domains):
        return True
    return summary.spf == "pass" and aligned(summary.spf_domain, from_domain)


def authenticated_as(summary: AuthSummary, from_domain: str) -> bool:
    """A trusted server saw ``from_domain`` authenticate: an aligned pass and no DMARC failure."""
    return summary.trusted and summary.dmarc != "fail" and has_aligned_pass(summary, from_domain)


def _list_domain(message: Message) -> str:
    """The registered domain of the List-Id ("<dir-ehpad.listes.reseau-ehpad.fr>" → reseau-ehpad.fr), else ""."""
    value = (message.header("List-Id") or "")[:300]
    inner = value[value.find("<") + 1: value.rfind(">")] if "<" in value and ">" in value else value.strip()
    return registered_domain(inner.strip().lower()) if "." in inner else ""


def _failures(summary: AuthSummary, from_domain: str, message: Message) -> Iterator[Finding]:
    if summary.dmarc == "fail":
        evidence = {"domain": summary.dmarc_domain or from_domain, "spf": summary.spf, "dkim": summary.dkim}
        relay = _list_domain(message)
        by_list = bool(relay) and any(registered_domain(d) == relay for d in summary.dkim_domains)
        if by_list:
            evidence["list"] = relay
        yield Finding("auth.dmarc_fail", WEIGHTS["dmarc_fail_list" if by_list else "dmarc_fail"], evidence)
        return  # SPF and DKIM failures are what made DMARC fail: one signal, not three
    if summary.spf in ("fail", "softfail"):
        yield Finding("auth.spf_fail", WEIGHTS["spf_" + summary.spf],
                      {"result": summary.spf, "domain": summary.spf_domain})
    if summary.dkim in ("fail", "permerror") and not summary.dkim_domains:
        yield Finding("auth.dkim_fail", WEIGHTS["dkim_fail"],
                      {"result": summary.dkim, "domains": list(summary.dkim_failed_domains)})
    if summary.trusted and from_domain and not has_aligned_pass(summary, from_domain):
        yield Finding("auth.no_aligned_auth", WEIGHTS["no_aligned_auth"],
                      {"domain": from_domain, "spf_domain": summary.spf_domain,
                       "dkim_domains": list(summary.dkim_domains)})


def _mail_gateway_domain(from_domain: str, context: Context) -> str:
    """The registered domain of a trusted authserv-id when the From domain is it: the company whose server filters
    the organisation's inbound mail (its quarantine digests and notices). Free-mail providers' ids
    (protection.outlook.com) never count: anyone has an address there."""
    domain = registered_domain(from_domain)
    freemail = context.resources.data_list("freemail")
    for authserv_id in context.config.auth.trusted_authserv_ids:
        own = registered_domain(authserv_id)
        if own == domain and "." in own and own not in freemail:
            return own
    return ""


def _answers_to_free_mail(message: Message, context: Context) -> bool:
    freemail = context.resources.data_list("freemail")
    return any(registered_domain(r.domain) in freemail and not context.config.org.known_free_address(r.address)
               for r in message.reply_to if r.domain)


def _trust(summary: AuthSummary, message: Message, from_domain: str, context: Context) -> Iterator[Finding]:
    """Mail really from the organisation's own domain, a known vendor's or a brand's (moderate: compromised
    mailboxes send with passing authentication too)."""
    if not from_domain:
        return
    dmarc_ok = summary.trusted and summary.dmarc == "pass" and (
        not summary.dmarc_domain or aligned(summary.dmarc_domain, from_domain))
    dkim_ok = (summary.trusted or summary.dkim_verified) and any(
        aligned(d, from_domain) for d in summary.dkim_domains)
    if not (dmarc_ok or dkim_ok):
        return
    if registered_domain(from_domain) in context.resources.data_list("freemail"):
        return  # anyone can pass DMARC for gmail.com
    owner = owner_of(from_domain, context.resources)
    # The organisation's own mail filter writing about its mail (a quarantine digest), whether or not the filtering
    # company is also a brand (Hornetsecurity, Proofpoint: ``mail_filter``): its digest quotes the lures it held.
    # (The organisation's own domain or a vendor's is theirs first, even when its MX names it; and a mail host such
    # as Google is a platform anyone can make send, mx.google.com or not.)
    if owner is None or (owner.brand is not None and owner.brand.mail_filter):
        gateway = _mail_gateway_domain(from_domain, context)
        if gateway:
            yield Finding("auth.mail_gateway_sender", WEIGHTS["trust_vendor"],
                          {"domain": from_domain, "gateway": gateway, "method": "dmarc" if dmarc_ok else "dkim"})
            return
    if owner is None:
        return
    if owner.kind == "org":
        weight = WEIGHTS["trust_org"]
    elif owner.brand is not None and owner.brand.user_content:
        # the platform is proven, its author is not: an envelope that answers to an anonymous free-mail account
        # (not one the profile lists) is vouched for by nobody
        # (only where businesses send: a file transfer or a portal relaying its members answers to Gmail every day)
        anonymous = owner.brand.business_senders and _answers_to_free_mail(message, context)
        weight = 0.0 if anonymous else WEIGHTS["trust_user_content"]
    else:
        weight = WEIGHTS["trust_vendor"] if owner.kind == "vendor" else WEIGHTS["trust_brand"]
    yield Finding("auth.trusted_sender", weight,
                  {"domain": from_domain, "target_name": owner.name, "target_kind": owner.kind,
                   "method": "dmarc" if dmarc_ok else "dkim"})


def analyze(message: Message, context: Context) -> Iterable[Finding]:
    settings = context.config.auth
    trusted_ids = frozenset(settings.trusted_authserv_ids)
    summary, seen = trusted_summary(message, trusted_ids)
    findings: list[Finding] = []
    if not trusted_ids:
        findings.append(Finding("auth.no_trusted_authserv", 0.0, {"authserv_ids_seen": seen}))
    elif not summary.trusted and seen:
        findings.append(Finding("auth.no_trusted_results", 0.0, {"authserv_ids_seen": seen}))
    if settings.verify_dkim:
        summary, note = _own_dkim(message, context, summary)
        findings.extend([note] if note else [])
    from_domain = message.from_address.domain if message.from_address else ""
    findings.append(Finding("auth.results", 0.0, summary.evidence()))
    # Mail a mailbox of the tenant submitted is not authenticated by SPF/DKIM/DMARC (it never crossed the MX):
    # Exchange Online vouches for it instead (exchange_online.py), as the internal route does for own servers.
    if not submitted_inside_tenant(message):
        findings.extend(_failures(summary, from_domain, message))
    if summary.arc == "fail":
        findings.append(Finding("auth.arc_fail", WEIGHTS["arc_fail"], {"authserv_id": summary.authserv_id}))
    findings.extend(_trust(summary, message, from_domain, context))
    return findings


def summary_from_findings(findings: Iterable[Finding]) -> AuthSummary | None:
    """The summary ``analyze`` published in its ``auth.results`` finding (for later analyzers)."""
    for f in findings:
        if f.code == "auth.results":
            e = f.evidence
            return AuthSummary(
                spf=str(e.get("spf", "none")), dkim=str(e.get("dkim", "none")),
                dmarc=str(e.get("dmarc", "none")), arc=str(e.get("arc", "none")),
                dkim_domains=tuple(e.get("dkim_domains", ())), dmarc_domain=str(e.get("dmarc_domain", "")),
                spf_domain=str(e.get("spf_domain", "")), trusted=bool(e.get("trusted", False)),
                authserv_id=str(e.get("authserv_id", "")), source=str(e.get("source", "none")),
                dkim_verified=bool(e.get("dkim_verified", False)),
            )
    return None


def failed_authentication(findings: Iterable[Finding]) -> bool:
    """The organisation's own receiving server saw the sender fail DMARC, or SPF with no DKIM signature: a copy of
    a known address forged by someone else."""
    summary = summary_from_findings(findings)
    return summary is not None and summary.trusted and (
        summary.dmarc == "fail" or (summary.spf in ("fail", "softfail") and not summary.dkim_domains))
