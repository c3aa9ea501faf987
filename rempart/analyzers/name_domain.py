"""A sender domain built from the sender's own display name: plus service words, or imitating it.

``e-attestations <notification@e-attestations-portail.com>``, ``Kovalis Support <it@kovalis-connexion.com>``,
``Atelier Orbis <x@espace-client-atelierorbis.fr>``: the name shown is the head (or tail) of the domain, and what
the domain adds is only combosquatting vocabulary (``lookalike_lures``: portail, connexion, securite, depot…).
That is how a domain is bought to pass for a company the reader knows, and it is seen with no profile and
no brand list: the message names the company itself. A company's real mail domain is its name
(``dashdoc.com``, ``marches-securises.fr``), so the name equals the whole domain label and nothing fires; nor
when the words the domain adds are in the display name too (``Rouquette Expertise`` at ``rouquette-expertise.fr``).

Words a real company adds to its own name when the plain name is taken or for a subsidiary, a product or a
sending domain (``orbis-conseil.fr``, ``acme-france.fr``, ``acme-app.com``, ``acme-mail.com``) do not count
unless a word of the account, payment, document or delivery vocabulary comes with them (``acme-app-login``).
Domains of the organisation, its vendors, known brands and free-mail providers are never judged here: their
owner is known. Measured before shipping, on the dev corpus and the French bench's train halves scanned with
no profile: 9 phishing messages and no legitimate one (of 2,687) have this shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rempart.analyzers.lookalike import is_lure, skeleton, to_unicode_host
from rempart.domains import domain_label

# Words a real company adds to its own name (country, trade, customer-service, product or sending-domain words):
# "martin-conseil.fr", "orbis-services.fr", "acme-app.com" are ordinary company domains. The other lure words
# (login, portail, paiement, suivi, depot…) describe the page a campaign imitates.
WEAK_LURES = frozenset({
    "fr", "france", "eu", "europe", "mail", "email", "noreply", "reply", "repondre", "nepasrepondre", "team",
    "equipe", "mon", "my", "support", "aide", "assistance", "service", "serviceclient", "customer", "client",
    "care", "official", "officiel", "officielle", "financement", "online", "enligne", "web", "app", "apps",
    "mobile", "office", "admin", "administrator", "administrateur", "entreprise", "pro", "professionnel",
    "business", "avantage", "offre", "fidelite", "cadeau", "promo", "bonus", "acheteur", "fournisseur",
    "partner", "partenaire", "audit", "conseil", "advisory", "expertise", "cloud",
})
MIN_NAME_CHARS = 4  # "CIC", "EDF": three letters head too many ordinary hyphenated domains
MAX_LABEL_PARTS = 8


@dataclass(frozen=True, slots=True)
class NamePlusLure:
    name: str  # the display name's words, joined, that head or end the domain
    added: tuple[str, ...]  # the lure words the domain adds


def _candidates(shown: tuple[str, ...], lures: frozenset[str]) -> list[str]:
    """The display name joined ("e", "attestations" → "eattestations"), and without its own service words
    ("Dashdoc Support" → "dashdoc") when it has some."""
    out = ["".join(shown)]
    plain = "".join(t for t in shown if not is_lure(t, lures))
    if plain and plain != out[0]:
        out.append(plain)
    return [c for c in out if len(c) >= MIN_NAME_CHARS]


def _added_only_lures(parts: list[str], lures: frozenset[str]) -> bool:
    return all(is_lure(p, lures) for p in parts) and any(not is_lure(p, WEAK_LURES) for p in parts)


def name_plus_lure(shown: tuple[str, ...], domain: str, lures: frozenset[str]) -> NamePlusLure | None:
    """``shown``: the display name's folded words (``sender.name_tokens``); ``domain``: the sender's domain,
    whose owner is not known. The name and the words the domain adds to it, when the domain is the name
    glued to service words."""
    label = domain_label(domain)
    parts = [p for p in label.split("-") if p]
    if not shown or not 2 <= len(parts) <= MAX_LABEL_PARTS:
        return None
    named = set(shown)  # "Rouquette Expertise" writing from rouquette-expertise.fr adds nothing to its name
    for name in _candidates(shown, lures):
        for k in range(1, len(parts)):
            # the name heads the domain ("dashdoc" + "app") or ends it ("espace-client" + "orangepro")
            for head, rest in (("".join(parts[:k]), parts[k:]), ("".join(parts[-k:]), parts[:-k])):
                if head == name and _added_only_lures(rest, lures) and not named.intersection(rest):
                    return NamePlusLure(name, tuple(rest))
    return None


MIN_SENDER_NAME_CHARS = 6  # "martin" + "docs"; shorter heads are other people's words


def sender_name_plus_lure(sender_domain: str, link_domain: str, lures: frozenset[str]) -> NamePlusLure | None:
    """A link's domain built from the name in the sender's own domain plus lure words, somewhere else:
    ``partage.hartmannlevy-docs.fr`` in mail from ``hartmann-levy-avocats.fr``, ``lignesvolumes-docs.com`` from
    ``lignes-volumes-archi.fr``. The name is the sender's domain label or its first words (a trade word such as
    "avocats" dropped): the data room an attacker sets up to pass for the sender's, from a hijacked or a
    look-alike mailbox. Companies share files through their own domain or a known platform."""
    words = [w for w in domain_label(sender_domain).split("-") if w]
    if not words or domain_label(link_domain) == domain_label(sender_domain):
        return None
    for k in range(len(words), 0, -1):
        shown = tuple(words[:k])
        if len("".join(shown)) < MIN_SENDER_NAME_CHARS:
            break
        found = name_plus_lure(shown, link_domain, lures)
        if found is not None:
            return found
    return None


# --- the display name imitated by the domain ----------------------------------------------------------
# "Nadia Ducret <nadia@boulangerie-ducrett.ch>", "Transports Lemaire <compta@transports-lernaire.fr>",
# "Atelier Orbis <x@atelier-оrbis.fr>" (a Cyrillic о): a word of the name the sender shows is written in its
# own domain with a look-alike character or a doubled letter. Nobody misspells their own name in their domain;
# a domain bought to pass for that company does. Measured on the dev corpus and the French bench's train halves
# scanned with no profile: 7 phishing messages and no legitimate one of 2,687. Personal domains built from an
# initial and a surname ("labbott.name" for Laura Abbott, "ilucca.net" for Lucca) are another edit, not a
# look-alike.
MIN_IMITATED_CHARS = 5
_SEPARATORS = re.compile(r"[-_]+")
_REPEATS = re.compile(r"(.)\1+")


@dataclass(frozen=True, slots=True)
class ImitatedName:
    word: str  # the display name's word
    written: str  # how the domain writes it


def _collapsed(text: str) -> str:
    return _REPEATS.sub(r"\1", text)


def imitated_name(shown: tuple[str, ...], domain: str) -> ImitatedName | None:
    """``shown``: the display name's folded words (``sender.name_tokens``); ``domain``: the sender's registrable
    domain. The word of the name the domain writes with look-alike characters or a doubled letter."""
    host = to_unicode_host(domain)
    label = domain_label(host) or host.partition(".")[0]
    parts = [p for p in _SEPARATORS.split(label) if len(p) >= MIN_IMITATED_CHARS]
    words = [w for w in shown if len(w) >= MIN_IMITATED_CHARS]
    for part in parts:
        look = skeleton(part)
        for word in words:
            if part == word:
                continue
            # A doubled letter is judged on the letters as written: folding look-alikes first would read "ilucca"
            # (Lucca's real domain) as "llucca", then as "lucca".
            if look == skeleton(word) or _collapsed(part) == _collapsed(word):
                return ImitatedName(word, part)
    return None
