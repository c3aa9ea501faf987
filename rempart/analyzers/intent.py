"""Intent: what the message asks the reader to do, the pressure around it, and the bank details in it.

Fluent, AI-written phishing and BEC have no spelling mistakes, so nothing here looks at spelling or
grammar. The analyzer reads the sender's own words — subject and body, quoted reply history left
out, at most ~20k characters — with French and English lexicons (``rempart/data/intent/``), and
reports:

- *asks*: sign in, share a code, pay, change bank details, divert a salary, buy gift cards, call a
  number, open a document, scan a QR code, give card or identity data, grant access, install
  remote-access software, a confidential deal, "are you available?", a parcel fee, refund or fine;
- *pressure*: urgency, deadline, secrecy, authority, threat, reward — weak alone, combined with an
  ask into ``intent.payment_with_pressure`` / ``intent.credentials_with_pressure``;
- *bank details*: IBANs checked against the vendor's or the employee's accounts on file; wiring instructions
  written as a block ("Beneficiary: … / IBAN: <a full, valid IBAN>") count as a payment ask;
- *callback phishing*: a "call us" request with a phone number, a purchase/renewal theme and no link
  (links back to an open platform that carried the message, such as a PayPal invoice, do not count).

The text of attached documents (``attachment.document_text``: a PDF's first pages, a Word document's
body, from the attachments analyzer) is read the same way, except the asks a document makes by nature
(pay this invoice, open or sign this contract): a lure sent as a PDF with a one-line body is judged on
what the PDF says. Its findings carry ``document`` (the file name) and no span in the body.

Evidence keys: ``ask``, ``phrases`` (as written, short), ``lang`` (of the lexicon that matched),
``iban``, ``vendor``, ``person``, ``phone``, ``platform`` (the open platform a callback scam came through),
``pressure``, ``in_thread``. Identity (who is asking, and how they authenticated) is not judged here: the
correlation analyzer weighs intent against it; only which open platform owns a link is looked up (brands.toml).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rempart.analyzers.auth import summary_from_findings
from rempart.analyzers.base import Context, Resources
from rempart.analyzers.intent_ import bank_checks, requests
from rempart.analyzers.intent_.banking import FoundIban, find_ibans
from rempart.analyzers.intent_.phones import find_phones
from rempart.analyzers.intent_.reading import Reading, read_message, read_text
from rempart.analyzers.intent_.resources import intent_data, org_banking
from rempart.analyzers.lookalike import brand_of, owner_of
from rempart.domains import in_domains
from rempart.findings import Finding
from rempart.message.model import Message, Url

NAME = "intent"
CODES = requests.CODES | bank_checks.CODES | {
    "intent.thread_context", "intent.language", "intent.security_warning"}
MAX_DOCUMENTS = 3
# An invoice asks to be paid, a contract to be opened or signed, a form for a copy of an identity document:
# in a document these are what the document is, not a request to the reader. The other asks (call this
# number, sign in, scan a code, new bank details, card data) count.
DOCUMENT_SKIPPED_ASKS = frozenset({"payment", "attachment", "availability", "identity_data"})

# How far after the start of a "Beneficiary: …" label the IBAN of a wiring block may begin (characters).
WIRING_BLOCK_SPAN = 200
CODE_SEND_BACK_SPAN = 300  # characters from the code's announcement to the ask to send it back
PROMPT_APPROVE_SPAN = 400  # characters from sign-in prompts announced to the ask to approve them

# A message warning about a fraud (IT alert, supplier notice, newsletter) describes and quotes the
# lure: what it "asks" is reported speech. Quoted passages are left out and the rest weighs less.
WARNING_FACTOR = 0.4


def _as_warning(findings: list[Finding]) -> list[Finding]:
    return [Finding(f.code, f.weight * WARNING_FACTOR, {**f.evidence, "security_warning": True}, f.span)
            if f.weight > 0 else f for f in findings]


# An employee's own new salary account sent from a mailbox whose route proves it a colleague's (it travelled only
# between the organisation's servers: sender.internal_route; or it bears the organisation's own DKIM signature)
# is how HR learns of it; payroll diversion comes from
# free mail, a look-alike or a forged address. Not on authentication alone: the organisation's own domain passes SPF
# from a shared host's other customers (round 13's spoof through OVH). A taken-over colleague's mailbox sends the
# same words, so the ask keeps half its weight.
COLLEAGUE_PAYROLL_FACTOR = 0.5


def _payroll_from_colleague(findings: list[Finding]) -> list[Finding]:
    def payroll(f: Finding) -> bool:
        return f.weight > 0 and (f.code == "intent.payroll_diversion" or (
            f.code == "intent.iban_with_bank_change" and f.evidence.get("ask") == "payroll_change"))
    return [Finding(f.code, f.weight * COLLEAGUE_PAYROLL_FACTOR, {**f.evidence, "colleague": True}, f.span)
            if payroll(f) else f for f in findings]


def _open_platform(host: str, context: Context) -> str | None:
    """The brand owning ``host`` when it is an open platform (``user_content`` in brands.toml)."""
    # brand_of: a profile's vendor entry for the same domain (google.com as the Workspace vendor) must not hide
    # that anyone can publish there
    owner = brand_of(host, context.resources) if host else None
    return owner.name if owner is not None and owner.brand is not None and owner.brand.user_content else None


def _sender_site(message: Message, context: Context) -> Callable[[Url], bool] | None:
    """Whether a link is on a site of the sender's own known owner (the organisation, a vendor, a brand): the
    sender is Crédit Agricole's ``ca-sudrhonealpes.fr`` and the link ``credit-agricole.fr``. None when the sender
    is nobody known. An open platform (docs.google.com sends and hosts what anyone writes) counts only from and to
    its account hosts (``account_hosts`` in brands.toml)."""
    sender = message.from_address
    owner = owner_of(sender.domain, context.resources) if sender is not None and sender.domain else None
    if owner is None:
        return None
    platform = brand_of(sender.domain, context.resources) if sender is not None and sender.domain else None
    brand = platform.brand if platform is not None else None
    if brand is not None and brand.user_content:
        # an open platform's own account pages only, written to from its own alert address
        # (no-reply@accounts.google.com linking to myaccount.google.com)
        if sender is None or not brand.on_account_host(sender.domain):
            return None
        return lambda url: brand.on_account_host(url.host)
    return lambda url: owner_of(url.host, context.resources) == owner if url.host else False


def _ask_in_two_sentences(r: Reading, announced: str, asked: str, span: int, into: str) -> None:
    """An ask that one phrase cannot carry because it spans two sentences: hits of ``asked`` that follow a hit of
    ``announced`` within ``span`` characters count as ``into``."""
    first, second = r.hits.get(announced), r.hits.get(asked)
    if not first or not second:
        return
    near = [h for h in second if any(0 <= h.start - c.start <= span for c in first)]
    if near:
        r.hits[into] = sorted([*r.hits.get(into, []), *near], key=lambda h: h.start)


def _code_sent_back_as_mfa(r: Reading) -> None:
    """"You will receive a text with a 6-digit code. Please send it back to me": the two sentences together ask
    for the code. The ask to send "it" back alone also goes with a contract to sign."""
    _ask_in_two_sentences(r, "code_incoming", "send_back", CODE_SEND_BACK_SPAN, "mfa_code")


def _prompts_approved_as_mfa(r: Reading) -> None:
    """"You will receive several Authenticator notifications. Please approve them all": MFA fatigue. The announcement
    alone is how a genuine enrolment notice is written, and a single prompt to approve ("il faudra l'approuver") is
    the one the reader triggers; "ne les approuvez pas" was dropped as a negation before this."""
    _ask_in_two_sentences(r, "prompt_incoming", "approve_prompt", PROMPT_APPROVE_SPAN, "mfa_code")


def _wiring_block_as_payment(r: Reading, ibans: list[FoundIban]) -> None:
    """"Beneficiary: … / IBAN: <a full, valid IBAN>" is a transfer asked for by its form, even when no sentence
    says "please pay": the block counts as a payment ask. A receipt's masked account (DE44 •••• 05) is no IBAN."""
    blocks = r.hits.get("wiring_block")
    if not blocks or (r.has("direct_debit") and not any(r.has(ask) for ask in requests.MONEY_OUT)):
        return  # the account a direct debit will be drawn on (a signed SEPA mandate) is no transfer asked for
    starts = [i.start for i in ibans if i.valid]
    near = [h for h in blocks if any(0 <= start - h.start <= WIRING_BLOCK_SPAN for start in starts)]
    if near:
        r.hits["payment"] = sorted([*r.hits.get("payment", []), *near], key=lambda h: h.start)


def _read_findings(message: Message, context: Context, r: Reading, *, skipped_asks: frozenset[str] = frozenset(),
                   context_asks: frozenset[str] = frozenset()) -> tuple[list[Finding], set[str]]:
    """Asks, pressure, callback and bank findings of one reading. ``skipped_asks`` are not reported (an
    invoice in a PDF asks to be paid: that is what invoices do); ``context_asks`` (the body's, when reading
    a document) still tell the bank checks whether money is asked for."""
    scan = r.scan
    # Bank details and phone numbers in the sender's own words only (not in quoted history).
    ibans = [i for i in find_ibans(scan.original) if scan.norm[i.start: i.end].strip()]
    _wiring_block_as_payment(r, ibans)
    _code_sent_back_as_mfa(r)
    _prompts_approved_as_mfa(r)
    own_site = _sender_site(message, context)
    asks, asked = requests.ask_findings(r, message, own_site)
    for inbound in ("direct_debit", "remittance"):
        if r.has(inbound):  # not an ask: tells the bank checks (and the documents' own) that money comes in
            asked.add(inbound)
    findings = [f for f in asks if f.evidence.get("ask") not in skipped_asks]
    kept = asked - skipped_asks
    findings += requests.pressure_findings(r, kept, requests.sign_in_channel(message, kept, r, own_site))
    phones = [] if not r.has("callback") else [
        number for number, start, end in find_phones(scan.original, [(i.start, i.end) for i in ibans])
        if scan.norm[start:end].strip()]
    findings += requests.callback_findings(message, r, phones, lambda host: _open_platform(host, context))
    findings += bank_checks.bank_findings(message, r, org_banking(context.resources), ibans, asked | context_asks)
    if r.warning:
        findings = _as_warning(findings)
        findings.append(Finding("intent.security_warning", 0.0, {
            "phrases": r.phrases(r.hits.get("warning", [])), "lang": r.lang, "reported": r.reported}))
    return findings, asked


def _document_findings(message: Message, context: Context, body_asks: set[str]) -> list[Finding]:
    """What the documents attached to the message ask (``attachment.document_text``)."""
    data = intent_data(context.resources)
    findings: list[Finding] = []
    documents = [f for f in context.findings if f.code == "attachment.document_text"]
    for doc in documents[:MAX_DOCUMENTS]:
        r = read_text("", str(doc.evidence.get("text", "")), data, requests.REQUEST_CATEGORIES)
        found, _ = _read_findings(message, context, r, skipped_asks=DOCUMENT_SKIPPED_ASKS,
                                  context_asks=frozenset(body_asks))
        where = {"document": doc.evidence.get("filename", ""), "location": doc.evidence.get("location", "")}
        findings += [Finding(f.code, f.weight, {**f.evidence, **where}, None) for f in found]
    return findings


def prepare(resources: Resources) -> None:
    """Load and compile the lexicons at engine start: a phrase that does not compile stops the start with its file
    and phrase (rempart/data/intent/README.md), instead of failing every scan as an analyzer error."""
    intent_data(resources)
    org_banking(resources)


def _signed_by_own_domain(message: Message, context: Context) -> bool:
    """A message from one of the organisation's domains bearing a passing DKIM signature of one of them, as its
    trusted receiving server checked it: only the organisation's own mail system holds that key (Google Workspace
    and Microsoft 365, once set up, sign each customer's mail with its own key), where SPF passes for a shared host's
    other customers too. Internal mail on hosted platforms never shows an internal route; this is its proof."""
    sender = message.from_address
    domains = context.config.org.domains
    if sender is None or not sender.domain or not in_domains(sender.domain, domains):
        return False
    summary = summary_from_findings(context.findings)
    return summary is not None and summary.trusted and summary.dkim == "pass" \
        and any(in_domains(d, domains) for d in summary.dkim_domains)


def analyze(message: Message, context: Context) -> Iterable[Finding]:
    r = read_message(message, intent_data(context.resources), requests.REQUEST_CATEGORIES)
    findings = [Finding("intent.language", 0.0, {"lang": r.lang})]
    found, asked = _read_findings(message, context, r)
    findings += found
    findings += _document_findings(message, context, asked)
    # The organisation's own mail filter reporting what it held (a quarantine digest lists the held messages'
    # subjects: "coordonnées bancaires actualisées", "votre boîte sera suspendue"): their words are reported, as in
    # a warning. Only when DMARC or DKIM proved the gateway's domain (auth.mail_gateway_sender).
    gateway = next((f for f in context.findings if f.code == "auth.mail_gateway_sender" and f.weight < 0), None)
    if gateway is not None and not r.warning:
        findings = _as_warning(findings)
        findings.append(Finding("intent.security_warning", 0.0, {
            "phrases": [], "lang": r.lang, "reported": True, "gateway": gateway.evidence.get("gateway", "")}))
    if context.has("sender.internal_route") or _signed_by_own_domain(message, context):
        findings = _payroll_from_colleague(findings)
    if r.scan.in_thread:
        findings.append(Finding("intent.thread_context", 0.0, {
            "quoted_chars": r.scan.quoted_chars, "forwarded": r.scan.forwarded, "warning": r.has("warning")}))
    return findings
