#!/usr/bin/env python3
"""Build the French business-mail bench from its hand-written sources.

For every ``bench/corpus-fr/<org>/mails.yaml`` (or only the orgs named on the command line) this
validates the items against SCHEMA.md, then writes ``<org>/mail/<id>.eml`` and ``<org>/labels.csv``.

Usage::

    python bench/corpus-fr/build.py                 # all orgs, then refresh the README table
    python bench/corpus-fr/build.py ateliers-vernier cabinet-delmas
    python bench/corpus-fr/build.py --check         # validate only, write nothing
    python bench/corpus-fr/build.py --table         # print the per-org table only

Output is deterministic: Message-IDs, MIME boundaries, queue ids, DKIM-looking values, zip/ISO
timestamps... are all derived from a hash of ``org + id`` (never from the clock or a RNG), so the
same sources always give byte-identical files.

Attachments are harmless stand-ins (see SCHEMA.md): scripts are one comment line, PDFs carry a
JavaScript action or link that only points at the URL written in the source, nothing executes code.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import hashlib
import html
import io
import ipaddress
import re
import struct
import sys
import tomllib
import zipfile
import zlib
from collections import Counter, defaultdict
from email import policy as email_policy
from email.message import MIMEPart
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

ROOT = Path(__file__).resolve().parent
README = ROOT / "README.md"
TABLE_START = "<!-- orgs-table:start -->"
TABLE_END = "<!-- orgs-table:end -->"

PHISH_KINDS = {
    "ceo_fraud",
    "cfo_fraud",
    "vendor_bank_change",
    "payroll_diversion",
    "gift_card",
    "post_call_pretext",
    "credential_phish",
    "public_service_lure",
    "brand_lure",
    "callback_phish",
    "malicious_attachment",
    "qr_phish",
    "reply_chain_hijack",
    "oauth_consent",
    "homoglyph_domain",
    "free_hosting",
    "compromised_vendor",
    "internal_account_takeover",
}
HAM_KINDS = {
    "internal_urgent_money",
    "internal_confidential",
    "supplier_invoice",
    "supplier_reminder",
    "bank_notification",
    "saas_notification",
    "esignature",
    "public_service",
    "carrier_notification",
    "cloud_notification",
    "password_reset_requested",
    "signin_alert",
    "newsletter",
    "it_warning_quoting_lure",
    "internal_request",
    "customer_mail",
}
KINDS = {"phish": PHISH_KINDS, "ham": HAM_KINDS}
ATTACHMENT_KINDS = {
    "pdf",
    "pdf_js",
    "pdf_link",
    "html_credential_form",
    "html_smuggling",
    "qr_png",
    "zip_script",
    "zip_encrypted",
    "iso_lnk",
    "docx",
    "xlsx",
    "ics",
    "png",
    "txt",
}
ITEM_KEYS = {
    "id",
    "label",
    "kind",
    "lang",
    "date",
    "from",
    "reply_to",
    "return_path",
    "to",
    "cc",
    "subject",
    "client_ip",
    "helo",
    "auth",
    "in_reply_to",
    "references",
    "headers",
    "html",
    "text",
    "attachments",
}
REQUIRED_KEYS = {
    "id",
    "label",
    "kind",
    "lang",
    "date",
    "from",
    "to",
    "subject",
    "client_ip",
    "helo",
    "auth",
    "text",
}
AUTH_VALUES = {
    "spf": {"pass", "fail", "softfail", "neutral", "none"},
    "dkim": {"pass", "fail", "none"},
    "dmarc": {"pass", "fail", "none"},
}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LINK_RE = re.compile(r"\[([^\]\n]*)\]\((https?://[^\s)]+|mailto:[^\s)]+|tel:[^\s)]+)\)")
URL_RE = re.compile(r"(?:https?|mailto|tel):[^\s\"'<>)\]]+")
QR_MARK_RE = re.compile(r"^\s*\{\{qr:(\S+)\}\}\s*$")
IBAN_LENGTHS = {
    "AD": 24,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
}
EPOCH_FALLBACK = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------- helpers


def h(org: str, ident: str, salt: str) -> bytes:
    """Deterministic bytes derived from org + id + what they are for."""
    return hashlib.sha256(f"{org}\x00{ident}\x00{salt}".encode()).digest()


def hstream(org: str, ident: str, salt: str, n: int) -> bytes:
    out = b""
    i = 0
    while len(out) < n:
        out += h(org, ident, f"{salt}/{i}")
        i += 1
    return out[:n]


def hint(org: str, ident: str, salt: str, mod: int) -> int:
    return int.from_bytes(h(org, ident, salt)[:8], "big") % mod


def alnum(org: str, ident: str, salt: str, n: int, alphabet: str) -> str:
    raw = hstream(org, ident, salt, n)
    return "".join(alphabet[b % len(alphabet)] for b in raw)


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def iban_valid(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", s):
        return False
    if s[:2] in IBAN_LENGTHS and len(s) != IBAN_LENGTHS[s[:2]]:
        return False
    digits = "".join(str(int(c, 36)) for c in s[4:] + s[:4])
    return int(digits) % 97 == 1


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower() if "@" in address else address.lower()


def parse_date(value: Any) -> dt.datetime:
    d = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if d.tzinfo is None:
        raise ValueError("date needs a UTC offset, e.g. 2026-10-14T09:12:00+02:00")
    return d


def tz_comment(d: dt.datetime) -> str:
    off = d.utcoffset() or dt.timedelta(0)
    return {
        7200: " (CEST)",
        3600: " (CET)",
        0: " (UTC)",
        -25200: " (PDT)",
        -28800: " (PST)",
        -14400: " (EDT)",
        -18000: " (EST)",
    }.get(int(off.total_seconds()), "")


def rfc_date(d: dt.datetime) -> str:
    return format_datetime(d)


def fold_params(name: str, parts: list[str], width: int = 76) -> str:
    """Fold a header made of ';'-separated parts onto continuation lines (tab-indented)."""
    lines: list[str] = []
    cur = f"{name}: "
    for i, part in enumerate(parts):
        piece = part + (";" if i < len(parts) - 1 else "")
        if len(cur) + len(piece) + 1 > width and cur.strip() not in (f"{name}:",):
            lines.append(cur.rstrip())
            cur = "\t" + piece
        else:
            cur += ("" if cur.endswith(": ") or cur == "\t" else " ") + piece
    lines.append(cur.rstrip())
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- validation


def load_profile(org_dir: Path) -> tuple[dict[str, Any], list[str]]:
    org = org_dir.name
    errors: list[str] = []
    path = org_dir / "rempart.toml"
    if not path.exists():
        return {}, [f"{org}: rempart.toml missing"]
    try:
        prof = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{org}/rempart.toml: {exc}"]
    o = prof.get("org", {})
    if not o.get("name"):
        errors.append(f"{org}/rempart.toml: [org] name missing")
    if not o.get("domains"):
        errors.append(f"{org}/rempart.toml: [org] domains missing")
    for section in ("vips", "employees", "vendors"):
        for person in o.get(section, []):
            who = person.get("name") or person.get("email") or "?"
            for iban in person.get("ibans", []):
                if not iban_valid(iban):
                    errors.append(f"{org}/rempart.toml: invalid IBAN {iban!r} for {section[:-1]} {who!r}")
    ids = prof.get("auth", {}).get("trusted_authserv_ids", [])
    if not ids:
        errors.append(f"{org}/rempart.toml: [auth] trusted_authserv_ids missing")
    return prof, errors


def check_person(where: str, key: str, value: Any, errors: list[str]) -> None:
    if not isinstance(value, dict) or set(value) - {"name", "address"} or "address" not in value:
        errors.append(f"{where}: {key} must be {{name: ..., address: ...}} (got {value!r})")
        return
    if "@" not in str(value["address"]):
        errors.append(f"{where}: {key} address {value['address']!r} has no @")


def validate(org: str, items: Any, errors: list[str]) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        errors.append(f"{org}/mails.yaml: top level must be a list of messages")
        return []
    seen: set[str] = set()
    good: list[dict[str, Any]] = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            errors.append(f"{org}/mails.yaml item #{n}: not a mapping")
            continue
        ident = str(item.get("id", f"#{n}"))
        where = f"{org}/{ident}"
        before = len(errors)
        unknown = set(item) - ITEM_KEYS
        if unknown:
            errors.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        missing = REQUIRED_KEYS - set(item)
        if missing:
            errors.append(f"{where}: missing key(s) {', '.join(sorted(missing))}")
            continue
        if not ID_RE.match(ident):
            errors.append(f"{where}: id must be a lowercase slug [a-z0-9-]")
        if ident in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(ident)
        label, kind = item["label"], item["kind"]
        if label not in KINDS:
            errors.append(f"{where}: unknown label {label!r} (phish|ham)")
        elif kind not in KINDS[label]:
            other = "ham" if label == "phish" else "phish"
            hint_ = f" (it is a {other} kind)" if kind in KINDS[other] else ""
            errors.append(f"{where}: unknown kind {kind!r} for label {label}{hint_}")
        if item["lang"] not in ("fr", "en"):
            errors.append(f"{where}: lang must be fr or en")
        try:
            parse_date(item["date"])
        except (ValueError, TypeError) as exc:
            errors.append(f"{where}: bad date {item['date']!r}: {exc}")
        check_person(where, "from", item["from"], errors)
        if "reply_to" in item:
            check_person(where, "reply_to", item["reply_to"], errors)
        for key in ("to", "cc"):
            val = item.get(key, [])
            if not isinstance(val, list):
                errors.append(f"{where}: {key} must be a list")
                continue
            for p in val:
                check_person(where, key, p, errors)
        if not item["to"]:
            errors.append(f"{where}: to is empty")
        try:
            ipaddress.ip_address(str(item["client_ip"]))
        except ValueError:
            errors.append(f"{where}: client_ip {item['client_ip']!r} is not an IP address")
        auth = item["auth"]
        if not isinstance(auth, dict):
            errors.append(f"{where}: auth must be a mapping")
        else:
            extra = set(auth) - {"spf", "dkim", "dmarc", "dkim_domain"}
            if extra:
                errors.append(f"{where}: unknown auth key(s) {', '.join(sorted(extra))}")
            for k, allowed in AUTH_VALUES.items():
                if auth.get(k) not in allowed:
                    errors.append(f"{where}: auth.{k}={auth.get(k)!r}, expected one of {sorted(allowed)}")
            if auth.get("dkim") in ("pass", "fail") and not auth.get("dkim_domain"):
                errors.append(f"{where}: auth.dkim_domain required when dkim is {auth.get('dkim')}")
        if "headers" in item and not (
            isinstance(item["headers"], dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in item["headers"].items())
        ):
            errors.append(f"{where}: headers must map strings to strings")
        if "references" in item and not isinstance(item["references"], list):
            errors.append(f"{where}: references must be a list")
        if "html" in item and not isinstance(item["html"], bool):
            errors.append(f"{where}: html must be true or false")
        if not isinstance(item["text"], str) or not item["text"].strip():
            errors.append(f"{where}: text is empty")
        if not isinstance(item["subject"], str):
            errors.append(f"{where}: subject must be a string")
        for a in item.get("attachments", []) or []:
            if not isinstance(a, dict) or set(a) - {"name", "kind", "text"} or not {"name", "kind"} <= set(a):
                errors.append(f"{where}: attachment must be {{name, kind, text}} (got {a!r})")
                continue
            if a["kind"] not in ATTACHMENT_KINDS:
                errors.append(f"{where}: unknown attachment kind {a['kind']!r}")
                continue
            t = str(a.get("text", ""))
            if a["kind"] in ("pdf_js", "pdf_link", "html_credential_form", "qr_png") and not URL_RE.search(t):
                errors.append(f"{where}: attachment {a['name']!r} ({a['kind']}) needs a URL in text")
            if a["kind"] == "zip_encrypted" and ":" not in t:
                errors.append(f"{where}: attachment {a['name']!r} needs text 'password:NAME.ext'")
            if a["kind"] in ("zip_script", "iso_lnk", "html_smuggling") and not t.strip():
                errors.append(f"{where}: attachment {a['name']!r} needs a file name in text")
        if len(errors) == before:
            good.append(item)
    return good


# --------------------------------------------------------------------------- text -> parts


def render_plain(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        shown, href = m.group(1), m.group(2)
        if shown.strip() in ("", href) or shown.strip() == href.split(":", 1)[-1].lstrip("/"):
            return href
        return f"{shown} <{href}>"

    out = LINK_RE.sub(repl, text)
    return out if out.endswith("\n") else out + "\n"


def _inline_html(line: str) -> str:
    def autolink(seg: str) -> str:
        # mail clients turn bare http(s) URLs into links; do the same
        res, p = [], 0
        for um in re.finditer(r"https?://[^\s\"'<>]+[^\s\"'<>.,;:!?)]", seg):
            res.append(html.escape(seg[p : um.start()]))
            u = html.escape(um.group(0), quote=True)
            res.append(f'<a href="{u}">{u}</a>')
            p = um.end()
        res.append(html.escape(seg[p:]))
        return "".join(res)

    out: list[str] = []
    pos = 0
    for m in LINK_RE.finditer(line):
        out.append(autolink(line[pos : m.start()]))
        shown = m.group(1) or m.group(2)
        out.append(f'<a href="{html.escape(m.group(2), quote=True)}">{html.escape(shown)}</a>')
        pos = m.end()
    out.append(autolink(line[pos:]))
    return "".join(out)


def render_html(text: str, subject: str) -> str:
    paras = re.split(r"\n\s*\n", text.strip("\n"))
    # signature: the last paragraph when it is a short block of short lines (name, title, phone)
    sig_idx = -1
    if len(paras) > 1:
        last = paras[-1].splitlines()
        if 1 <= len(last) <= 7 and all(len(x) <= 70 for x in last) and not last[0].startswith(">"):
            sig_idx = len(paras) - 1
    body: list[str] = []
    for i, p in enumerate(paras):
        lines = p.splitlines()
        if all(x.startswith(">") for x in lines):
            inner = "<br>\n".join(_inline_html(x.lstrip(">").lstrip()) for x in lines)
            body.append(
                '<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;'
                f'padding-left:1ex;color:#555">{inner}</blockquote>'
            )
        elif i == sig_idx:
            inner = "<br>\n".join(_inline_html(x) for x in lines)
            body.append(
                '<div class="signature" style="margin-top:18px;padding-top:8px;'
                f'border-top:1px solid #ddd;color:#555;font-size:12px">{inner}</div>'
            )
        else:
            inner = "<br>\n".join(_inline_html(x) for x in lines)
            body.append(f"<p>{inner}</p>")
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n"
        '<body style="font-family:Calibri,Arial,Helvetica,sans-serif;font-size:14px;color:#222">\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- attachments


def pdf_escape(s: str) -> str:
    raw = s.encode("cp1252", errors="replace")
    out = []
    for b in raw:
        c = chr(b)
        if c in "\\()":
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\{b:03o}")
    return "".join(out)


def wrap(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    out, cur = [], ""
    for word in line.split(" "):
        if cur and len(cur) + 1 + len(word) > width:
            out.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    out.append(cur)
    return out


def make_pdf(
    text: str, d: dt.datetime, *, js_url: str | None = None, link: bool = False, title: str = ""
) -> bytes:
    """A small one-page PDF (Helvetica, WinAnsi) showing `text`.

    A line `{{qr:URL}}` draws a QR code (vector squares) for URL. With `link`, a URI link annotation is put
    over the first `[shown](href)` or bare URL. With `js_url`, an /OpenAction runs app.launchURL(js_url).
    """
    ops: list[str] = []
    annots: list[tuple[tuple[float, float, float, float], str]] = []
    y = 800.0
    first = True
    link_done = False
    for raw in text.strip("\n").splitlines():
        qr = QR_MARK_RE.match(raw)
        if qr:
            import segno

            matrix = segno.make(qr.group(1), error="m").matrix
            mod = 3.2
            size = len(matrix) * mod
            y -= size + 6
            rects = []
            for r, row in enumerate(matrix):
                for c, v in enumerate(row):
                    if v:
                        rects.append(
                            f"{60 + c * mod:.1f} {y + size - (r + 1) * mod:.1f} {mod:.1f} {mod:.1f} re"
                        )
            ops.append("0 0 0 rg\n" + "\n".join(rects) + "\nf")
            y -= 10
            continue
        m = LINK_RE.search(raw)
        shown_line = LINK_RE.sub(lambda mm: mm.group(1) or mm.group(2), raw)
        size = 14 if first else 10
        font = "/F2" if first else "/F1"
        width = 70 if first else 95
        for piece in wrap(shown_line, width) or [""]:
            y -= size + 5
            if y < 40:
                break
            color = "0 0 0 rg"
            target = None
            if link and not link_done:
                if m and (m.group(1) or m.group(2)) in piece:
                    target = m.group(2)
                elif not m:
                    um = URL_RE.search(piece)
                    target = um.group(0) if um else None
            if target:
                color = "0.05 0.25 0.75 rg"
                annots.append(((55, y - 4, 540, y + size + 1), target))
                link_done = True
            ops.append(f"BT {color} {font} {size} Tf 60 {y:.1f} Td ({pdf_escape(piece)}) Tj ET")
        first = False
    stream = "\n".join(ops).encode("latin-1")
    date = d.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")
    objs: list[bytes] = []
    catalog = "<< /Type /Catalog /Pages 2 0 R"
    n_fixed = 6  # 1 catalog, 2 pages, 3 page, 4 F1, 5 F2, 6 contents
    extra_objs: list[str] = []
    if js_url:
        js = f'app.launchURL("{js_url}", true);'
        extra_objs.append(f"<< /Type /Action /S /JavaScript /JS ({pdf_escape(js)}) >>")
        catalog += f" /OpenAction {n_fixed + 1} 0 R"
    catalog += " >>"
    annot_refs = []
    for rect, url in annots:
        num = n_fixed + len(extra_objs) + 1
        extra_objs.append(
            f"<< /Type /Annot /Subtype /Link /Rect [{rect[0]} {rect[1]:.1f} {rect[2]} {rect[3]:.1f}] "
            f"/Border [0 0 0] /A << /S /URI /URI ({pdf_escape(url)}) >> >>"
        )
        annot_refs.append(f"{num} 0 R")
    page = (
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R"
    )
    if annot_refs:
        page += f" /Annots [{' '.join(annot_refs)}]"
    page += " >>"
    info_num = n_fixed + len(extra_objs) + 1
    objs = [
        catalog.encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page.encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        *[o.encode("latin-1") for o in extra_objs],
        f"<< /Title ({pdf_escape(title)}) /Producer (Microsoft\\256 Word pour Microsoft 365) "
        f"/CreationDate ({date}) /ModDate ({date}) >>".encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1,
        info_num,
        xref,
    )
    return bytes(out)


def make_png(seed: bytes, width: int = 240, height: int = 80) -> bytes:
    """An ordinary small RGB image: a coloured banner with a few blocks (a logo stand-in)."""
    base = (seed[0] // 2 + 40, seed[1] // 2 + 40, seed[2] // 2 + 60)
    accent = (255 - base[0] // 2, 230 - base[1] // 3, 200 - base[2] // 3)
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            in_block = any(
                12 + 46 * k <= x < 12 + 46 * k + 30 + (seed[3 + k] % 10) and 20 <= y < 60 - (seed[8 + k] % 12)
                for k in range(4)
            )
            rows += bytes(accent if in_block else base)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def make_qr_png(url: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=6, border=4)
    return buf.getvalue()


def script_stub(name: str) -> bytes:
    ext = name.rsplit(".", 1)[-1].lower()
    note = "Rempart bench stand-in: this file does nothing."
    if ext in ("vbs", "vbe"):
        body = f"' harmless test stand-in\n' {note}\n"
    elif ext in ("bat", "cmd"):
        body = f"rem harmless test stand-in\nrem {note}\n"
    elif ext in ("ps1", "psm1"):
        body = f"# harmless test stand-in\n# {note}\n"
    elif ext in ("hta", "html", "htm", "svg"):
        body = f"<!-- harmless test stand-in -->\n<!-- {note} -->\n"
    elif ext == "lnk":
        return make_lnk()
    else:
        body = f"// harmless test stand-in\n// {note}\n"
    return body.encode()


def zip_dt(d: dt.datetime) -> tuple[int, int, int, int, int, int]:
    return (d.year, d.month, d.day, d.hour, d.minute, d.second - d.second % 2)


def make_zip(files: list[tuple[str, bytes]], d: dt.datetime) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zi = zipfile.ZipInfo(name, date_time=zip_dt(d))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0x20
            zf.writestr(zi, data)
    return buf.getvalue()


_CRC_TABLE = [zlib.crc32(bytes([i])) ^ 0xFFFFFFFF for i in range(256)]


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc_table()


def make_zipcrypto(name: str, data: bytes, password: str, d: dt.datetime, seed: bytes) -> bytes:
    """A zip whose one member is encrypted with traditional PKWARE encryption (ZipCrypto), the kind
    Windows Explorer opens natively. Written by hand so the 12-byte header is derived, not random."""
    keys = [0x12345678, 0x23456789, 0x34567890]

    def upd(c: int) -> None:
        keys[0] = (keys[0] >> 8) ^ _CRC[(keys[0] ^ c) & 0xFF]
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = (keys[2] >> 8) ^ _CRC[(keys[2] ^ (keys[1] >> 24)) & 0xFF]

    def enc(buf: bytes) -> bytes:
        out = bytearray()
        for c in buf:
            t = (keys[2] | 2) & 0xFFFF
            out.append(c ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            upd(c)
        return bytes(out)

    for ch in password.encode():
        upd(ch)
    crc = zlib.crc32(data) & 0xFFFFFFFF
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = comp.compress(data) + comp.flush()
    header = seed[:11] + bytes([crc >> 24])
    payload = enc(header + deflated)
    fname = name.encode("utf-8")
    flags = 0x1 | (0x800 if not name.isascii() else 0)
    zd = zip_dt(d)
    dos_time = (zd[3] << 11) | (zd[4] << 5) | (zd[5] // 2)
    dos_date = ((zd[0] - 1980) << 9) | (zd[1] << 5) | zd[2]
    local = (
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            flags,
            8,
            dos_time,
            dos_date,
            crc,
            len(payload),
            len(data),
            len(fname),
            0,
        )
        + fname
    )
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            flags,
            8,
            dos_time,
            dos_date,
            crc,
            len(payload),
            len(data),
            len(fname),
            0,
            0,
            0,
            0,
            0x20,
            0,
        )
        + fname
    )
    body = local + payload
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(body), 0)
    return body + central + eocd


def make_lnk() -> bytes:
    """A minimal Windows shell link (MS-SHLLINK) to cmd.exe whose arguments only print a note."""
    flags = 0x00000008 | 0x00000020 | 0x00000080 | 0x00000004  # RelativePath, Arguments, Unicode, Name
    header = struct.pack(
        "<I16sIIQQQIIIHH8s",
        0x4C,
        bytes.fromhex("0114020000000000c000000000000046"),
        flags,
        0x20,
        0,
        0,
        0,
        0,
        0,
        7,
        0,
        0,
        b"\x00" * 8,
    )

    def sdata(s: str) -> bytes:
        return struct.pack("<H", len(s)) + s.encode("utf-16-le")

    return (
        header
        + sdata("Document")
        + sdata("..\\..\\..\\Windows\\System32\\cmd.exe")
        + sdata("/c echo harmless test stand-in")
        + struct.pack("<I", 0)
    )


def make_iso(lnk_name: str, d: dt.datetime) -> bytes:
    import pycdlib

    stamp = d.timestamp()
    data = make_lnk()
    iso = pycdlib.PyCdlib()
    # pycdlib stamps volume and directory records with time.time()/localtime(): pin both.
    with mock.patch("time.time", return_value=stamp), mock.patch("time.localtime", new=dt_gmtime):
        iso.new(interchange_level=3, joliet=3, vol_ident="DOCUMENTS")
        short = re.sub(r"[^A-Z0-9_]", "_", lnk_name.upper().rsplit(".", 1)[0])[:8] or "FILE"
        iso.add_fp(io.BytesIO(data), len(data), f"/{short}.LNK;1", joliet_path="/" + lnk_name[:64])
        out = io.BytesIO()
        iso.write_fp(out)
        iso.close()
    return out.getvalue()


def dt_gmtime(secs: float | None = None) -> Any:
    import time as _time

    return _time.gmtime(secs)


def ooxml_zip(files: dict[str, str], d: dt.datetime) -> bytes:
    return make_zip([(k, v.encode("utf-8")) for k, v in files.items()], d)


def core_xml(author: str, title: str, d: dt.datetime) -> str:
    stamp = d.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{html.escape(title)}</dc:title><dc:creator>{html.escape(author)}</dc:creator>"
        f"<cp:lastModifiedBy>{html.escape(author)}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def make_docx(text: str, author: str, title: str, d: dt.datetime) -> bytes:
    paras = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{html.escape(line, quote=False)}</w:t></w:r></w:p>'
        for line in text.strip("\n").splitlines()
    )
    return ooxml_zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.wordprocessingml.document.main+xml"/>'
                '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
                'package.core-properties+xml"/></Types>'
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/officeDocument" Target="word/document.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                'metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
            ),
            "word/document.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{paras}<w:sectPr/></w:body></w:document>"
            ),
            "docProps/core.xml": core_xml(author, title, d),
        },
        d,
    )


def col_name(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def make_xlsx(text: str, author: str, title: str, d: dt.datetime) -> bytes:
    rows = []
    for r, line in enumerate(text.strip("\n").splitlines(), 1):
        cells = (
            [c.strip() for c in re.split(r"\t|\s*\|\s*|;", line)] if re.search(r"\t|\||;", line) else [line]
        )
        xml_cells = []
        for c_i, val in enumerate(cells):
            ref = f"{col_name(c_i)}{r}"
            num = val.replace(" ", "").replace(",", ".")
            if re.fullmatch(r"-?\d+(\.\d+)?", num) and len(num) < 15:
                xml_cells.append(f'<c r="{ref}"><v>{num}</v></c>')
            else:
                xml_cells.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{html.escape(val, quote=False)}</t></is></c>"
                )
        rows.append(f'<row r="{r}">{"".join(xml_cells)}</row>')
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return ooxml_zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.worksheet+xml"/>'
                '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
                'package.core-properties+xml"/></Types>'
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                'metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
                '<sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                "</Relationships>"
            ),
            "xl/worksheets/sheet1.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<worksheet xmlns="{ns}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
            ),
            "docProps/core.xml": core_xml(author, title, d),
        },
        d,
    )


def ics_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line + "\r\n"
    out, cur = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(cur) + len(b) > (75 if not out else 74):
            out.append(cur)
            cur = b""
        cur += b
    out.append(cur)
    return "\r\n ".join(x.decode("utf-8") for x in out) + "\r\n"


def make_ics(text: str, item: dict[str, Any], uid: str, d: dt.datetime) -> bytes:
    start = (d + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0)
    end = start + dt.timedelta(hours=1)
    fmt = "%Y%m%dT%H%M%S"
    org = item["from"]
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
        "VERSION:2.0",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"ORGANIZER;CN={ics_escape(org.get('name') or org['address'])}:mailto:{org['address']}",
    ]
    for p in item["to"]:
        lines.append(
            f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;"
            f"CN={ics_escape(p.get('name') or p['address'])}:mailto:{p['address']}"
        )
    lines += [
        f"DESCRIPTION:{ics_escape(text.strip())}",
        f"UID:{uid}",
        f"SUMMARY:{ics_escape(item['subject'])}",
        f"DTSTART;TZID=Europe/Paris:{start.strftime(fmt)}",
        f"DTEND;TZID=Europe/Paris:{end.strftime(fmt)}",
        f"DTSTAMP:{d.astimezone(dt.UTC).strftime(fmt)}Z",
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(ics_fold(x) for x in lines).encode("utf-8")


def credential_form_html(url: str, text: str, name: str) -> bytes:
    heading = URL_RE.sub("", text).strip() or "Connexion requise"
    page = f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(heading.splitlines()[0])}</title>
<style>
body{{font-family:"Segoe UI",Arial,sans-serif;background:#f2f2f2;margin:0}}
.box{{width:360px;margin:80px auto;background:#fff;padding:36px;box-shadow:0 2px 6px rgba(0,0,0,.2)}}
input{{width:100%;padding:8px;margin:6px 0 14px;border:1px solid #999;box-sizing:border-box}}
button{{background:#0067b8;color:#fff;border:0;padding:9px 24px;float:right}}
</style>
</head>
<body>
<!-- Rempart bench stand-in: a static form, no script. -->
<div class="box">
<p>{"<br>".join(html.escape(x) for x in heading.splitlines())}</p>
<form method="post" action="{html.escape(url, quote=True)}">
<label>Adresse e-mail</label><input type="email" name="login" autocomplete="username">
<label>Mot de passe</label><input type="password" name="passwd" autocomplete="current-password">
<input type="hidden" name="doc" value="{html.escape(name, quote=True)}">
<button type="submit">Se connecter</button>
</form>
</div>
</body>
</html>
"""
    return page.encode("utf-8")


def smuggling_html(filename: str, text_title: str) -> bytes:
    payload = base64.b64encode(script_stub(filename)).decode()
    page = f"""<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>{html.escape(text_title)}</title></head>
<body style="font-family:Arial,sans-serif;text-align:center;padding-top:120px;color:#333">
<p>Chargement du document s&eacute;curis&eacute;&hellip;</p>
<p style="font-size:12px">Si le t&eacute;l&eacute;chargement ne d&eacute;marre pas, autorisez les fichiers de ce site.</p>
<script>
// Rempart bench stand-in: the embedded file is a one-line comment.
var d = atob("{payload}");
var b = new Uint8Array(d.length);
for (var i = 0; i < d.length; i++) {{ b[i] = d.charCodeAt(i); }}
var blob = new Blob([b], {{type: "application/octet-stream"}});
var a = document.createElement("a");
a.href = URL.createObjectURL(blob);
a.download = {filename!r};
document.body.appendChild(a);
a.click();
</script>
</body>
</html>
"""
    return page.encode("utf-8")


def build_attachment(
    org: str, item: dict[str, Any], idx: int, att: dict[str, Any], d: dt.datetime
) -> tuple[bytes, str, str, dict[str, str]]:
    """Return (data, maintype, subtype, extra content-type params)."""
    kind, name, text = att["kind"], str(att["name"]), str(att.get("text", ""))
    seed = h(org, item["id"], f"att{idx}")
    author = item["from"].get("name") or item["from"]["address"]
    url_m = URL_RE.search(text)
    url = url_m.group(0) if url_m else ""
    if kind == "pdf":
        return make_pdf(text, d, title=name), "application", "pdf", {}
    if kind == "pdf_js":
        shown = text if text.strip() != url else "Chargement du document..."
        return (
            make_pdf(URL_RE.sub("", shown).strip() or name, d, js_url=url, title=name),
            "application",
            "pdf",
            {},
        )
    if kind == "pdf_link":
        return make_pdf(text, d, link=True, title=name), "application", "pdf", {}
    if kind == "html_credential_form":
        return credential_form_html(url, text, name), "text", "html", {"charset": "utf-8"}
    if kind == "html_smuggling":
        return smuggling_html(text.strip(), name), "text", "html", {"charset": "utf-8"}
    if kind == "qr_png":
        return make_qr_png(url), "image", "png", {}
    if kind == "zip_script":
        inner = text.strip()
        return make_zip([(inner, script_stub(inner))], d), "application", "zip", {}
    if kind == "zip_encrypted":
        password, inner = text.strip().split(":", 1)
        inner = inner.strip()
        return make_zipcrypto(inner, script_stub(inner), password.strip(), d, seed), "application", "zip", {}
    if kind == "iso_lnk":
        return make_iso(text.strip(), d), "application", "x-iso9660-image", {}
    if kind == "docx":
        return (
            make_docx(text, author, name, d),
            "application",
            "vnd.openxmlformats-officedocument.wordprocessingml.document",
            {},
        )
    if kind == "xlsx":
        return (
            make_xlsx(text, author, name, d),
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            {},
        )
    if kind == "ics":
        uid = base64.b32encode(seed[:20]).decode().rstrip("=")
        return make_ics(text, item, uid, d), "text", "calendar", {"method": "REQUEST", "charset": "utf-8"}
    if kind == "png":
        return make_png(seed), "image", "png", {}
    if kind == "txt":
        return (
            (text if text.endswith("\n") else text + "\n").encode("utf-8"),
            "text",
            "plain",
            {"charset": "utf-8"},
        )
    raise BenchError(f"unhandled attachment kind {kind}")


# --------------------------------------------------------------------------- headers


POLICY = email_policy.default.clone(linesep="\n", max_line_length=78)


POLICY_UTF8 = POLICY.clone(utf8=True)


def fold(name: str, value: str) -> str:
    if name.lower() in ("from", "to", "cc", "reply-to") and not value.isascii():
        # an internationalised (IDN) address is sent raw in UTF-8 (RFC 6532), as SMTPUTF8 mail is
        addrs = re.findall(r"<([^>]*)>", value) or [value]
        if any(not a.isascii() for a in addrs):
            return POLICY_UTF8.header_factory(name, value).fold(policy=POLICY_UTF8)
    return POLICY.header_factory(name, value).fold(policy=POLICY)


def a_label(domain: str) -> str:
    try:
        return domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def addr(p: dict[str, Any]) -> str:
    name = (p.get("name") or "").strip()
    if not name:
        return str(p["address"])
    if re.search(r'[()<>\[\]:;@\\,."]', name) and name.isascii():
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{p['address']}>"


def outlook_host(org: str, item: dict[str, Any]) -> str:
    """The Exchange Online mailbox server of the sender (stable per sender address)."""
    who = str(item["from"]["address"]).lower()
    pod = ["AM9PR", "DB9PR", "PAXPR", "VI1PR", "AS8PR", "DU0PR", "GV1PR", "PA4PR"][hint(org, who, "pod", 8)]
    return (
        f"{pod}0{hint(org, who, 'ms2', 9) + 1}MB{alnum(org, who, 'ms3', 4, '0123456789')}"
        f".eurprd0{hint(org, who, 'ms4', 8) + 1}.prod.outlook.com"
    )


def message_id(org: str, item: dict[str, Any]) -> str:
    fdom = a_label(domain_of(item["from"]["address"]))
    helo = str(item["helo"]).lower()
    ident = item["id"]
    if fdom in ("gmail.com", "googlemail.com") or helo.endswith("google.com"):
        return f"<CA{alnum(org, ident, 'mid', 44, B62 + '+_-')}@mail.gmail.com>"
    if "outlook.com" in helo or fdom in ("outlook.fr", "outlook.com", "hotmail.fr", "hotmail.com", "live.fr"):
        host = outlook_host(org, item)
        short = host.split(".", 1)[0]
        return f"<{short}{alnum(org, ident, 'mid3', 32, '0123456789ABCDEF')}@{host}>"
    # one style per sending domain, as one mail system always writes the same kind of Message-ID
    style = hint(org, fdom, "midstyle", 3)
    hexa = "0123456789abcdef"
    if style == 0:
        return f"<{alnum(org, ident, 'mid', 32, hexa)}@{fdom}>"
    if style == 1:
        parts = [alnum(org, ident, f"mid{i}", n, hexa) for i, n in enumerate((8, 4, 4, 4, 12))]
        return f"<{'-'.join(parts)}@{fdom}>"
    return f"<{alnum(org, ident, 'mid', 20, B62)}.{alnum(org, ident, 'mid2', 6, '0123456789')}@{helo}>"


def dkim_selector(org: str, ident: str, dkim_domain: str, helo: str) -> str:
    if helo.endswith("google.com") or dkim_domain in ("gmail.com", "googlemail.com"):
        return "20230601"
    if "outlook.com" in helo or dkim_domain in ("outlook.fr", "outlook.com", "hotmail.com", "hotmail.fr"):
        return "selector1"
    return ["s1", "default", "mail", "k1", "dkim", "selector2", "s2048", "mx"][
        hint(org, dkim_domain, "sel", 8)
    ]


def dkim_header(org: str, item: dict[str, Any], selector: str, d: dt.datetime) -> tuple[str, str]:
    dom = item["auth"]["dkim_domain"]
    bh = base64.b64encode(h(org, item["id"], "bh")).decode()
    b = base64.b64encode(hstream(org, item["id"], "dkim-b", 256)).decode()
    hdrs = "from:to:subject:date:message-id:reply-to:mime-version:content-type"
    t = int(d.timestamp())
    parts = [
        "v=1",
        "a=rsa-sha256",
        "c=relaxed/relaxed",
        f"d={dom}",
        f"s={selector}",
        f"t={t}",
        f"h={hdrs}",
        f"bh={bh}",
    ]
    text = fold_params("DKIM-Signature", parts)
    chunks = [b[i : i + 68] for i in range(0, len(b), 68)]
    text = text.rstrip("\n") + ";\n\tb=" + "\n\t ".join(chunks) + "\n"
    return text, b[:8]


def received_headers(org: str, item: dict[str, Any], authserv: str, internal: bool, d: dt.datetime) -> str:
    ident = item["id"]
    helo = str(item["helo"])
    ip = str(item["client_ip"])
    first_to = item["to"][0]["address"]
    mx_time = d + dt.timedelta(seconds=2 + hint(org, ident, "mxdelay", 40))
    qid = alnum(org, ident, "qid", 1, "456") + alnum(org, ident, "qid2", 13, B62[:10] + B62[36:] + B62[10:36])
    ipbr = f"[IPv6:{ip}]" if ":" in ip else f"[{ip}]"
    out = (
        f"Received: from {helo} ({helo} {ipbr})\n"
        "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
        "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n"
        "\t(No client certificate requested)\n"
        f"\tby {authserv} (Postfix) with ESMTPS id {qid}\n"
        f"\tfor <{first_to}>; {rfc_date(mx_time)}{tz_comment(mx_time)}\n"
    )
    if internal:
        return out
    t0 = d - dt.timedelta(seconds=1 + hint(org, ident, "hop0", 5))
    hl = helo.lower()
    if hl.endswith("google.com"):
        smtp_id = (
            alnum(org, ident, "gid", 10, "0123456789abcdef")
            + "-"
            + alnum(org, ident, "gid2", 11, "0123456789abcdef")
            + "mr"
            + alnum(org, ident, "gid3", 7, "0123456789")
            + "."
            + alnum(org, ident, "gid4", 10, "0123456789")
        )
        v6 = ":".join(alnum(org, ident, f"v6{i}", 4, "0123456789abcdef") for i in range(4))
        out += f"Received: by 2002:a05:{v6} with SMTP id {smtp_id};\n\t{rfc_date(t0)}{tz_comment(t0)}\n"
    elif "outlook.com" in hl:
        host = outlook_host(org, item)
        v6 = "fe80::" + ":".join(alnum(org, ident, f"m6{i}", 4, "0123456789abcdef") for i in range(4))
        out += (
            f"Received: from {host}\n\t([{v6}]) by {host}\n\t([{v6}%7]) with mapi id 15.20.8"
            f"{alnum(org, ident, 'mapi', 3, '0123456789')}.0{alnum(org, ident, 'mapi2', 2, '0123456789')};\n"
            f"\t{rfc_date(t0)}{tz_comment(t0)}\n"
        )
    else:
        b = h(org, ident, "lanip")
        lan = f"10.{b[0] % 64}.{b[1]}.{b[2] % 250 + 2}"
        qid2 = alnum(org, ident, "qid3", 11, "0123456789ABCDEF")
        out += (
            f"Received: from [{lan}] (unknown [{lan}])\n\t(Authenticated sender: "
            f"{item.get('return_path') or item['from']['address']})\n"
            f"\tby {helo} (Postfix) with ESMTPSA id {qid2};\n\t{rfc_date(t0)}{tz_comment(t0)}\n"
        )
    return out


# --------------------------------------------------------------------------- message


def build_eml(org: str, prof: dict[str, Any], item: dict[str, Any]) -> bytes:
    d = parse_date(item["date"])
    authserv = prof["auth"]["trusted_authserv_ids"][0]
    org_domains = {x.lower() for x in prof["org"]["domains"]}
    auth = item["auth"]
    from_dom = domain_of(item["from"]["address"])
    rp = item.get("return_path") or item["from"]["address"]
    internal = from_dom in org_domains and auth["dmarc"] == "pass" and auth["spf"] == "pass"
    helo = str(item["helo"]).lower()

    selector = dkim_selector(org, item["id"], str(auth.get("dkim_domain", "")), helo)
    dkim_text, b_short = ("", "")
    if auth["dkim"] in ("pass", "fail"):
        dkim_text, b_short = dkim_header(org, item, selector, d)

    ar = [authserv]
    ar.append(f"spf={auth['spf']} smtp.mailfrom={a_label(domain_of(rp))}")
    if auth["dkim"] == "none":
        ar.append("dkim=none (message not signed)")
    else:
        reason = (
            " (2048-bit key; unprotected) " if auth["dkim"] == "pass" else " (signature verification failed) "
        )
        ar.append(
            f"dkim={auth['dkim']}{reason}header.d={auth['dkim_domain']} header.s={selector} "
            f"header.b={b_short}"
        )
    pol = (
        "none"
        if auth["dmarc"] == "none"
        else ("reject" if hint(org, from_dom, "pol", 3) == 0 else "quarantine")
    )
    dm = f"dmarc={auth['dmarc']}"
    if auth["dmarc"] != "none":
        dm += f" (p={pol} dis={'none' if auth['dmarc'] == 'pass' else pol.upper()})"
    ar.append(f"{dm} header.from={a_label(from_dom)}")

    out: list[str] = []
    out.append(f"Return-Path: <{rp}>\n")
    out.append(fold_params("Authentication-Results", ar))
    out.append(received_headers(org, item, authserv, internal, d))
    if dkim_text:
        out.append(dkim_text)
    out.append(fold("Message-ID", message_id(org, item)))
    out.append(fold("Date", rfc_date(d)))
    out.append(fold("From", addr(item["from"])))
    out.append(fold("To", ", ".join(addr(p) for p in item["to"])))
    if item.get("cc"):
        out.append(fold("Cc", ", ".join(addr(p) for p in item["cc"])))
    if item.get("reply_to"):
        out.append(fold("Reply-To", addr(item["reply_to"])))
    out.append(fold("Subject", item["subject"]))
    if item.get("in_reply_to"):
        out.append(fold("In-Reply-To", item["in_reply_to"]))
    if item.get("references"):
        out.append(fold_params("References", [" ".join(item["references"])]).replace(";", ""))
    out.append("MIME-Version: 1.0\n")
    for k, v in (item.get("headers") or {}).items():
        out.append(fold(k, v) if not k.lower().startswith(("list-", "arc-", "x-ms-")) else f"{k}: {v}\n")
    text = item["text"]
    has_mailer = any(k.lower() in ("x-mailer", "user-agent") for k in item.get("headers") or {})
    if not has_mailer and ("Envoyé de mon iPhone" in text or "Sent from my iPhone" in text):
        out.append("X-Mailer: iPhone Mail (22G86)\n")

    # ---- body
    plain = MIMEPart(policy=POLICY)
    plain.set_content(render_plain(text), subtype="plain", charset="utf-8", cte="quoted-printable")
    if item.get("html"):
        body = MIMEPart(policy=POLICY)
        body.make_alternative()
        body.attach(plain)
        hpart = MIMEPart(policy=POLICY)
        hpart.set_content(
            render_html(text, item["subject"]), subtype="html", charset="utf-8", cte="quoted-printable"
        )
        body.attach(hpart)
    else:
        body = plain
    atts = item.get("attachments") or []
    if atts:
        root = MIMEPart(policy=POLICY)
        root.make_mixed()
        root.attach(body)
        for i, att in enumerate(atts):
            data, maintype, subtype, params = build_attachment(org, item, i, att, d)
            part = MIMEPart(policy=POLICY)
            if maintype == "text":
                part.set_content(
                    data.decode("utf-8"),
                    subtype=subtype,
                    charset="utf-8",
                    cte="base64",
                    disposition="attachment",
                    filename=str(att["name"]),
                )
            else:
                part.set_content(
                    data,
                    maintype=maintype,
                    subtype=subtype,
                    disposition="attachment",
                    filename=str(att["name"]),
                )
            for k, v in params.items():
                if k != "charset":
                    part.set_param(k, v)
            root.attach(part)
    else:
        root = body
    n = 0
    for part in root.walk():
        if part.is_multipart():
            part.set_boundary(f"----=_Part_{alnum(org, item['id'], f'bnd{n}', 24, B62)}")
            n += 1
    body_bytes = root.as_bytes(policy=POLICY)
    return "".join(out).encode("utf-8") + body_bytes


# --------------------------------------------------------------------------- driver


def assign_splits(items: list[dict[str, Any]]) -> dict[str, str]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for it in items:
        groups[(it["label"], it["kind"])].append(it["id"])
    split: dict[str, str] = {}
    for ids in groups.values():
        for i, ident in enumerate(sorted(ids)):
            split[ident] = "train" if i % 2 == 0 else "guard"
    return split


def build_org(org_dir: Path, check_only: bool = False) -> list[str]:
    org = org_dir.name
    prof, errors = load_profile(org_dir)
    src = org_dir / "mails.yaml"
    if not src.exists():
        return [*errors, f"{org}: mails.yaml missing"]
    try:
        raw = yaml.safe_load(src.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return [*errors, f"{org}/mails.yaml: YAML error: {exc}"]
    items = validate(org, raw, errors)
    if errors:
        return errors
    splits = assign_splits(items)
    emls: dict[str, bytes] = {}
    for it in items:
        try:
            emls[it["id"]] = build_eml(org, prof, it)
        except Exception as exc:  # report which message broke, keep going
            errors.append(f"{org}/{it['id']}: build failed: {type(exc).__name__}: {exc}")
    if errors or check_only:
        return errors
    mail_dir = org_dir / "mail"
    mail_dir.mkdir(exist_ok=True)
    for stale in mail_dir.glob("*.eml"):
        if stale.stem not in emls:
            stale.unlink()
    for ident, data in emls.items():
        p = mail_dir / f"{ident}.eml"
        if not p.exists() or p.read_bytes() != data:
            p.write_bytes(data)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["split", "label", "path", "source", "kind"])
    for it in sorted(items, key=lambda x: (x["label"], x["kind"], x["id"])):
        w.writerow([splits[it["id"]], it["label"], f"mail/{it['id']}.eml", f"corpus-fr/{org}", it["kind"]])
    (org_dir / "labels.csv").write_text(buf.getvalue(), encoding="utf-8")
    return []


def org_dirs(names: list[str]) -> list[Path]:
    if names:
        dirs = []
        for n in names:
            p = ROOT / n.strip("/").split("/")[-1]
            if not p.is_dir():
                raise SystemExit(f"no such org folder: {p}")
            dirs.append(p)
        return dirs
    return sorted(p for p in ROOT.iterdir() if p.is_dir() and (p / "mails.yaml").exists())


def table() -> str:
    rows = ["| org | name | phish | ham | total | fr | en |", "|---|---|---:|---:|---:|---:|---:|"]
    tot: Counter[str] = Counter()
    for p in sorted(x for x in ROOT.iterdir() if (x / "labels.csv").exists()):
        with (p / "labels.csv").open(encoding="utf-8") as f:
            lab = Counter(r["label"] for r in csv.DictReader(f))
        langs: Counter[str] = Counter()
        name = p.name
        try:
            name = tomllib.loads((p / "rempart.toml").read_text(encoding="utf-8"))["org"]["name"]
            for it in yaml.safe_load((p / "mails.yaml").read_text(encoding="utf-8")) or []:
                langs[str(it.get("lang"))] += 1
        except Exception:
            pass
        c = {
            "phish": lab["phish"],
            "ham": lab["ham"],
            "total": lab["phish"] + lab["ham"],
            "fr": langs["fr"],
            "en": langs["en"],
        }
        tot.update(c)
        rows.append(
            f"| `{p.name}` | {name} | {c['phish']} | {c['ham']} | {c['total']} | {c['fr']} | {c['en']} |"
        )
    rows.append(
        f"| **total** | | {tot['phish']} | {tot['ham']} | {tot['total']} | {tot['fr']} | {tot['en']} |"
    )
    return "\n".join(rows) + "\n"


def refresh_readme(tbl: str) -> None:
    if not README.exists():
        return
    text = README.read_text(encoding="utf-8")
    if TABLE_START not in text or TABLE_END not in text:
        return
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    new = f"{head}{TABLE_START}\n{tbl}{TABLE_END}{tail}"
    if new != text:
        README.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("orgs", nargs="*", help="org folders to build (default: all with a mails.yaml)")
    ap.add_argument("--check", action="store_true", help="validate and build in memory, write nothing")
    ap.add_argument("--table", action="store_true", help="only print the per-org table")
    args = ap.parse_args(argv)
    if args.table:
        print(table(), end="")
        return 0
    failed = False
    for p in org_dirs(args.orgs):
        errs = build_org(p, check_only=args.check)
        if errs:
            failed = True
            print(f"✗ {p.name}: {len(errs)} error(s)", file=sys.stderr)
            for e in errs:
                print(f"  {e}", file=sys.stderr)
        else:
            n = len(list((p / "mail").glob("*.eml"))) if (p / "mail").is_dir() else 0
            print(f"✓ {p.name}: {'checked' if args.check else f'{n} messages built'}")
    tbl = table()
    print()
    print(tbl, end="")
    if not args.orgs and not args.check:
        refresh_readme(tbl)  # counts come from the labels.csv files present
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
