"""What the deep analysis of one attachment collects: hits (code, weight, evidence), embedded URLs and
the readable text of documents (for the intent analyzer: a lure written inside a PDF).

A ``Report`` is filled inside the bounded child process (see ``sandbox``) and sent back as JSON, so
everything in it is plain data. It also carries the attachment's budgets (members read, bytes
expanded), shared by every archive nested inside that attachment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_HITS = 60  # per attachment: a hostile archive of a thousand scripts is one story, not a thousand
MAX_URLS_PER_LOCATION = 50
MAX_URL_LOCATIONS = 20
MAX_TEXT_LOCATIONS = 3  # documents whose text is kept, per attachment
MAX_TEXT_CHARS = 4000  # per document: the first page or two, where a lure, a phone number or an IBAN sits


@dataclass(slots=True)
class Item:
    """One file under analysis: the attachment itself (depth 0) or something found inside it."""

    path: str  # where it is, for evidence: "facture.zip/docs/scan.pdf.js"
    name: str  # its own file name ("scan.pdf.js"), "" when it has none
    data: bytes
    depth: int = 0  # containers opened to reach it
    container: str = ""  # what it was found in: "", "archive", "disk_image", "pdf", "office", "onenote"
    encrypted_with: str = ""  # the body password that opened it, if any


@dataclass(slots=True)
class Report:
    hits: list[dict[str, Any]] = field(default_factory=list)
    urls: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # location -> text
    members_left: int = 0
    bytes_left: int = 0
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def add(self, code: str, weight: float, location: str, **evidence: Any) -> None:
        """One hit per (code, location); the first wins (callers add the strongest form first)."""
        key = (code, location)
        if key in self._seen or len(self.hits) >= MAX_HITS:
            return
        self._seen.add(key)
        self.hits.append({"code": code, "weight": weight, "evidence": {"location": location, **evidence}})

    def add_urls(self, location: str, origin: str, found: list[str]) -> None:
        if not found:
            return
        key = (location, origin)
        if key not in self.urls and len(self.urls) >= MAX_URL_LOCATIONS:
            return
        bucket = self.urls.setdefault(key, [])
        for url in found:
            if url not in bucket and len(bucket) < MAX_URLS_PER_LOCATION:
                bucket.append(url)

    def add_text(self, location: str, text: str) -> None:
        lines = (" ".join(line.split()) for line in text[: MAX_TEXT_CHARS * 4].splitlines())
        text = "\n".join(line for line in lines if line)[:MAX_TEXT_CHARS]
        if text and location not in self.texts and len(self.texts) < MAX_TEXT_LOCATIONS:
            self.texts[location] = text

    def to_json(self) -> dict[str, Any]:
        return {
            "hits": self.hits,
            "texts": [{"location": loc, "text": text} for loc, text in self.texts.items()],
            "urls": [
                {"location": loc, "origin": origin, "urls": urls} for (loc, origin), urls in self.urls.items()
            ],
        }
