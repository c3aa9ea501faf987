"""The `rempart scan` command, run as a user runs it (a real subprocess)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def rempart(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "rempart.cli.app", *args], input=stdin, capture_output=True,
                          timeout=120, cwd=ROOT)


def test_json_lines_have_the_documented_keys() -> None:
    proc = rempart("scan", "--json", "--config", str(EXAMPLES / "rempart.toml"), str(EXAMPLES / "mail"))
    assert proc.returncode in (0, 1), proc.stderr
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(lines) == len(list((EXAMPLES / "mail").glob("*.eml")))
    for obj in lines:
        assert {"path", "verdict", "score", "reasons", "findings", "elapsed_ms"} <= obj.keys()
        assert obj["verdict"] in ("clean", "suspicious", "malicious")
        assert 0.0 <= obj["score"] <= 1.0
        for reason in obj["reasons"]:
            assert {"code", "text", "weight"} <= reason.keys()
            assert reason["text"] and reason["text"] != reason["code"]  # a catalogue text, not the bare code


def test_exit_status_like_clamscan() -> None:
    cfg = str(EXAMPLES / "rempart.toml")
    clean = rempart("scan", "--config", cfg, str(EXAMPLES / "mail" / "legit-invoice.eml"))
    assert clean.returncode == 0, clean.stdout.decode() + clean.stderr.decode()
    found = rempart("scan", "--config", cfg, str(EXAMPLES / "mail" / "credential-phish.eml"))
    assert found.returncode == 1
    missing = rempart("scan", "--config", cfg, str(EXAMPLES / "mail" / "no-such-file.eml"))
    assert missing.returncode == 2


def test_stdin_and_french_explanations() -> None:
    raw = (EXAMPLES / "mail" / "credential-phish.eml").read_bytes()
    proc = rempart("scan", "--json", "--lang", "fr", "--config", str(EXAMPLES / "rempart.toml"), "-", stdin=raw)
    obj = json.loads(proc.stdout.decode().splitlines()[0])
    assert obj["path"] == "-"
    english = rempart("scan", "--json", "--config", str(EXAMPLES / "rempart.toml"), "-", stdin=raw)
    en_obj = json.loads(english.stdout.decode().splitlines()[0])
    assert [r["code"] for r in obj["reasons"]] == [r["code"] for r in en_obj["reasons"]]
    assert [r["text"] for r in obj["reasons"]] != [r["text"] for r in en_obj["reasons"]]


def test_bad_config_fails_fast_with_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "rempart.toml"
    bad.write_text("[org]\ndomain = ['x.fr']\n", encoding="utf-8")
    proc = rempart("scan", "--config", str(bad), str(EXAMPLES / "mail"))
    assert proc.returncode == 2
    err = proc.stderr.decode().strip()
    assert "org.domain" in err and len(err.splitlines()) == 1


def test_parallel_jobs_give_the_same_verdicts() -> None:
    cfg = str(EXAMPLES / "rempart.toml")
    one = rempart("scan", "--json", "--config", cfg, str(EXAMPLES / "mail"))
    two = rempart("scan", "--json", "--jobs", "2", "--config", cfg, str(EXAMPLES / "mail"))
    strip = lambda out: [(o["path"], o["verdict"], o["score"]) for o in map(json.loads, out.decode().splitlines())]  # noqa: E731
    assert strip(one.stdout) == strip(two.stdout)
