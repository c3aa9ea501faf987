"""Every word the console shows exists in English and French, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from rempart.service.console import i18n, incident
from rempart.service.console.dashboard import CHARTS, DELAY_BUCKETS
from rempart.store.cases import DECISIONS, LEVELS, QUARANTINE
from rempart.store.lure import lure_types

PACKAGE = Path(i18n.__file__).parent
LITERAL_KEY = re.compile(r"""\bt\(\s*['"]([a-z_]+(?:\.[a-z0-9_]+)+)['"]""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*PACKAGE.glob("templates/*.html"), *PACKAGE.glob("*.py")]:
        keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def test_every_entry_has_both_languages_with_the_same_placeholders() -> None:
    for key, texts in i18n.entries().items():
        assert set(texts) == {"en", "fr"}, key
        assert set(PLACEHOLDER.findall(texts["en"])) == set(PLACEHOLDER.findall(texts["fr"])), key
        assert texts["en"].strip() and texts["fr"].strip(), key


def test_every_literal_key_in_templates_and_code_exists() -> None:
    used = _used_keys()
    assert len(used) > 100
    missing = sorted(k for k in used if k not in i18n.entries())
    assert missing == []


def test_every_vocabulary_value_has_a_label() -> None:
    entries = i18n.entries()
    expected = (
        [f"lure.{x}" for x in lure_types()]
        + [f"verdict.{x}" for x in LEVELS]
        + [f"decision.{x}" for x in DECISIONS]
        + [f"quarantine.{x}" for x in QUARANTINE]
        + [f"dash.chart.{x}" for x in CHARTS]
        + [f"dash.help.{x}" for x in CHARTS]
        + [key for _b, key in DELAY_BUCKETS]
        + [f"inc.field.{x}" for x in incident.SECTIONS]
        + [f"inc.stage.{x}" for x in incident.STAGES]
        + [f"inc.due.{x}" for x in incident.STAGES]
        + [f"inc.stage_help.{x}" for x in incident.STAGES]
        + [f"inc.help.{x}" for x in incident.SECTIONS if x not in incident.SHORT]
    )
    assert [k for k in expected if k not in entries] == []


def test_formatting_by_language() -> None:
    assert i18n.number("fr", 12345.5, 1) == "12\u202f345,5" and i18n.number("en", 12345.5, 1) == "12,345.5"
    assert i18n.duration("fr", 2 * 86400) == "2 j" and i18n.duration("en", 90) == "1 min"
    assert i18n.pick_lang(None, "fr-FR,fr;q=0.9,en;q=0.8") == "fr" and i18n.pick_lang("xx", "de") == "en"
    assert i18n.label("fr", "lure.", "payment_fraud") == "Fraude au paiement"
    assert i18n.label("fr", "lure.", "brand_new_type") == "brand_new_type"
