"""The facts document: the message plus every analyzer's findings, in one versioned, JSON-like shape.

Rules evaluate over it, the model's features come from it, the console shows it. A new signal is
added once, in an analyzer, and appears here through its finding: nothing downstream recomputes it.
The schema is documented in ``docs/facts.md``; bump ``FACTS_VERSION`` on any incompatible change.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from rempart.config import OrgProfile
from rempart.domains import registered_domain
from rempart.findings import Finding
from rempart.message.model import Address, Attachment, Message, Url

# Additive changes (new fields) keep the version; renaming, removing or retyping a field bumps it.
FACTS_VERSION = 1
_BODY_LIMIT = 100_000  # characters of each body kept in the facts (rules see enough; memory stays bounded)
_TEXT_LIMIT = 8_000  # characters of body in the folded ``text`` rules match against (lures come first)
_MAX_URLS = 100  # distinct URLs in ``urls``, links and form targets first, images and headers last
_DEFANGED = re.compile(r"hxxps?://|\[\.\]")
_ORIGIN_ORDER = {"form_action": 0, "href": 1, "text": 2, "link_text": 3, "attachment": 4, "image": 5,
                 "header": 6}


def _address(a: Address | None) -> dict[str, str]:
    if a is None:
        return {"name": "", "address": "", "domain": "", "registered_domain": ""}
    return {"name": a.name, "address": a.address, "domain": a.domain,
            "registered_domain": registered_domain(a.domain)}


def _codes_by(findings: Iterable[Finding], key: str) -> dict[str, set[str]]:
    """Finding codes by the value (as text) of their evidence ``key``: what each URL or file is blamed for."""
    index: dict[str, set[str]] = {}
    for f in findings:
        if key in f.evidence:
            value = str(f.evidence[key])
            if value:
                index.setdefault(value, set()).add(f.code)
    return index


def build_facts(message: Message, findings: list[Finding], org: OrgProfile,
                reader_domains: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The facts document. ``reader_domains``: with no organisation known, the recipients' own domains, whose
    links count as the organisation's (``Engine.facts_for``)."""
    headers: dict[str, list[str]] = {}
    for h in message.headers:
        name = h.name.lower()
        if name in headers:
            headers[name].append(h.value)
        else:
            headers[name] = [h.value]
    auth: dict[str, Any] = {"spf": "none", "dkim": "none", "dmarc": "none", "arc": "none", "dkim_domains": []}
    evidence: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.code == "auth.results":
            auth.update(f.evidence)
        if f.code not in evidence:  # the first finding of a code gives its evidence (copied once)
            evidence[f.code] = dict(f.evidence)
    codes = sorted({f.code for f in findings})
    org_domains = frozenset(org.domains) | reader_domains
    unique_urls = _distinct_urls(message.urls)
    about_url = _codes_by(findings, "url") if unique_urls else {}
    about_sha = _codes_by(findings, "sha256") if message.attachments else {}
    facts: dict[str, Any] = {
        "facts_version": FACTS_VERSION,
        "subject": message.subject,
        "from": _address(message.from_address),
        "sender": _address(message.sender),
        # a Reply-To the profile lists (a relative's Gmail behind her Google Drive share) is the party's own
        "reply_to": [{**_address(a), "is_known_address": org.known_free_address(a.address)}
                     for a in message.reply_to],
        "return_path": message.return_path,
        "to": [_address(a) for a in message.to],
        "cc": [_address(a) for a in message.cc],
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "headers": headers,
        "body": {"text": message.text[:_BODY_LIMIT], "html_text": message.html_text[:_BODY_LIMIT],
                 "has_html": bool(message.html)},
        "auth": auth,
        "received": [{"from_host": r.from_host, "from_ip": r.from_ip, "by_host": r.by_host}
                     for r in message.received],
        "urls": [
            {
                "url": u.url, "scheme": u.scheme, "host": u.host,
                "domain": registered_domain(u.host) if u.host else "",
                "origin": u.origin.value, "shown_text": u.shown_text or "",
                "findings": sorted(about_url.get(u.url, ())) if u.url else [],
                **url_extra(u, org_domains),
            }
            for u in unique_urls
        ],
        "attachments": [
            {
                "filename": a.filename, "declared_type": a.declared_type, "sniffed_type": a.sniffed_type,
                "size": a.size, "sha256": a.sha256, "inline": a.inline,
                "findings": sorted(about_sha.get(a.sha256, ())) if a.sha256 else [],
                **attachment_facts(a),
            }
            for a in message.attachments
        ],
        "findings": codes,
        "finding_evidence": evidence,
        "org": {"name": org.name, "domains": list(org.domains),
                "vendor_domains": sorted({d for v in org.vendors for d in v.domains}),
                "people": [p.name for p in org.people]},
        "model_score": None,
        "text": fold_text(message.subject, message.body_text, _TEXT_LIMIT),
        "thread": thread_facts(message),
        "list_id": headers["list-id"][0][:200] if "list-id" in headers else "",  # message.header("List-Id")
    }
    facts["from"].update(sender_facts(message.from_address, codes, evidence, org))
    # a link to the From domain's own site, when DMARC proves the From domain: the sender's own page, which
    # rules about a known supplier's or brand's notices ask once instead of spelling the three tests each time
    own = facts["from"]["registered_domain"] if auth.get("dmarc") == "pass" else ""
    for u in facts["urls"]:
        u["is_sender_own"] = bool(own) and u["domain"] == own
    # a security warning that quotes lures rather than being one: its links defanged ("hxxps://…[.]com", which no
    # lure can use), it comes from inside the organisation, or it is the organisation's own mail filter reporting
    # what it held (a quarantine digest); a warning sentence alone could be a lure's own decoy
    sender = facts["from"]
    inside = sender["internal_route"] or (sender["is_org"] and auth.get("dmarc") == "pass") \
        or "auth.mail_gateway_sender" in codes
    facts["quoted_warning"] = "intent.security_warning" in codes and bool(_DEFANGED.search(facts["text"]) or inside)
    return facts


def _distinct_urls(urls: Iterable[Url]) -> list[Url]:
    """One entry per URL (its most clickable origin), at most ``_MAX_URLS``, clickable ones first."""
    best: dict[str, Url] = {}
    for u in urls:
        current = best.get(u.url)
        rank = _ORIGIN_ORDER.get(u.origin.value, 9)
        if current is None or rank < _ORIGIN_ORDER.get(current.origin.value, 9):
            best[u.url] = u
    ordered = sorted(best.values(), key=lambda u: _ORIGIN_ORDER.get(u.origin.value, 9))
    return ordered[:_MAX_URLS]


# --- Derived fields: cheap, computed from the message or from findings, never re-analysed ----------

def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x00C0, 0x0250):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base.isascii() and base.isalpha():
            table[cp] = base.lower()
    table.update({ord(c): "'" for c in "\u2019\u2018\u02bc\u2032\u0060\u00b4"})
    table.update({ord(c): '"' for c in "\u00ab\u00bb\u201c\u201d\u201e"})
    table.update({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
    table.update({ord(c): " " for c in "\u00a0\u202f\u2009\u2007\u3000"})
    table.update({ord(c): "" for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"})
    table.update({ord("\u0153"): "oe", ord("\u0152"): "oe", ord("\u00e6"): "ae", ord("\u00c6"): "ae"})
    return table


_FOLD = _fold_table()
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD)


def fold_text(subject: str, body: str, limit: int) -> str:
    """Subject and body as rules match them: lower case, accents stripped, zero-width characters
    removed, typographic quotes and dashes made plain, runs of white space collapsed to one space."""
    text = f"{subject}\n{body[:limit]}"
    # str.translate with a dict has a fast path for ASCII strings only: on any other string it looks
    # every character up (and raises KeyError for each unmapped one). The table maps characters one by
    # one, so translating only the non-ASCII runs, and the backtick by replace, gives the same text.
    if not text.isascii():
        text = _NON_ASCII_RUN.sub(_fold_run, text)
    text = text.replace("`", "'").lower()
    return " ".join(text.split())


_REPLY_PREFIX = re.compile(r"^\s*(?:(re|aw|sv|antw)|(tr|fwd?|wg|trans|rv))\s*(?:\[\d+\])?\s*:",
                           re.IGNORECASE)


def thread_facts(message: Message) -> dict[str, Any]:
    prefix = _REPLY_PREFIX.match(message.subject)
    return {
        "reply_subject": bool(prefix and prefix.group(1)),
        "forward_subject": bool(prefix and prefix.group(2)),
        "in_reply_to": bool(message.in_reply_to),
        "references": len(message.references),
    }


def sender_facts(address: Address | None, codes: list[str], evidence: Mapping[str, Mapping[str, Any]],
                 org: OrgProfile) -> dict[str, Any]:
    domain = address.domain if address else ""
    registered = registered_domain(domain) if domain else ""
    own = set(org.domains)
    vendors = {d for v in org.vendors for d in v.domains}
    impersonation = next((c for c in codes if c.startswith("sender.display_name_impersonation.")), "")
    lookalike = evidence.get("sender.lookalike_domain", {})
    via = evidence.get(impersonation, {}) if impersonation else {}
    brand_swap = bool(lookalike.get("public_brand")) and lookalike.get("technique") == "tld_swap"
    brand = evidence.get("sender.brand_domain", {})
    return {
        "local_part": address.local_part if address else "",
        # with no profile, a route that provably never left the recipients' own servers names the organisation too
        "is_org": bool(domain) and (domain in own or registered in own or "sender.internal_route" in codes),
        "is_vendor": bool(domain) and (domain in vendors or registered in vendors),
        "is_freemail": "sender.freemail" in codes,
        # under a suffix where public administrations publish (gouv.fr, gouv.mc, fgov.be, admin.ch)
        "is_government": "sender.government_domain" in codes,
        # a free-mail address the profile knows (an executive's personal address, a vendor's contact)
        "is_known_address": address is not None and org.known_free_address(address.address),
        "impersonates": impersonation.rpartition(".")[2],
        "impersonated_name": str(evidence.get(impersonation, {}).get("target", "")) if impersonation else "",
        # "Camille Roux via SharePoint": the name of someone we know, relayed by a real platform
        "impersonation_platform": "" if not impersonation or via.get("freemail") else str(via.get("platform") or ""),
        # A shipped brand's name under another suffix (douane.nl for douane.gouv.fr) is most often another
        # company or the brand's own registration: a reason to look, but not the forged identity that the BEC
        # rules read in ``lookalike_of``; ``lookalike_other_suffix`` lets a rule still ask for it.
        "lookalike_of": "" if brand_swap else str(lookalike.get("target_kind", "")),
        "lookalike_target": "" if brand_swap else str(lookalike.get("target", "")),
        "lookalike_other_suffix": brand_swap,
        # the brand whose own domain sends, when that domain carries only the brand's words (not an open
        # platform such as docusign.net, where anyone writes the text)
        "brand": "" if brand.get("open_platform") else str(brand.get("brand", "")),
        # the message never left the organisation's own mail servers (sender.internal_route)
        "internal_route": "sender.internal_route" in codes,
    }


def url_extra(url: Url, org_domains: frozenset[str]) -> dict[str, Any]:
    host = url.host
    rest = url.url.split("//", 1)[-1]
    path = rest[rest.find("/"):] if "/" in rest else ""
    domain = registered_domain(host) if host else ""
    return {
        "tld": host.rpartition(".")[2] if "." in host else "",
        "path": path[:500].lower(),
        "is_org": bool(host) and (host in org_domains or domain in org_domains),
    }


_TEXT_EXTENSIONS = frozenset({"htm", "html", "shtml", "xhtml", "svg", "js", "jse", "vbs", "vbe", "wsf", "hta",
                              "ps1", "bat", "cmd", "xml", "mht", "mhtml"})
_TEXT_TYPES = ("text/", "image/svg", "application/xhtml", "application/javascript", "application/hta")
_ATTACHMENT_TEXT_LIMIT = 65_536
_MAX_MEMBERS = 100
_OLE_VBA = "_VBA_PROJECT".encode("utf-16-le")
_OLE_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")


def _suffixes(filename: str) -> list[str]:
    parts = filename.lower().strip().rstrip(". ").split(".")[1:]
    return [p for p in parts if 0 < len(p) <= 6 and p.isalnum()][-3:]


def _zip_facts(content: bytes) -> tuple[list[str], bool, bool]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return [], False, False
    names = [i.filename for i in infos[:_MAX_MEMBERS]]
    encrypted = any(i.flag_bits & 0x1 for i in infos)
    macros = any(i.filename.lower().endswith("vbaproject.bin") for i in infos)
    return names, encrypted, macros


def attachment_facts(a: Attachment) -> dict[str, Any]:
    """Name suffixes; for a zip (or OOXML) its member names, encryption and VBA project; for an OLE file
    its VBA project or encryption stream; for a text-like file (HTML, SVG, scripts) its first 64 KiB."""
    suffixes = _suffixes(a.filename)
    members: list[str] = []
    encrypted = macros = False
    head = a.content[:8]
    if head.startswith(b"PK\x03\x04"):
        members, encrypted, macros = _zip_facts(a.content)
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        macros = _OLE_VBA in a.content
        encrypted = _OLE_ENCRYPTED in a.content
    text = ""
    if (suffixes and suffixes[-1] in _TEXT_EXTENSIONS) or a.sniffed_type.startswith(_TEXT_TYPES):
        text = a.content[:_ATTACHMENT_TEXT_LIMIT].decode("utf-8", "replace").lower()
    return {
        "extension": suffixes[-1] if suffixes else "",
        "extensions": suffixes,
        "members": members,
        "encrypted": encrypted,
        "macros": macros,
        "text": text,
    }
