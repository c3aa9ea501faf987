"""Bank details in the text (IBAN, BIC) and who the sender claims to be (vendor, employee).

IBANs are found with or without spaces, validated with ``schwifty`` (country length, format,
mod-97 checksum) and compared with the accounts on file in the organisation profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from schwifty.registry import get_iban_spec

from rempart.analyzers.intent_.text import ScanText, normalise
from rempart.config import OrgProfile, Person, Vendor
from rempart.domains import in_domains, mailbox_key
from rempart.message.model import Message

_IBAN_CANDIDATE = re.compile(r"[A-Z]{2}\d{2}(?:[ \u00a0.\-]?[A-Za-z0-9]){8,34}")
_BANK_WORDS = re.compile(r"(?i:iban|rib|compte|account|bank|banque|bancaire|virement|wire|swift|bic)")
_BIC = re.compile(r"(?i:\b(?:bic|swift)(?:[ /]*(?:code|swift|bic))?[ \u00a0]*[:\-]?[ \u00a0]*)"
                  r"([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class FoundIban:
    compact: str  # upper case, no spaces
    country: str
    start: int  # offsets in the scan text
    end: int
    valid: bool


def compact_iban(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", value).upper()


def _spec_length(country: str) -> int | None:
    try:
        return int(get_iban_spec(country).iban_length)
    except (SchwiftyException, KeyError, ValueError):
        return None


def _is_valid(compact: str) -> bool:
    try:
        IBAN(compact)
    except (SchwiftyException, ValueError):
        return False
    return True


_MASKED = re.compile(r"X{3,}")


def find_ibans(text: str) -> list[FoundIban]:
    """IBANs written in ``text``; invalid ones are kept (``valid=False``) only when the context says IBAN."""
    found: list[FoundIban] = []
    seen: set[str] = set()
    for m in _IBAN_CANDIDATE.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        country = m.group(0)[:2]
        length = _spec_length(country)
        if length is None:
            continue
        # Walk the candidate until the country's length is reached: what follows is other text.
        count, end = 0, m.start()
        for i in range(m.start(), m.end()):
            if text[i].isalnum():
                count += 1
                if count == length:
                    end = i + 1
                    break
        if count < length:
            continue
        compact = compact_iban(text[m.start(): end])
        if compact in seen:
            continue
        valid = _is_valid(compact)
        if not valid:
            # an account quoted in part ("the IBAN starting FR76 4003 1 and ending in 1180") runs into prose:
            # lower-case words are no bank account an invalid checksum could be reported for
            if any(c.islower() for c in text[m.start(): end]):
                continue
            # a bank's notice masks the middle of the account ("FR76 1482 XXXX XXXX XXXX 4058 739"): no account
            if _MASKED.search(text, m.start(), end):
                continue
            before = text[max(0, m.start() - 60): m.start()]
            if not _BANK_WORDS.search(before):
                continue
        seen.add(compact)
        found.append(FoundIban(compact, country, m.start(), end, valid))
        if len(found) >= 10:
            break
    return found


def find_bics(text: str) -> list[str]:
    bics: list[str] = []
    for m in _BIC.finditer(text):
        code = m.group(1)
        try:
            BIC(code)
        except (SchwiftyException, ValueError):
            continue
        if code not in bics:
            bics.append(code)
    return bics[:5]


# --- who the sender claims to be -------------------------------------------------------------

_LEGAL_FORMS = re.compile(
    r"\b(?:sas|sasu|sarl|eurl|sa|sci|snc|scop|gmbh|ag|kg|nv|bv|bvba|srl|spa|sl|ltd|limited|inc|llc|plc|co)\b\.?"
)
_NAME_SPLIT = re.compile(r"\s+[-—–(|/]\s*|\s*[(),]\s*")


def _name_variants(name: str) -> list[str]:
    """The name and its distinctive prefix, normalised, without legal forms ("Kessler Spedition")."""
    base = normalise(name).strip()
    variants = []
    for candidate in (base, *_NAME_SPLIT.split(base)[:1]):
        cleaned = " ".join(_LEGAL_FORMS.sub(" ", candidate).split())
        if len(cleaned) >= 5 and cleaned not in variants:
            variants.append(cleaned)
    return variants


def _name_regex(names: list[str]) -> re.Pattern[str] | None:
    variants = sorted({v for n in names for v in _name_variants(n)}, key=len, reverse=True)
    if not variants:
        return None
    parts = [r"[^\w]{1,3}".join(re.escape(w) for w in v.split()) for v in variants]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


@dataclass(frozen=True, slots=True)
class KnownVendor:
    vendor: Vendor
    names: re.Pattern[str] | None
    ibans: frozenset[str]
    countries: frozenset[str]


@dataclass(frozen=True, slots=True)
class KnownPerson:
    person: Person
    names: re.Pattern[str] | None
    ibans: frozenset[str]
    countries: frozenset[str]


@dataclass(frozen=True, slots=True)
class OrgBanking:
    vendors: tuple[KnownVendor, ...]
    people: tuple[KnownPerson, ...]
    all_ibans: frozenset[str]  # every account on file (the organisation's own, vendors' and staff's)
    domains: tuple[str, ...] = ()  # the organisation's own mail domains


def build_org_banking(org: OrgProfile) -> OrgBanking:
    vendors = []
    for v in org.vendors:
        ibans = frozenset(compact_iban(i) for i in v.ibans)
        vendors.append(KnownVendor(v, _name_regex([v.name]), ibans, frozenset(i[:2] for i in ibans)))
    people = []
    for p in org.people:
        ibans = frozenset(compact_iban(i) for i in p.ibans)
        names = _name_regex([p.name, *p.aliases])
        people.append(KnownPerson(p, names, ibans, frozenset(i[:2] for i in ibans)))
    own = frozenset(compact_iban(i) for i in org.ibans)
    every = own.union(*(v.ibans for v in vendors), *(p.ibans for p in people))
    return OrgBanking(tuple(vendors), tuple(people), every, tuple(org.domains))


def _signature_zone(scan: ScanText) -> str:
    """The last lines of the sender's own words, where a signature sits."""
    own = scan.norm[scan.body_offset:].rstrip()
    return own[-500:]


def match_vendor(message: Message, scan: ScanText, org: OrgBanking) -> tuple[KnownVendor, str] | None:
    """The vendor the message comes from, or claims to: by sender domain, display name, then signature."""
    sender = message.from_address
    domain = sender.domain if sender else ""
    if domain:
        for kv in org.vendors:
            if kv.vendor.domains and in_domains(domain, kv.vendor.domains):
                return kv, "domain"
        key = mailbox_key(sender.address) if sender is not None else ""
        for kv in org.vendors:
            if key and any(mailbox_key(c) == key for c in kv.vendor.contacts):
                return kv, "contact"
    display = normalise(sender.name) if sender else ""
    if display:
        for kv in org.vendors:
            if kv.names is not None and kv.names.search(display):
                return kv, "display_name"
    tail = _signature_zone(scan)
    for kv in org.vendors:
        if kv.names is not None and kv.names.search(tail):
            return kv, "signature"
    return None


def mentioned_vendor(scan: ScanText, org: OrgBanking) -> KnownVendor | None:
    """A known vendor named anywhere in the sender's own words."""
    for kv in org.vendors:
        if kv.names is not None and kv.names.search(scan.norm):
            return kv
    return None


def match_person(message: Message, scan: ScanText, org: OrgBanking) -> tuple[KnownPerson, str] | None:
    """The employee or executive the message comes from, or claims to."""
    sender = message.from_address
    if sender is not None and sender.address:
        for kp in org.people:
            if kp.person.email and sender.address == kp.person.email:
                return kp, "address"
    display = normalise(sender.name) if sender else ""
    if display:
        for kp in org.people:
            if kp.names is not None and kp.names.search(display):
                return kp, "display_name"
    tail = _signature_zone(scan)[-200:]
    for kp in org.people:
        if kp.names is not None and kp.names.search(tail):
            return kp, "signature"
    return None
