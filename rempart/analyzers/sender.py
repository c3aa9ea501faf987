"""Who the message claims to be from, against who really sent it.

- display-name impersonation: the name shown is one of the organisation's executives or
  employees, a vendor, a well-known brand or the organisation itself, while the address is
  outside the domains that name owns (stronger from free webmail);
- an address written in the display name that is not the real one;
- a From address whose domain cannot exist (no public suffix, commas, quotes or ``%`` in it): nothing
  can be answered there, so no real sender uses one;
- a From line no mail program writes (several mailboxes without a Sender, a display name split
  from its address by a bare comma): a layout made to show one sender while mail comes from another;
- lookalike From and Reply-To domains (``rempart.analyzers.lookalike``);
- on a domain nobody known owns, a From domain made of the display name plus service words, or writing a word of
  the display name with a look-alike character (``rempart.analyzers.name_domain``);
- Reply-To, Return-Path and Sender pointing elsewhere than From;
- mail claiming to come from the organisation's own domain that the organisation's mail server
  did not authenticate (read from the ``auth`` analyzer's ``auth.results``, never recomputed);
- invisible or look-alike characters in the display name.

"First contact" (a sender never seen before) needs a history of past mail: the engine is pure and
keeps none, so that signal belongs to an outer layer with a store, not here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from rempart.analyzers.auth import AuthSummary, authenticated_as, failed_authentication, summary_from_findings
from rempart.analyzers.base import Context, Resources
from rempart.analyzers.exchange_online import submitted_inside_tenant
from rempart.analyzers.internal_route import travelled_inside
from rempart.analyzers.lookalike import (
    BRAND_TLD_SWAP_WEIGHT,
    BrandInfo,
    LookalikeMatch,
    brand_of,
    brands,
    find_lookalike,
    fold_confusables,
    is_brand_tld_swap,
    is_lure,
    is_mixed_script,
    owner_of,
    public_body,
)
from rempart.analyzers.name_domain import imitated_name, name_plus_lure
from rempart.analyzers.recipient_lookalike import WEIGHTS as RECIPIENT_WEIGHTS
from rempart.analyzers.recipient_lookalike import recipient_lookalike
from rempart.analyzers.signature_site import signature_site_mismatch
from rempart.analyzers.thread_senders import EMAIL_IN_TEXT, lookalike_of_thread
from rempart.config import Config
from rempart.domains import domain_label, in_domains, mailbox_key, public_suffix, registered_domain
from rempart.findings import Finding
from rempart.message.model import Address, Message

NAME = "sender"
IMPERSONATION = "sender.display_name_impersonation"
CODES = frozenset({
    f"{IMPERSONATION}.vip",
    f"{IMPERSONATION}.employee",
    f"{IMPERSONATION}.vendor",
    f"{IMPERSONATION}.brand",
    f"{IMPERSONATION}.org",
    "sender.display_name_address_mismatch",
    "sender.display_name_obfuscation",
    "sender.malformed_from",
    "sender.invalid_from_domain",
    "sender.lookalike_domain",
    "sender.reply_to_lookalike",
    "sender.reply_to_divergent",
    "sender.return_path_divergent",
    "sender.sender_header_divergent",
    "sender.internal_unauthenticated",
    "sender.internal_unverifiable",
    "sender.internal_route",
    "sender.freemail",
    "sender.thread_lookalike",
    "sender.signature_site_lookalike",
    "sender.name_plus_lure_domain",
    "sender.name_lookalike_domain",
    "sender.recipient_lookalike",
    "sender.recipient_other_suffix",
    "sender.brand_domain",
    "sender.government_domain",
})

IMPERSONATION_WEIGHTS = {"vip": 0.65, "employee": 0.45, "vendor": 0.4, "brand": 0.4, "org": 0.35}
FREEMAIL_BONUS = 0.1
# The name of someone we know, relayed by a real platform ("Camille Roux via Google Drive"):
# platforms can be abused, but the address is honest about where the mail comes from.
VIA_PLATFORM_WEIGHT = 0.15
LOOKALIKE_WEIGHTS = {"org": 0.75, "vendor": 0.75, "brand": 0.6}
REPLY_TO_LOOKALIKE_FACTOR = 0.9
WEIGHTS = {
    "address_in_name": 0.35,
    "address_in_name_known": 0.55,  # the address shown belongs to the organisation, a vendor or a brand
    "address_in_name_list": 0.1,  # "'jo@x.org' via List": mailing-list or forwarding-service rewriting
    "obfuscation": 0.3,
    # Measured on the dev corpus: 238 of 1,100 honeypot phishing messages and none of 2,147 legitimate
    # ones (SpamAssassin 2002, kernel lists, LLM-written) nor of the French business bench.
    "malformed_from": 0.35,
    # Dev corpus: 129 of 1,100 honeypot messages (a dozen of them the honeypot's own anonymised "@pot"
    # address, a corpus artefact), none of 2,147 legitimate ones, none of the French bench.
    "invalid_from_domain": 0.35,
    # Measured on the dev corpus: a Reply-To on another domain is in 18 % of SpamAssassin ham
    # (lists, newsletters) and 14 % of phishing, so alone it says almost nothing; the strong
    # cases below (free mail behind a company, replies leaving a known party) carry the signal.
    "reply_to": 0.05,
    "reply_to_strong": 0.4,
    "return_path": 0.0,
    "sender_header": 0.0,
    "sender_header_internal": 0.05,
    "internal_unauthenticated": 0.7,
    # Mail that never left the organisation's own servers (internal_route.py) is a colleague's, as DMARC-aligned
    # mail is a vendor's (auth.trusted_sender, -0.3); a little less, since a compromised mailbox writes from inside.
    "internal_route": -0.2,
}
MAX_EXTRA_NAME_TOKENS = 4
MAX_RECIPIENT_DOMAINS = 50  # addresses read to tell whether the sender writes to its own domain
# A reply from an imitation of the domain the quoted thread was held with. The same name under another suffix
# weighs less: some companies do write from both acme.fr and acme.com.
THREAD_LOOKALIKE = 0.6
THREAD_TLD_SWAP = 0.45
# "e-attestations <x@e-attestations-portail.com>": the domain is the display name plus service words
# (name_domain.py). Not strong alone: a company may own "acme-portail.fr"; with an ask or an odd link it is what a
# campaign looks like.
NAME_PLUS_LURE = 0.35
# "Nadia Ducret <nadia@boulangerie-ducrett.ch>": the domain writes the display name's own word with a look-alike
# character or a doubled letter (name_domain.py). Deception on its own, like a lookalike of a known brand.
NAME_LOOKALIKE = 0.6
# "Majestic Wine · majestic.co.uk" written from majesticwine-trade.co.uk (signature_site.py): the message contradicts
# itself about who sends it, the shape of purchase-order and supplier fraud from a domain registered for the day.
SIGNATURE_SITE = 0.45
SPEAKS_FOR_CONNECTORS = frozenset({"from", "at", "de", "d", "du", "chez", "von", "vom", "van", "bei"})
MAX_NAME_CHARS = 512  # display names are short; a huge one is cut, never scanned quadratically

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# A company's legal form and a bracketed gloss are not how it signs ("Logis Mosan - Service Marchés" for
# "Logis Mosan SCRL (société de logement)"): left out of a vendor's or the organisation's name tokens.
_LEGAL_FORMS = frozenset({
    "sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "scop", "scrl", "srl", "sprl", "sc", "scs", "asbl", "gie",
    "gmbh", "ag", "kg", "ug", "nv", "bv", "bvba", "vzw", "spa", "sl", "ltd", "limited", "inc", "llc", "plc",
})
_BRACKETED = re.compile(r"\([^)]*\)")
# A group's national arms sign with the same core and another country ("Kaneda Medical France", "… Europe", "…
# GmbH Deutschland"): the country or region is left out of a vendor's name tokens, so a display name that swaps it
# still claims the vendor.
_REGION_WORDS = frozenset({
    "france", "europe", "european", "emea", "benelux", "international", "deutschland", "germany", "italia", "italy",
    "espana", "spain", "iberia", "belgique", "belgie", "belgium", "suisse", "schweiz", "switzerland", "luxembourg",
    "nederland", "netherlands", "uk", "ireland", "austria", "osterreich", "portugal", "polska", "nordic",
})
# A person's courtesy or professional title ("Dr Étienne Marsal", "Me Laffargue", "Prof. Dr. Weber") is how a
# profile may name them but not how every message does: left out of the names a display name must show.
_PERSON_TITLES = frozenset({
    "dr", "docteur", "doctor", "pr", "prof", "professeur", "professor", "me", "maitre", "m", "mme", "mlle", "mr",
    "mrs", "ms", "miss", "sir", "herr", "frau", "dott", "dottssa", "dottoressa", "ing", "avv", "sig", "sra", "sr",
})
# "Logis Mosan via Docusign": a platform writes the name its user typed, then its own.
_VIA = re.compile(r"\s+via\s+", re.IGNORECASE)
# Bidirectional controls and invisible characters (zero-width joiner excluded: emoji use it), the
# combining grapheme joiner and the Hangul fillers, which render as blank space.
_HIDDEN = frozenset(
    "\u061c\u180e\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\ufeff\u00ad\u034f\u115f\u1160\u3164"
)


# ---------------------------------------------------------------------------------------------
# Names


def name_tokens(text: str) -> tuple[str, ...]:
    """``"ROUX Camille - DG"`` → ``("roux", "camille", "dg")``: accents, case, look-alikes and
    punctuation folded away."""
    return tuple(t for t in _NON_WORD.split(fold_confusables(text[:MAX_NAME_CHARS]).replace("_", " ")) if t)


def person_tokens(name: str) -> tuple[str, ...]:
    """A person's name tokens without a title, unless nothing else is left."""
    tokens = name_tokens(name)
    return tuple(t for t in tokens if t not in _PERSON_TITLES) or tokens


def company_tokens(name: str) -> tuple[str, ...]:
    """A company's name tokens without its legal form, its country or region or a bracketed gloss, unless too little
    else is left."""
    tokens = name_tokens(_BRACKETED.sub(" ", name))
    core = tuple(t for t in tokens if t not in _LEGAL_FORMS)
    # the region goes only when a distinctive core is left ("Kaneda Medical", not "Air France" alone → "air")
    regionless = tuple(t for t in core if t not in _REGION_WORDS)
    if len(regionless) >= 2 or (regionless and len(regionless[0]) >= 5):
        core = regionless
    return core or tokens or name_tokens(name)


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # vip | employee | vendor | brand | org
    name: str
    tokens: tuple[str, ...]
    domains: tuple[str, ...]  # where mail under this name legitimately comes from
    addresses: tuple[str, ...] = ()  # individual addresses that are also legitimate
    strict: bool = False  # only the name itself plus lure words (brands whose name is a word)


def person_matches(person: tuple[str, ...], shown: tuple[str, ...]) -> bool:
    """All of the person's names appear, given names possibly as initials ("C. Roux"), the family
    name in full, in any order ("ROUX Camille"), with at most a few extra words (a title:
    "Camille Roux - DG")."""
    if len(person) < 2 or len(shown) > len(person) + MAX_EXTRA_NAME_TOKENS:
        return False
    present = set(shown)
    for family, given in ((person[-1], person[:-1]), (person[0], person[1:])):
        if len(family) >= 2 and family in present and all(t in present or t[0] in present for t in given):
            return True
    return False


def organisation_matches(target: tuple[str, ...], shown: tuple[str, ...], lures: frozenset[str],
                         strict: bool) -> bool:
    """A company or brand name: all its words, plus at most a few others (service words only when
    ``strict``); or most of a long name ("Logistique Marchand" for "Logistique Marchand SAS")."""
    present = set(shown)
    extra = [t for t in shown if t not in target]
    distinctive = len(target) > 1 or len(target[0]) >= 4  # not "CAF" or "UPS" alone
    if set(target) <= present:
        if strict or not distinctive:
            if not strict and len(target) == 1:
                extra = _without_branch_place(target[0], shown, extra)
            return all(is_lure(t, lures) or t.isdigit() for t in extra) or speaks_for(target, shown)
        return len(extra) <= MAX_EXTRA_NAME_TOKENS - 1
    missing = [t for t in target if t not in present]
    return not strict and len(shown) >= 2 and not extra and len(missing) == 1


# "MSA d'Armorique", "CAF du Rhône", "CPAM de la Sarthe": a public body's regional branch is its acronym, then
# "de"/"du"/"d'" and the place. The place is no service word, yet it claims the body as much as the acronym alone.
BRANCH_CONNECTORS = frozenset({"de", "du", "d", "des", "la", "l"})
MAX_PLACE_TOKENS = 2


def _without_branch_place(acronym: str, shown: tuple[str, ...], extra: list[str]) -> list[str]:
    """``extra`` less the place named right after the acronym (at most two words after a connector)."""
    at = shown.index(acronym)
    k = at + 1
    while k < len(shown) and shown[k] in BRANCH_CONNECTORS:
        k += 1
    if k == at + 1:
        return extra
    place = set(shown[at + 1:k + MAX_PLACE_TOKENS])
    return [t for t in extra if t not in place]


def speaks_for(target: tuple[str, ...], shown: tuple[str, ...]) -> bool:
    """"Hilan from Ledger", "Julie de Free", "Tom at Zoom": one or two words (a first name, a team) then a
    connector then the whole name, last. Even a brand whose name is an everyday word is claimed this way."""
    n = len(target)
    return (n + 2 <= len(shown) <= n + 3 and shown[-n:] == target
            and shown[-n - 1] in SPEAKS_FOR_CONNECTORS)


# ---------------------------------------------------------------------------------------------
# Per-engine index of the names worth impersonating


@dataclass
class NameIndex:
    by_token: dict[str, list[Target]] = field(default_factory=dict)
    org_domains: tuple[str, ...] = ()

    def add(self, target: Target) -> None:
        if not target.tokens:
            return
        for token in set(target.tokens):
            if len(token) >= 2:
                self.by_token.setdefault(token, []).append(target)

    def candidates(self, shown: tuple[str, ...]) -> list[Target]:
        found: dict[int, Target] = {}
        for token in shown:
            for target in self.by_token.get(token, ()):
                found.setdefault(id(target), target)
        return list(found.values())


def _brand_targets(brand: BrandInfo) -> Iterator[Target]:
    for name in (brand.name, *brand.aliases):
        yield Target("brand", brand.name, name_tokens(name), brand.domains, strict=brand.common_word)


def _build_index(config: Config, resources: Resources) -> NameIndex:
    org = config.org
    index = NameIndex(org_domains=tuple(org.domains))
    for kind, people in (("vip", org.vips), ("employee", org.employees)):
        for p in people:
            for name in (p.name, *p.aliases):
                index.add(Target(kind, p.name, person_tokens(name), tuple(org.domains),
                                 (p.email, *p.personal_addresses)))
    for v in org.vendors:
        contacts = tuple(c.lower() for c in v.contacts)
        index.add(Target("vendor", v.name, company_tokens(v.name), tuple(v.domains), contacts))
        # "Atelier Roussel (Camille Roussel)": the bracketed name is the party's too (its owner, a trade name)
        for gloss in _BRACKETED.findall(v.name):
            tokens = company_tokens(gloss.strip("()[] "))
            if len(tokens) >= 2 and tokens != company_tokens(v.name):
                index.add(Target("vendor", v.name, tokens, tuple(v.domains), contacts))
    if org.domains:
        # The organisation is also known by its domain's name ("CH Valmont" for ch-valmont.fr).
        names = {company_tokens(org.name)} if org.name else set()
        names |= {tuple(domain_label(d).split("-")) for d in org.domains if len(domain_label(d)) >= 5}
        for tokens in names:
            index.add(Target("org", org.name or org.domains[0], tokens, tuple(org.domains)))
    for brand in brands(resources):
        for target in _brand_targets(brand):
            index.add(target)
    return index


def name_index(resources: Resources) -> NameIndex:
    return resources.cached("identity:name_index", lambda: _build_index(resources.config, resources))


# ---------------------------------------------------------------------------------------------
# Checks


def _is_forwarder(domain: str, context: Context) -> bool:
    """An address-masking or forwarding service that writes the relayed sender into the display name."""
    return bool(domain) and registered_domain(domain) in context.resources.data_list("forwarding_services")


def _is_freemail(domain: str, context: Context) -> bool:
    return bool(domain) and registered_domain(domain) in context.resources.data_list("freemail")


def _listed_for(target: Target, address: Address) -> bool:
    """One of the target's own individual addresses, compared as mailboxes (Gmail's dots and +tags)."""
    key = mailbox_key(address.address)
    return any(mailbox_key(a) == key for a in target.addresses if a)


def _theirs(target: Target, address: Address) -> bool:
    """An address the profile lists for the target, or one on the target's own domains."""
    return _listed_for(target, address) or in_domains(address.domain, target.domains)


def _legitimate(target: Target, address: Address, context: Context) -> bool:
    if _listed_for(target, address):
        # A known address outside the target's domains (a person's own mailbox, a vendor's contact on free mail)
        # is theirs unless the receiving server saw it fail: a forged copy of it is no longer their mail.
        return in_domains(address.domain, target.domains) or not _failed_authentication(context)
    if not in_domains(address.domain, target.domains):
        # A public body writing from another government domain (the export-control office's platform mailing from
        # finances.gouv.fr, not entreprises.gouv.fr): one state, one suffix, which no one else can register under.
        suffixes = context.resources.data_list("government_suffixes")
        return target.kind == "brand" and in_domains(address.domain, suffixes) and public_body(target.domains, suffixes)
    if target.kind == "brand" and address.domain in context.resources.data_list("freemail"):
        # gmail.com or orange.fr: anyone has a mailbox there; only a service sender is the brand
        return _service_local_part(address.local_part, context)
    return True


def _failed_authentication(context: Context) -> bool:
    return failed_authentication(context.findings)


def _service_local_part(local: str, context: Context) -> bool:
    return local in context.resources.data_list("service_local_parts")


def _matches(target: Target, shown: tuple[str, ...], lures: frozenset[str]) -> bool:
    if target.kind in ("vip", "employee"):
        return person_matches(target.tokens, shown)
    return organisation_matches(target.tokens, shown, lures, target.strict)


# Digits, and a capital I, standing for letters in a display name ("Micr0soft", "Netfl1x", "PayPaI", "Storage CL0UD"):
# no one writes their own name so; the spelling is there to slip past filters that match names.
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a"}
_LEET_WORD = re.compile(r"\w*[0-9$@]\w*|\w*[a-z]I\w*")
MIN_RESPELLED_LETTERS = 3  # "B2B", "M365", "O2": a code, not a word spelled with digits
RESPELLED_WEIGHT = 0.25  # on top of the impersonation's own weight


def _respell(word: str, one: str) -> str:
    if sum(ch.isalpha() for ch in word) < MIN_RESPELLED_LETTERS:
        return word
    if any(ch.isdigit() and ch not in _LEET and ch != "1" for ch in word):
        return word  # "A320", "H2O": other digits make it a code or a model number
    out = "".join(_LEET.get(ch, one if ch == "1" else ch) for ch in word)
    # a capital I between lower-case letters reads as an l ("PayPaI"); "McIntosh" stays if nothing matches it
    return re.sub(r"(?<=[a-z])I", "l", out)


def _respell_match(match: re.Match[str], one: str) -> str:
    return _respell(match.group(0), one)


def respelled_names(name: str) -> list[str]:
    """The display name with its digit-for-letter words spelled out (a 1 read as l, then as i); none when no word
    needed it."""
    out: list[str] = []
    for one in ("l", "i"):
        spelled = _LEET_WORD.sub(partial(_respell_match, one=one), name[:MAX_NAME_CHARS])
        if spelled != name[:MAX_NAME_CHARS] and spelled not in out:
            out.append(spelled)
    return out


def respelled_claim(address: Address, context: Context) -> Target | None:
    """A known name the display name claims only once its digits are read as letters ("Micr0soft Support")."""
    for spelled in respelled_names(address.name):
        target = impersonated(Address(name=spelled, address=address.address), context)
        if target is not None:
            return target
    return None


def impersonated(address: Address, context: Context) -> Target | None:
    """The most important known name the display name claims while the address is not theirs."""
    shown = name_tokens(address.name)
    if not shown:
        return None
    # People and companies are matched on the name before " via <platform>"; a brand on the whole.
    own = name_tokens(_VIA.split(address.name[:MAX_NAME_CHARS], 1)[0]) or shown
    lures = context.resources.data_list("lookalike_lures")
    order = list(IMPERSONATION_WEIGHTS)
    hits = [t for t in name_index(context.resources).candidates(shown)
            if _matches(t, shown if t.kind == "brand" else own, lures)]
    if hits and _profile_party(address, context):
        # A vendor of the profile naming its own product after a public service ("BMB Net Entreprises", its online
        # bank, beside URSSAF's net-entreprises.fr): only the profile's people and parties are impersonated there.
        hits = [t for t in hits if t.kind != "brand"]
    for target in sorted(hits, key=lambda t: order.index(t.kind)):
        if _legitimate(target, address, context):
            return None  # the name is used by its real owner (possibly alongside another match)
        if target.kind == "brand" and any(t.kind == "brand" and _legitimate(t, address, context) for t in hits):
            return None  # two brands share the name ("La Poste" is France's and Switzerland's): the sender is one
        return target
    return None


def _profile_party(address: Address, context: Context) -> bool:
    """The address is on a domain of a vendor of the profile. (Not the organisation's own: "SharePoint" on a forged
    copy of its own address is the classic lure, and many organisations publish no DMARC policy.)"""
    owner = owner_of(address.domain, context.resources) if address.domain else None
    return owner is not None and owner.kind == "vendor"


def _impersonation(message: Message, address: Address, target: Target | None,
                   context: Context, respelled: bool = False) -> Iterator[Finding]:
    if target is None:
        return
    weight = IMPERSONATION_WEIGHTS[target.kind] + (RESPELLED_WEIGHT if respelled else 0.0)
    freemail = _is_freemail(address.domain, context)
    platform = _platform_brand(address.domain, context)
    behind = ""
    if freemail:
        weight += FREEMAIL_BONUS
    elif platform and target.kind != "brand":
        if _answers_to_target(message, target):
            return  # the platform relays the party's own account (its listed address or domain): no one forged
        behind = _free_account_behind(message, target, context)
        # The platform is honest about relaying, but the account it relays for is a free mailbox, not the
        # known party's: "Logis Mosan via Docusign", answers to marches.logismosan@outlook.be.
        weight = weight + FREEMAIL_BONUS if behind else min(weight, VIA_PLATFORM_WEIGHT)
    evidence = {"display_name": address.name, "address": address.address, "domain": address.domain,
                "target": target.name, "target_kind": target.kind, "freemail": freemail, "platform": platform}
    if behind:
        evidence["account"] = behind
    if respelled:
        evidence["respelled"] = True  # the name matched only with its digits read as letters
    yield Finding(f"{IMPERSONATION}.{target.kind}", weight, evidence)


def _answers_to_target(message: Message, target: Target) -> bool:
    """Every Reply-To of a platform notice is the named party's: an address the profile lists for them, or their own
    domain (a DocuSign or Drive account's verified address)."""
    return bool(message.reply_to) and all(_theirs(target, r) for r in message.reply_to)


def _free_account_behind(message: Message, target: Target, context: Context) -> str:
    """The free-mail Reply-To of a platform notice sent in a known party's name, when it is not theirs."""
    for reply in message.reply_to:
        if not _theirs(target, reply) and _is_freemail(reply.domain, context):
            return reply.address
    return ""


def _platform_brand(domain: str, context: Context) -> str:
    """The brand whose real domain this is ("Google" for docs.google.com), or the sharing platform relaying its
    user's name (canva.com, ``relay_platforms``), else ""."""
    owner = brand_of(domain, context.resources)
    if owner is not None:
        return owner.name
    site = registered_domain(domain) if domain else ""
    return site if site in context.resources.data_list("relay_platforms") else ""


def _address_in_name(address: Address, context: Context) -> Iterator[Finding]:
    if "@" not in address.name:
        return
    name = address.name[:MAX_NAME_CHARS]
    if not name.isascii():  # "billing@paypal\u073f.com": marks and invisible characters break the address up
        name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))
    for shown in EMAIL_IN_TEXT.findall(name):
        shown = shown.lower().strip(".'")
        if shown == address.address:
            continue
        shown_domain = shown.rpartition("@")[2]
        if registered_domain(shown_domain) == registered_domain(address.domain):
            continue
        relay = " via " in f" {address.name.lower()} " or _is_forwarder(address.domain, context)
        if relay:
            weight = WEIGHTS["address_in_name_list"]
        elif _known_domain(shown_domain, context):
            weight = WEIGHTS["address_in_name_known"]
        else:
            weight = WEIGHTS["address_in_name"]
        yield Finding("sender.display_name_address_mismatch", weight,
                      {"display_name": address.name, "shown_address": shown, "address": address.address,
                       "domain": address.domain, "relay": relay})
        return


def _malformed_from(message: Message) -> Iterator[Finding]:
    """RFC 5322 allows several From mailboxes only with a Sender naming the one who sent; mail clients
    quote display names with commas. A From line breaking either shows the reader a name or address
    that is not the sender (``"Lidl", <service@x.example>``, ``"a@bank.example", <b@y.example>``)."""
    sender = message.from_address
    if sender is None:
        return
    several = len(message.from_) > 1 and message.sender is None
    split = any(d.code == "malformed_address" and d.detail[:5].lower() == "from:" for d in message.defects)
    if several or split:
        yield Finding("sender.malformed_from", WEIGHTS["malformed_from"],
                      {"display_name": _visible(sender.name), "address": sender.address,
                       "mailboxes": len(message.from_)})


_HOSTNAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})")


# RFC 2606 names for documentation and tests: real mail never comes from them, but examples do.
_RESERVED = frozenset({"example", "test"})


def _invalid_domain(message: Message, context: Context) -> Iterator[Finding]:
    """The From domain is not a host name under a public suffix: ``alerte@impots-id59478``,
    ``noreply@banque,com``, ``info@'x.example``, ``a@9%banque.example``. The organisation's own
    domains (an internal ``.local`` one included) are not judged."""
    sender = message.from_address
    if sender is None or "@" not in sender.address:
        return
    domain = sender.domain.rstrip(".")
    if not domain or domain.startswith("[") or in_domains(domain, context.config.org.domains):
        return
    try:
        ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_domain = ""
    if _HOSTNAME.fullmatch(ascii_domain) and (public_suffix(domain) or ascii_domain.rsplit(".", 1)[-1] in _RESERVED):
        return
    yield Finding("sender.invalid_from_domain", WEIGHTS["invalid_from_domain"],
                  {"address": sender.address, "domain": domain})


def _known_domain(domain: str, context: Context) -> bool:
    return owner_of(domain, context.resources) is not None and not _is_freemail(domain, context)


def _obfuscation(address: Address) -> Iterator[Finding]:
    hidden = sorted({f"U+{ord(ch):04X}" for ch in address.name if _is_hidden(ch)})
    mixed = [word for word in address.name.split() if is_mixed_script(word)]
    if hidden or mixed:
        yield Finding("sender.display_name_obfuscation", WEIGHTS["obfuscation"],
                      {"display_name": _visible(address.name), "address": address.address,
                       "characters": hidden or mixed})


def _visible(text: str) -> str:
    return "".join(ch if not _is_hidden(ch) else f"<U+{ord(ch):04X}>" for ch in text)


def _is_hidden(ch: str) -> bool:
    """Invisible characters, plus Unicode tag characters and the variation-selector supplement, which
    render as nothing after any letter ("L\U000e0139e\U000e0139dger") and exist only to split words."""
    code = ord(ch)
    return ch in _HIDDEN or 0xE0000 <= code <= 0xE007F or 0xE0100 <= code <= 0xE01EF


def _lookalike_weight(match: LookalikeMatch) -> float:
    return BRAND_TLD_SWAP_WEIGHT if is_brand_tld_swap(match) else LOOKALIKE_WEIGHTS[match.target_kind]


# Country-code suffixes of the European countries a group's subsidiaries register their name under.
EUROPEAN_CCTLDS = frozenset({
    "fr", "de", "es", "it", "be", "nl", "lu", "ch", "at", "pt", "pl", "ie", "uk", "dk", "se", "no", "fi", "cz",
    "sk", "hu", "ro", "bg", "gr", "hr", "si", "ee", "lv", "lt", "mc", "mt", "cy"})


def _country_suffix(domain: str) -> str:
    """The European country code a domain is registered under ("uk" for x.co.uk), else ""."""
    last = domain.lower().rstrip(".").rsplit(".", 1)[-1]
    return last if last in EUROPEAN_CCTLDS else ""


def _implicit_org_suffix(domain: str, match: LookalikeMatch, context: Context) -> bool:
    """The name of the company the message was delivered to under another European country's suffix, when that
    company was inferred from the message (``engine.implicit_org``): it is known by one domain only, and a
    European group's other domains are its name under the countries' suffixes (vannerys.fr writing to
    vannerys.es). Weighed as the recipient comparison of an install without any organisation weighs it
    (``recipient_lookalike.py``). A generic suffix (exemple-industrie.co, .com, .net for a .fr company) is what
    the fraud buys: it keeps its full weight."""
    if match.technique != "tld_swap" or match.target_kind != "org" \
            or not context.has("engine.implicit_org"):
        return False
    mine, theirs = _country_suffix(domain), _country_suffix(match.target_domain)
    return bool(mine and theirs and mine != theirs)


def _lookalikes(message: Message, context: Context) -> Iterator[Finding]:
    sender = message.from_address
    if sender is not None and sender.domain:
        match = find_lookalike(sender.domain, context.resources)
        if match is not None and _implicit_org_suffix(sender.domain, match, context):
            yield Finding("sender.recipient_other_suffix", RECIPIENT_WEIGHTS["tld_swap"], {
                "address": sender.address, "domain": sender.domain.lower(), "recipient_domain": match.target_domain,
                "technique": match.technique})
        elif match is not None:
            yield Finding("sender.lookalike_domain", _lookalike_weight(match),
                          {"domain": sender.domain, "address": sender.address, **match.evidence()})
    for reply in message.reply_to:
        if reply.domain and (sender is None or reply.domain != sender.domain):
            match = find_lookalike(reply.domain, context.resources)
            if match is not None and _implicit_org_suffix(reply.domain, match, context):
                return  # answers going to the company's probable other domain
            if match is not None:
                weight = _lookalike_weight(match) * REPLY_TO_LOOKALIKE_FACTOR
                yield Finding("sender.reply_to_lookalike", weight,
                              {"domain": reply.domain, "address": reply.address, **match.evidence()})
                return


def _reply_to(message: Message, context: Context, claimed: Target | None) -> Iterator[Finding]:
    sender = message.from_address
    if sender is None or not sender.domain:
        return
    org_domains = context.config.org.domains
    for reply in message.reply_to:
        if not reply.domain or registered_domain(reply.domain) == registered_domain(sender.domain):
            continue
        if in_domains(reply.domain, org_domains):
            continue  # answers come back to us
        if claimed is not None and (reply.address in claimed.addresses or in_domains(reply.domain, claimed.domains)):
            continue  # a platform relaying for the party it names, answers going to that party
        strong = (
            # a platform relaying a member's message (a portal's lead, Reply-To the prospect's Gmail) is how it works
            (_is_freemail(reply.domain, context) and not _is_freemail(sender.domain, context)
             and not _relays_members(sender.domain, context))
            or in_domains(sender.domain, org_domains)
            or any(in_domains(sender.domain, v.domains) for v in context.config.org.vendors)
            or (claimed is not None and claimed.kind in ("vip", "employee", "vendor"))
        )
        yield Finding("sender.reply_to_divergent", WEIGHTS["reply_to_strong" if strong else "reply_to"],
                      {"reply_to": reply.address, "reply_to_domain": reply.domain, "address": sender.address,
                       "domain": sender.domain, "freemail": _is_freemail(reply.domain, context)})
        return


def _relays_members(domain: str, context: Context) -> bool:
    """A portal relaying its members' messages (``member_relay`` in brands.toml): they carry their own Reply-To.
    (Not every open platform: a Drive share answering to a Gmail address is the impostor's way.) brand_of, so a
    profile's vendor entry for the portal does not hide it."""
    owner = brand_of(domain, context.resources)
    return owner is not None and owner.brand is not None and owner.brand.member_relay


def _envelope_and_sender(message: Message, context: Context) -> Iterator[Finding]:
    sender = message.from_address
    if sender is None or not sender.domain:
        return
    from_registered = registered_domain(sender.domain)
    rp_domain = message.return_path.rpartition("@")[2]
    if rp_domain and registered_domain(rp_domain) != from_registered:
        yield Finding("sender.return_path_divergent", WEIGHTS["return_path"],
                      {"return_path": message.return_path, "return_path_domain": rp_domain,
                       "address": sender.address, "domain": sender.domain})
    on_behalf = message.sender
    if on_behalf is not None and on_behalf.domain and registered_domain(on_behalf.domain) != from_registered:
        internal = in_domains(sender.domain, context.config.org.domains)
        yield Finding("sender.sender_header_divergent",
                      WEIGHTS["sender_header_internal" if internal else "sender_header"],
                      {"sender": on_behalf.address, "address": sender.address, "domain": sender.domain})


def _internal(message: Message, context: Context) -> Iterator[Finding]:
    sender = message.from_address
    if sender is None or not sender.domain:
        return
    org_domains = context.config.org.domains
    if not org_domains:
        # No organisation known: a colleague's mail to a colleague (the sender's domain is the recipients')
        # that never left the domain's own servers is still internal.
        own = registered_domain(sender.domain)
        if own and not _is_freemail(sender.domain, context) and own in _recipient_domains(message, context) \
                and (travelled_inside(message, [own]) or submitted_inside_tenant(message)):
            yield Finding("sender.internal_route", WEIGHTS["internal_route"],
                          {"address": sender.address, "domain": sender.domain})
        return
    if not in_domains(sender.domain, org_domains):
        return
    if submitted_inside_tenant(message):  # Microsoft 365 says a mailbox of the tenant sent it
        yield Finding("sender.internal_route", WEIGHTS["internal_route"],
                      {"address": sender.address, "domain": sender.domain, "exchange_online": True})
        return
    summary = summary_from_findings(context.findings)
    if summary is None or not summary.trusted:
        if travelled_inside(message, org_domains):
            yield Finding("sender.internal_route", WEIGHTS["internal_route"],
                          {"address": sender.address, "domain": sender.domain})
            return
        yield Finding("sender.internal_unverifiable", 0.0,
                      {"address": sender.address, "domain": sender.domain})
    elif not authenticated_as(summary, sender.domain):
        if _nothing_checked(summary) and travelled_inside(message, org_domains):
            # The trusted server wrote a header without checking anything (an on-premises Exchange stamping a
            # colleague's MAPI submission): the Received trail still shows the message never came from outside
            yield Finding("sender.internal_route", WEIGHTS["internal_route"],
                          {"address": sender.address, "domain": sender.domain})
            return
        yield Finding("sender.internal_unauthenticated", WEIGHTS["internal_unauthenticated"],
                      {"address": sender.address, "domain": sender.domain, "dmarc": summary.dmarc,
                       "spf": summary.spf, "dkim": summary.dkim})


def _nothing_checked(summary: AuthSummary) -> bool:
    """No SPF, DKIM or DMARC result at all: what a server says of mail it did not take from outside. A spoof that
    came in through the MX was checked there (a failure or a softfail), and its Received trail names the outsider."""
    return all(result in ("none", "") for result in (summary.spf, summary.dkim, summary.dmarc))


def _brand_domain(domain: str, context: Context) -> Iterable[Finding]:
    """The From domain is a shipped brand's own (``ca-sudrhonealpes.fr`` is Crédit Agricole's): information for
    rules (``from.brand``), which otherwise keep their own lists of a brand's domains. Who may send from it
    is the authentication's business. Free mail (outlook.com is Microsoft's) is nobody's brand, and an open
    platform (docusign.net, sharepointonline.com) sends what anyone writes: ``open_platform`` says so."""
    owner = owner_of(domain, context.resources) if domain else None
    if owner is not None and owner.kind == "brand":
        open_platform = owner.brand is not None and owner.brand.user_content
        yield Finding("sender.brand_domain", 0.0, {"domain": domain, "brand": owner.name,
                                                   "open_platform": open_platform})


def _government_domain(domain: str, context: Context) -> Iterable[Finding]:
    """The From domain is under a suffix where public administrations publish (``gouv.mc``, ``fgov.be``): for rules
    (``from.is_government``) that ask whether a message claiming a public service comes from one, from the same
    list the lookalike check reads rather than a list of their own. Who may send from it is the authentication's
    business."""
    if domain and in_domains(domain, context.resources.data_list("government_suffixes")):
        yield Finding("sender.government_domain", 0.0, {"domain": domain})


def analyze(message: Message, context: Context) -> Iterable[Finding]:
    findings: list[Finding] = []
    sender = message.from_address
    claimed: Target | None = None
    if sender is not None:
        claimed = impersonated(sender, context)
        respelled = None if claimed is not None else respelled_claim(sender, context)
        findings.extend(_impersonation(message, sender, claimed or respelled, context, respelled=respelled is not None))
        claimed = claimed or respelled
        findings.extend(_address_in_name(sender, context))
        findings.extend(_obfuscation(sender))
        findings.extend(_malformed_from(message))
        findings.extend(_invalid_domain(message, context))
        if _is_freemail(sender.domain, context):
            findings.append(Finding("sender.freemail", 0.0,
                                    {"address": sender.address, "domain": sender.domain}))
        else:
            findings.extend(_brand_domain(sender.domain, context))
            findings.extend(_government_domain(sender.domain, context))
    lookalikes = list(_lookalikes(message, context))
    findings.extend(lookalikes)
    # The name-in-domain checks judge only a sender no known name or domain was matched to.
    unmatched = sender is not None and not any(f.code == "sender.lookalike_domain" for f in lookalikes)
    if sender is not None and unmatched and claimed is None:
        findings.extend(_name_in_domain(sender, context))
    findings.extend(_reply_to(message, context, claimed))
    findings.extend(_envelope_and_sender(message, context))
    findings.extend(_internal(message, context))
    # A message that never left the company's servers is the company's: a signature naming a site its domain is
    # built on is the company's other domain ("cardabelle.fr" under mail from cardabelle-formation.fr), not a mask.
    inside = any(f.code == "sender.internal_route" for f in findings)
    if sender is not None:
        findings.extend(_thread_lookalike(sender, message))
        if unmatched and not inside:
            findings.extend(_signature_site(sender, message, context))
        if unmatched and not context.config.org.domains:
            findings.extend(_recipient_lookalike(sender, message, context))
    return findings


def _recipients(message: Message, context: Context) -> list[str]:
    """The envelope's recipients, then To and Cc."""
    addresses = [a.address for a in (*message.to, *message.cc)]
    if context.envelope is not None:
        addresses = [*context.envelope.rcpt_to, *addresses]
    return addresses


def _recipient_domains(message: Message, context: Context) -> set[str]:
    return {registered_domain(a.rpartition("@")[2])
            for a in _recipients(message, context)[:MAX_RECIPIENT_DOMAINS] if "@" in a}


def _recipient_lookalike(sender: Address, message: Message, context: Context) -> Iterator[Finding]:
    """No organisation is known: a sender domain imitating a recipient's (``recipient_lookalike.py``)."""
    if not sender.domain or owner_of(sender.domain, context.resources) is not None:
        return
    found = recipient_lookalike(sender.domain, _recipients(message, context), context.resources.data_list("freemail"))
    if found is not None:
        code = "sender.recipient_other_suffix" if found.technique == "tld_swap" else "sender.recipient_lookalike"
        yield Finding(code, found.weight, {
            "address": sender.address, "domain": sender.domain.lower(), "recipient_domain": found.recipient_domain,
            "technique": found.technique})


def _name_in_domain(sender: Address, context: Context) -> Iterator[Finding]:
    """On a domain nobody we know owns: the sender's domain is its own display name glued to service words, or
    imitates a word of that name."""
    domain = sender.domain
    if not domain or _is_freemail(domain, context) or owner_of(domain, context.resources) is not None \
            or in_domains(domain, context.config.org.domains):
        return
    shown = name_tokens(sender.name)
    found = name_plus_lure(shown, registered_domain(domain), context.resources.data_list("lookalike_lures"))
    if found is not None:
        yield Finding("sender.name_plus_lure_domain", NAME_PLUS_LURE, {
            "display_name": _visible(sender.name), "address": sender.address, "domain": registered_domain(domain),
            "added": " ".join(found.added)})
    imitated = imitated_name(shown, registered_domain(domain))
    if imitated is not None:
        yield Finding("sender.name_lookalike_domain", NAME_LOOKALIKE, {
            "display_name": _visible(sender.name), "address": sender.address, "domain": registered_domain(domain),
            "word": imitated.word, "written": imitated.written})


def _signature_site(sender: Address, message: Message, context: Context) -> Iterator[Finding]:
    """The signature gives a website whose name the sending domain is built on, without being it (signature_site.py).
    Only a person's mailbox ("oliver.bennett", "k.vogt"): companies send notifications and newsletters from domains
    built on their name (autodeskcommunications.com, cvent-planner.com, amazonaws.com). A domain the organisation
    or a known party owns is not judged here."""
    domain = sender.domain
    if not domain or _is_freemail(domain, context) or owner_of(domain, context.resources) is not None \
            or in_domains(domain, context.config.org.domains) or not _personal_mailbox(sender) \
            or any(h.name.lower() in _BULK_HEADERS for h in message.headers):
        return
    found = signature_site_mismatch(domain, message.body_text)
    if found is not None:
        yield Finding("sender.signature_site_lookalike", SIGNATURE_SITE,
                      {"address": sender.address, "domain": found.domain, "site": found.site})


_BULK_HEADERS = frozenset({"list-id", "list-unsubscribe", "list-post", "precedence"})
_LOCAL_PARTS = re.compile(r"[._-]+")


def _personal_mailbox(sender: Address) -> bool:
    """A first-name.last-name style address that spells part of its display name ("k.vogt" for Katrin Vogt)."""
    parts = [p for p in _LOCAL_PARTS.split(sender.local_part.lower()) if p.isalpha()]
    shown = {t for t in name_tokens(sender.name) if len(t) >= 3}
    return len(parts) >= 2 and any(p in shown for p in parts)


def _thread_lookalike(sender: Address, message: Message) -> Iterator[Finding]:
    """A reply from a domain imitating the one the quoted conversation was held with (reply-chain hijack)."""
    found = lookalike_of_thread(sender.domain, message.body_text)
    if found is not None:
        weight = THREAD_TLD_SWAP if found.technique == "tld_swap" else THREAD_LOOKALIKE
        yield Finding("sender.thread_lookalike", weight, {
            "address": sender.address, "domain": found.domain, "quoted_address": found.quoted_address,
            "quoted_domain": found.quoted_domain, "technique": found.technique})
