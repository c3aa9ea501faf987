from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rempart.cli.app import app
from tests.rules.conftest import PACK, PROFILE, message, write

runner = CliRunner()
RULE = """id: demo-gift
name: Demo gift cards
description:
  en: Gift cards are mentioned.
  fr: Des cartes cadeaux sont mentionnées.
severity: medium
tags: [T1656]
condition: |
  text.matches("cartes? cadeaux?") &&
  !from.is_org
tests:
  match: [gift.eml]
  nomatch: [plain.eml]
"""


def _rule_dir(tmp_path: Path, rule: str = RULE) -> Path:
    root = tmp_path / "rules"
    write(root / "bec" / "demo-gift.yaml", rule)
    (root / "tests" / "demo-gift" / "match").mkdir(parents=True)
    (root / "tests" / "demo-gift" / "nomatch").mkdir(parents=True)
    (root / "tests" / "demo-gift" / "match" / "gift.eml").write_bytes(
        message("A <a@ailleurs.example>", "Urgent", "Achète des cartes cadeaux, merci."))
    (root / "tests" / "demo-gift" / "nomatch" / "plain.eml").write_bytes(
        message("A <a@ailleurs.example>", "Réunion", "Réunion demain à 10h."))
    return root


def test_rules_list_json_names_every_shipped_rule() -> None:
    result = runner.invoke(app, ["rules", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) >= 60
    assert {"id", "name", "severity", "tags", "path", "enabled"} <= set(rows[0])


def test_rules_test_passes_and_fails_with_rule_id_and_message(tmp_path: Path) -> None:
    root = _rule_dir(tmp_path)
    ok = runner.invoke(app, ["rules", "test", str(root)])
    assert ok.exit_code == 0, ok.output
    assert "1 rules, 2 tests: 2 passed, 0 failed" in ok.output
    write(root / "bec" / "demo-gift.yaml", RULE.replace("!from.is_org", "from.is_org"))
    bad = runner.invoke(app, ["rules", "test", str(root)])
    assert bad.exit_code == 1
    assert "FAIL demo-gift: expected match, did not match:" in bad.output and "gift.eml" in bad.output


def test_rules_lint_reports_file_and_line(tmp_path: Path) -> None:
    root = _rule_dir(tmp_path, RULE.replace('!from.is_org', '!from.is_org &&\n  size(urls) >'))
    result = runner.invoke(app, ["rules", "lint", str(root)])
    assert result.exit_code == 1
    assert "demo-gift.yaml:11:" in result.stdout and "syntax error" in result.stdout
    clean = runner.invoke(app, ["rules", "lint"])
    assert clean.exit_code == 0, clean.output


def test_rules_lint_warns_of_a_backspace_written_for_a_word_boundary(tmp_path: Path) -> None:
    # In a CEL string "\b" is a backspace: the pattern "\bants\b" never matched (fr-gov-payment-from-non-gov).
    root = _rule_dir(tmp_path, RULE.replace('"cartes? cadeaux?"', '"\\bcartes? cadeaux?\\b"'))
    result = runner.invoke(app, ["rules", "lint", str(root)])
    assert "\\b as a control character" in result.stdout, result.stdout
    fixed = runner.invoke(app, ["rules", "lint", str(_rule_dir(tmp_path / "ok", RULE.replace(
        '"cartes? cadeaux?"', '"\\\\bcartes? cadeaux?\\\\b"')))])
    assert "control character" not in fixed.stdout, fixed.stdout


def test_rules_explain_shows_each_part_and_the_facts_it_read() -> None:
    msg = PACK / "tests" / "bec-gift-card-request" / "match" / "ceo-giftcards.eml"
    result = runner.invoke(app, ["rules", "explain", "bec-gift-card-request", str(msg), "-c", str(PROFILE)])
    assert result.exit_code == 0, result.output
    assert "bec-gift-card-request MATCHES" in result.stdout
    assert "✓ !from.is_org" in result.stdout and "from.is_org = false" in result.stdout
    nomatch = PACK / "tests" / "bec-gift-card-request" / "nomatch" / "giftcard-legit-internal.eml"
    result = runner.invoke(app, ["rules", "explain", "bec-gift-card-request", str(nomatch), "-c", str(PROFILE),
                                 "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["matched"] is False and data["parts"]["op"] == "and"
    assert any(c["value"] is False for c in data["parts"]["children"])
