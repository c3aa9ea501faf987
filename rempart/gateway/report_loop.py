"""The report loop: read the report mailbox, file each reported message, tell the reporter, follow up.

One poll::

    for each mail in the mailbox
        reporter allowed? not an auto-reply or our own feedback?   no → Processed, nothing sent
        extract the original(s)                                     none → "please forward as attachment"
        scan · simulation? · file the report (idempotent)           → Unreadable
        feedback (pending → sent), then move to Processed
    feedback still due: initial ones whose sending failed, follow-ups for changed decisions

Idempotent across restarts: a mail is moved only once fully handled; filing the same reporter's report
of the same message twice returns the first report, and feedback is sent only while it is pending, so a
crash at any point repeats at most one feedback e-mail (sent, then the crash before recording it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from rempart.catalogue import Catalogue
from rempart.config import Config
from rempart.engine.engine import Engine
from rempart.gateway import feedback as fb
from rempart.gateway.extract import extract
from rempart.gateway.imap import MailboxError, ReportMailbox
from rempart.gateway.reports import Due, feedback_due, file_report, record_feedback
from rempart.gateway.simulation import match_simulation
from rempart.message.headers import decode, parse_addresses
from rempart.message.mime import parse_part
from rempart.store.cases import StoreOptions
from rempart.store.database import Database
from rempart.store.errors import StoreError

log = logging.getLogger("rempart.gateway.imap")


@dataclass
class LoopStats:
    mails: int = 0
    reports_filed: int = 0
    duplicates: int = 0
    unreadable: int = 0
    ignored: int = 0
    feedback_sent: int = 0
    followups_sent: int = 0
    feedback_failed: int = 0


@dataclass(frozen=True)
class ReportMail:
    reporter: str
    message_id: str
    automatic: bool  # an auto-reply, a bounce or our own feedback: never answered


def read_report_mail(raw: bytes) -> ReportMail:
    part = parse_part(raw[:256 * 1024])
    addresses, _ = parse_addresses(part.get_raw("from"))
    reporter = addresses[0].address if addresses else ""
    auto = decode(part.get("auto-submitted")).strip().lower()
    automatic = bool(part.get(fb.FEEDBACK_HEADER.lower())) or auto not in ("", "no") or not reporter
    return ReportMail(reporter, part.get("message-id").strip(), automatic)


class ReportLoop:
    def __init__(self, config: Config, engine: Engine, db: Database, opts: StoreOptions, mailbox: ReportMailbox,
                 sender: fb.FeedbackSender, *, catalogue: Catalogue | None = None) -> None:
        self.config = config
        self.settings = config.gateway
        self.engine = engine
        self.db = db
        self.opts = opts
        self.mailbox = mailbox
        self.sender = sender
        self.catalogue = catalogue or Catalogue.load_shipped()
        feedback = self.settings.feedback
        self.lang = feedback.language or config.language
        username = self.settings.imap.username
        self.from_address = feedback.from_address or (username if "@" in username else "rempart@localhost")
        allowed = self.settings.imap.reporter_domains or config.org.domains
        self.allowed_domains = tuple(d.lower() for d in allowed)
        self.stats = LoopStats()
        self.on_feedback: Callable[[EmailMessage], None] | None = None  # tests and benchmarks

    # -- one poll -----------------------------------------------------------------------------------

    def poll_once(self) -> int:
        """Handle every mail waiting in the mailbox, then the feedback still due; return mails handled."""
        handled = 0
        self.mailbox.open()
        try:
            for uid in self.mailbox.uids():
                raw = self.mailbox.fetch(uid)
                folder = self.handle(raw)
                self.mailbox.move(uid, folder)
                handled += 1
        finally:
            self.mailbox.close()
        self.send_due()
        return handled

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.poll_once()
            except (MailboxError, StoreError, OSError) as err:
                log.warning("report mailbox poll failed (%s); retrying at the next poll", err)
            stop.wait(max(0.0, self.settings.imap.poll_seconds - (time.monotonic() - started)))

    def _allowed(self, reporter: str) -> bool:
        if not self.allowed_domains:
            return True
        domain = reporter.rpartition("@")[2].lower()
        return any(domain == d or domain.endswith("." + d) for d in self.allowed_domains)

    def handle(self, raw: bytes) -> str:
        """File what ``raw`` reports; return the folder it goes to."""
        self.stats.mails += 1
        imap = self.settings.imap
        mail = read_report_mail(raw)
        if mail.automatic or mail.reporter == self.from_address.lower():
            self.stats.ignored += 1
            log.info("ignored an automatic message in the report mailbox")
            return imap.processed_folder
        if not self._allowed(mail.reporter):
            self.stats.ignored += 1
            log.warning("report from outside the reporter domains ignored (no feedback sent)")
            return imap.unreadable_folder
        found = extract(raw)
        if not found.originals:
            self.stats.unreadable += 1
            self._send(fb.compose_unreadable(mail.reporter, lang=self.lang, sender=self.from_address,
                                             org=self.config.org.name, in_reply_to=mail.message_id))
            return imap.unreadable_folder
        for original in found.originals:
            verdict = self.engine.scan(original.raw)
            simulation = match_simulation(self.settings.simulation, verdict.facts, None,
                                          self.settings.trusted_received_hops)
            filed = file_report(self.db, self.opts, original.raw, verdict, mail.reporter, simulation)
            if filed.duplicate:
                self.stats.duplicates += 1
            else:
                self.stats.reports_filed += 1
            if filed.feedback_status != "pending" or not self.settings.feedback.enabled:
                continue
            message = fb.compose(
                fb.Feedback(
                    reporter=mail.reporter,
                    told=filed.told,
                    subject=str(verdict.facts.get("subject", "")),
                    signs=self._signs(filed.reasons),
                    best_effort=original.best_effort,
                    in_reply_to=mail.message_id,
                ),
                lang=self.lang, sender=self.from_address, org=self.config.org.name,
            )
            if self._send(message):
                record_feedback(self.db, self.opts, filed.report_id, filed.told, followup=False)
                self.stats.feedback_sent += 1
        return imap.processed_folder

    def _signs(self, reasons: list[dict[str, Any]]) -> list[str]:
        return fb.signs(reasons, self.lang, self.catalogue, self.settings.feedback.max_signs)

    def _send(self, message: EmailMessage) -> bool:
        if not self.settings.feedback.enabled:
            return False
        try:
            self.sender.send(message)
        except Exception as err:  # the relay being down must not lose the report: retried later
            self.stats.feedback_failed += 1
            log.warning("feedback e-mail not sent (%s); will retry", type(err).__name__)
            return False
        if self.on_feedback is not None:
            self.on_feedback(message)
        return True

    # -- feedback still due ---------------------------------------------------------------------------

    def send_due(self) -> int:
        if not self.settings.feedback.enabled:
            return 0
        sent = 0
        for due in feedback_due(self.db):
            if self._send(self._compose_due(due)):
                record_feedback(self.db, self.opts, due.report_id, due.told, followup=due.followup)
                sent += 1
                if due.followup:
                    self.stats.followups_sent += 1
                else:
                    self.stats.feedback_sent += 1
        return sent

    def _compose_due(self, due: Due) -> EmailMessage:
        reported = due.reported_at.strftime("%d/%m/%Y" if self.lang == "fr" else "%Y-%m-%d")
        return fb.compose(
            fb.Feedback(reporter=due.reporter, told=due.told, subject=due.subject, signs=self._signs(due.reasons),
                        followup=due.followup, reported_on=reported),
            lang=self.lang, sender=self.from_address, org=self.config.org.name,
        )
