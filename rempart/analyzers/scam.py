"""Scam lures: what the message dangles in front of the reader.

Much unsolicited malicious mail asks for no password and names no colleague: it promises. A prize
"you have won", casino free spins, an airdrop of tokens to claim, guaranteed returns, an
inheritance waiting for its next of kin, a miracle slimming product, lonely singles nearby. Each is
a *lure family*; the phrases that make it are lexicons in English, French, German, Dutch,
Portuguese, Spanish and Italian (``rempart/data/scam/lures.<lang>.yaml``, same pattern language as
the intent lexicons, whose matcher this module reuses).

A family is reported once, weighted by how many distinct phrases of it the message uses (a single
"congratulations" is weak; "you have won" + "claim your prize" + "prize draw" is not). Weights are
moderate: a lure alone is a scam's theme, not proof. The correlation analyzer combines it with
where the links go and who the sender claims to be. A message that warns about scams (the intent
analyzer's ``intent.security_warning``) quotes lures: its families weigh less.

Evidence keys: ``family``, ``phrases`` (as written, short), ``lang``, ``count`` (distinct phrases).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rempart.analyzers.base import Context, Resources
from rempart.analyzers.intent_.lexicon import Hit, Lexicon, load_yaml
from rempart.analyzers.intent_.reading import Reading
from rempart.analyzers.intent_.resources import intent_data
from rempart.analyzers.intent_.text import build_scan_text
from rempart.analyzers.scam_ import layout
from rempart.findings import Finding
from rempart.message.model import Message

NAME = "scam"
LANGUAGES = ("en", "fr", "de", "nl", "pt", "es", "it")
# lure family in the lexicons -> (finding code, weight with one distinct phrase)
FAMILIES: Mapping[str, tuple[str, float]] = {
    "prize": ("scam.prize_lure", 0.25),
    "gambling": ("scam.gambling_lure", 0.3),
    "crypto": ("scam.crypto_lure", 0.25),
    "easy_money": ("scam.easy_money_lure", 0.25),
    "advance_fee": ("scam.advance_fee", 0.3),
    "health": ("scam.miracle_health_product", 0.25),
    "dating": ("scam.dating_lure", 0.3),
    "extortion": ("scam.sextortion", 0.35),
    "fake_alert": ("scam.fake_security_alert", 0.25),
    "registration": ("scam.registration_renewal_lure", 0.3),
}
PER_EXTRA_PHRASE = 0.1  # each further distinct phrase of the family adds this much…
MAX_EXTRA_PHRASES = 2  # …up to this many
MAX_TEXT_CHARS = 8_000  # a lure comes first: the bait is in the opening lines, not in the footer
WARNING_FACTOR = 0.4  # same damping as the intent analyzer's for quoted lures in a warning
CODES = frozenset(code for code, _ in FAMILIES.values()) | {
    "scam.picture_bait", "scam.random_link_path", "scam.unrelated_links", "scam.disguised_letters"}


@dataclass(frozen=True, slots=True)
class ScamData:
    lexicon: Lexicon


def load_scam_data(resources: Resources) -> ScamData:
    words = intent_data(resources)  # stop words of every language: poor anchors for the matcher
    common = frozenset().union(*words.stopwords.values(), *words.other_stopwords.values())
    sources = {lang: load_yaml(f"lures.{lang}.yaml", "scam") for lang in LANGUAGES}
    lists = load_yaml("lists.yaml", "scam")  # @name in phrases
    return ScamData(Lexicon(sources, lists, common))


def scam_data(resources: Resources) -> ScamData:
    return resources.cached("scam:data", lambda: load_scam_data(resources))


def _distinct(reading: Reading, hits: list[Hit]) -> list[Hit]:
    """One hit per distinct wording (the same phrase repeated in a banner and a footer counts once)."""
    seen: set[str] = set()
    out: list[Hit] = []
    for h in hits:
        words = " ".join(reading.scan.norm[h.start: h.end].split())
        if words not in seen:
            seen.add(words)
            out.append(h)
    return out


def prepare(resources: Resources) -> None:
    """Load and compile the scam lexicon at engine start (a broken phrase stops the start)."""
    scam_data(resources)


def analyze(message: Message, context: Context) -> Iterable[Finding]:
    findings = [*layout.picture_bait(message, context), *layout.random_link_path(message, context),
                *layout.unrelated_links(message, context), *layout.disguised_letters(message)]
    scan = build_scan_text(message.subject, message.body_text[:MAX_TEXT_CHARS])
    hits = scam_data(context.resources).lexicon.find(scan.norm)
    if not hits:
        return findings
    reading = Reading(scan, hits, "")
    warning = context.has("intent.security_warning")
    for family, (code, weight) in FAMILIES.items():
        found = _distinct(reading, hits.get(family, []))
        if not found:
            continue
        weight += PER_EXTRA_PHRASE * min(len(found) - 1, MAX_EXTRA_PHRASES)
        if warning:
            weight *= WARNING_FACTOR
        evidence = {"family": family, "phrases": reading.phrases(found), "lang": found[0].lang, "count": len(found)}
        findings.append(Finding(code, round(weight, 4), evidence, reading.span(found)))
    return findings
