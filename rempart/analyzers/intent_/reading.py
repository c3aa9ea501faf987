"""One message as the intent analyzer reads it: the sender's own words and the phrases found in them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from rempart.analyzers.intent_.lexicon import Hit
from rempart.analyzers.intent_.resources import IntentData
from rempart.analyzers.intent_.text import ScanText, blank_range, build_scan_text, detect_language
from rempart.findings import Finding
from rempart.message.model import Message

# "We will never ask for your card number", "our bank details are unchanged": advice, not a request.
_NEGATION = re.compile(
    r"\b(?:jamais|never|aucun|aucune|inchange\w*|unchanged|sous aucun pretexte|en aucun cas"
    r"|under no circumstances"
    # "our bank details have NOT changed", "nos coordonnees n'ont pas change": a reassurance
    r"|(?:have|has|had) not (?:been )?(?:changed|modified|updated)|remain the same"
    # "nothing has changed on our side, so no need for new bank details"
    r"|no need for (?:new|updated|other|different) (?:bank|banking|account)"
    r"|pas besoin de (?:nouveau|nouvel|nouvelles?|changer de) (?:rib|coordonnees|compte|iban)"
    r"|n'(?:ont|a|avons) (?:pas|jamais) (?:ete )?(?:change|modifie)\w*|restent les memes"
    # "nos coordonnées bancaires ne changent pas", "our bank details will not change"
    r"|ne (?:changent|change|changeront|changera) (?:pas|jamais)|(?:do|does|will) not change|(?:don't|won't) change"
    # "la paie sur leur RIB habituel, pas de nouveau compte": the new account itself denied
    r"|pas de (?:nouveau|nouvel) (?:compte|rib|iban)|no new (?:account|bank account|iban)"
    # "sur le bénéficiaire habituel (surtout pas un nouveau RIB)", "not a new account"
    r"|pas (?:un|une|sur un|vers un|a un) (?:nouveau|nouvel|nouvelle|autre) (?:compte|rib|iban)"
    r"|not (?:to )?(?:a|any) (?:new|different|other) (?:account|bank account|iban)"
    # Italian and Spanish: "non c'è alcuna variazione delle nostre coordinate", "no hay ningún cambio"
    r"|nessun[ao]?|alcuna variazione|alcun cambio|ningun[ao]?"
    r"|ne (?:cliquez|repondez|communiquez|transmettez|ouvrez|saisissez|donnez|scannez|flashez|payez|virez)"
    r" (?:pas|jamais)"
    r"|n'(?:achetez|appelez|installez|utilisez|envoyez) (?:pas|jamais)"
    # "ne les approuvez surtout pas", "do not approve them": a sign-in prompt to refuse
    r"|ne (?:les |la |le |l')?(?:approuvez|acceptez|validez|confirmez|approuve|accepte|valide|confirme)"
    r" (?:surtout |jamais |en aucun cas )?(?:pas|jamais)"
    r"|do not (?:click|reply|share|enter|provide|open|approve|accept)"
    # "please don't refund the difference: keep it as a credit", "inutile de nous rembourser"
    r"|(?:do not|don't|no need to) (?:refund|return|send back|pay back|transfer|wire|reimburse)"
    r"|(?:inutile de|pas la peine de|ne pas) (?:nous |me )?(?:rembourser|restituer|renvoyer|reverser)"
    # a report of what someone did not do ("the sign-in was blocked after the user did not confirm the prompt")
    r"|(?:did|does) not (?:confirm|approve|accept|answer|enter|respond to)"
    r"|(?:didn't|doesn't) (?:confirm|approve|accept)"
    # conditional advice: "only enter card details on a site you trust"
    r"|only (?:enter|provide|share|give|type|submit) )\b"
)
_NEGATION_REACH = 50  # characters before the phrase
# "ouvrez un ticket plutôt que de me transmettre vos identifiants", "rather than sending us your password": the
# ask named as what not to do. Only right before the phrase: "instead of the portal, sign in here" still asks.
_ALTERNATIVE_BEFORE = re.compile(
    r"(?:plutot que|au lieu|rather than|instead of)(?: de| d'| du)?(?: (?:me|nous|leur|lui|us|them))? ?$")
_ALTERNATIVE_REACH = 30
# "fraude au changement de RIB", "en cas de doute sur un changement de RIB", "faux RIB": the phrase
# names the topic of a warning, newsletter or policy, it does not ask for anything.
_TOPIC_BEFORE = re.compile(
    r"(?:(?:fraudes?|arnaques?|escroqueries?|tentatives?(?: de fraude)?|mefiez[- ]vous|attention|vigilance"
    # (not "il vous sera demandé de …": that is the ask itself)
    r"|beware|scams?|frauds?|(?<!sera )(?<!serez )(?<!est )demandes?|requests?)"
    r" (?:au|a la|aux|sur|sur les|des|du|de|d'|on|of|involving|about)"
    r"|(?:en cas de doute sur|toujours verifier|verifiez toujours|verifier|verify|if in doubt about"
    r"|in case of doubt about|always verify|always check) (?:un|une|le|la|les|tout|toute|any|a|the)"
    r"|faux|fausse|fausses|fake|fraudulent|bogus|pretendue?|soi-disant|so-called"
    # a message that would ask it, described ("si vous recevez un courriel vous demandant de changer le RIB")
    r"|(?:message|messages|mail|mails|courriel|courriels|e-mail|e-mails|sms|appel|appels|email|emails|call|calls"
    r"|text|texts) (?:vous )?(?:demandant|qui vous demande(?:nt)?|vous invitant|asking(?: you)?|that asks?(?: you)?)"
    r" (?:de|d'|a|to)"
    # a third party may do it ("votre administrateur peut debloquer votre compte")
    r"|(?:peut|peuvent|pourra|pourront) (?:egalement |aussi )?"
    # what the fraudsters will try ("they will try to make you install…", "ils essaieront de vous faire")
    r"|(?:will|would|may|might|could) try to (?:make|get|have|convince) (?:you|them|staff)(?: to)?"
    r"|(?:essaier\w*|tenter\w*|chercher\w*) de vous (?:faire|convaincre de|pousser a)"
    # something the reader may already have done ("si vous avez scanne le code et saisi votre mot de passe")
    r"|(?:si vous (?:l')?avez|if you(?: have|'ve)) (?:[\w']+ ){0,6})\s*$"
)
_TOPIC_REACH = 40
# Quoted speech inside a security warning: « … », “ … ”, "…" (found in the original text, where
# opening and closing marks differ), then blanked.
_QUOTED_SPEECH = re.compile(r'«[^«»]{20,2000}»|“[^“”]{20,2000}”|"[^"\n]{20,2000}"')
_NEGATION_AFTER = 12  # "ne cliquez | pas": the negation may close just after the phrase
_MAX_PHRASES = 3
_MAX_PHRASE_CHARS = 80


class Reading:
    """The scan text, the lexicon hits per category and the message language, plus evidence helpers."""

    def __init__(self, scan: ScanText, hits: dict[str, list[Hit]], lang: str, warning: bool = False,
                 reported: bool = False) -> None:
        self.scan = scan
        self.hits = hits
        self.lang = lang
        self.warning = warning  # the message warns about a fraud: its asks are reported speech
        self.reported = reported  # a forwarder's doubt above a forwarded message: someone reporting a lure

    def has(self, category: str) -> bool:
        return bool(self.hits.get(category))

    def phrase(self, hit: Hit) -> str:
        text = " ".join(self.scan.original[hit.start: hit.end].split())
        return text if len(text) <= _MAX_PHRASE_CHARS else text[: _MAX_PHRASE_CHARS - 1] + "…"

    def phrases(self, hits: Sequence[Hit]) -> list[str]:
        out: list[str] = []
        for h in hits:
            p = self.phrase(h)
            if p not in out:
                out.append(p)
            if len(out) >= _MAX_PHRASES:
                break
        return out

    def span(self, hits: Sequence[Hit]) -> tuple[int, int] | None:
        """Offsets in the body of the first hit that is in the body (None when all are in the subject)."""
        for h in hits:
            span = self.scan.body_span(h.start, h.end)
            if span is not None:
                return span
        return None

    def finding(self, code: str, weight: float, ask: str, hits: Sequence[Hit], **extra: Any) -> Finding:
        evidence: dict[str, Any] = {"ask": ask, "phrases": self.phrases(hits),
                                    "lang": hits[0].lang if hits else self.lang}
        if self.scan.in_thread:
            evidence["in_thread"] = True
        evidence.update(extra)
        return Finding(code, weight, evidence, self.span(hits))

    def own_text_chars(self) -> int:
        """Length of the sender's own words in the body (quoted history and blanks excluded)."""
        return len(self.scan.norm[self.scan.body_offset:].strip())


def _drop_hits(hits: dict[str, list[Hit]], categories: Sequence[str], dropped: Callable[[Hit], bool]) -> None:
    """Remove the ``dropped`` hits of ``categories``, and a category left with none."""
    for category in categories:
        found = hits.get(category)
        if not found:
            continue
        kept = [h for h in found if not dropped(h)]
        if kept:
            hits[category] = kept
        else:
            del hits[category]


# "sur le compte de cantonnement habituel", "sul nostro conto abituale": the account named is the usual one, so
# the phrase is no change of bank details (a factor's or a supplier's ordinary payment instruction).
_USUAL_AFTER = re.compile(r"\s*(?:habituel\w*|usuel\w*|d'usage|abituale|habitual\w*|usual)\b")
_CHANGE_CATEGORIES = ("bank_change", "payroll_change")


# "I've updated my bank details on the Neptune crew portal", "j'ai déposé mon nouveau RIB (Banque Populaire) sur
# l'espace salarié": the employee (or a supplier, in the supplier portal) made the change in the system itself,
# where it is checked; the reader is told, not asked.
_SELF_SERVICE_AFTER = re.compile(
    r"\s*(?:\([^)]{0,40}\)\s*)?"  # the bank named in brackets
    r"(?:(?:directement|directly|myself|moi-meme|ce soir|tonight|today|aujourd'hui) )?"
    r"(?:on|in|via|through|sur|dans|depuis|par) (?:the |my |our |le |la |l'|mon |notre )?(?:[\w'-]+ ){0,3}?"
    r"(?:portal|portail|self-service|hr system|hr app|payroll app|sirh|payfit|lucca|personio|silae|workday"
    r"|espace (?:salarie|collaborateur|personnel|rh|payfit|lucca))\b")


# "J'ai changé de banque. J'ai saisi mon nouveau RIB dans mon espace PayFit": once the change is told as made in the
# system, the writer's own announcement of it is part of the same report
_OWN_CHANGE_TOLD = re.compile(r"^(?:j'ai change|je change|i have changed|i've changed|i changed|i'm changing)\b")


def _drop_usual_account(scan: ScanText, hits: dict[str, list[Hit]]) -> None:
    _drop_hits(hits, _CHANGE_CATEGORIES, lambda h: bool(_USUAL_AFTER.match(scan.norm, h.end)))


def _drop_self_service_change(scan: ScanText, hits: dict[str, list[Hit]]) -> None:
    """A change told as made in the payroll or supplier portal, and then the writer's own announcement of it."""
    made_there = any(_SELF_SERVICE_AFTER.match(scan.norm, h.end) for c in _CHANGE_CATEGORIES for h in hits.get(c, ()))
    if made_there:
        _drop_hits(hits, _CHANGE_CATEGORIES, lambda h: bool(_SELF_SERVICE_AFTER.match(scan.norm, h.end)
                                                             or _OWN_CHANGE_TOLD.match(scan.norm[h.start:h.end])))


def _right_before(pattern: re.Pattern[str], norm: str, start: int, reach: int) -> bool:
    """``pattern`` (anchored with ``$``) ends where the phrase at ``start`` begins, within ``reach`` characters."""
    return bool(pattern.search(norm, max(0, start - reach), start))


def _drop_advice(scan: ScanText, hits: dict[str, list[Hit]], categories: Sequence[str]) -> None:
    """Drop ask phrases written inside a negation or naming the topic of a warning."""
    norm = scan.norm
    _drop_hits(hits, categories, lambda h: bool(
        _NEGATION.search(norm, max(0, h.start - _NEGATION_REACH), h.end + _NEGATION_AFTER)
        or _never_in_sentence(norm, h.start, _NEVER_ASK_REACH)
        or _right_before(_TOPIC_BEFORE, norm, h.start, _TOPIC_REACH)
        or _right_before(_ALTERNATIVE_BEFORE, norm, h.start, _ALTERNATIVE_REACH)))


# Pressure a sender promises never to apply ("nous ne vous demanderons jamais de modifier nos coordonnées dans
# l'urgence", "we will never rush you"): the reassurance of a genuine bank-change letter, not pressure.
_NEVER = re.compile(r"\b(?:jamais|never|sous aucun pretexte|en aucun cas|under no circumstances|niemals|nooit"
                    # "personne à la direction ne vous demandera d'acheter des cartes cadeaux", "no one will ask you"
                    r"|personne (?:[\w'-]+ ){0,5}ne (?:vous |te )?(?:demandera|demande|sollicitera)"
                    r"|(?:no one|nobody|no-one) (?:[\w'-]+ ){0,5}(?:will|would|should) (?:ever )?ask)\b")
_NEVER_REACH = 80
_PRESSURE_CATEGORIES = ("urgency", "deadline")
_SENTENCE_END = re.compile(r"[.!?\n]")


# "la banque ne vous demandera jamais, par e-mail, SMS ou téléphone, de valider une opération, de communiquer vos
# identifiants": the list of what is never asked runs past the negation's usual reach, up to the sentence's end or
# a turn ("…jamais votre mot de passe, mais cliquez ici" still asks).
_NEVER_ASK_REACH = 160
_TURN = re.compile(r"\b(?:mais|cependant|toutefois|neanmoins|but|however|aber|maar)\b")


def _never_in_sentence(norm: str, start: int, reach: int = _NEVER_REACH) -> bool:
    """A "never" in the same sentence before the phrase at ``start``, with no turn between them."""
    before = norm[max(0, start - reach):start]
    ends = [m.end() for m in _NEVER.finditer(before)]
    return bool(ends) and not _SENTENCE_END.search(before, ends[-1]) and not _TURN.search(before, ends[-1])


def _promised_never(norm: str, start: int) -> bool:
    """A "never" in the same sentence, before the pressure phrase (a lure's "we will never ask for your password."
    followed by "act within 24 hours" keeps its pressure)."""
    return _never_in_sentence(norm, start)


# Urgency the writer denies: "aucune urgence pour la paie de septembre", "ce n'est pas urgent", "nothing urgent",
# "no es urgente", "non è urgente", "nicht dringend" (the genuine request's calm, the very opposite of pressure).
_NOT_PRESSING = re.compile(
    r"\b(?:aucune?|pas d'|pas|rien d'|sans|no|not|nothing|non|nessuna|niente di|nada|keine|nicht|sin|geen|niet)"
    r"(?: (?:es|e|est|is|ist|very|tres|trop|so|si|molto|muy|sehr|erg|zo))?\s*$")
_NOT_PRESSING_REACH = 24


def _not_pressing(norm: str, start: int) -> bool:
    return bool(_NOT_PRESSING.search(norm[max(0, start - _NOT_PRESSING_REACH):start]))


# "verify the notary's bank details", "confirm the supplier's account": someone else's details to check, not the
# reader's to hand over
_THIRD_PARTY = re.compile(r"\b(?:the|their|our) [\w-]+'s\b")
# What someone already did, in the French past tense ("Valérie m'a confirmé l'IBAN chiffre par chiffre", "ils nous ont
# transmis leurs coordonnées"): accent folding makes "confirmé" read as "confirme", an ask; the auxiliary right before
# it says it is a report. (A bare "a" is also "à": "je vous invite à confirmer" still asks.)
_DONE_BEFORE = re.compile(
    r"\b(?:(?:m'|l'|t'|nous |vous |lui |leur |il |elle |on |qui )a|ai|avons|avez|ont|avait|avaient|avions|aviez) $")
_DONE_REACH = 12
_READER_DETAILS = ("credentials", "identity_data", "card_data", "mfa_code")


# "If you'd prefer not to receive the newsletter anymore, click the Unsubscribe link below and update your profile":
# the sign-in a newsletter offers to leave it, written just before the ask, is no request for the reader's account.
_UNSUBSCRIBE = re.compile(r"unsubscrib|desinscri|desabonn|abmelden|uitschrijven|opt[- ]out")
_UNSUBSCRIBE_REACH = 120


def _drop_unsubscribe_steps(scan: ScanText, hits: dict[str, list[Hit]]) -> None:
    norm = scan.norm
    _drop_hits(hits, ("credentials",), lambda h: bool(
        _UNSUBSCRIBE.search(norm, max(scan.body_offset, h.start - _UNSUBSCRIBE_REACH), h.end)))


def _drop_third_party(scan: ScanText, hits: dict[str, list[Hit]]) -> None:
    """Details that are someone else's, or a check already done: nothing the reader is asked to hand over. (Not for
    every ask: "je l'ai déposé sur notre espace de partage" is how a file is offered.)"""
    norm = scan.norm
    _drop_hits(hits, _READER_DETAILS, lambda h: bool(_THIRD_PARTY.search(norm, h.start, h.end))
               or _right_before(_DONE_BEFORE, norm, h.start, _DONE_REACH))


# "Pas de bons ni de cartes cadeaux : la fiduciaire nous l'a déconseillé", "no gift cards this year": the cards
# named as what is not wanted
_NO_BEFORE = re.compile(r"\b(?:pas de|pas d'|ni de|ni d'|ni|sans|aucune?|no|without|not any)(?: [\w'-]+)? ?$")
_NO_REACH = 30


# "en cartes physiques, remises en main propre : donc pas de codes par mail", "do not send the codes by email": the
# one thing a gift-card fraud needs, the codes sent back, refused by the writer
_CODES_REFUSED = re.compile(
    r"\b(?:pas de|sans|aucun|jamais de|ne pas (?:envoyer|transmettre|communiquer)|no|without|never|"
    r"(?:do not|don't|never) (?:send|share|email|forward)) (?:les |des |the |any )?codes? (?:par|by|via|over) "
    r"(?:mail|e-mail|email|courriel|sms|message|photo|text)")


def _drop_refused_terms(scan: ScanText, hits: dict[str, list[Hit]]) -> None:
    _drop_hits(hits, ("giftcard_term",), lambda h: _right_before(_NO_BEFORE, scan.norm, h.start, _NO_REACH))
    if _CODES_REFUSED.search(scan.norm, scan.body_offset):
        hits.pop("giftcard_action", None)


# "je viens d'effectuer le virement de notre don annuel": a payment made, reported, not one asked for
_JUST_DONE = re.compile(r"\b(?:viens|vient|venons|venez|viennent) (?:de |d')$")
_JUST_REACH = 16


def _drop_payments_made(scan: ScanText, hits: dict[str, list[Hit]]) -> None:
    _drop_hits(hits, ("payment",), lambda h: _right_before(_JUST_DONE, scan.norm, h.start, _JUST_REACH))


def _drop_promised_never(scan: ScanText, hits: dict[str, list[Hit]]) -> None:
    _drop_hits(hits, _PRESSURE_CATEGORIES, lambda h: _promised_never(scan.norm, h.start))
    _drop_hits(hits, ("urgency",), lambda h: _not_pressing(scan.norm, h.start))


def _blank_quotes(scan: ScanText) -> ScanText:
    for m in reversed(list(_QUOTED_SPEECH.finditer(scan.original, scan.body_offset))):
        scan = blank_range(scan, m.start(), m.end())
    return scan


def read_message(message: Message, data: IntentData, ask_categories: Sequence[str]) -> Reading:
    return read_text(message.subject, message.body_text, data, ask_categories)


def read_text(subject: str, body: str, data: IntentData, ask_categories: Sequence[str]) -> Reading:
    """A subject and body read as the sender's words (the message itself, or the text of a document)."""
    scan = build_scan_text(subject, body)
    hits = data.lexicon.find(scan.norm)
    # A message that warns about a lure quotes it: the lure's words are reported speech, not requests
    # to the reader. Forwarded or quoted lures are left out; what remains is flagged as a warning.
    # A forwarder's doubt written above the forwarded message ("is this legit? I didn't click"), or in the body of a
    # "Fwd:" whose forwarded message is attached, is a warning too; elsewhere the same words are a lure's own talk
    # ("it seems odd, I know, but…").
    doubt = [h for h in hits.pop("doubt", []) if 0 <= h.start < scan.forward_start
             or (scan.forward_start < 0 and scan.forward_subject and h.start >= scan.body_offset)]
    if doubt:
        hits.setdefault("warning", []).extend(doubt)
    warning = bool(hits.get("warning"))
    if warning:
        if scan.forward_start >= 0 and any(h.start < scan.forward_start for h in hits["warning"]):
            end = len(scan.norm.rstrip())
            if end > scan.forward_start:
                scan = blank_range(scan, scan.forward_start, end)
        scan = _blank_quotes(scan)
        hits = data.lexicon.find(scan.norm)
        hits.pop("doubt", None)
        hits.setdefault("warning", [])
    _drop_advice(scan, hits, ask_categories)
    _drop_third_party(scan, hits)
    _drop_unsubscribe_steps(scan, hits)
    _drop_refused_terms(scan, hits)
    _drop_payments_made(scan, hits)
    _drop_usual_account(scan, hits)
    _drop_self_service_change(scan, hits)
    _drop_promised_never(scan, hits)
    lang, _, _ = detect_language(scan.norm, data.stopwords["fr"], data.stopwords["en"], data.other_stopwords)
    return Reading(scan, hits, lang, warning, reported=bool(doubt))
