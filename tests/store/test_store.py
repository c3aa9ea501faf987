"""Cases, reports, campaigns, tokens, retention, GDPR, stats and labels on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

import rempart.store
from rempart.store import (
    CaseFilter,
    Database,
    InvalidState,
    NotFound,
    StoreOptions,
    audit,
    cases,
    gdpr,
    labels,
    migrate,
    retention,
    stats,
    tokens,
)
from rempart.store.lure import lure_type, lure_types
from rempart.store.models import Base, Case, CaseContent
from rempart.store.timeutil import utcnow
from tests.store.builders import new_case

OPTS = StoreOptions(actor="test")


def test_public_surface_is_deliberate() -> None:
    assert sorted(rempart.store.__all__) == [
        "CaseFilter",
        "Database",
        "DatabaseUnavailable",
        "InvalidState",
        "NewCase",
        "NotFound",
        "StoreError",
        "StoreOptions",
        "data_dir",
        "database_url",
        "open_database",
        "upgrade",
    ]


def test_migrations_match_the_models(db: Database) -> None:
    assert migrate.current_revision(db) == migrate.head_revision()
    migrate.upgrade(db)  # idempotent
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_case_lifecycle(db: Database) -> None:
    with db.write() as s:
        held = cases.add_case(s, new_case(1, quarantine=True), OPTS)
        free = cases.add_case(s, new_case(2, level="clean", body="Réunion budget jeudi 10h salle B."), OPTS)
    with db.read() as s:
        rows, total = cases.find_cases(s, CaseFilter(level="malicious"))
        assert total == 1 and rows[0].id == held.id
        assert cases.find_cases(s, CaseFilter(sender_domain="corp-verify.fr"))[1] == 2
        assert cases.raw_message(s, held.id) is not None and b"Mailbox 1" in (
            cases.raw_message(s, held.id) or b""
        )
        assert ("to", "bob@corp.fr") in cases.case_addresses(s, held.id)
    with db.write() as s:
        cases.decide(s, held.id, "malicious", "credential phishing", OPTS)
        cases.request_release(s, held.id, OPTS)
        with pytest.raises(InvalidState):
            cases.request_release(s, free.id, OPTS)
    with db.write() as s:
        assert [c.id for c in cases.pending_releases(s)] == [held.id]
        cases.mark_released(s, held.id, StoreOptions(actor="gateway"))
    with db.read() as s:
        case = cases.get_case(s, held.id)
        assert (case.status, case.decision, case.quarantine) == ("decided", "malicious", "released")
        with pytest.raises(NotFound):
            cases.get_case(s, 999)
        actions = [e.action for e in audit.entries(s, object_type="case", object_id=str(held.id))]
        assert actions == ["case.create", "case.decision", "case.release", "case.delivered"]
        assert audit.verify(s).ok


def test_reports_join_cases_and_raise_campaign_priority(db: Database) -> None:
    with db.write() as s:
        first = cases.add_case(s, new_case(1, to="a@corp.fr"), OPTS)
        cases.add_case(s, new_case(2, to="b@corp.fr"), OPTS)
    with db.read() as s:
        campaign_id = cases.get_case(s, first.id).campaign_id
        assert campaign_id is not None
        before = s.execute(select(rempart.store.models.Campaign.priority)).scalar_one()
    with db.write() as s:
        case, _r, joined = cases.add_report(s, new_case(1, to="a@corp.fr"), "a@corp.fr", OPTS)
        assert joined and case.id == first.id
        cases.add_report(s, new_case(2, to="b@corp.fr"), "b@corp.fr", OPTS)
        _c, _r, joined_new = cases.add_report(
            s,
            new_case(
                9, body="Autre chose entièrement différente ici.", hosts=("autre.fr",), sender="x@autre.fr"
            ),
            "c@corp.fr",
            OPTS,
        )
        assert not joined_new
    with db.read() as s:
        campaign = s.get(rempart.store.models.Campaign, campaign_id)
        assert campaign is not None
        assert (campaign.case_count, campaign.reporter_count) == (2, 2)
        assert campaign.priority > before
        assert cases.find_cases(s, CaseFilter(reporter="a@corp.fr"))[1] == 1


def test_campaigns_group_similar_mail_and_decide_once_per_case(db: Database) -> None:
    other = (
        "Facture 2291 en pièce jointe, merci de régler par virement sous 30 jours selon nos conditions "
        "générales habituelles. Cordialement, le service comptable."
    )
    with db.write() as s:
        ids = [cases.add_case(s, new_case(i, to=f"u{i}@corp.fr"), OPTS).id for i in range(4)]
        lone = cases.add_case(s, new_case(10, body=other, hosts=("fournisseur.fr",)), OPTS)
    with db.read() as s:
        groups = {cases.get_case(s, i).campaign_id for i in ids}
        assert len(groups) == 1 and None not in groups
        assert cases.get_case(s, lone.id).campaign_id is None
    campaign_id = groups.pop()
    assert campaign_id is not None
    with db.write() as s:
        _campaign, count = cases.decide_campaign(s, campaign_id, "malicious", "same lure", OPTS)
    assert count == 4
    with db.read() as s:
        decisions = s.execute(
            select(func.count())
            .select_from(rempart.store.models.AuditEntry)
            .where(rempart.store.models.AuditEntry.action == "case.decision")
        ).scalar_one()
        assert decisions == 4
        assert all(cases.get_case(s, i).decision == "malicious" for i in ids)


def test_tokens_hashed_expiring_revocable(db: Database) -> None:
    with db.write() as s:
        record, secret = tokens.create_token(s, role="analyst", name="soc", actor="test")
        _old, expired = tokens.create_token(
            s, role="ingest", actor="test", days=1, now=utcnow() - timedelta(days=2)
        )
    assert secret.startswith("rpt_") and secret not in record.token_hash
    with db.read() as s:
        found = tokens.authenticate(s, secret)
        assert found is not None and found.role == "analyst"
        assert tokens.authenticate(s, expired) is None
        assert tokens.authenticate(s, secret + "x") is None
    with db.write() as s:
        tokens.revoke(s, record.id, actor="test")
        with pytest.raises(InvalidState):
            tokens.create_token(s, role="root", actor="test")
    with db.read() as s:
        assert tokens.authenticate(s, secret) is None
        assert all(secret not in e.details for e in audit.entries(s, limit=1000))


def test_retention_purges_bodies_and_keeps_metadata(db: Database) -> None:
    old_time = utcnow() - timedelta(days=100)
    with db.write() as s:
        old = cases.add_case(s, new_case(1), OPTS, now=old_time)
        recent = cases.add_case(s, new_case(2), OPTS)
    with db.write() as s:
        assert retention.purge(s, retention_days=90) == 1
    with db.write() as s:
        assert retention.purge(s, retention_days=90) == 0
    with db.read() as s:
        assert s.get(CaseContent, old.id) is None and s.get(CaseContent, recent.id) is not None
        kept = cases.get_case(s, old.id)
        assert kept.content_purged_at is not None and kept.level == "malicious" and kept.subject
        assert audit.verify(s).ok


def test_gdpr_export_then_erase(db: Database) -> None:
    with db.write() as s:
        target = cases.add_case(s, new_case(1, to="jeanne.martin@corp.fr"), OPTS)
        cases.add_case(
            s,
            new_case(2, to="paul@corp.fr", body="Tout autre sujet : le planning des congés.", hosts=()),
            OPTS,
        )
        cases.add_report(
            s,
            new_case(3, to="x@corp.fr", body="Encore autre chose, la cantine ferme.", hosts=()),
            "jeanne.martin@corp.fr",
            OPTS,
        )
    with db.write() as s:
        exported = gdpr.export_person(s, "Jeanne.Martin@corp.fr", actor="test")
    assert {c["case"] for c in exported["cases"]} >= {target.id} and len(exported["reports"]) == 1
    assert all("raw_base64" in c for c in exported["cases"])
    with db.write() as s:
        done = gdpr.erase_person(s, "jeanne.martin@corp.fr", actor="test")
    assert done["cases"] == 2 and done["reports_removed"] == 1 and done["raw_messages_erased"] == 2
    with db.write() as s:
        again = gdpr.export_person(s, "jeanne.martin@corp.fr", actor="test")
        assert again["cases"] == [] and again["reports"] == []
        assert cases.get_case(s, target.id).level == "malicious"  # the verdict stays, unlinked
        assert audit.verify(s).ok
        assert all("jeanne" not in e.details for e in audit.entries(s, limit=1000))


def test_stats_and_labels(db: Database) -> None:
    with db.write() as s:
        a = cases.add_case(s, new_case(1, to="cible@corp.fr"), OPTS)
        b = cases.add_case(s, new_case(2, level="clean", body="Compte rendu du comité."), OPTS)
        cases.add_report(s, new_case(1, to="cible@corp.fr"), "cible@corp.fr", OPTS)
        cases.decide(s, a.id, "malicious", "", OPTS)
        cases.decide(s, b.id, "clean", "", OPTS)
    with db.read() as s:
        out = stats.stats(s)
        assert out["by_verdict"] == {"clean": 1, "suspicious": 0, "malicious": 1}
        assert out["by_lure_type"] == {"credential_phishing": 1}
        assert out["top_targeted_recipients"][0] == {"address": "cible@corp.fr", "cases": 1}
        assert out["reports"]["count"] == 1 and out["reports"]["confirmed_attacks"] == 1
        assert sum(d["malicious"] for d in out["by_day"]) == 1
        csv_text = labels.labels_csv(s)
    assert csv_text.splitlines() == [
        "split,label,path,source",
        f"feedback,phish,cases/{a.id}.eml,rempart:malicious",
        f"feedback,ham,cases/{b.id}.eml,rempart:clean",
    ]


def test_lure_types_from_reason_families() -> None:
    assert lure_type("clean", [{"code": "intent.payment_request", "weight": 0.4}]) == "none"
    bec = [
        {"code": "sender.display_name_impersonation.vip", "weight": 0.5},
        {"code": "intent.bank_detail_change", "weight": 0.3},
    ]
    assert lure_type("malicious", bec) == "payment_fraud"  # the goal wins over the means
    assert lure_type("suspicious", [{"code": "sender.reply_to_divergent", "weight": 0.3}]) == "impersonation"
    assert lure_type("suspicious", [{"code": "payload.macro_autoexec", "weight": 0.9}]) == "malware"
    assert lure_type("suspicious", [{"code": "something.new", "weight": 0.9}]) == "other"
    assert {"payment_fraud", "credential_phishing", "malware", "other", "none"} <= set(lure_types())


def test_unreachable_database_is_one_clear_error() -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(rempart.store.DatabaseUnavailable, match="unreachable"):
        db.ping()


def test_case_counts_by_sql(db: Database) -> None:
    with db.write() as s:
        for i in range(3):
            cases.add_case(s, new_case(i), OPTS)
    with db.read() as s:
        assert s.execute(select(func.count(Case.id))).scalar_one() == 3
