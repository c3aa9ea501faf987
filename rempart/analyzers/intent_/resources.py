"""Everything the intent analyzer loads once per engine: lexicons, stop words, the org's bank accounts."""

from __future__ import annotations

from dataclasses import dataclass

from rempart.analyzers.base import Resources
from rempart.analyzers.intent_.banking import OrgBanking, build_org_banking
from rempart.analyzers.intent_.lexicon import Lexicon, LexiconError, has_data, load_list, load_yaml
from rempart.analyzers.intent_.text import normalise

LANGUAGES = ("fr", "en")  # the languages whose stop words tell French from English
# Lexicon languages: French and English in full; the other European languages of phishing aimed at
# European companies carry the core asks and pressure (a group file may be absent for a language).
LEXICON_LANGUAGES = (*LANGUAGES, "de", "nl", "pt", "es", "it", "ca")
_GROUPS = ("asks", "pressure", "context")
_LISTS = {"gift_cards": "gift_cards", "remote_tools": "remote_access_tools"}  # @name in phrases -> file


@dataclass(frozen=True, slots=True)
class IntentData:
    lexicon: Lexicon
    stopwords: dict[str, frozenset[str]]  # fr and en
    other_stopwords: dict[str, frozenset[str]]  # other European languages, so they are not taken for fr/en


def load_intent_data() -> IntentData:
    lists = {alias: load_list(name) for alias, name in _LISTS.items()}
    sources: dict[str, dict[str, list[str]]] = {}
    for lang in LEXICON_LANGUAGES:
        merged: dict[str, list[str]] = {}
        for group in _GROUPS:
            if lang not in LANGUAGES and not has_data(f"{group}.{lang}.yaml"):
                continue
            for category, phrases in load_yaml(f"{group}.{lang}.yaml").items():
                if category in merged:
                    raise LexiconError(f"{group}.{lang}.yaml: category '{category}' is defined twice")
                merged[category] = phrases
        sources[lang] = merged
    sources["any"] = load_yaml("common.yaml")
    stopwords = {lang: frozenset(normalise(w) for w in load_list(f"stopwords.{lang}")) for lang in LANGUAGES}
    others = {lang: frozenset(normalise(str(w)) for w in words)
              for lang, words in load_yaml("stopwords.other.yaml").items()}
    common = frozenset().union(*stopwords.values(), *others.values())
    return IntentData(Lexicon(sources, lists, common), stopwords, others)


def intent_data(resources: Resources) -> IntentData:
    return resources.cached("intent:data", load_intent_data)


def org_banking(resources: Resources) -> OrgBanking:
    return resources.cached("intent:org_banking", lambda: build_org_banking(resources.config.org))
