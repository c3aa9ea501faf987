"""What the parser could not read cleanly, as findings: ``message.defect.<code>``.

Most defects are sloppy software, not attacks, so their weights are small or zero. A few are
evasion tricks: two From headers (each mail client may show a different one), text hidden from
the reader in the HTML, structures nested deeper than any mailer writes. One finding per code;
its evidence says how many times the defect occurred, the first detail and where.
"""

from __future__ import annotations

from collections.abc import Iterable

from rempart.analyzers.base import Context
from rempart.findings import Finding
from rempart.message.model import Message, ParseDefect

NAME = "parse_defects"

# Parser defect code → weight of its finding.
WEIGHTS: dict[str, float] = {
    "duplicate_from": 0.4,
    "duplicate_header": 0.1,
    "hidden_html_text": 0.15,
    "mime_depth_exceeded": 0.2,
    "html_too_complex": 0.2,
    "embedded_depth_exceeded": 0.1,
    "too_many_parts": 0.1,
    "too_many_headers": 0.1,
    "too_many_urls": 0.05,
    "message_too_large": 0.05,
    "text_truncated": 0.0,
    "null_bytes": 0.1,
    "header_first_line_continuation": 0.1,
    "missing_header_body_separator": 0.05,
    "misplaced_envelope_header": 0.05,
    "mime_no_boundary": 0.05,
    "mime_start_boundary_missing": 0.05,
    "mime_close_boundary_missing": 0.0,
    "multipart_bad_transfer_encoding": 0.05,
    "bad_base64": 0.05,
    "unknown_transfer_encoding": 0.05,
    "unknown_charset": 0.02,
    "wrong_charset": 0.0,
    "missing_charset": 0.0,
    "missing_from": 0.1,
    "missing_date": 0.05,
    "missing_message_id": 0.05,
    "malformed_address": 0.1,
    "bad_date": 0.05,
    "parser_error": 0.1,
}
DEFAULT_WEIGHT = 0.05  # a code the parser learnt after this table: counted, weakly
CODES: frozenset[str] = frozenset(f"message.defect.{code}" for code in WEIGHTS)


def analyze(message: Message, context: Context) -> Iterable[Finding]:
    grouped: dict[str, list[ParseDefect]] = {}
    for defect in message.defects:
        grouped.setdefault(defect.code, []).append(defect)
    for code, defects in grouped.items():
        first = defects[0]
        evidence = {
            "detail": first.detail,
            "part_path": first.part_path,
            "count": len(defects),
            "parts": sorted({d.part_path for d in defects if d.part_path})[:10],
        }
        code_id = f"message.defect.{code}" if code in WEIGHTS else "message.defect.parser_error"
        if code not in WEIGHTS:
            evidence["defect"] = code
        yield Finding(code_id, WEIGHTS.get(code, DEFAULT_WEIGHT), evidence)
