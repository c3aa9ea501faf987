"""The report loop against a real IMAP server (Dovecot, TLS on loopback), a real SMTP relay for
feedback and a real store."""

from __future__ import annotations

import email
import itertools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rempart.config import Config
from rempart.engine.engine import Engine
from rempart.gateway.feedback import SmtpFeedbackSender
from rempart.gateway.imap import ImapMailbox
from rempart.gateway.report_loop import ReportLoop
from rempart.store import audit, cases
from rempart.store.cases import StoreOptions
from rempart.store.database import Database
from rempart.store.models import Case, Report
from tests.gateway.conftest import BASE, make_config, message
from tests.gateway.dovecot import Dovecot, running_dovecot
from tests.gateway.servers import REPO, Sink

PASSWORD = "s3cret-report"
_users = itertools.count(1)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot({f"signalement{i}": PASSWORD for i in range(1, 40)}) as server:
        yield server


@pytest.fixture
def mailbox_user() -> str:
    return f"signalement{next(_users)}"


def loop_config(dovecot: Dovecot, user: str, relay: int, **gateway: Any) -> Config:
    language = gateway.pop("language", "fr")
    imap = {"host": "127.0.0.1", "port": dovecot.port, "username": user, "tls_ca_file": str(dovecot.cert),
            "poll_seconds": 0.5, **gateway.pop("imap", {})}
    feedback = {"smtp_port": relay, "from_address": "securite@cabinet-example.fr", **gateway.pop("feedback", {})}
    return make_config({"imap": imap, "feedback": feedback, **gateway}, language=language)


def report_loop(config: Config, engine: Engine, store: Database) -> ReportLoop:
    imap = config.gateway.imap
    feedback = config.gateway.feedback
    return ReportLoop(config, engine, store, StoreOptions(actor="gateway"), ImapMailbox(imap, PASSWORD),
                      SmtpFeedbackSender("127.0.0.1", feedback.smtp_port))


def report_mail(original: bytes, how: str, reporter: str = "claire.martin@cabinet-example.fr") -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Claire Martin <{reporter}>"
    mail["To"] = "signalement@cabinet-example.fr"
    mail["Subject"] = "TR: message suspect"
    mail["Message-ID"] = email.utils.make_msgid(domain="cabinet-example.fr")
    mail.set_content("Bonjour, ce message me semble louche.\n")
    if how == "attached":
        mail.add_attachment(email.message_from_bytes(original))
    elif how == "eml":
        mail.add_attachment(original, maintype="application", subtype="octet-stream", filename="suspect.eml")
    return mail.as_bytes()


def inline_forward(reporter: str = "claire.martin@cabinet-example.fr") -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Claire Martin <{reporter}>"
    mail["To"] = "signalement@cabinet-example.fr"
    mail["Subject"] = "TR: Votre mot de passe expire aujourd'hui"
    mail.set_content(
        "Regardez ce message.\n\n________________________________\n"
        "De : Microsoft 365 <no-reply@m365-securite.pages.dev>\n"
        "Envoyé : mardi 14 janvier 2025 08:12\n"
        "À : Martin Claire <claire.martin@cabinet-example.fr>\n"
        "Objet : Votre mot de passe expire aujourd'hui\n\n"
        "Bonjour Claire,\nLe mot de passe de votre compte Microsoft 365 expire aujourd'hui. Pour conserver "
        "l'accès à votre messagerie, confirmez votre identité dans les 24 heures.\n"
    )
    mail.add_alternative(
        '<p>Regardez ce message.</p><hr><p>De : Microsoft 365</p><p>Le mot de passe de votre compte '
        'Microsoft 365 expire aujourd\'hui. Confirmez votre identité dans les 24 heures.</p>'
        '<p><a href="https://m365-securite.pages.dev/login">https://login.microsoftonline.com</a></p>',
        subtype="html")
    return mail.as_bytes()


def feedback_mails(relay: Sink) -> list[Any]:
    return [email.message_from_bytes(d.content, policy=default) for d in relay.deliveries]


def body(mail: Any) -> str:
    return str(mail.get_body(("plain",)).get_content())


def test_attached_report_is_filed_answered_in_french_and_moved(dovecot: Dovecot, mailbox_user: str,
                                                               engine: Engine, store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    dovecot.deliver(mailbox_user, report_mail(message("credential-phish-fr.eml"), "attached"))
    loop = report_loop(loop_config(dovecot, mailbox_user, sink.controller.port), engine, store)
    assert loop.poll_once() == 1
    assert dovecot.count(mailbox_user, "INBOX") == 0
    assert dovecot.count(mailbox_user, "Processed") == 1
    with store.read() as session:
        [case] = session.execute(select(Case)).scalars().all()
        [report] = cases.case_reports(session, case.id)
        assert case.source == "report" and case.level == "malicious"
        assert report.reporter == "claire.martin@cabinet-example.fr" and report.channel == "imap"
        assert report.feedback_status == "sent" and report.feedback_decision == "malicious"
        actions = [e.action for e in audit.entries(session, object_type="case", object_id=str(case.id))]
        assert "case.report" in actions and "report.feedback" in actions
    [mail] = feedback_mails(sink)
    assert mail["To"] == "claire.martin@cabinet-example.fr"
    assert mail["Subject"] == "Votre signalement : Votre mot de passe expire aujourd'hui"
    assert mail["Auto-Submitted"] == "auto-replied" and mail["In-Reply-To"]
    text = body(mail)
    assert "Merci d'avoir signalé" in text and "est une attaque" in text
    signs = [line for line in text.splitlines() if line.startswith("  - ")]
    assert 2 <= len(signs) <= 3
    assert any("m365-securite.pages.dev" in s or "Microsoft" in s for s in signs)  # from this very message
    assert "pièce jointe" not in text  # not a best-effort extraction


def test_eml_attachment_and_english_feedback(dovecot: Dovecot, mailbox_user: str, engine: Engine,
                                             store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    raw = message("credential-phish-fr.eml")
    dovecot.deliver(mailbox_user, report_mail(raw, "eml"))
    loop = report_loop(loop_config(dovecot, mailbox_user, sink.controller.port, language="en"), engine, store)
    loop.poll_once()
    with store.read() as session:
        [case] = session.execute(select(Case)).scalars().all()
        assert cases.raw_message(session, case.id) == raw  # the attached file, byte for byte
    [mail] = feedback_mails(sink)
    assert mail["Subject"].startswith("Your report: ")
    assert "this message is an attack" in body(mail)


def test_inline_forward_is_best_effort_and_says_so(dovecot: Dovecot, mailbox_user: str, engine: Engine,
                                                   store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    dovecot.deliver(mailbox_user, inline_forward())
    loop = report_loop(loop_config(dovecot, mailbox_user, sink.controller.port), engine, store)
    loop.poll_once()
    with store.read() as session:
        [case] = session.execute(select(Case)).scalars().all()
        assert case.sender_address == "no-reply@m365-securite.pages.dev"
        assert case.subject == "Votre mot de passe expire aujourd'hui"
        assert case.level in ("suspicious", "malicious")
    [mail] = feedback_mails(sink)
    assert "transféré le message dans le corps" in body(mail)


def test_no_original_found_asks_to_forward_as_attachment(dovecot: Dovecot, mailbox_user: str, engine: Engine,
                                                         store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    mail = EmailMessage()
    mail["From"] = "claire.martin@cabinet-example.fr"
    mail["Subject"] = "j'ai reçu un mail bizarre"
    mail.set_content("Je l'ai supprimé, mais il demandait mon mot de passe.\n")
    dovecot.deliver(mailbox_user, mail.as_bytes())
    loop = report_loop(loop_config(dovecot, mailbox_user, sink.controller.port), engine, store)
    loop.poll_once()
    assert dovecot.count(mailbox_user, "Unreadable") == 1
    [answer] = feedback_mails(sink)
    assert answer["Subject"] == "Votre signalement n'a pas pu être lu"
    with store.read() as session:
        assert session.execute(select(Case)).scalars().all() == []


def test_outsiders_and_automatic_mail_get_no_answer(dovecot: Dovecot, mailbox_user: str, engine: Engine,
                                                    store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    dovecot.deliver(mailbox_user, report_mail(message("credential-phish-fr.eml"), "attached",
                                              reporter="someone@outside.example"))
    bounce = EmailMessage()
    bounce["From"] = "claire.martin@cabinet-example.fr"
    bounce["Auto-Submitted"] = "auto-replied"
    bounce["Subject"] = "Absent du bureau"
    bounce.set_content("Je suis absente.\n")
    dovecot.deliver(mailbox_user, bounce.as_bytes())
    loop = report_loop(loop_config(dovecot, mailbox_user, sink.controller.port), engine, store)
    assert loop.poll_once() == 2
    assert loop.stats.ignored == 2 and sink.count() == 0
    assert dovecot.count(mailbox_user, "INBOX") == 0


def test_idempotent_across_a_crash_before_the_move(dovecot: Dovecot, mailbox_user: str, engine: Engine,
                                                   store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    raw_report = report_mail(message("credential-phish-fr.eml"), "attached")
    dovecot.deliver(mailbox_user, raw_report)
    config = loop_config(dovecot, mailbox_user, sink.controller.port)
    first = report_loop(config, engine, store)
    first.handle(raw_report)  # filed and answered, then the process died before moving the mail
    second = report_loop(config, engine, store)  # the restarted poller
    assert second.poll_once() == 1
    assert second.stats.duplicates == 1 and second.stats.feedback_sent == 0
    assert second.poll_once() == 0
    with store.read() as session:
        assert len(session.execute(select(Report)).scalars().all()) == 1
    assert sink.count() == 1
    assert dovecot.count(mailbox_user, "Processed") == 1


def test_followup_when_the_analyst_changes_the_decision(dovecot: Dovecot, mailbox_user: str, engine: Engine,
                                                        store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    dovecot.deliver(mailbox_user, report_mail(message("bank-change-suspicious.eml"), "attached"))
    loop = report_loop(loop_config(dovecot, mailbox_user, sink.controller.port, language="en"), engine, store)
    loop.poll_once()
    [first] = feedback_mails(sink)
    assert "looks suspicious" in body(first)
    with store.read() as session:
        [case] = session.execute(select(Case)).scalars().all()
    analyst = StoreOptions(actor="token:analyst")
    with store.write() as session:
        cases.decide(session, case.id, "malicious", "vendor confirmed by phone it never changed its IBAN", analyst)
    loop.poll_once()
    mails = feedback_mails(sink)
    assert len(mails) == 2
    assert mails[1]["Subject"].startswith("Update on your report: ")
    assert "A security analyst has reviewed" in body(mails[1]) and "is an attack" in body(mails[1])
    loop.poll_once()
    assert sink.count() == 2  # nothing changed, nothing sent
    with store.write() as session:
        cases.decide(session, case.id, "clean", "false alarm after all", analyst)
    loop.poll_once()
    assert sink.count() == 3 and "no sign of an attack" in body(feedback_mails(sink)[2])


def test_reported_simulation_is_decided_and_congratulated(dovecot: Dovecot, mailbox_user: str, engine: Engine,
                                                          store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    dovecot.deliver(mailbox_user, report_mail(message("simulation-campaign.eml"), "attached"))
    config = loop_config(dovecot, mailbox_user, sink.controller.port,
                         simulation={"dkim_domains": ["sensibilisation-phish.example"]})
    report_loop(config, engine, store).poll_once()
    with store.read() as session:
        [case] = session.execute(select(Case)).scalars().all()
        assert case.decision == "phishing_simulation" and case.decided_by == "gateway"
    [mail] = feedback_mails(sink)
    text = body(mail)
    assert text.count("Bravo") == 1 and "exercice d'hameçonnage" in text
    assert "Cabinet Exemple" in text


def test_feedback_waits_for_the_relay(dovecot: Dovecot, mailbox_user: str, engine: Engine, store: Database,
                                      tmp_path: Path) -> None:
    from tests.gateway.servers import free_port

    port = free_port()  # nothing listens yet: the relay is down
    dovecot.deliver(mailbox_user, report_mail(message("credential-phish-fr.eml"), "attached"))
    loop = report_loop(loop_config(dovecot, mailbox_user, port), engine, store)
    loop.poll_once()
    assert loop.stats.reports_filed == 1 and loop.stats.feedback_failed >= 1
    with store.read() as session:
        [report] = session.execute(select(Report)).scalars().all()
        assert report.feedback_status == "pending"
    relay = Sink()
    relay.start(port)
    try:
        loop.poll_once()
        [mail] = feedback_mails(relay)
        assert "est une attaque" in body(mail)
    finally:
        relay.stop()


def test_report_to_feedback_time_with_the_poll_running(dovecot: Dovecot, mailbox_user: str, engine: Engine,
                                                       store: Database, sink: Sink) -> None:
    assert sink.controller is not None
    config = loop_config(dovecot, mailbox_user, sink.controller.port, imap={"poll_seconds": 2.0})
    loop = report_loop(config, engine, store)
    stop = threading.Event()
    runner = threading.Thread(target=loop.run, args=(stop,))
    runner.start()
    try:
        time.sleep(0.5)
        reported = time.monotonic()
        dovecot.deliver(mailbox_user, report_mail(message("credential-phish-fr.eml"), "attached"))
        sink.wait_for(1, timeout=30)
        elapsed = time.monotonic() - reported
    finally:
        stop.set()
        runner.join(30)
    assert sink.count() == 1
    assert elapsed < 2.0 + 8.0  # one poll interval plus scan, filing and sending


def test_cli_once(dovecot: Dovecot, mailbox_user: str, sink: Sink, tmp_path: Path) -> None:
    assert sink.controller is not None
    dovecot.deliver(mailbox_user, report_mail(message("credential-phish-fr.eml"), "attached"))
    (tmp_path / "password").write_text(PASSWORD + "\n")
    config = tmp_path / "rempart.toml"
    config.write_text(
        f'language = "fr"\n[model]\nenabled = false\n'
        f'[org]\nname = "{BASE["org"]["name"]}"\ndomains = ["cabinet-example.fr"]\n'
        f'[gateway.imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nusername = "{mailbox_user}"\n'
        f'password_file = "{tmp_path / "password"}"\ntls_ca_file = "{dovecot.cert}"\n'
        f'[gateway.feedback]\nsmtp_port = {sink.controller.port}\nfrom_address = "securite@cabinet-example.fr"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "rempart.cli.app", "gateway", "imap", "--once", "--config", str(config)],
        cwd=REPO, env={**os.environ, "REMPART_DATA_DIR": str(tmp_path / "data")}, capture_output=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert b"1 report(s) filed, 1 feedback" in done.stdout
    assert sink.count() == 1
    db = Database(f"sqlite:///{tmp_path / 'data' / 'rempart.db'}")
    try:
        with db.read() as session:
            assert len(session.execute(select(Report)).scalars().all()) == 1
    finally:
        db.dispose()


def test_tls_is_required_and_verified(dovecot: Dovecot, mailbox_user: str, engine: Engine, store: Database,
                                      sink: Sink, tmp_path: Path) -> None:
    from rempart.gateway.imap import MailboxError
    from tests.gateway.dovecot import self_signed

    assert sink.controller is not None
    other_ca, _ = self_signed(tmp_path)  # a certificate the server's is not signed by
    config = loop_config(dovecot, mailbox_user, sink.controller.port, imap={"tls_ca_file": str(other_ca)})
    with pytest.raises(MailboxError):
        report_loop(config, engine, store).poll_once()
