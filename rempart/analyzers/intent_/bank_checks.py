"""Findings about the bank details in a message, against the accounts on file in the org profile.

The textbook vendor fraud is a message from (or claiming to be from) a known vendor that carries an
IBAN that is not the vendor's account on file; payroll diversion is the same with an employee's
salary account. A matching IBAN is informative, and a small trust signal in a plain payment request.
"""

from __future__ import annotations

import re
from typing import Any

from rempart.analyzers.intent_.banking import (
    FoundIban,
    OrgBanking,
    find_bics,
    match_person,
    match_vendor,
    mentioned_vendor,
)
from rempart.analyzers.intent_.reading import Reading
from rempart.domains import in_domains
from rempart.findings import Finding
from rempart.message.model import Message

VENDOR_IBAN_MISMATCH = 0.8  # sender is (or claims to be) the vendor: domain, display name, signature
VENDOR_IBAN_MISMATCH_MENTIONED = 0.6  # the vendor is only named in a payment / bank-change request
# ... by a colleague (From the organisation's own domain): relaying what the vendor sent ("j'ai fait le contre-appel,
# tu peux créer le nouveau compte"), not the vendor's claim. Still an account not on file, but no longer strong on
# its own; a forged colleague is the sender analyzer's to catch (DMARC, internal route).
VENDOR_IBAN_MISMATCH_RELAYED = 0.3
PAYROLL_IBAN_MISMATCH = 0.7
IBAN_COUNTRY_UNUSUAL = 0.3
IBAN_WITH_BANK_CHANGE = 0.5
PAYMENT_TO_UNKNOWN_IBAN = 0.2
IBAN_INVALID = 0.1
VENDOR_IBAN_ON_FILE_TRUST = -0.1
NOTARY_IBAN_ELSEWHERE = 0.45

# French notaries must hold their clients' money at the Caisse des Dépôts et Consignations (bank code 40031): a
# call for funds to that bank is no diversion, and one from a writer presenting as a notary to any other account is
# the "faux notaire" fraud. Nobody else can open an account there, so an attacker cannot give one of his own.
PUBLIC_ESCROW_BANKS = {"FR": frozenset({"40031"})}
_NOTARY = re.compile(r"\b(?:notaire|notaires|office notarial|etude notariale|etude de maitre)\b")

CODES = frozenset({
    "intent.bank_details", "intent.vendor_iban_mismatch", "intent.vendor_iban_on_file",
    "intent.payroll_iban_mismatch", "intent.iban_country_unusual", "intent.iban_with_bank_change",
    "intent.payment_to_unknown_iban", "intent.iban_invalid", "intent.iban_public_escrow",
    "intent.notary_iban_elsewhere",
})
_CHANGE_ASKS = {"bank_change", "payroll_change"}
_DIVERSION_CODES = frozenset({
    "intent.vendor_iban_mismatch", "intent.payroll_iban_mismatch", "intent.iban_country_unusual"})
_PAY_ASKS = {"payment", "bank_change", "payroll_change", "parcel_fee", "fine", "advance_fee"}


def formatted(iban: FoundIban | str) -> str:
    compact = iban.compact if isinstance(iban, FoundIban) else iban
    return " ".join(compact[i: i + 4] for i in range(0, len(compact), 4))


class _Bank:
    def __init__(self, message: Message, r: Reading, org: OrgBanking, asked: set[str]) -> None:
        self.message = message
        self.r = r
        self.org = org
        self.changing = bool(asked & _CHANGE_ASKS)
        self.paying = bool(asked & _PAY_ASKS)
        self.payroll = "payroll_change" in asked
        self.findings: list[Finding] = []

    def add(self, code: str, weight: float, iban: FoundIban, **evidence: Any) -> None:
        self.findings.append(Finding(code, weight, {"iban": formatted(iban), **evidence},
                                     self.r.scan.body_span(iban.start, iban.end)))

    def _from_colleague(self) -> bool:
        sender = self.message.from_address
        return sender is not None and bool(sender.domain) and in_domains(sender.domain, self.org.domains)

    def vendor(self, valid: list[FoundIban]) -> bool:
        """Vendor checks; True when a mismatch was found."""
        match = match_vendor(self.message, self.r.scan, self.org)
        mismatch_weight = VENDOR_IBAN_MISMATCH
        # A warning names the vendor it is about: only a message from (or signed as) the vendor counts.
        if match is None and (self.changing or self.paying) and not self.r.warning:
            mentioned = mentioned_vendor(self.r.scan, self.org)
            if mentioned is not None:
                match, mismatch_weight = (mentioned, "mention"), VENDOR_IBAN_MISMATCH_MENTIONED
        if match is None:
            return False
        known, how = match
        # A salary account is a person's: an agent who signs with the client site she works at ("Matricule 3388 –
        # Notre-Dame des Flandres") is not that client changing its bank (the payroll checks below read her)
        if self.payroll and how == "signature":
            return False
        if how in ("mention", "signature") and self._from_colleague():
            mismatch_weight = VENDOR_IBAN_MISMATCH_RELAYED
        base = {"vendor": known.vendor.name, "matched_by": how}
        # An account on file for another vendor or employee is no stranger's: a payment batch lists several
        foreign = [i for i in valid if i.compact not in known.ibans and i.compact not in self.org.all_ibans]
        if foreign and known.ibans:
            self.add("intent.vendor_iban_mismatch", mismatch_weight, foreign[0], **base,
                     on_file=[formatted(i) for i in sorted(known.ibans)],
                     ask="bank_change" if self.changing else "payment")
            unusual = [i for i in foreign if known.countries and i.country not in known.countries]
            if unusual:
                self.add("intent.iban_country_unusual", IBAN_COUNTRY_UNUSUAL, unusual[0], **base,
                         country=unusual[0].country, usual_countries=sorted(known.countries))
            return True
        on_file = [i for i in valid if i.compact in known.ibans]
        if on_file and not foreign:
            # A "new" account already on file for this vendor was recorded (and checked) before: no diversion
            # either way. A payment elsewhere than the accounts on file is the mismatch above.
            trust = VENDOR_IBAN_ON_FILE_TRUST if self.paying or self.changing else 0.0
            self.add("intent.vendor_iban_on_file", trust, on_file[0], **base)
        return False

    def person(self, valid: list[FoundIban]) -> bool:
        """Payroll checks (only when the message is about pay); True when a mismatch was found."""
        if not (self.r.has("salary") or self.payroll):
            return False
        match = match_person(self.message, self.r.scan, self.org)
        if match is None:
            return False
        known, how = match
        foreign = [i for i in valid if i.compact not in known.ibans and i.compact not in self.org.all_ibans]
        if not (foreign and known.ibans):
            return False
        base = {"person": known.person.name, "matched_by": how}
        self.add("intent.payroll_iban_mismatch", PAYROLL_IBAN_MISMATCH, foreign[0], **base,
                 ask="payroll_change")
        unusual = [i for i in foreign if known.countries and i.country not in known.countries]
        if unusual:
            self.add("intent.iban_country_unusual", IBAN_COUNTRY_UNUSUAL, unusual[0], **base,
                     country=unusual[0].country, usual_countries=sorted(known.countries))
        return True

    def known_accounts(self, valid: list[FoundIban], matched: bool) -> None:
        """A payment to accounts already on file (a vendor's usual account) is a small trust signal; so is a message
        about a changed account whose only bank details are ones on file (a payer's account closed, asking where to
        pay: the answer is an account the organisation recorded, no stranger's)."""
        if matched or not (self.paying or self.changing):
            return
        if all(i.compact in self.org.all_ibans for i in valid):
            owner = next((kv.vendor.name for kv in self.org.vendors if valid[0].compact in kv.ibans), "")
            if owner:
                self.add("intent.vendor_iban_on_file", VENDOR_IBAN_ON_FILE_TRUST, valid[0], vendor=owner,
                         matched_by="iban")

    def escrow(self, valid: list[FoundIban]) -> None:
        """Accounts at the Caisse des Dépôts (a notary's escrow), or a notary's call for funds to another bank."""
        public = [i for i in valid if i.compact[4:9] in PUBLIC_ESCROW_BANKS.get(i.country, ())]
        if len(public) == len(valid):
            self.add("intent.iban_public_escrow", 0.0, public[0], bank="Caisse des Dépôts et Consignations")
            return
        elsewhere = [i for i in valid if i not in public and i.compact not in self.org.all_ibans]
        if elsewhere and self.paying and not self.r.warning and _NOTARY.search(self.r.scan.norm):
            self.add("intent.notary_iban_elsewhere", NOTARY_IBAN_ELSEWHERE, elsewhere[0])

    def request(self, valid: list[FoundIban], mismatch: bool) -> None:
        """An account nobody on file owns, given in a bank-change or a payment request."""
        # An account at the Caisse des Dépôts is a notary's or a public body's escrow: only they hold one there
        unknown = [i for i in valid if i.compact not in self.org.all_ibans
                   and i.compact[4:9] not in PUBLIC_ESCROW_BANKS.get(i.country, ())]
        if not unknown or self.r.warning:
            return
        r = self.r
        if self.changing:
            ask = "payroll_change" if self.payroll else "bank_change"
            hits = r.hits.get(ask, [])[:2]
            self.findings.append(r.finding("intent.iban_with_bank_change", IBAN_WITH_BANK_CHANGE, ask, hits,
                                           iban=formatted(unknown[0])))
        elif self.paying and self.org.all_ibans and not mismatch:
            hits = r.hits.get("payment", [])[:2]
            finding = r.finding("intent.payment_to_unknown_iban", PAYMENT_TO_UNKNOWN_IBAN, "payment", hits,
                                iban=formatted(unknown[0]))
            self.findings.append(finding)


def bank_findings(message: Message, r: Reading, org: OrgBanking, ibans: list[FoundIban],
                  asked: set[str]) -> list[Finding]:
    bank = _Bank(message, r, org, asked)
    for bad in (i for i in ibans if not i.valid):
        bank.add("intent.iban_invalid", IBAN_INVALID, bad)
    valid = [i for i in ibans if i.valid]
    if not valid:
        return bank.findings
    bank.add("intent.bank_details", 0.0, valid[0], ibans=[formatted(i) for i in valid],
             countries=sorted({i.country for i in valid}), bics=find_bics(r.scan.original))
    bank.escrow(valid)
    mismatch = bank.vendor(valid)
    mismatch = bank.person(valid) or mismatch
    inbound = ("direct_debit" in asked and not bank.paying) or "remittance" in asked
    if inbound and not bank.changing:
        # the payer's own account for a debit the organisation draws, or the accounts of a payment the sender says it
        # made (a payment advice, a SWIFT copy): no money leaves, so an account not on file diverts nothing (one on
        # file still says so)
        return [f for f in bank.findings if f.code not in _DIVERSION_CODES]
    bank.known_accounts(valid, any(f.code.startswith("intent.vendor_iban") for f in bank.findings))
    bank.request(valid, mismatch)
    return bank.findings
