from __future__ import annotations

from pathlib import Path

from rempart.rules.loader import ATTACK_TAG, load_rules
from rempart.rules.model import Severity
from rempart.rules.validators import lint
from tests.rules.conftest import PACK, write

GOOD = """id: demo-rule
name: Demo
description:
  en: An English text.
  fr: Un texte en français.
severity: low
tags: [T1566.002]
condition: |
  subject.contains("demo")
tests:
  match: [m.eml]
  nomatch: [n.eml]
"""


def test_shipped_pack_loads_without_error_and_covers_the_issue() -> None:
    loaded = load_rules([PACK])
    assert loaded.fatal == []
    rules = loaded.rules
    assert len(rules) >= 60
    ids = {r.id for r in rules}
    for needed in ("cred-m365-brand-lure", "fr-ameli-lure", "fr-impots-lure", "fr-antai-fine-lure", "fr-caf-lure",
                   "fr-france-travail-lure", "fr-la-poste-colissimo-lure", "bec-vip-impersonation-payment",
                   "bec-bank-detail-change", "bec-payroll-diversion", "bec-gift-card-request",
                   "callback-fake-invoice-phone", "cred-mfa-reenrollment-lure", "qr-code-credential-lure",
                   "payload-html-smuggling", "payload-office-macro-from-outside", "payload-script-attachment",
                   "payload-encrypted-archive-password-in-body", "thread-fake-reply",
                   "identity-own-domain-lookalike"):
        assert needed in ids
    for r in rules:
        assert r.description["en"] and r.description["fr"]
        assert any(ATTACK_TAG.match(t) for t in r.tags)
        assert Path(r.path).stem == r.id
        assert r.tests.match and r.tests.nomatch


def test_every_problem_is_collected_with_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path / "a" / "broken-yaml.yaml", "id: broken-yaml\nname: [unclosed\n")
    write(tmp_path / "a" / "many-problems.yaml", """id: many-problems
name: Several problems
description:
  en: Only English.
severity: severe
tags: [phishing]
colour: blue
condition: |
  subject.contains("x") &&
    (from.domain ==
tests:
  match: [m.eml]
  nomatch: [n.eml]
""")
    write(tmp_path / "a" / "bad-regex.yaml", GOOD.replace("demo-rule", "bad-regex").replace(
        'subject.contains("demo")', 'text.matches("(unclosed")'))
    problems = lint([tmp_path])
    text = "\n".join(str(p) for p in problems)
    assert "broken-yaml.yaml:3:1" in text or "broken-yaml.yaml:2" in text
    many = [p for p in problems if p.location and p.location.path.endswith("many-problems.yaml")]
    messages = {p.message.split(" (")[0]: p for p in many}
    assert any("description needs an 'fr' text" in m for m in messages)
    assert any("severity 'severe'" in m for m in messages)
    assert any("unknown key 'colour'" in m for m in messages)
    assert any("MITRE ATT&CK" in m for m in messages)
    colour = next(p for p in many if "colour" in p.message)
    assert colour.location is not None and (colour.location.line, colour.location.column) == (7, 1)
    regex = next(p for p in problems if p.rule_id == "bad-regex")
    assert "invalid regular expression" in regex.message
    assert regex.location is not None and regex.location.line == 9


def test_condition_syntax_error_points_at_the_line_inside_the_condition(tmp_path: Path) -> None:
    write(tmp_path / "syntax-error.yaml", GOOD.replace("demo-rule", "syntax-error").replace(
        'subject.contains("demo")', 'subject.contains("demo") &&\n  (from.domain ==\n  )'))
    problems = [p for p in lint([tmp_path]) if p.severity == "error" and "syntax" in p.message]
    assert problems, lint([tmp_path])
    loc = problems[0].location
    assert loc is not None and loc.line in (10, 11)


def test_duplicate_ids_and_unknown_facts_are_errors(tmp_path: Path) -> None:
    write(tmp_path / "x" / "demo-rule.yaml", GOOD)
    write(tmp_path / "y" / "demo-rule.yaml", GOOD)
    write(tmp_path / "z" / "unknown-fact.yaml", GOOD.replace("demo-rule", "unknown-fact").replace(
        'subject.contains("demo")', 'sender_score > 3 && subject.lowerAscii() == "x"'))
    problems = lint([tmp_path])
    text = "\n".join(str(p) for p in problems)
    assert "already used" in text
    assert "'sender_score' is not a fact" in text
    assert "function 'lowerAscii' does not exist" in text
    assert "test message not found" in text


def test_severity_weights_are_documented_values() -> None:
    from rempart.rules.model import SEVERITY_WEIGHTS

    assert SEVERITY_WEIGHTS[Severity.LOW] == 0.2 and SEVERITY_WEIGHTS[Severity.MEDIUM] == 0.4
    assert SEVERITY_WEIGHTS[Severity.HIGH] == 0.7 and SEVERITY_WEIGHTS[Severity.CRITICAL] == 0.9
