"""The one place analyzers are registered. Order matters: later analyzers see earlier findings
(``Context.findings``), so correlation comes last. A new analyzer is one module plus one line here."""

from __future__ import annotations

from rempart.analyzers import attachments, auth, correlate, intent, links, parse_defects, scam, sender
from rempart.analyzers.base import AnalyzeFn

ANALYZERS: tuple[tuple[str, AnalyzeFn], ...] = (
    (parse_defects.NAME, parse_defects.analyze),
    (auth.NAME, auth.analyze),
    (sender.NAME, sender.analyze),
    (attachments.NAME, attachments.analyze),
    (links.NAME, links.analyze),
    (intent.NAME, intent.analyze),
    (scam.NAME, scam.analyze),
    (correlate.NAME, correlate.analyze),
)
