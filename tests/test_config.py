from pathlib import Path

import pytest

from rempart.config import Config, config_from_mapping, load_config
from rempart.errors import ConfigError

ISSUE_SHAPE = """
[org]
name = "Exemple Industrie"
domains = ["exemple-industrie.fr"]
[[org.vips]]
name = "Camille Roux"
email = "camille.roux@exemple-industrie.fr"
title = "Directrice générale"
[[org.employees]]
name = "Nicolas Blanc"
email = "nicolas.blanc@exemple-industrie.fr"
[[org.vendors]]
name = "Logistique Marchand"
domains = ["logistique-marchand.fr"]
ibans = ["FR7630006000011234567890189"]
"""


def test_documented_shape_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "rempart.toml"
    p.write_text(ISSUE_SHAPE, encoding="utf-8")
    cfg = load_config(p)
    assert cfg.org.name == "Exemple Industrie"
    assert cfg.org.vips[0].title == "Directrice générale"
    assert cfg.org.vendors[0].ibans == ["FR7630006000011234567890189"]
    assert [p.name for p in cfg.org.people] == ["Camille Roux", "Nicolas Blanc"]


def test_defaults_without_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REMPART_CONFIG", raising=False)
    assert load_config(None) == Config()


def test_env_variable_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "r.toml"
    p.write_text(ISSUE_SHAPE, encoding="utf-8")
    monkeypatch.setenv("REMPART_CONFIG", str(p))
    assert load_config(None).org.domains == ["exemple-industrie.fr"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[org]\nnmae = 'x'\n", "unknown key 'org.nmae'"),
        ("[org]\ndomains = 'exemple.fr'\n", "'org.domains'"),
        ("[[org.vendors]]\ndomains = ['a.fr']\n", "'org.vendors.0.name' is missing"),
        ("[engine]\nsuspicious_threshold = 2\n", "'engine.suspicious_threshold'"),
        ("[surprise]\nx = 1\n", "unknown key 'surprise'"),
        ("[org\n", "not valid TOML"),
        ("[[org.vips]]\nname = 'A B'\npersonal_addresses = ['a.b orange.fr']\n", "name@domain.example"),
    ],
)
def test_bad_config_fails_with_one_sentence_naming_the_key(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(p)
    message = str(err.value)
    assert needle in message
    assert "\n" not in message


def test_missing_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_a_mistyped_iban_on_file_stops_rempart_with_the_fix() -> None:
    vendor = {"name": "Emballages de Guyenne", "domains": ["emballages-guyenne.fr"],
              "ibans": ["FR76 1090 7002 1162 1044 8731 042 (from 01/01/2027)"]}
    with pytest.raises(ConfigError, match=r"org\.vendors\.0\.ibans.*not a valid IBAN"):
        config_from_mapping({"org": {"vendors": [vendor]}})
    vendor["ibans"] = ["FR76 1090 7002 1162 1044 8731 042"]
    assert config_from_mapping({"org": {"vendors": [vendor]}}).org.vendors[0].ibans == vendor["ibans"]


def test_the_organisations_own_accounts_are_checked_and_kept() -> None:
    assert config_from_mapping({"org": {"ibans": ["BE07 7340 4125 9866"]}}).org.ibans == ["BE07 7340 4125 9866"]
    with pytest.raises(ConfigError, match=r"org\.ibans"):
        config_from_mapping({"org": {"ibans": ["BE07 7340 4125 9867"]}})


def test_a_free_mail_provider_as_a_vendor_domain_stops_rempart_with_the_fix() -> None:
    """orange.fr as a vendor's domain would make every orange.fr user that vendor: its addresses go under contacts."""
    with pytest.raises(ConfigError, match="under contacts"):
        config_from_mapping({"org": {"vendors": [{"name": "GAEC", "domains": ["orange.fr"]}]}})
    kept = config_from_mapping({"org": {"vendors": [{"name": "GAEC", "contacts": ["GAEC.Kerherve@orange.fr"]}]}})
    assert kept.org.vendors[0].contacts == ["gaec.kerherve@orange.fr"]
