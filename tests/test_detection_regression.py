"""Detection regression guards, with floors set from measured values (see the closing notes).

- The French business bench's *guard* half (bench/corpus-fr, written for the project, never tuned on):
  the number that matters for our users.
- The development corpus (../shared/corpus, real public mail) when it is present beside the repo.

Floors sit a little under the measured figures so noise does not flake the suite, but a real
regression (a lost signal, a broken analyzer, a rule that floods legitimate mail) fails it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from rempart.config import load_config
from rempart.engine import Engine
from rempart.engine.build import build_engine
from rempart.evaluation.runner import scan_labelled, summarise
from rempart.message.parse import parse_message

ROOT = Path(__file__).resolve().parents[1]
BENCH = sorted((ROOT / "bench" / "corpus-fr").glob("*/labels.csv"))
DEV_LABELS = Path(os.environ.get("REMPART_DEV_CORPUS", ROOT.parent / "shared" / "corpus")) / "labels.csv"

# Measured on the guard half of the twelve organisations at commit time (fused, 2026-11-29, night, model of 78667d2,
# analyzers of 9158288): 300 attacks, 425 legitimate: AUC 0.9927, detection 95.3 % at 1 % FPR (the 5th-highest
# legitimate score sets it, so a few messages move it by points), 96.0 % flagged at the shipped thresholds, 1.2 % of
# legitimate mail flagged, none called malicious. Floors a little below.
GUARD_FLOORS = {"auc": 0.98, "tpr_at_fpr_0.01": 0.90, "tpr": 0.93}
GUARD_CEILINGS = {"fpr": 0.025, "malicious_negatives": 0}
# The same guard half scanned with no profile at all (embedded defaults: an install before its rempart.toml is
# written), same commit: AUC 0.9705, 87.7 % flagged, 7 of 425 legitimate flagged (1.6 %). Without the implicit
# organisation (the receiving company inferred from its MX's Authentication-Results) it was 0.9429, 83.3 % and 35
# (8.2 %) at 119eb25: the ceiling on false positives is what guards it.
NO_PROFILE_FLOORS = {"auc": 0.96, "tpr": 0.85}
NO_PROFILE_CEILINGS = {"fpr": 0.025}
# Measured on the dev corpus with the shipped model (same commit): AUC 0.9971, 95.2 % at 1 % FPR.
# The model was trained on dev, so these are not honest accuracy figures (grouped-by-source ones are in MODEL_CARD.md);
# this only guards against regressions.
DEV_FLOORS = {"auc": 0.99, "tpr_at_fpr_0.01": 0.91}
# The analyzers and rules alone on dev (the model left out of the fusion), same commit: AUC 0.9805, 86.8 % at
# 1 % FPR — this one is not in-sample for any learned weight, and is what a lost signal shows first.
DEV_ANALYZER_FLOORS = {"auc": 0.97, "tpr_at_fpr_0.01": 0.82}


def test_french_bench_guard_half() -> None:
    assert len(BENCH) >= 12, "bench/corpus-fr should hold at least twelve organisations"
    scored, _ = scan_labelled(BENCH, config=None, split="guard", jobs=2)
    report = summarise(scored)
    assert report["errors"] == 0
    assert report["n_pos"] >= 100 and report["n_neg"] >= 150
    for key, floor in GUARD_FLOORS.items():
        assert report[key] >= floor, f"guard {key} = {report[key]:.4f} < {floor}"
    for key, ceiling in GUARD_CEILINGS.items():
        assert report[key] <= ceiling, f"guard {key} = {report[key]:.4f} > {ceiling}"


def test_french_bench_guard_half_without_a_profile(tmp_path: Path) -> None:
    defaults = tmp_path / "rempart.toml"
    defaults.write_text("# no [org], no [auth]: the embedded defaults\n", encoding="utf-8")
    scored, _ = scan_labelled(BENCH, config=str(defaults), split="guard", jobs=2)
    report = summarise(scored)
    assert report["errors"] == 0
    for key, floor in NO_PROFILE_FLOORS.items():
        assert report[key] >= floor, f"guard without a profile {key} = {report[key]:.4f} < {floor}"
    for key, ceiling in NO_PROFILE_CEILINGS.items():
        assert report[key] <= ceiling, f"guard without a profile {key} = {report[key]:.4f} > {ceiling}"


@pytest.mark.skipif(not DEV_LABELS.is_file(), reason=f"development corpus not found at {DEV_LABELS}")
def test_dev_corpus() -> None:
    scored, _ = scan_labelled([DEV_LABELS], config=None, split=None, jobs=2)
    report = summarise(scored)
    assert report["errors"] == 0, "every dev message must scan without an exception"
    for key, floor in DEV_FLOORS.items():
        assert report[key] >= floor, f"dev {key} = {report[key]:.4f} < {floor}"
    alone = summarise(scored, score=lambda s: s.base_score if s.base_score is not None else s.score)
    for key, floor in DEV_ANALYZER_FLOORS.items():
        assert alone[key] >= floor, f"dev analyzers alone {key} = {alone[key]:.4f} < {floor}"


PROBES = ROOT / "tests" / "messages" / "probes-fr"


def test_french_probes_without_a_profile() -> None:
    """Hand-written French attacks and legitimate mail (tests/messages/probes-fr/README.md), embedded defaults.
    Measured 2026-11-29: all 16 attacks flagged (lowest 0.683), 1 of 22 legitimate flagged (a freelancer's invoice
    from Gmail with an IBAN: free mail asking for money, 0.673), none called malicious."""
    engine = build_engine(load_config(None))
    verdicts = {p.name: engine.scan_message(parse_message(p.read_bytes(), engine.config.limits))
                for p in sorted(PROBES.glob("*.eml"))}
    attacks = {n: v for n, v in verdicts.items() if n.startswith("a-")}
    legitimate = {n: v for n, v in verdicts.items() if n.startswith("l-")}
    assert len(attacks) == 16 and len(legitimate) == 22
    missed = sorted(n for n, v in attacks.items() if v.level.value == "clean")
    flagged = sorted(n for n, v in legitimate.items() if v.level.value != "clean")
    assert len(missed) <= 1, missed
    assert len(flagged) <= 1, flagged
    assert not [n for n, v in legitimate.items() if v.level.value == "malicious"]


BLIND = ROOT / "tests" / "messages"


def _assert_round_within(folder: str, profile: bool, most_missed: int, most_flagged: int,
                         most_malicious: int) -> None:
    """A round of 25 attacks and 25 legitimate messages stays within its recorded limits (the session tables)."""
    missed, flagged, malicious, attacks, legitimate = _blind_round(folder, profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= most_missed, missed
    assert len(flagged) <= most_flagged, flagged
    assert len(malicious) <= most_malicious, malicious


@functools.cache
def _default_engine() -> Engine:
    """The embedded defaults' engine, built once for every round scanned with no profile (a build takes ~1 s)."""
    return build_engine(load_config(None))


def _blind_round(folder: str, profile: bool) -> tuple[list[str], list[str], list[str], int, int]:
    """Scan one round of blind probes (``attack/``, ``legit/``), with its ``rempart.toml`` or the embedded
    defaults: the attacks missed, the legitimate messages flagged and called malicious, and the two counts."""
    root = BLIND / folder
    engine = build_engine(load_config(str(root / "rempart.toml"))) if profile else _default_engine()

    def levels(kind: str) -> dict[str, str]:
        return {p.name: engine.scan_message(parse_message(p.read_bytes(), engine.config.limits)).level.value
                for p in sorted((root / kind).glob("*.eml"))}

    attacks, legitimate = levels("attack"), levels("legit")
    return (sorted(n for n, level in attacks.items() if level == "clean"),
            sorted(n for n, level in legitimate.items() if level != "clean"),
            sorted(n for n, level in legitimate.items() if level == "malicious"), len(attacks), len(legitimate))


def test_blind_probes_round_1_without_a_profile() -> None:
    """Probes written by helpers blind to the detector (tests/messages/probes-blind-1/README.md), embedded defaults.
    Measured 2026-11-29 after the fixes they prompted: all 40 attacks flagged (lowest 0.658), 2 of 45 legitimate
    messages flagged (a bank-change announcement 0.895, a prospect from Outlook.com with a WeTransfer link 0.682),
    none called malicious. Before the fixes: 38 of 40 attacks, 11 legitimate flagged, 2 malicious."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-1", profile=False)
    assert (attacks, legitimate) == (40, 45)
    assert len(missed) <= 1, missed
    assert len(flagged) <= 3, flagged
    assert not malicious


@pytest.mark.parametrize(("profile", "most_flagged"), [(True, 1), (False, 2)])
def test_blind_probes_round_2(profile: bool, most_flagged: int) -> None:
    """One invented company's mail (tests/messages/probes-blind-2/README.md), with its profile and with none.
    Measured 2026-11-29 after the fixes they prompted: 30/30 attacks flagged either way; 1 of 30 legitimate
    flagged with the profile, 2 with none; none called malicious. Blind, before: 30/30 and 27/30 attacks, 4
    legitimate flagged either way, 1 malicious."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-2", profile)
    assert (attacks, legitimate) == (30, 30)
    assert not missed
    assert len(flagged) <= most_flagged, flagged
    assert not malicious


@pytest.mark.parametrize(("profile", "most_missed", "most_flagged"), [(True, 0, 0), (False, 0, 2)])
def test_blind_probes_round_3(profile: bool, most_missed: int, most_flagged: int) -> None:
    """An invented clinic group's mail (tests/messages/probes-blind-3/README.md), with its profile and with none.
    Blind, at fef99ca: 23/25 attacks and 0/25 legitimate flagged with the profile, 24/25 and 2/25 with none.
    After the .exe fix: 24/25 either way (the fake tender whose only link is inside its PDF is missed), the same
    legitimate messages flagged, none malicious. Session 10 (procurement words as look-alike lures:
    ugap-consultations.fr): 25/25 either way."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-3", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= most_missed, missed
    assert len(flagged) <= most_flagged, flagged
    assert not malicious


@pytest.mark.parametrize("profile", [True, False])
def test_blind_probes_round_4(profile: bool) -> None:
    """An invented Belgian office's mail (tests/messages/probes-blind-4/README.md). Blind at 89ef8df: 20/25 attacks
    and 2/25 legitimate flagged, with its profile or none, none called malicious. After the fixes it prompted:
    22/25 attacks, the same 2/25 legitimate. Session 10 (a brand's domain glued to the attacker's by a hyphen,
    a password beside a file-share link): 24/25, only real DocuSign abused for a fake order missed; it is flagged
    with the profile since a known customer's name relayed for a free mailbox is no longer read as honest."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-4", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= (0 if profile else 1), missed
    assert len(flagged) <= 2, flagged
    assert not malicious



@pytest.mark.parametrize(("profile", "most_flagged"), [(True, 5), (False, 4)])
def test_blind_probes_round_5(profile: bool, most_flagged: int) -> None:
    """An invented accountancy firm on Microsoft 365 (tests/messages/probes-blind-5/README.md). Blind at 678df64:
    24/25 attacks either way; 9/25 legitimate flagged with the profile (1 malicious), 7/25 with none (3). After the
    fixes it prompted (Exchange Online's verdict and internal mail, readings): 24/25, 5/25 and 4/25, 1 malicious (a
    client forwarding a live fake-DGFiP link to ask about it)."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-5", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= 1, missed
    assert len(flagged) <= most_flagged, flagged
    assert len(malicious) <= 1, malicious


@pytest.mark.parametrize(("profile", "most_flagged"), [(True, 0), (False, 1)])
def test_blind_probes_round_6(profile: bool, most_flagged: int) -> None:
    """An invented wine merchant on Google Workspace (tests/messages/probes-blind-6/README.md). Blind at 678df64:
    19/25 attacks and 2/25 legitimate flagged with the profile, 18/25 and 3/25 with none, none malicious. After
    the fixes it prompted: 23/25 either way, 0/25 and 1/25 legitimate flagged."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-6", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= 2, missed
    assert len(flagged) <= most_flagged, flagged
    assert not malicious


@pytest.mark.parametrize(("profile", "most_missed"), [(True, 2), (False, 3)])
def test_blind_probes_round_7(profile: bool, most_missed: int) -> None:
    """An invented hotel group (tests/messages/probes-blind-7/README.md). Blind at a9cf9d8: 20/25 attacks with the
    profile, 19/25 with none, 1/25 legitimate flagged (malicious: a seasonal employee's new RIB from her personal
    mailbox). After the fixes it prompted (travel sites as brands): 23/25 and 22/25, the same legitimate one."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-7", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= most_missed, missed
    assert len(flagged) <= 1, flagged
    assert len(malicious) <= 1, malicious


@pytest.mark.parametrize(("profile", "most_missed", "most_flagged"), [(True, 2, 3), (False, 1, 4)])
def test_blind_probes_round_8(profile: bool, most_missed: int, most_flagged: int) -> None:
    """An invented SaaS start-up on Google Workspace (tests/messages/probes-blind-8/README.md). Blind at a9cf9d8:
    22/25 attacks and 5/25 legitimate flagged with the profile (2 malicious), 21/25 and 5/25 with none. After the
    fixes it prompted: 23/25 and 3/25 with the profile, 24/25 and 4/25 with none, none malicious."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-8", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= most_missed, missed
    assert len(flagged) <= most_flagged, flagged
    assert not malicious


@pytest.mark.parametrize(("profile", "most_flagged"), [(True, 1), (False, 2)])
def test_blind_probes_round_9(profile: bool, most_flagged: int) -> None:
    """An invented town hall on Microsoft 365 (tests/messages/probes-blind-9/README.md). Blind at 65b60aa: 21/25
    attacks and 2/25 legitimate flagged with the profile, 20/25 and 3/25 with none, none malicious. After the fixes
    it prompted: 23/25 either way, 1/25 and 2/25 legitimate."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-9", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= 2, missed
    assert len(flagged) <= most_flagged, flagged
    assert not malicious


@pytest.mark.parametrize(("profile", "most_missed"), [(True, 2), (False, 5)])
def test_blind_probes_round_10(profile: bool, most_missed: int) -> None:
    """An invented Swiss fiduciary (tests/messages/probes-blind-10/README.md). Blind at 65b60aa: 21/25 attacks with
    the profile, 18/25 with none, 5/25 legitimate flagged either way, none malicious. After the fixes it prompted:
    23/25 and 20/25, the same 5/25 legitimate, one of them malicious (a client forwarding a live fake-ESTV link)."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-10", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= most_missed, missed
    assert len(flagged) <= 5, flagged
    assert len(malicious) <= 1, malicious


@pytest.mark.parametrize(("profile", "most_flagged"), [(True, 3), (False, 4)])
def test_blind_probes_round_11(profile: bool, most_flagged: int) -> None:
    """An invented Flemish haulier on Microsoft 365 (tests/messages/probes-blind-11/README.md). Blind at 3d1a2c1:
    18/25 attacks and 4/25 legitimate flagged with the profile (1 malicious), 17/25 and 4/25 with none. After the
    fixes it prompted (freight and Benelux brands, [org] ibans): 23/25 either way, 3/25 and 4/25, none malicious."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-11", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= 2, missed
    assert len(flagged) <= most_flagged, flagged
    assert not malicious


@pytest.mark.parametrize(("profile", "most_missed", "most_flagged"), [(True, 3, 6), (False, 4, 7)])
def test_blind_probes_round_12(profile: bool, most_missed: int, most_flagged: int) -> None:
    """An invented German manufacturer on on-premises Exchange (tests/messages/probes-blind-12/README.md). Blind at
    3d1a2c1: 19/25 attacks and 5/25 legitimate flagged with the profile, 18/25 and 6/25 with none. After the fixes
    it prompted: 22/25 and 6/25, 21/25 and 7/25, none malicious."""
    missed, flagged, malicious, attacks, legitimate = _blind_round("probes-blind-12", profile)
    assert (attacks, legitimate) == (25, 25)
    assert len(missed) <= most_missed, missed
    assert len(flagged) <= most_flagged, flagged
    assert not malicious


# Session 11's rounds (tests/messages/probes-blind-{13..17}/README.md): blind at 11e3946, then fixed. Each row: the
# round, then with its profile and with none, the most attacks missed and legitimate messages flagged now, and
# whether legitimate messages may be called malicious (at most two): a genuine bank change whose new IBAN is not on
# file for that party (rounds 17, 19), a farm's new account from free mail with no profile (round 15), an
# executive writing from a personal Gmail the profile does not know (rounds 18, 19).
_SESSION_11_ROUNDS = [
    # With no profile, the model retrained in session 12 (trained on every probe round, scanned with its profile)
    # puts round 13's a07 (0.498) and a23 (0.465) and round 15's a18 (0.445) just under 0.5, while it takes 11
    # legitimate messages of rounds 1-20 under 0.5 (with or without profile) and lifts round 9's a missed attack.
    ("probes-blind-13", True, 0, 0, False), ("probes-blind-13", False, 2, 2, False),
    # (session 18: reading the HTML a reader sees, the gateway's quarantine digest, flagged with no profile since it
    # was written, goes from suspicious to malicious: with no profile nothing says its domain is the gateway's)
    ("probes-blind-14", True, 0, 1, False), ("probes-blind-14", False, 0, 3, True),
    ("probes-blind-15", True, 1, 0, False), ("probes-blind-15", False, 3, 3, True),
    ("probes-blind-16", True, 0, 1, False), ("probes-blind-16", False, 2, 2, False),
    ("probes-blind-17", True, 1, 1, True), ("probes-blind-17", False, 2, 1, False),
    # written after rounds 13-17's fixes and scanned blind at 4da973c (READMEs give those figures)
    # one more miss each since the model was retrained on rounds 1-45 (session 14): the SharePoint share from a
    # compromised supplier's tenant (genuine platform mail, the content the only sign) fell from 0.506 to 0.479
    ("probes-blind-18", True, 1, 1, True), ("probes-blind-18", False, 3, 2, False),
    ("probes-blind-19", True, 0, 2, True), ("probes-blind-19", False, 4, 6, True),
    ("probes-blind-20", True, 0, 0, False), ("probes-blind-20", False, 1, 1, False),
]


@pytest.mark.parametrize(("folder", "profile", "most_missed", "most_flagged", "malicious_allowed"),
                         _SESSION_11_ROUNDS)
def test_blind_probes_session_11(folder: str, profile: bool, most_missed: int, most_flagged: int,
                                 malicious_allowed: bool) -> None:
    """French building firm on OVH, law firm behind a filtering gateway, co-operative on Zimbra, association on
    Google Workspace, e-commerce bulk mail. Blind (with profile / none): round 13 23/25, 6/25 / 23/25, 7/25; round 14
    23/25, 4/25 / 21/25, 4/25; round 15 22/25, 4/25 (2 malicious) / 19/25, 5/25 (1); round 16 24/25, 4/25 (1) /
    21/25, 5/25; round 17 24/25, 3/25 (1) / 23/25, 4/25. Rounds 18-20 (French BEC on Microsoft 365, an estate agency
    at Gandi, an IT services firm on Google Workspace), blind after those fixes: 24/25, 3/25 (1) / 17/25, 6/25;
    23/25, 6/25 (2) / 18/25, 7/25 (1); 25/25, 1/25 / 24/25, 2/25."""
    _assert_round_within(folder, profile, most_missed, most_flagged, 2 if malicious_allowed else 0)


_SESSION_12_ROUNDS = [
    ("probes-blind-21", True, 1, 2, 1), ("probes-blind-21", False, 2, 2, 0),
    ("probes-blind-22", True, 1, 3, 2), ("probes-blind-22", False, 2, 3, 0),
    ("probes-blind-23", True, 0, 2, 1), ("probes-blind-23", False, 0, 2, 0),
    ("probes-blind-24", True, 2, 0, 0), ("probes-blind-24", False, 3, 1, 0),
    # written after rounds 21-24's fixes and the retrained model, scanned blind at 6495364 (READMEs give the figures)
    ("probes-blind-25", True, 2, 1, 1), ("probes-blind-25", False, 2, 1, 0),
    ("probes-blind-26", True, 1, 4, 2), ("probes-blind-26", False, 3, 5, 1),
    ("probes-blind-27", True, 0, 3, 2), ("probes-blind-27", False, 3, 5, 1),
    # written after rounds 25-27's fixes, scanned blind at 9f817d4
    ("probes-blind-28", True, 2, 1, 1), ("probes-blind-28", False, 3, 2, 0),
    ("probes-blind-29", True, 0, 1, 1), ("probes-blind-29", False, 3, 2, 0),
    ("probes-blind-30", True, 3, 1, 1), ("probes-blind-30", False, 4, 2, 0),
    # written after rounds 28-30's fixes, scanned blind at 9a51b08 (model trained on rounds 1-30); round 31's a08 (an
    # influencer's ZIP on Drive) is at 0.444 with the model retrained on rounds 1-39 (0.509 before)
    ("probes-blind-31", True, 1, 1, 0), ("probes-blind-31", False, 3, 3, 1),
    ("probes-blind-32", True, 2, 0, 0), ("probes-blind-32", False, 5, 1, 0),
    ("probes-blind-33", True, 3, 1, 1), ("probes-blind-33", False, 3, 0, 0),
]


# Session 13: a hotel group on the Riviera (Google Workspace; OTA lures, FR/EN/IT), a notarial office in Bordeaux
# (escrow fraud), an agricultural cooperative in Brittany (members' payments, goods diversion, FR/EN/DE/NL/ES).
# Blind at c8bbcff (with profile / none): round 34 22/25, 2/25 / 20/25, 3/25; round 35 23/25, 3/25 (2 malicious) /
# 24/25, 4/25 (2); round 36 23/25, 2/25 (2) / 19/25, 2/25 (1). Rounds 37-39 (a direct-to-consumer e-commerce brand,
# a training organisation, a Luxembourg fiduciary): round 37 22/25, 1/25 / 19/25, 2/25; round 38 24/25, 3/25 (1) /
# 24/25, 7/25 (1); round 39 19/25, 4/25 (2) / 20/25, 4/25. Rounds 40-42 (French BEC against an industrial SME on
# OVHcloud Exchange, a Norman municipality, a Paris architecture firm): round 40 25/25, 3/25 / 20/25, 3/25; round
# 41 22/25, 2/25 (2) / 22/25, 2/25; round 42 20/25, 2/25 (1) / 19/25, 3/25.
_SESSION_13_ROUNDS = [
    # written after session 12's fixes and the model retrained on rounds 1-33, scanned blind at c8bbcff
    # no profile, flagged 3: the model retrained on rounds 1-45 put a genuine PSP KYC review at 0.516 (was 0.490)
    ("probes-blind-34", True, 2, 0, 0), ("probes-blind-34", False, 4, 3, 0),
    ("probes-blind-35", True, 1, 1, 1), ("probes-blind-35", False, 1, 2, 0),
    ("probes-blind-36", True, 0, 2, 2), ("probes-blind-36", False, 3, 2, 1),
    # written after rounds 34-36's fixes: round 37 scanned blind at 606ec8b, rounds 38-39 at 075d465
    ("probes-blind-37", True, 3, 0, 0), ("probes-blind-37", False, 5, 1, 0),
    ("probes-blind-38", True, 1, 2, 1), ("probes-blind-38", False, 1, 3, 0),
    ("probes-blind-39", True, 3, 2, 2), ("probes-blind-39", False, 2, 2, 0),
    # written after rounds 37-39's fixes: round 40 scanned blind at 57f1799, rounds 41-42 at ec89a55
    ("probes-blind-40", True, 0, 0, 0), ("probes-blind-40", False, 4, 0, 0),
    ("probes-blind-41", True, 3, 2, 2), ("probes-blind-41", False, 2, 3, 0),
    ("probes-blind-42", True, 4, 1, 1), ("probes-blind-42", False, 4, 2, 0),
]
_SESSION_14_ROUNDS = [
    # written after session 13's fixes: rounds 43-45 (a syndic on OVHcloud Zimbra, a staffing agency behind Vade, a
    # radiology group on Google Workspace) scanned blind at 2f1e893; rounds 46-48 (a wine négociant, a cosmetics
    # brand, care homes behind Altospam) at 2e50473, after the model was retrained on rounds 1-45. Limits are the
    # counts after the fixes they prompted (README of each round); those called malicious with a profile are genuine
    # bank changes to accounts not on file.
    ("probes-blind-43", True, 0, 1, 0), ("probes-blind-43", False, 1, 6, 1),
    ("probes-blind-44", True, 0, 2, 2), ("probes-blind-44", False, 1, 1, 1),
    ("probes-blind-45", True, 1, 1, 1), ("probes-blind-45", False, 2, 2, 0),
    ("probes-blind-46", True, 3, 1, 1), ("probes-blind-46", False, 6, 2, 0),
    ("probes-blind-47", True, 3, 2, 1), ("probes-blind-47", False, 4, 3, 0),
    ("probes-blind-48", True, 0, 2, 2), ("probes-blind-48", False, 1, 6, 3),
    # rounds 49-51 (a business-travel agency behind Proofpoint, a Franco-German SME on Google Workspace, a business
    # school behind Mailinblack) scanned blind at daf7832
    ("probes-blind-49", True, 3, 2, 1), ("probes-blind-49", False, 4, 3, 0),
    ("probes-blind-50", True, 3, 1, 1), ("probes-blind-50", False, 5, 1, 0),
    ("probes-blind-51", True, 0, 0, 0), ("probes-blind-51", False, 1, 5, 1),
]
_SESSION_15_ROUNDS = [
    # rounds 52-54 (a property developer behind Hornetsecurity, a professional rugby club on Google Workspace, a
    # cleaning company behind Proofpoint Essentials) scanned blind at aafc0b6; limits are the counts after the fixes
    # they prompted (README of each round)
    ("probes-blind-52", True, 0, 0, 0), ("probes-blind-52", False, 0, 4, 0),
    ("probes-blind-53", True, 1, 0, 0), ("probes-blind-53", False, 2, 2, 0),
    ("probes-blind-54", True, 1, 1, 0), ("probes-blind-54", False, 3, 2, 1),
    # rounds 55-57 (an art foundation on Microsoft 365 alone, veterinary clinics behind Altospam, a Swiss watch-parts
    # maker behind Cisco Secure Email) scanned blind at 56d95ea; those called malicious with a profile are genuine
    # bank changes to accounts not on file
    ("probes-blind-55", True, 1, 1, 1), ("probes-blind-55", False, 3, 1, 0),
    ("probes-blind-56", True, 1, 3, 2), ("probes-blind-56", False, 2, 5, 0),
    ("probes-blind-57", True, 1, 1, 1), ("probes-blind-57", False, 2, 1, 0),
]


_SESSION_16_ROUNDS = [
    # rounds 58-63 (a coach operator, a pharma CDMO, a Monaco yachting firm, a solar installer, a Belgian
    # intercommunale, a children's publisher) scanned blind at ebe8451; 64-66 (a water utility, a ski-lift operator, a
    # bakery franchisor) at 2c28cb5; 67-69 (a fishing cooperative, an aerospace subcontractor, an auction house) at
    # 7701529; 70-72 (micro-crèches, Luxembourg trucking, heritage restoration) at 26bf6b5, after the retrain on
    # rounds 1-69 and not trained on. Limits are the counts after the fixes they prompted (README of each round);
    # those called malicious with a profile are genuine bank changes from free-mail addresses the profile lacks
    ("probes-blind-58", True, 2, 1, 1), ("probes-blind-58", False, 4, 4, 1),
    ("probes-blind-59", True, 1, 0, 0), ("probes-blind-59", False, 1, 3, 0),
    ("probes-blind-60", True, 1, 0, 0), ("probes-blind-60", False, 1, 1, 0),
    ("probes-blind-61", True, 1, 2, 1), ("probes-blind-61", False, 1, 3, 1),
    ("probes-blind-62", True, 1, 0, 0), ("probes-blind-62", False, 2, 1, 0),
    ("probes-blind-63", True, 2, 1, 1), ("probes-blind-63", False, 3, 6, 1),
    ("probes-blind-64", True, 2, 0, 0), ("probes-blind-64", False, 2, 6, 1),
    ("probes-blind-65", True, 0, 0, 0), ("probes-blind-65", False, 3, 1, 0),
    ("probes-blind-66", True, 1, 0, 0), ("probes-blind-66", False, 2, 3, 0),
    ("probes-blind-67", True, 3, 1, 1), ("probes-blind-67", False, 2, 3, 1),
    ("probes-blind-68", True, 2, 1, 0), ("probes-blind-68", False, 3, 6, 0),
    ("probes-blind-69", True, 1, 1, 0), ("probes-blind-69", False, 2, 2, 1),
    ("probes-blind-70", True, 2, 0, 0), ("probes-blind-70", False, 3, 3, 0),
    ("probes-blind-71", True, 3, 1, 1), ("probes-blind-71", False, 5, 3, 1),
    ("probes-blind-72", True, 1, 1, 0), ("probes-blind-72", False, 1, 4, 0),
    # rounds 73-75 (a pharmacy group, a flower exporter, a Geneva private school) scanned blind at a02b74a
    ("probes-blind-73", True, 3, 1, 0), ("probes-blind-73", False, 5, 1, 0),
    ("probes-blind-74", True, 2, 0, 0), ("probes-blind-74", False, 5, 2, 0),
    ("probes-blind-75", True, 2, 0, 0), ("probes-blind-75", False, 2, 1, 0),
]

_SESSION_17_ROUNDS = [
    # rounds 76-81 (a funeral company, a Swiss hydropower consultancy, a Perpignan food importer, a business-aviation
    # handler, a Brussels public-affairs firm, a Nantes insurance broker) scanned blind at ee80c22; 82-87 (art-house
    # cinemas, a medical-devices distributor, a facade subcontractor, a Luxembourg fund administrator, dental centres,
    # a farm-machinery dealer) at c3e71b2. Limits are the counts at 9d48d94 (README of each round); called malicious
    # with a profile: a genuine bank change to a new IBAN and a partner's macro workbook (Office macros from outside)
    ("probes-blind-76", True, 1, 1, 0), ("probes-blind-76", False, 0, 3, 0),
    # (no profile: the retrain on rounds 1-96 put a professional association's Google Forms notice at 0.504)
    ("probes-blind-77", True, 4, 0, 0), ("probes-blind-77", False, 3, 4, 0),
    ("probes-blind-78", True, 0, 0, 0), ("probes-blind-78", False, 1, 2, 0),
    ("probes-blind-79", True, 2, 0, 0), ("probes-blind-79", False, 3, 2, 0),
    ("probes-blind-80", True, 2, 1, 0), ("probes-blind-80", False, 3, 1, 0),
    ("probes-blind-81", True, 1, 0, 0), ("probes-blind-81", False, 2, 2, 0),
    ("probes-blind-82", True, 2, 1, 0), ("probes-blind-82", False, 3, 2, 0),
    ("probes-blind-83", True, 2, 0, 0), ("probes-blind-83", False, 3, 5, 1),
    ("probes-blind-84", True, 1, 1, 0), ("probes-blind-84", False, 2, 1, 0),
    ("probes-blind-85", True, 2, 1, 1), ("probes-blind-85", False, 5, 4, 1),
    # (no profile: the retrain on rounds 1-87 put the payroll provider's portal notice at 0.501)
    ("probes-blind-86", True, 1, 1, 1), ("probes-blind-86", False, 2, 5, 1),
    ("probes-blind-87", True, 2, 1, 0), ("probes-blind-87", False, 1, 2, 0),
    # rounds 88-90 (a ship agency, a fashion brand, a space-technology SME) scanned blind at d7c6f6f, after the retrain
    # on rounds 1-87, and not changed for since: the limits are their blind counts
    ("probes-blind-88", True, 1, 1, 0), ("probes-blind-88", False, 3, 2, 0),
    ("probes-blind-89", True, 1, 0, 0), ("probes-blind-89", False, 3, 1, 0),
    ("probes-blind-90", True, 3, 1, 0), ("probes-blind-90", False, 4, 3, 0),
]
_SESSION_18_ROUNDS = [
    # rounds 91-96 (an étude of commissaires de justice, a Geneva grain-trading house, a waste syndicate, a congress
    # venue, a law firm, a chemical distributor) scanned blind at f91bf38; limits are the counts after the fixes they
    # prompted and the retrain on rounds 1-96 (README of each round). Called malicious with a profile: a producer's
    # genuine bank change to a new IBAN and a customer's macro workbook (Office macros from outside)
    ("probes-blind-91", True, 1, 1, 0), ("probes-blind-91", False, 1, 3, 0),
    ("probes-blind-92", True, 2, 1, 0), ("probes-blind-92", False, 2, 2, 0),
    ("probes-blind-93", True, 0, 0, 0), ("probes-blind-93", False, 3, 1, 0),
    ("probes-blind-94", True, 3, 0, 0), ("probes-blind-94", False, 4, 3, 1),
    ("probes-blind-95", True, 2, 0, 0), ("probes-blind-95", False, 3, 2, 0),
    ("probes-blind-96", True, 1, 2, 2), ("probes-blind-96", False, 5, 3, 1),
    # rounds 97-102 (a Lyon biotech, a tyre wholesaler, a Monaco estate agency, a mustard maker, a humanitarian NGO, a
    # Pyrenees tourist office) scanned blind at 3c32b29, after the retrain on rounds 1-96: limits are their blind
    # counts, less the two vendor collection-account changes in English read since (rounds 97, 100). Called
    # malicious with a profile: partners' workbooks with macros, a genuine bank change to a new IBAN
    ("probes-blind-97", True, 3, 0, 0), ("probes-blind-97", False, 3, 1, 0),
    ("probes-blind-98", True, 4, 0, 0), ("probes-blind-98", False, 4, 3, 0),
    ("probes-blind-99", True, 3, 0, 0), ("probes-blind-99", False, 3, 4, 0),
    ("probes-blind-100", True, 4, 2, 1), ("probes-blind-100", False, 6, 4, 1),
    ("probes-blind-101", True, 3, 2, 1), ("probes-blind-101", False, 5, 2, 0),
    ("probes-blind-102", True, 4, 1, 1), ("probes-blind-102", False, 5, 7, 1),
]


@pytest.mark.parametrize(("folder", "profile", "most_missed", "most_flagged", "most_malicious"),
                         _SESSION_12_ROUNDS + _SESSION_13_ROUNDS + _SESSION_14_ROUNDS + _SESSION_15_ROUNDS
                         + _SESSION_16_ROUNDS + _SESSION_17_ROUNDS + _SESSION_18_ROUNDS)
def test_blind_probes_session_12(folder: str, profile: bool, most_missed: int, most_flagged: int,
                                 most_malicious: int) -> None:
    """A university faculty on RENATER Partage, the Spanish and Italian subsidiaries of a French group on Microsoft
    365, a network of medical laboratories behind a French gateway, an exporter on Google Workspace (payloads and
    hijacked threads). Blind at 76e22ff (with profile / none): round 21 23/25, 2/25 (1 malicious) / 22/25, 2/25;
    round 22 21/25, 3/25 (2) / 16/25, 6/25 (4); round 23 22/25, 3/25 (1) / 21/25, 4/25; round 24 23/25, 2/25 (1) /
    21/25, 2/25 (1). Rounds 25-27 (a regional media company, a wealth manager on OVHcloud Exchange, French BEC
    against a building-materials wholesaler), blind after those fixes: 21/25, 1/25 (1) / 20/25, 1/25; 23/25, 6/25
    (3) / 20/25, 7/25 (1); 25/25, 4/25 (2) / 22/25, 6/25 (1). Rounds 28-30 (an engineering firm living on public
    tenders, a car-dealership group behind a French gateway, an English-speaking software scale-up), blind after
    those: 22/25, 1/25 (1) / 21/25, 2/25; 25/25, 1/25 (1) / 21/25, 2/25; 22/25, 2/25 (1) / 21/25, 4/25. Rounds
    31-33 (a leather-goods importer, a Brussels non-profit, an IT managed-services provider), blind after those:
    22/25, 2/25 (1) / 20/25, 3/25 (1); 23/25, 1/25 / 20/25, 2/25; 21/25, 1/25 (1) / 19/25, 0/25.
    Legitimate messages called malicious with the profile
    are genuine bank changes (or a factoring notice) whose new IBAN differs from the one on file, where the verdict
    asks for a call-back on a known number (round 26's client forwarding the scam to ask whether it is real was too,
    until a reported lure became at most suspicious)."""
    _assert_round_within(folder, profile, most_missed, most_flagged, most_malicious)
