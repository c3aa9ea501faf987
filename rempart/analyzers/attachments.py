"""Attachments: what each file really is and what is hidden inside it.

Cheap checks run in-process on every attachment (inline images and files of forwarded messages
included): the true type from magic bytes against the name and declared type, dangerous types
(programs, scripts, shortcuts, disk images, OneNote, CHM, MSI, JAR...), double extensions and
deceptive Unicode in names. The deep analysis — archives (recursively, with bounds), Office macros
and DDE and remote templates, PDF actions, HTML smuggling and credential forms, QR codes, YARA —
runs in a bounded worker process (``payload.sandbox``): a hostile file costs at most
``[payload] timeout_seconds`` and ``memory_mb``, and overruns are findings.

URLs found inside attachments (PDF URI actions, HTML files, QR codes, OOXML external relationships,
macro source) are emitted as ``attachment.embedded_urls`` (weight 0; evidence ``urls``, ``location``,
``origin``) for the links analyzer, which runs after this one. The text of documents (the first pages of
a PDF, the body of a Word document) is emitted as ``attachment.document_text`` (weight 0; evidence
``text``, ``location``) for the intent analyzer: what a lure sent as a document asks is read like the
body. Every finding carries the attachment's ``filename`` and ``sha256`` (the facts document attaches it
to that attachment) and, for what was found inside, the ``location`` (member path) where it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from rempart.analyzers.base import Context, Resources
from rempart.analyzers.payload.deep import Deep, analyze_attachment, warm_up
from rempart.analyzers.payload.filetype import dangerous_category, mismatch, true_type
from rempart.analyzers.payload.names import name_hits
from rempart.analyzers.payload.passwords import candidate_passwords
from rempart.analyzers.payload.sandbox import Outcome, Sandbox
from rempart.analyzers.payload.tables import CATEGORY_WEIGHTS, PayloadTables, payload_tables
from rempart.analyzers.payload.yara_rules import compiled_rules
from rempart.domains import registered_domain
from rempart.findings import Finding
from rempart.message.model import Attachment, Message

NAME = "attachments"
CODES = frozenset(
    {
        "attachment.dangerous_type",
        "attachment.double_extension",
        "attachment.deceptive_name",
        "attachment.type_mismatch",
        "attachment.archive_dangerous_member",
        "attachment.disk_image_payload",
        "attachment.embedded_dangerous_file",
        "attachment.archive_bomb",
        "attachment.encrypted_archive",
        "attachment.encrypted_archive_password_in_body",
        "attachment.damaged_archive",
        "attachment.macro",
        "attachment.macro_suspicious",
        "attachment.macro_auto_exec_and_run",
        "attachment.xlm_macro",
        "attachment.dde",
        "attachment.office_remote_content",
        "attachment.equation_editor",
        "attachment.encrypted_document",
        "attachment.encrypted_document_password_in_body",
        "attachment.pdf_javascript",
        "attachment.pdf_launch",
        "attachment.pdf_open_action_uri",
        "attachment.pdf_form_submit",
        "attachment.pdf_embedded_file",
        "attachment.pdf_einvoice_data",
        "attachment.html_smuggling",
        "attachment.html_credential_form",
        "attachment.html_redirect",
        "attachment.html_obfuscated_script",
        "attachment.html_clipboard_command",
        "attachment.svg_script",
        "attachment.svg_link",
        "attachment.qr_code_url",
        "attachment.qr_code_own_site",
        "attachment.embedded_urls",
        "attachment.document_text",
        "attachment.yara_match",
        "attachment.analysis_timeout",
        "attachment.analysis_limit",
        "attachment.analysis_error",
    }
)

ANALYSIS_TIMEOUT = 0.2  # a file that stalls the parsers is odd, and legitimate big files exist
ANALYSIS_LIMIT = 0.2
MAX_EMBEDDED_MESSAGES = 10


def prepare(resources: Resources) -> None:
    """Load the data, compile the YARA rules and warm the parsers now: a broken rule file fails engine
    start (ConfigError) instead of the first scan."""
    _sandbox(resources)


def _sandbox(resources: Resources) -> Sandbox:
    """The engine's bounded worker, created once the parsers are warm (so every worker starts ready)."""

    def build() -> Sandbox:
        settings = resources.config.payload
        tables = payload_tables(resources)
        rules = compiled_rules(resources)
        warm_up(settings, tables, rules)

        def handler(header: dict[str, Any], name: str, data: bytes) -> dict[str, Any]:
            passwords = tuple(str(p) for p in header.get("passwords", []))
            return analyze_attachment(Deep.start(settings, tables, rules, passwords), name, data)

        return Sandbox(handler, settings.memory_mb)

    return resources.cached("payload:sandbox", build)


def _attachments(message: Message, depth: int = 0) -> Iterator[tuple[Attachment, bool]]:
    """Every attachment, with whether it came from a forwarded (embedded) message."""
    for attachment in message.attachments:
        yield attachment, depth > 0
    if depth < 3:
        for inner in message.embedded[:MAX_EMBEDDED_MESSAGES]:
            yield from _attachments(inner, depth + 1)


def _texts(message: Message, depth: int = 0) -> Iterator[str]:
    yield message.subject
    yield message.body_text
    if depth < 3:
        for inner in message.embedded[:MAX_EMBEDDED_MESSAGES]:
            yield from _texts(inner, depth + 1)


def _cheap(attachment: Attachment, tables: PayloadTables, base: dict[str, Any]) -> list[Finding]:
    """Name, magic bytes and declared type: in-process, microseconds."""
    found: list[Finding] = []
    name = attachment.filename
    sniffed = true_type(attachment.content)
    for hit in name_hits(name, tables):
        found.append(Finding(hit.code, hit.weight, {**base, **hit.evidence}))
    category, why = dangerous_category(name, sniffed, tables)
    if category:
        evidence = {**base, "category": category, "identified_by": why}
        if sniffed:
            evidence["true_type"] = sniffed
        found.append(Finding("attachment.dangerous_type", CATEGORY_WEIGHTS.get(category, 0.5), evidence))
    wrong = mismatch(name, attachment.declared_type, sniffed, attachment.size, tables)
    if wrong is not None:
        found.append(Finding("attachment.type_mismatch", 0.3, {**base, **wrong}))
    return found


def _from_outcome(outcome: Outcome, base: dict[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    if outcome.status == "timeout":
        found.append(
            Finding("attachment.analysis_timeout", ANALYSIS_TIMEOUT, {**base, "detail": outcome.detail})
        )
    elif outcome.status == "skipped":
        # not analysed because another attachment used the time: recorded, the culprit carries the weight
        found.append(
            Finding("attachment.analysis_timeout", 0.0, {**base, "detail": outcome.detail, "skipped": True})
        )
    elif outcome.status == "limit":
        found.append(Finding("attachment.analysis_limit", ANALYSIS_LIMIT, {**base, "limit": outcome.detail}))
    elif outcome.status == "error":
        found.append(Finding("attachment.analysis_error", 0.0, {**base, "detail": outcome.detail}))
    for hit in outcome.result.get("hits", []):
        if isinstance(hit, dict) and str(hit.get("code", "")) in CODES:
            evidence = dict(hit.get("evidence") or {})
            if hit["code"] == "attachment.qr_code_url":
                evidence["host"] = urlsplit(str(evidence.get("url", ""))).hostname or ""
            found.append(Finding(str(hit["code"]), float(hit.get("weight", 0.0)), {**base, **evidence}))
    for doc in outcome.result.get("texts", []):
        text = str(doc.get("text", ""))
        if text.strip():
            found.append(Finding("attachment.document_text", 0.0,
                                 {**base, "location": str(doc.get("location", "")), "text": text}))
    for group in outcome.result.get("urls", []):
        urls = [str(u) for u in group.get("urls", [])]
        origin = str(group.get("origin", ""))
        location = str(group.get("location", ""))
        if urls:
            found.append(
                Finding(
                    "attachment.embedded_urls",
                    0.0,
                    {**base, "urls": urls, "location": location, "origin": origin},
                )
            )
    return found


def analyze(message: Message, context: Context) -> Iterable[Finding]:
    resources = context.resources
    sandbox = _sandbox(resources)
    tables = payload_tables(resources)
    settings = context.config.payload
    candidates = [(a, forwarded) for a, forwarded in _attachments(message) if a.content]
    if not candidates:
        return []
    passwords = candidate_passwords(*_texts(message))
    findings: list[Finding] = []
    bases: list[dict[str, Any]] = []
    files: list[tuple[str, bytes]] = []
    for attachment, forwarded in candidates:
        base: dict[str, Any] = {"filename": attachment.filename, "sha256": attachment.sha256}
        if forwarded:
            base["in_forwarded_message"] = True
        if attachment.inline:
            base["inline"] = True
        findings.extend(_cheap(attachment, tables, base))
        bases.append(base)
        files.append((attachment.filename, attachment.content))
    outcomes = sandbox.run({"passwords": list(passwords)}, files, settings.timeout_seconds)
    for outcome, base in zip(outcomes, bases, strict=True):
        findings.extend(_from_outcome(outcome, base))
    return _own_site_qr_codes(findings, context)


def _own_site_qr_codes(findings: list[Finding], context: Context) -> list[Finding]:
    """A QR code that leads to the proven sender's own site (a known hotel's booking page on its flyer) is how such
    a partner advertises, not a lure: kept as a fact, weight 0. Only when authentication proved the From domain of a
    known vendor, brand or the organisation (auth.trusted_sender): a look-alike can host a page on its own domain.
    Reported as ``attachment.qr_code_own_site`` so that rules about QR-code lures leave it alone."""
    trusted = next((f for f in context.findings if f.code == "auth.trusted_sender" and f.weight < 0), None)
    if trusted is None:
        return findings
    own = registered_domain(str(trusted.evidence.get("domain", "")))
    if not own:
        return findings
    return [Finding("attachment.qr_code_own_site", 0.0, f.evidence)
            if f.code == "attachment.qr_code_url" and registered_domain(str(f.evidence.get("host", ""))) == own
            else f for f in findings]
