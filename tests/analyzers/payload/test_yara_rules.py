"""YARA rules: shipped set compiles, extra rules load from [payload] yara_dir, a broken rule stops start."""

from __future__ import annotations

from pathlib import Path

import pytest

from rempart.analyzers import attachments
from rempart.analyzers.base import Resources
from rempart.analyzers.payload.yara_rules import compile_rules
from rempart.config import Config, PayloadSettings
from rempart.errors import ConfigError
from tests.analyzers.payload import samples


def test_shipped_rules_compile_and_match_a_dropper() -> None:
    rules = compile_rules("")
    assert len(rules.files) >= 4
    assert {m.rule for m in rules.match(samples.DROPPER_JS)} >= {"rempart_script_wsh_downloader"}
    assert rules.match(b"Bonjour, voici la facture du mois de mars.") == []


def test_extra_rules_from_the_configured_directory(tmp_path: Path) -> None:
    (tmp_path / "maison.yar").write_text(
        'rule maison_marker { meta: weight = "0.4" strings: $a = "MARQUEUR-MAISON" condition: $a }\n'
    )
    matches = compile_rules(str(tmp_path)).match(b"... MARQUEUR-MAISON ...")
    assert [(m.rule, m.weight) for m in matches] == [("maison_marker", 0.4)]


def test_a_broken_rule_fails_engine_start_naming_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "casse.yar"
    broken.write_text(
        'rule ok { condition: true }\n\nrule casse {\n  strings: $a = "x"\n  condition: $b\n}\n'
    )
    config = Config(payload=PayloadSettings(yara_dir=str(tmp_path)))
    with pytest.raises(ConfigError) as raised:
        attachments.prepare(Resources(config))
    message = str(raised.value)
    assert "casse.yar" in message and "line 6" in message  # YARA reports where the rule's condition ends
    assert 'undefined string "$b"' in message


def test_a_missing_rule_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="yara_dir"):
        compile_rules(str(tmp_path / "absent"))
