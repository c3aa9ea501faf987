"""Findings about what the message asks for, and the pressure around it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rempart.analyzers.intent_.lexicon import Hit
from rempart.analyzers.intent_.reading import Reading
from rempart.findings import Finding
from rempart.message.model import Message, Url, UrlOrigin

# ask category in the lexicon -> (finding code, weight). Several categories may share a code.
ASKS: Mapping[str, tuple[str, float]] = {
    "credentials": ("intent.credentials_request", 0.3),
    "mfa_code": ("intent.mfa_code_request", 0.45),
    "mfa_reenrol": ("intent.mfa_code_request", 0.45),
    "payment": ("intent.payment_request", 0.2),
    "bank_change": ("intent.bank_detail_change", 0.45),
    "payroll_change": ("intent.payroll_diversion", 0.5),
    "callback": ("intent.callback_request", 0.15),
    "attachment": ("intent.open_document_request", 0.15),
    "qr_code": ("intent.qr_code_scan", 0.25),
    "desktop_only": ("intent.desktop_only_file", 0.3),
    "card_data": ("intent.personal_data_request", 0.4),
    "identity_data": ("intent.personal_data_request", 0.25),
    "access_grant": ("intent.access_grant_request", 0.35),
    "remote_access": ("intent.remote_access_install", 0.45),
    "confidential_operation": ("intent.confidential_operation", 0.25),
    "availability": ("intent.availability_check", 0.2),
    "channel_change": ("intent.channel_change", 0.25),
    "parcel_fee": ("intent.fee_payment", 0.35),
    "refund_claim": ("intent.fee_payment", 0.3),
    "fine": ("intent.fee_payment", 0.35),
    "advance_fee": ("intent.fee_payment", 0.35),
    "goods_diversion": ("intent.goods_diversion", 0.25),
}
GIFT_CARDS = ("intent.gift_card_request", 0.6)
# Lexicon categories whose phrases are requests: dropped when written inside a negation or naming a warning's topic
# ("aucun associé ne vous demandera jamais d'acheter des cartes cadeaux ou d'en transmettre les codes").
REQUEST_CATEGORIES = (*ASKS, "giftcard_action", "link_offer", "approve_prompt")
PRESSURE: Mapping[str, tuple[str, float]] = {
    "urgency": ("intent.pressure_urgency", 0.05),
    "deadline": ("intent.pressure_deadline", 0.05),
    "secrecy": ("intent.pressure_secrecy", 0.12),
    "authority": ("intent.pressure_authority", 0.08),
    "threat": ("intent.pressure_threat", 0.1),
    "reward": ("intent.pressure_reward", 0.05),
}
# Asks that move money, and asks that hand over access; each combined with pressure into one finding
# whose weight grows with the number of distinct kinds of pressure (1, 2, 3 or more).
PAYMENT_ASKS = (
    "payment", "bank_change", "payroll_change", "gift_cards", "parcel_fee", "refund_claim", "fine", "advance_fee",
    "goods_diversion")
ACCESS_ASKS = ("credentials", "mfa_code", "mfa_reenrol", "card_data", "identity_data", "access_grant",
               "remote_access")
# Asks that need a way to do them from the message (a link, an attachment, a QR code).
CHANNEL_ASKS = frozenset({"credentials", "mfa_reenrol"})
COMBINATIONS: tuple[tuple[str, tuple[str, ...], tuple[float, ...]], ...] = (
    ("intent.payment_with_pressure", PAYMENT_ASKS, (0.25, 0.3, 0.4)),
    ("intent.credentials_with_pressure", ACCESS_ASKS, (0.25, 0.3, 0.35)),
)
# A sign-in request with a way to sign in from the message itself (a link, a link the text says it
# gives, a QR code) and pressure is the shape of credential phishing; legitimate IT notices send
# people to the intranet or the app they know. Its ladder is steeper than the plain one.
LINKED_ACCESS_LADDER = (0.3, 0.4, 0.45)
LINKED_CHANNELS = frozenset({"link", "link_offered", "qr"})
CALLBACK_PHISHING = ("intent.callback_phishing", 0.5)
# A sign-in request with no way to sign in from the message (no link, no attachment, no QR code) tells
# the reader to go there themselves — what legitimate IT notices do: it weighs half as much, as does one whose
# every link is on the sender's own known site.
NO_CHANNEL_FACTOR = 0.5
# "Are you available?" as (nearly) the whole message is the classic opener of CEO and gift-card fraud.
SHORT_MESSAGE_CHARS = 600
AVAILABILITY_SHORT = 0.3
# New bank details given for a direct debit the reader collects ("update the SEPA mandate with our new
# RIB"), with nothing asked to be paid: the money would leave the sender's account, not the reader's.
DIRECT_DEBIT = ("intent.direct_debit", 0.0)
DIRECT_DEBIT_FACTOR = 0.3
MONEY_OUT = ("payment", "parcel_fee", "refund_claim", "fine", "advance_fee", "payroll_change")
CODES = frozenset(
    {code for code, _ in ASKS.values()} | {code for code, _ in PRESSURE.values()}
    | {code for code, _, _ in COMBINATIONS} | {GIFT_CARDS[0], CALLBACK_PHISHING[0], DIRECT_DEBIT[0]}
)
_WEB_ORIGINS = (UrlOrigin.TEXT, UrlOrigin.HREF, UrlOrigin.FORM_ACTION, UrlOrigin.LINK_TEXT)


def _ask_hits(r: Reading, ask: str) -> list[Hit]:
    return r.hits.get("giftcard_action" if ask == "gift_cards" else ask, [])


def _web_links(message: Message) -> list[Url]:
    """The message's http(s) links the reader can follow (text, href, form, link text)."""
    return [u for u in message.urls if u.origin in _WEB_ORIGINS and u.scheme in ("http", "https")]


def sign_in_channel(message: Message, asked: set[str], r: Reading | None = None,
                    own_site: Callable[[Url], bool] | None = None) -> str:
    """How the message lets the reader sign in: a web link, an attachment, a QR code, a link it says
    it gives ("use the link below") though none is readable (plain-text copies, defanged links), or none.
    ``sender_site``: every web link is on the sender's own known site (``own_site``), where an impostor
    cannot collect a password — a bank's notice sending the reader to the bank's real site."""
    links = _web_links(message)
    if links:
        return "sender_site" if own_site is not None and all(own_site(u) for u in links) else "link"
    if any(not a.inline for a in message.attachments):
        return "attachment"
    if "qr_code" in asked:
        return "qr"
    return "link_offered" if r is not None and r.has("link_offer") else "none"


def ask_findings(r: Reading, message: Message,
                 own_site: Callable[[Url], bool] | None = None) -> tuple[list[Finding], set[str]]:
    """One finding per ask code, and the set of asks present (categories, plus ``gift_cards``)."""
    # Salary to another account: a bank-detail change in a message about pay is payroll diversion.
    if r.has("bank_change") and r.has("salary") and not r.has("payroll_change"):
        r.hits["payroll_change"] = r.hits["bank_change"]
    if r.has("payroll_change"):
        r.hits.pop("bank_change", None)
    asked = {category for category in ASKS if r.has(category)}
    direct_debit = "bank_change" in asked and r.has("direct_debit") and not asked.intersection(MONEY_OUT)
    strongest: dict[str, tuple[float, str]] = {}
    for category in sorted(asked - {"callback"}):  # callback is reported with its phone number
        code, weight = ASKS[category]
        if code not in strongest or weight > strongest[code][0]:
            strongest[code] = (weight, category)
    findings: list[Finding] = []
    for code, (weight, category) in strongest.items():
        extra: dict[str, Any] = {}
        if category in CHANNEL_ASKS:
            extra["channel"] = channel = sign_in_channel(message, asked, r, own_site)
            weight *= NO_CHANNEL_FACTOR if channel in ("none", "sender_site") else 1.0
        elif category == "card_data" and sign_in_channel(message, asked, r, own_site) == "sender_site":
            # "update your payment method" with every link on the sender's own known site (a genuine billing
            # notice from Google Ads): an impostor could not collect the card there. With no link at all it is not
            # halved: a card number asked for by reply is worse.
            weight *= NO_CHANNEL_FACTOR
            extra["channel"] = "sender_site"
        elif category == "availability" and r.own_text_chars() < SHORT_MESSAGE_CHARS:
            weight, extra["short"] = AVAILABILITY_SHORT, True
        elif category == "bank_change" and direct_debit:
            weight *= DIRECT_DEBIT_FACTOR
            extra["direct_debit"] = True
        findings.append(r.finding(code, weight, category, r.hits[category], **extra))
    if direct_debit:  # the bank checks (IBAN against the vendor's) are for money the reader sends
        findings.append(r.finding(DIRECT_DEBIT[0], DIRECT_DEBIT[1], "bank_change", r.hits["direct_debit"]))
        asked.discard("bank_change")
    if r.has("giftcard_term") and r.has("giftcard_action"):
        hits = [*r.hits["giftcard_action"][:2], *r.hits["giftcard_term"][:2]]
        findings.append(r.finding(GIFT_CARDS[0], GIFT_CARDS[1], "gift_cards", hits))
        asked.add("gift_cards")
    return findings, asked


def pressure_findings(r: Reading, asked: set[str], channel: str) -> list[Finding]:
    """One finding per kind of pressure; combined with an ask, the combination carries the weight and
    the separate kinds stay as information (weight 0), so the same words are not counted twice."""
    findings: list[Finding] = []
    kinds: list[str] = []
    first_hits: list[Hit] = []
    for kind, (code, weight) in PRESSURE.items():
        hits = r.hits.get(kind)
        if hits:
            kinds.append(kind)
            first_hits.append(hits[0])
            findings.append(r.finding(code, weight, kind, hits, pressure=kind))
    if not kinds:
        return findings
    combined: list[Finding] = []
    for code, family, ladder in COMBINATIONS:
        present = [a for a in family if a in asked]
        if not present:
            continue
        if family is ACCESS_ASKS and channel in LINKED_CHANNELS and CHANNEL_ASKS & set(present):
            ladder = LINKED_ACCESS_LADDER
        weight = ladder[min(len(kinds), len(ladder)) - 1]
        if set(present) <= CHANNEL_ASKS and channel == "none":
            weight *= NO_CHANNEL_FACTOR
        hits = [h for a in present for h in _ask_hits(r, a)[:1]]
        combined.append(r.finding(code, weight, present[0], [*hits, *first_hits], asks=present, pressure=kinds))
    if combined:
        findings = [Finding(f.code, 0.0, {**f.evidence, "combined": True}, f.span) for f in findings]
    return findings + combined


def callback_findings(message: Message, r: Reading, phones: Sequence[str],
                      platform: Callable[[str], str | None] = lambda _host: None) -> list[Finding]:
    """A "call us" request; with a phone number, a purchase/renewal theme and no link of the sender's own:
    callback phishing. ``platform(host)`` names the open platform (PayPal invoices, DocuSign envelopes: a
    service anyone can send through) that owns ``host``, if any. When the From is such a platform and every
    link goes back to it, the links are the platform's own furniture ("view invoice", "report abuse") and the
    phone number is still the scammer's channel: the scam is carried by a genuine, authenticated notice."""
    hits = r.hits.get("callback")
    if not hits:
        return []
    web = _web_links(message)
    sender = message.from_address
    carrier = platform(sender.address.rpartition("@")[2]) if sender and web else None
    has_link = bool(web) and (carrier is None or any(platform(u.host) != carrier for u in web))
    extra: dict[str, Any] = {"phone": phones[0], "phones": list(phones)} if phones else {}
    if carrier is not None and not has_link:
        extra["platform"] = carrier
    if phones and r.has("callback_theme") and not has_link:
        theme = r.hits["callback_theme"][:2]
        code, weight = CALLBACK_PHISHING
        return [r.finding(code, weight, "callback", [*hits[:2], *theme], **extra)]
    return [r.finding(ASKS["callback"][0], ASKS["callback"][1], "callback", hits, **extra)]
