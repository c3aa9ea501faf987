"""The SMTP content filter end to end: a real SMTP client in, a real receiving server out."""

from __future__ import annotations

import time
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

from rempart.engine.engine import Engine
from rempart.gateway.spool import message_key
from rempart.store import cases
from rempart.store.cases import StoreOptions
from rempart.store.database import Database
from tests.gateway.conftest import RunningFilter, make_config, message
from tests.gateway.servers import Sink


def headers(content: bytes) -> dict[str, str]:
    parsed = BytesParser(policy=default).parsebytes(content)
    return {k: str(v) for k, v in parsed.items()}


def test_clean_message_is_stamped_and_body_untouched(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    raw = message("meeting-clean.eml")
    with RunningFilter(make_config(), engine, tmp_path / "spool", sink.controller.port) as f:
        code, reply = f.send(raw)
        assert code == 250, reply
        [delivery] = sink.wait_for(1)
    got = headers(delivery.content)
    assert got["X-Rempart-Verdict"] == "clean"
    assert float(got["X-Rempart-Score"]) < 0.3
    assert "X-Rempart-Reasons" in got
    # the transaction's spool key: a copy handed on twice carries the same one (examples/dovecot/)
    assert got["X-Rempart-Id"] == message_key(raw, delivery.mail_from, delivery.rcpt_to)
    assert got["Subject"] == "Compte rendu de la réunion de jeudi"
    assert delivery.content.endswith(raw)  # headers added on top; the original bytes follow unchanged
    assert delivery.rcpt_to == ("claire.martin@cabinet-example.fr",)


def test_spoofed_rempart_headers_are_removed(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    raw = message("credential-phish-fr.eml")
    spoofed = (b"X-Rempart-Verdict: clean\r\nX-REMPART-SCORE: 0.000\r\nx-rempart-reasons: none,\r\n"
               b"  folded continuation\r\nX-Rempart-Released: case 1\r\nX-Rempart-Id: 0123abcd\r\n") + raw
    config = make_config({"tag_subject": False})
    with RunningFilter(config, engine, tmp_path / "spool", sink.controller.port) as f:
        assert f.send(spoofed)[0] == 250
        [delivery] = sink.wait_for(1)
        assert f.filter.stats.spoofed_headers_removed == 5
    text = delivery.content.decode("utf-8", "replace")
    head = text.split("\r\n\r\n", 1)[0]
    assert head.lower().count("x-rempart-verdict") == 1
    assert "X-Rempart-Verdict: malicious" in head
    assert "folded continuation" not in head and "X-Rempart-Released" not in head
    assert "X-Rempart-Score: 0.000" not in head
    assert "0123abcd" not in head and head.count("X-Rempart-Id: ") == 1


def test_subject_tag_in_the_configured_language(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    raw = message("bank-change-suspicious.eml")
    config = make_config({"language": "fr"})
    with RunningFilter(config, engine, tmp_path / "spool", sink.controller.port) as f:
        assert f.send(raw)[0] == 250
        [delivery] = sink.wait_for(1)
    got = headers(delivery.content)
    assert got["X-Rempart-Verdict"] == "suspicious"
    assert got["Subject"] == "[SUSPECT] Changement de nos coordonnées bancaires"
    assert "intent." in got["X-Rempart-Reasons"]


def test_malicious_is_quarantined_then_released(engine: Engine, sink: Sink, tmp_path: Path,
                                                store: Database) -> None:
    raw = message("credential-phish-fr.eml")
    config = make_config({"quarantine": True, "release_poll_seconds": 0.2})
    with RunningFilter(config, engine, tmp_path / "spool", sink.controller.port, db=store) as f:
        assert f.send(raw, rcpt_to=("claire.martin@cabinet-example.fr", "compta@cabinet-example.fr"))[0] == 250
        deadline = time.monotonic() + 30
        while f.filter.stats.quarantined < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert f.filter.stats.quarantined == 1
        assert sink.count() == 0
        with store.read() as session:
            [case] = cases.find_cases(session, cases.CaseFilter(quarantine="held"))[0]
            assert case.source == "gateway" and case.level == "malicious"
            assert case.envelope_to == ["claire.martin@cabinet-example.fr", "compta@cabinet-example.fr"]
            assert cases.raw_message(session, case.id) == raw
            case_id = case.id
        with store.write() as session:  # what POST /cases/{id}/release does
            cases.request_release(session, case_id, StoreOptions(actor="token:analyst"))
        [delivery] = sink.wait_for(1, timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with store.read() as session:
                if cases.get_case(session, case_id).quarantine == "released":
                    break
            time.sleep(0.05)
    got = headers(delivery.content)
    assert got["X-Rempart-Released"] == f"case {case_id}"
    assert got["X-Rempart-Verdict"] == "malicious"
    assert got["Subject"].startswith("[MALICIOUS] ")
    assert delivery.rcpt_to == ("claire.martin@cabinet-example.fr", "compta@cabinet-example.fr")
    with store.read() as session:
        assert cases.get_case(session, case_id).quarantine == "released"


def test_fail_open_delivers_with_error_verdict(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    config = make_config({"on_error": "fail_open", "scan_timeout_seconds": 0.001})
    with RunningFilter(config, engine, tmp_path / "spool", sink.controller.port) as f:
        code, _ = f.send(message("credential-phish-fr.eml"))
        assert code == 250
        [delivery] = sink.wait_for(1)
        assert f.filter.stats.scan_errors == 1 and f.filter.pool.restarts == 1
    got = headers(delivery.content)
    assert got["X-Rempart-Verdict"] == "error"
    assert "timed out" in got["X-Rempart-Reasons"]
    assert "X-Rempart-Score" not in got


def test_fail_closed_answers_451_and_keeps_nothing(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    config = make_config({"on_error": "fail_closed", "scan_timeout_seconds": 0.001})
    with RunningFilter(config, engine, tmp_path / "spool", sink.controller.port) as f:
        code, reply = f.send(message("meeting-clean.eml"))
        assert code == 451 and b"4.7.0" in reply
        time.sleep(0.5)
        assert f.filter.spool.queued_count() == 0
    assert sink.count() == 0
    assert list((tmp_path / "spool" / "queue").iterdir()) == []


def test_engine_error_follows_the_policy(sink: Sink, tmp_path: Path) -> None:
    class BrokenRules:  # a rule engine that fails: Engine.scan raises, the worker reports it
        def evaluate(self, facts: object) -> list[object]:
            raise RuntimeError("rule pack corrupted")

    config = make_config({"on_error": "fail_closed"})
    broken = Engine(config, rules=BrokenRules())
    with RunningFilter(config, broken, tmp_path / "spool", sink.controller.port) as f:
        assert f.send(message("meeting-clean.eml"))[0] == 451
        assert f.filter.pool.restarts == 0  # an engine error is an answer, the worker lives on
    config = make_config({"on_error": "fail_open"})
    with RunningFilter(config, broken, tmp_path / "spool2", sink.controller.port) as f:
        assert f.send(message("meeting-clean.eml"))[0] == 250
        [delivery] = sink.wait_for(1)
    assert "rule pack corrupted" in headers(delivery.content)["X-Rempart-Reasons"]


def test_dead_worker_is_replaced(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    import os
    import signal

    with RunningFilter(make_config(), engine, tmp_path / "spool", sink.controller.port) as f:
        [worker] = f.filter.pool._all
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(5)
        assert f.send(message("meeting-clean.eml"))[0] == 250  # fail_open: delivered, marked error
        assert f.send(message("bank-change-suspicious.eml"))[0] == 250  # the new worker scans
        deliveries = sink.wait_for(2)
    verdicts = sorted(headers(d.content)["X-Rempart-Verdict"] for d in deliveries)
    assert verdicts == ["error", "suspicious"]


def test_simulation_senders_are_never_quarantined(engine: Engine, sink: Sink, tmp_path: Path,
                                                  store: Database) -> None:
    raw = message("simulation-campaign.eml")
    for simulation in ({"dkim_domains": ["sensibilisation-phish.example"]},
                       {"headers": {"X-Campagne-Sensibilisation": "exercice-2025-01-secret"}},
                       {"ip_ranges": ["192.0.2.0/24"]}):
        sink.deliveries.clear()
        config = make_config({"quarantine": True, "simulation": simulation})
        spool = tmp_path / str(len(simulation)) / next(iter(simulation))
        with RunningFilter(config, engine, spool, sink.controller.port, db=store) as f:
            assert f.send(raw, xforward="ADDR=192.0.2.77 NAME=relay.sensibilisation-phish.example")[0] == 250
            [delivery] = sink.wait_for(1)
            assert f.filter.stats.quarantined == 0
        got = headers(delivery.content)
        assert got["X-Rempart-Verdict"] == "phishing_simulation", simulation
        assert not got["Subject"].startswith("[")
        assert got["X-Rempart-Simulation"].split(":")[0] in ("dkim", "header", "ip")
    # a wrong secret, or an IP outside the range, is an attack like any other
    config = make_config({"quarantine": True,
                          "simulation": {"headers": {"X-Campagne-Sensibilisation": "other"},
                                         "ip_ranges": ["198.51.100.0/24"]}})
    with RunningFilter(config, engine, tmp_path / "attack", sink.controller.port, db=store) as f:
        sink.deliveries.clear()
        assert f.send(raw, xforward="ADDR=192.0.2.77")[0] == 250
        deadline = time.monotonic() + 30
        while f.filter.stats.quarantined < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert f.filter.stats.quarantined == 1 and sink.count() == 0


def test_same_transaction_twice_is_delivered_once(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    raw = message("meeting-clean.eml")
    with RunningFilter(make_config(), engine, tmp_path / "spool", sink.controller.port) as f:
        assert f.send(raw)[0] == 250
        sink.wait_for(1)
        code, reply = f.send(raw)  # Postfix retrying after losing our 250
        assert code == 250 and b"duplicate" in reply
        # the same message for another batch of recipients is a different transaction
        assert f.send(raw, rcpt_to=("compta@cabinet-example.fr",))[0] == 250
        deliveries = sink.wait_for(2)
        time.sleep(0.3)
        assert f.filter.stats.duplicates == 1
    assert sorted(d.rcpt_to for d in sink.deliveries) == [("claire.martin@cabinet-example.fr",),
                                                          ("compta@cabinet-example.fr",)]
    assert len(deliveries) == 2


def test_next_hop_down_then_up_delivers_with_back_off(engine: Engine, tmp_path: Path) -> None:
    from tests.gateway.servers import free_port

    port = free_port()
    config = make_config({"retry_initial_seconds": 0.1, "retry_max_seconds": 0.5})
    late = Sink()
    with RunningFilter(config, engine, tmp_path / "spool", port) as f:
        assert f.send(message("meeting-clean.eml"))[0] == 250  # accepted although the next hop is down
        time.sleep(1.0)
        assert f.filter.stats.delivery_retries >= 2
        assert f.filter.spool.queued_count() == 1
        late.start(port)
        try:
            [delivery] = late.wait_for(1, timeout=10)
            late.reply = "451 4.3.0 try later"  # a temporary refusal is retried too
            assert f.send(message("bank-change-suspicious.eml"))[0] == 250
            time.sleep(0.5)
            assert late.count() == 1
            late.reply = ""
            assert len(late.wait_for(2, timeout=10)) == 2
        finally:
            late.stop()
    assert headers(delivery.content)["X-Rempart-Verdict"] == "clean"


def test_permanent_refusal_is_kept_aside(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    sink.reply = "554 5.7.1 rejected"
    with RunningFilter(make_config(), engine, tmp_path / "spool", sink.controller.port) as f:
        assert f.send(message("meeting-clean.eml"))[0] == 250
        deadline = time.monotonic() + 10
        while f.filter.stats.failed < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    failed = sorted(p.name for p in (tmp_path / "spool" / "failed").iterdir())
    assert len(failed) == 2 and failed[1].endswith(".reason")
    assert "554 5.7.1 rejected" in (tmp_path / "spool" / "failed" / failed[1]).read_text()


def test_delivered_entries_leave_the_queue(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    """The done log is written at the next hop's 250; the queue files go in a thread, none left behind."""
    with RunningFilter(make_config(), engine, tmp_path / "spool", sink.controller.port) as f:
        for i in range(5):
            assert f.send(message("meeting-clean.eml"), rcpt_to=(f"user{i}@cabinet-example.fr",))[0] == 250
        sink.wait_for(5)
        # The sink has the fifth message before the filter has read its 250 and logged it: wait for that.
        deadline = time.monotonic() + 10
        while f.filter.spool.queued_count() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert f.filter.spool.queued_count() == 0
    assert sink.count() == 5
    assert list((tmp_path / "spool" / "queue").iterdir()) == []
    logged = "".join(p.read_text() for p in (tmp_path / "spool" / "done").glob("*.log")).split()
    assert len(logged) == 5
