"""NIS2-style incident report drafts: pre-filled from a case or a campaign, exported as Markdown or PDF.

NIS2 (Directive (EU) 2022/2555, art. 23) asks an essential or important entity for an *early
warning* within 24 hours of becoming aware of a significant incident (suspected malicious? cross-
border impact?), an *incident notification* within 72 hours (initial assessment, severity and
impact, indicators of compromise) and a *final report* within one month (detailed description,
type of threat or root cause, mitigation measures applied and ongoing, cross-border impact).

The draft is a set of editable text sections (``SECTIONS``); each stage exports the sections it
needs (``STAGES``). Pre-filling reads only what the store kept (case metadata, verdict, facts,
reports, decisions); indicators are written defanged. Texts and headings are in the UI catalogue.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from rempart.catalogue import Catalogue
from rempart.config import OrgProfile
from rempart.service.console import i18n
from rempart.service.console.sanitize import defang
from rempart.service.intake import render_reasons
from rempart.store import cases as store_cases
from rempart.store.campaigns import campaign_cases
from rempart.store.models import Campaign, Case
from rempart.store.timeutil import utcnow

SECTIONS = (
    "title",
    "entity",
    "contact",
    "reference",
    "aware_at",
    "what_happened",
    "timeline",
    "suspected_malicious",
    "cross_border",
    "severity",
    "impact",
    "indicators",
    "root_cause",
    "measures",
)
SHORT = frozenset({"title", "entity", "contact", "reference", "aware_at"})  # one-line inputs
STAGES: dict[str, tuple[str, ...]] = {
    "early_warning": ("entity", "contact", "reference", "aware_at", "what_happened", "suspected_malicious",
                      "cross_border"),
    "notification": ("entity", "contact", "reference", "aware_at", "what_happened", "timeline",
                     "suspected_malicious", "cross_border", "severity", "impact", "indicators"),
    "final": tuple(s for s in SECTIONS if s != "title"),
}
MAX_CASES = 200
AWARE_FORMAT = "%Y-%m-%d %H:%M"


def add_month(value: datetime) -> datetime:
    month = value.month % 12 + 1
    year = value.year + (value.month == 12)
    return value.replace(year=year, month=month, day=min(value.day, calendar.monthrange(year, month)[1]))


def parse_aware(text: str) -> datetime | None:
    value = text.strip().removesuffix("UTC").strip()
    for fmt in (AWARE_FORMAT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class Deadline:
    stage: str
    due: datetime | None
    overdue: bool


def deadlines(aware_at: str, now: datetime | None = None) -> list[Deadline]:
    aware = parse_aware(aware_at)
    current = now or utcnow()
    dues: dict[str, datetime | None] = {
        "early_warning": aware + timedelta(hours=24) if aware else None,
        "notification": aware + timedelta(hours=72) if aware else None,
        "final": add_month(aware) if aware else None,
    }
    return [Deadline(s, d, d is not None and d < current) for s, d in dues.items()]


@dataclass
class _Evidence:
    """What the cases of a report have in common, merged."""

    cases: list[Case] = field(default_factory=list)
    recipients: set[str] = field(default_factory=set)
    reporters: set[str] = field(default_factory=set)
    senders: set[str] = field(default_factory=set)
    reply_to: set[str] = field(default_factory=set)
    return_paths: set[str] = field(default_factory=set)
    ips: set[str] = field(default_factory=set)
    urls: list[str] = field(default_factory=list)
    attachments: list[tuple[str, str]] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    first_received: datetime | None = None
    first_reported: datetime | None = None
    held: int = 0
    released: int = 0

    def add(self, session: Session, case: Case, lang: str, catalogue: Catalogue) -> None:
        self.cases.append(case)
        for role, address in store_cases.case_addresses(session, case.id):
            if role in ("to", "cc", "envelope_to"):
                self.recipients.add(address)
            elif role == "reply_to":
                self.reply_to.add(address)
        for report in store_cases.case_reports(session, case.id):
            self.reporters.add(report.reporter)
        if case.sender_address:
            self.senders.add(case.sender_address)
        if case.subject:
            self.subjects.add(case.subject)
        self.first_received = _earliest(self.first_received, case.received_at or case.created_at)
        self.first_reported = _earliest(self.first_reported, case.first_reported_at)
        self.held += case.quarantine in ("held", "release_requested")
        self.released += case.quarantine in ("release_requested", "released")
        for reason in render_reasons((case.verdict or {}).get("reasons", [])[:5], lang, catalogue):
            if reason["text"] not in self.reasons:
                self.reasons.append(reason["text"])
        stored = store_cases.case_facts(session, case.id) or {}
        facts: Mapping[str, Any] = stored.get("facts") or {}
        if facts.get("return_path"):
            self.return_paths.add(str(facts["return_path"]))
        for hop in (facts.get("received") or [])[:3]:
            if hop.get("from_ip"):
                self.ips.add(str(hop["from_ip"]))
                break
        for u in facts.get("urls") or []:
            url = str(u.get("url", ""))
            if url and url not in self.urls and u.get("origin") in ("href", "form_action", "text", "attachment"):
                self.urls.append(url)
        for a in facts.get("attachments") or []:
            item = (str(a.get("filename", "")), str(a.get("sha256", "")))
            if item[1] and item not in self.attachments:
                self.attachments.append(item)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def prefill(
    session: Session,
    *,
    lang: str,
    org: OrgProfile,
    catalogue: Catalogue,
    contact: str,
    case: Case | None = None,
    campaign: Campaign | None = None,
) -> dict[str, str]:
    t = partial(i18n.text, lang)
    when = partial(i18n.when, lang)
    ev = _Evidence()
    members: Sequence[Case] = [case] if case is not None else campaign_cases(session, campaign.id) if campaign else []
    for member in list(members)[:MAX_CASES]:
        ev.add(session, member, lang, catalogue)
    if not ev.cases:
        return {s: "" for s in SECTIONS}
    lead = ev.cases[0]
    worst = max(ev.cases, key=lambda c: c.score)
    lure = t(f"lure.{worst.lure_type}")
    decisions = sorted({c.decision for c in ev.cases if c.decision})
    aware = _earliest(ev.first_reported, min(c.created_at for c in ev.cases)) or utcnow()
    subject = next(iter(sorted(ev.subjects)), "—")
    if campaign is not None:
        title = t("inc.prefill.title_campaign", id=campaign.id, subject=campaign.title or subject)
        reference = f"REMPART-CAMPAIGN-{campaign.id}"
    else:
        title = t("inc.prefill.title_case", id=lead.id, subject=subject)
        reference = f"REMPART-CASE-{lead.id}"
    what = t(
        "inc.prefill.what",
        count=len(ev.cases),
        received=when(ev.first_received),
        subject=subject,
        senders=", ".join(sorted(ev.senders)) or "—",
        recipients=len(ev.recipients),
        org=org.name or t("inc.prefill.the_org"),
        verdict=t(f"verdict.{worst.level}"),
        score=f"{worst.score:.2f}",
        lure=lure,
    )
    if ev.reasons:
        what += "\n\n" + t("inc.prefill.reasons") + "\n" + _bullets(ev.reasons[:6])
    timeline = [t("inc.prefill.tl_received", at=when(ev.first_received))]
    timeline.append(t("inc.prefill.tl_detected", at=when(min(c.created_at for c in ev.cases))))
    if ev.first_reported:
        timeline.append(t("inc.prefill.tl_reported", at=when(ev.first_reported), n=len(ev.reporters)))
    for c in ev.cases[:20]:
        if c.decided_at:
            timeline.append(
                t("inc.prefill.tl_decided", at=when(c.decided_at), id=c.id, decision=t(f"decision.{c.decision}"))
            )
        if c.released_at:
            timeline.append(t("inc.prefill.tl_released", at=when(c.released_at), id=c.id))
    malicious = any(d in ("malicious",) for d in decisions) or worst.level == "malicious"
    suspected = t("inc.prefill.suspected_yes" if malicious else "inc.prefill.suspected_maybe", lure=lure)
    if "phishing_simulation" in decisions and len(decisions) == 1:
        suspected = t("inc.prefill.simulation")
    severity = t(
        "inc.prefill.severity",
        verdict=t(f"verdict.{worst.level}"),
        score=f"{worst.score:.2f}",
        recipients=len(ev.recipients),
        reporters=len(ev.reporters),
        held=ev.held,
    )
    impact = t("inc.prefill.impact", recipients=len(ev.recipients), cases=len(ev.cases))
    indicators: list[str] = []
    indicators += [t("inc.ioc.sender", value=defang(s)) for s in sorted(ev.senders)]
    indicators += [t("inc.ioc.reply_to", value=defang(s)) for s in sorted(ev.reply_to - ev.senders)]
    indicators += [t("inc.ioc.return_path", value=defang(s)) for s in sorted(ev.return_paths - ev.senders)]
    indicators += [t("inc.ioc.ip", value=ip) for ip in sorted(ev.ips)]
    indicators += [t("inc.ioc.url", value=defang(u)) for u in ev.urls[:30]]
    indicators += [t("inc.ioc.attachment", name=n, sha256=h) for n, h in ev.attachments[:30]]
    indicators += [t("inc.ioc.subject", value=s) for s in sorted(ev.subjects)[:5]]
    measures = []
    if ev.held:
        measures.append(t("inc.measure.quarantine", n=ev.held))
    if decisions:
        measures.append(t("inc.measure.decided", decisions=", ".join(t(f"decision.{d}") for d in decisions)))
    measures += [t("inc.measure.block"), t("inc.measure.check_clicks"), t("inc.measure.inform")]
    if worst.lure_type == "payment_fraud":
        measures.append(t("inc.measure.payment"))
    if worst.lure_type == "credential_phishing":
        measures.append(t("inc.measure.credentials"))
    return {
        "title": title,
        "entity": org.name,
        "contact": contact,
        "reference": reference,
        "aware_at": aware.strftime(AWARE_FORMAT) + " UTC",
        "what_happened": what,
        "timeline": _bullets(timeline),
        "suspected_malicious": suspected,
        "cross_border": t("inc.prefill.cross_border"),
        "severity": severity,
        "impact": impact,
        "indicators": _bullets(indicators),
        "root_cause": t("inc.prefill.root_cause", lure=lure) + "\n" + _bullets(ev.reasons[:3]),
        "measures": _bullets(measures),
    }


def _meta_lines(fields: Mapping[str, str], stage: str, lang: str) -> list[tuple[str, str]]:
    t = partial(i18n.text, lang)
    rows = [(t(f"inc.field.{k}"), fields.get(k, "")) for k in ("entity", "contact", "reference", "aware_at")]
    rows.append((t("inc.stage"), t(f"inc.stage.{stage}")))
    for d in deadlines(fields.get("aware_at", "")):
        rows.append((t(f"inc.due.{d.stage}"), i18n.when(lang, d.due)))
    return rows


def to_markdown(fields: Mapping[str, str], stage: str, lang: str, generated: datetime | None = None) -> str:
    t = partial(i18n.text, lang)
    lines = [f"# {fields.get('title') or t('inc.untitled')}", ""]
    lines.append(f"*{t('inc.draft_note', at=i18n.when(lang, generated or utcnow()))}*")
    lines.append("")
    lines += [f"| {t('inc.md.item')} | {t('inc.md.value')} |", "|---|---|"]
    for label, value in _meta_lines(fields, stage, lang):
        lines.append(f"| {label} | {value.replace('|', '/')} |")
    for key in STAGES[stage]:
        if key in SHORT:
            continue
        lines += ["", f"## {t(f'inc.field.{key}')}", "", fields.get(key, "").strip() or "—"]
    return "\n".join(lines) + "\n"


def _font_dir() -> str:
    import os

    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


def to_pdf(fields: Mapping[str, str], stage: str, lang: str, generated: datetime | None = None) -> bytes:
    """A plain, printable PDF (fpdf2, DejaVu Sans from matplotlib's bundled fonts: full Unicode)."""
    import os

    from fpdf import FPDF

    t = partial(i18n.text, lang)
    pdf = FPDF(format="A4")
    pdf.set_creator("Rempart")
    pdf.set_title(fields.get("title", "")[:200])
    pdf.set_auto_page_break(auto=True, margin=18)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", os.path.join(fonts, "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", os.path.join(fonts, "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(width, 8, fields.get("title") or t("inc.untitled"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(width, 5, t("inc.draft_note", at=i18n.when(lang, generated or utcnow())), align="L",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=(62, width - 62), text_align="LEFT", borders_layout="HORIZONTAL_LINES",
                   first_row_as_headings=False, line_height=5, padding=1.2, v_align="TOP") as table:
        for label, value in _meta_lines(fields, stage, lang):
            row = table.row()
            row.cell(label)
            row.cell(value or "—")
    for key in STAGES[stage]:
        if key in SHORT:
            continue
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.set_draw_color(200, 200, 200)
        pdf.multi_cell(width, 7, t(f"inc.field.{key}"), border="B", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font("DejaVu", "", 9.5)
        text = fields.get(key, "").strip() or "—"
        pdf.multi_cell(width, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")  # long URLs break anywhere
    return bytes(pdf.output())
