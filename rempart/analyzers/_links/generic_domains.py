"""Domains named after what the page pretends to be, with no owner's name in them.

``internal-security-portal.org`` or ``portail-acces-securise.com`` is made only of account and service
words: nobody's brand, only a description of a sign-in page. Legitimate senders link to a name that is
theirs (``docusign.net``, ``ateliers-vernier.fr``); such descriptive names are what throw-away campaign
domains and LLM-written lures use. The word list is data (``generic_lure_domain_words``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rempart.analyzers._links.hosts import HostInfo
from rempart.analyzers.base import Resources
from rempart.domains import domain_label

GENERIC_LURE_DOMAIN = 0.35
MIN_WORDS = 2  # "secure.com" or "portal.net" alone are too ordinary a name to mean anything
_SEPARATORS = re.compile(r"[-_]+")


@dataclass(frozen=True, slots=True)
class LureWords:
    words: frozenset[str]
    core: frozenset[str]  # account / sign-in vocabulary: at least one is needed


def lure_words(resources: Resources) -> LureWords:
    def build() -> LureWords:
        words: set[str] = set()
        core: set[str] = set()
        for line in resources.data_list("generic_lure_domain_words"):
            word, _, mark = line.partition(" ")
            words.add(word)
            if mark.strip() == "core":
                core.add(word)
        return LureWords(frozenset(words), frozenset(core))

    return resources.cached("links:generic_lure_domain_words", build)


def generic_words(info: HostInfo, vocabulary: LureWords) -> list[str]:
    """The words of the registrable name when it is made only of lure vocabulary (else [])."""
    if info.ip or info.owner is not None or info.esp_tracking:
        return []
    label = domain_label(info.host)
    if "-" not in label and "_" not in label:
        return []  # unsegmented names ("secureportal") are left alone: too easy to misread a brand
    parts = [p for p in _SEPARATORS.split(label) if p]
    if len(parts) < MIN_WORDS or not all(p in vocabulary.words for p in parts):
        return []
    return parts if any(p in vocabulary.core for p in parts) else []
