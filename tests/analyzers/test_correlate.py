"""Correlation findings, on real parsed messages with a fictional organisation's profile."""

from email.message import EmailMessage

from rempart.analyzers import correlate
from rempart.analyzers.registry import ANALYZERS
from rempart.config import config_from_mapping
from rempart.engine import Engine
from rempart.findings import Finding
from tests.analyzers.payload import samples

CONFIG = config_from_mapping({
    "org": {
        "name": "Exemple Industrie", "domains": ["exemple-industrie.fr"],
        "vips": [{"name": "Camille Roux", "email": "camille.roux@exemple-industrie.fr", "title": "DG"}],
        "vendors": [{"name": "Logistique Marchand", "domains": ["logistique-marchand.fr"],
                     "ibans": ["FR7630006000011234567890189"]}],
    },
    "auth": {"trusted_authserv_ids": ["mx.exemple-industrie.fr"]},
})


def _message(sender: str, subject: str, body: str, auth: str = "", reply_to: str = "") -> EmailMessage:
    """A message to Nicolas Blanc with a plain-text body; callers add parts before serialising."""
    msg = EmailMessage()
    if auth:
        msg["Authentication-Results"] = f"mx.exemple-industrie.fr; {auth}"
    msg["From"] = sender
    msg["To"] = "Nicolas Blanc <nicolas.blanc@exemple-industrie.fr>"
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def _mail(sender: str, subject: str, body: str, auth: str = "", reply_to: str = "") -> bytes:
    return _message(sender, subject, body, auth, reply_to).as_bytes()


def _with_html(sender: str, subject: str, text: str, html: str) -> bytes:
    msg = _message(sender, subject, text)
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def _findings(raw: bytes) -> dict[str, Finding]:
    return {f.code: f for f in Engine(CONFIG).scan(raw).findings}


def _codes(raw: bytes) -> set[str]:
    return set(_findings(raw))


CEO_BODY = ("Nicolas, je suis en réunion et ne peux pas téléphoner. Merci d'effectuer aujourd'hui un virement "
            "de 38 000 € pour l'acompte du rachat, c'est strictement confidentiel. Je t'envoie le RIB.")


def test_executive_name_from_free_mail_asking_for_money() -> None:
    codes = _codes(_mail("Camille Roux <camille.roux.dg@gmail.com>", "Urgent", CEO_BODY,
                         "spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; dmarc=pass"))
    assert "correlate.inner_impersonation_money" in codes
    assert "correlate.free_mail_money_request" in codes


def test_the_same_request_from_the_real_executive_is_not_correlated() -> None:
    codes = _codes(_mail("Camille Roux <camille.roux@exemple-industrie.fr>", "Urgent", CEO_BODY,
                         "spf=pass smtp.mailfrom=exemple-industrie.fr; dkim=pass header.d=exemple-industrie.fr; "
                         "dmarc=pass header.from=exemple-industrie.fr"))
    assert not any(c.startswith("correlate.") for c in codes)


def test_sign_in_request_with_a_link_to_someone_elses_site() -> None:
    body = ("Your mailbox password expires today. Sign in to keep your account: "
            "https://portal.mailbox-renewal.example/sign-in")
    codes = _codes(_mail("IT Service Desk <helpdesk@service-notices.example>", "Password expiry", body))
    assert "correlate.sign_in_link_elsewhere" in codes or "correlate.credential_lure_link" in codes


def test_sign_in_notice_linking_to_the_senders_own_site_is_not_correlated() -> None:
    body = "Your password was changed. If this was not you, sign in at https://account.example-saas.com/security"
    codes = _codes(_mail("Example SaaS <no-reply@example-saas.com>", "Password changed", body))
    assert "correlate.sign_in_link_elsewhere" not in codes


def test_families_name_only_codes_that_exist() -> None:
    import importlib

    known: set[str] = set()
    for _, analyze in ANALYZERS:
        known |= set(getattr(importlib.import_module(analyze.__module__), "CODES", ()))
    for family, codes in correlate._families().items():
        assert codes <= known, f"{family}: unknown {sorted(codes - known)}"


def test_prize_lure_behind_a_from_line_no_mail_program_writes() -> None:
    raw = ("From: \"Equipe Primes\", <promo@primes-envoi.example>\r\nTo: nicolas.blanc@exemple-industrie.fr\r\n"
           "Subject: Vous avez gagné !\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Félicitations ! Vous avez été sélectionné pour recevoir un iPhone 15 gratuit. "
           "Réclamez votre cadeau ici : https://cadeau-gagnant.example/reclamer\r\n").encode()
    codes = _codes(raw)
    assert "sender.malformed_from" in codes
    assert "correlate.scam_with_impersonation" in codes


def _with_pdf(url: str) -> bytes:
    msg = _message("Service Transferts <transferts@fournisseur-paiement.example>", "Votre document",
                   "Voir la pièce jointe.")
    msg.add_attachment(samples.pdf_with_link(url), maintype="application", subtype="pdf", filename="document.pdf")
    return msg.as_bytes()


def test_document_carrying_a_shortened_link() -> None:
    found = _findings(_with_pdf("https://bit.ly/3xYzAbC"))
    risky = found["correlate.attachment_risky_link"]
    assert risky.evidence["link"] == "links.shortener" and risky.evidence["attachment"] == "document.pdf"


def test_document_linking_to_an_ordinary_site_is_not_correlated() -> None:
    assert "correlate.attachment_risky_link" not in _codes(_with_pdf("https://www.fournisseur-paiement.example/"))


def test_sign_in_mention_in_a_digest_of_many_links_is_weak() -> None:
    ask = ("Sign in to verify your account today: https://portal.account-check.example/verify\n"
           "Your account will be suspended if you do not confirm your password.")
    digest = "\n".join(f"Story {i}: https://news.digest-tech.example/2025/story-{i}" for i in range(25))
    lure = _findings(_mail("Notices <n@notices.example>", "Account", ask))
    many = _findings(_mail("Notices <n@notices.example>", "Account", ask + "\n\n" + digest))
    assert lure["correlate.sign_in_link_elsewhere"].weight == correlate.WEIGHTS["sign_in_link_elsewhere"]
    assert many["correlate.sign_in_link_elsewhere"].weight < lure["correlate.sign_in_link_elsewhere"].weight


def test_suspicious_link_back_to_the_senders_own_domain_is_not_a_credential_lure() -> None:
    def body(host: str) -> str:
        return ("Your account password reminder: sign in to verify your account. Options page: "
                f"https://{host}/options/nicolas.blanc%40exemple-industrie.fr")
    own = _codes(_mail("Lists <lists-owner@lists.liste-pro.example>", "Reminder", body("lists.liste-pro.example")))
    away = _codes(_mail("Lists <lists-owner@lists.liste-pro.example>", "Reminder", body("options.other-site.example")))
    assert "links.recipient_in_url" in own and "correlate.credential_lure_link" not in own
    assert "correlate.credential_lure_link" in away


def _html_mail(links_html: str) -> bytes:
    return _with_html("Offres <offres@promo-expediteur.fr>", "Votre offre", "Votre offre vous attend.",
                      f"<html><body><p>Votre offre vous attend.</p>{links_html}</body></html>")


def test_shortened_link_in_a_message_linking_nowhere_the_sender_owns() -> None:
    hidden = _codes(_html_mail('<a href="https://bit.ly/3xYzAbC">Voir mon offre</a>'))
    assert "correlate.shortened_links_elsewhere" in hidden
    own = _codes(_html_mail('<a href="https://bit.ly/3xYzAbC">Voir mon offre</a>'
                            '<a href="https://www.promo-expediteur.fr/offres">Nos offres</a>'))
    assert "correlate.shortened_links_elsewhere" not in own


PAY_NOW = ("Bonjour Nicolas, merci de régler aujourd'hui la facture en attente de 12 400 € avant 16 h, "
           "la banque ferme tôt. Tiens-moi au courant dès que c'est fait.")


def test_money_under_pressure_from_an_unproved_outside_sender() -> None:
    codes = _codes(_mail("Direction financière <finance@groupe-partenaires.example>", "Règlement urgent", PAY_NOW))
    assert "correlate.pressured_request_unverified" in codes


def test_money_under_pressure_from_an_authenticated_colleague_is_not_correlated() -> None:
    codes = _codes(_mail("Camille Roux <camille.roux@exemple-industrie.fr>", "Règlement urgent", PAY_NOW,
                         "spf=pass smtp.mailfrom=exemple-industrie.fr; dkim=pass header.d=exemple-industrie.fr; "
                         "dmarc=pass header.from=exemple-industrie.fr"))
    assert "intent.payment_with_pressure" in codes
    assert "correlate.pressured_request_unverified" not in codes


def test_money_under_pressure_from_the_executives_listed_personal_address_that_authenticated() -> None:
    listed = config_from_mapping({"org": {**CONFIG.org.model_dump(), "vips": [{
        "name": "Camille Roux", "email": "camille.roux@exemple-industrie.fr",
        "personal_addresses": ["camille.roux.perso@gmail.com"]}]}, "auth": {"trusted_authserv_ids": [
            "mx.exemple-industrie.fr"]}})
    gmail = "spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com"

    def codes(sender: str, auth: str) -> set[str]:
        return {f.code for f in Engine(listed).scan(_mail(sender, "Règlement urgent", PAY_NOW, auth)).findings}

    assert "correlate.pressured_request_unverified" not in codes("Camille Roux <camille.roux.perso@gmail.com>", gmail)
    # a Gmail address the profile does not list, or the listed one where the receiving server saw it fail
    assert "correlate.pressured_request_unverified" in codes("Camille Roux <camille.roux.dg@gmail.com>", gmail)
    assert "correlate.pressured_request_unverified" in codes("Camille Roux <camille.roux.perso@gmail.com>",
                                                              "spf=fail smtp.mailfrom=gmail.com; dkim=none; dmarc=fail")


def test_the_own_domain_without_authentication_is_not_proof() -> None:
    codes = _codes(_mail("Camille Roux <camille.roux@exemple-industrie.fr>", "Règlement urgent", PAY_NOW,
                         "spf=fail smtp.mailfrom=exemple-industrie.fr; dkim=none; dmarc=fail"))
    assert "correlate.pressured_request_unverified" in codes


def test_fraud_opener_with_urgency_from_outside() -> None:
    body = "Hi Nicolas, are you available right now? I need a task done urgently. Reply by email only."
    codes = _codes(_mail("Camille <office.ceo@consult-mail.example>", "Quick task", body))
    assert "correlate.pressured_request_unverified" in codes


def test_a_plain_invoice_reminder_without_pressure_is_not_correlated() -> None:
    body = "Bonjour, vous trouverez ci-joint notre facture n° 2291 du mois de mai. Bonne journée."
    codes = _codes(_mail("Comptabilité <compta@fournisseur-bureau.example>", "Facture mai", body))
    assert "correlate.pressured_request_unverified" not in codes


SIGN_IN = ("Your mailbox will be closed on Friday. Please verify your account now through the secure link below:\n"
           "https://mail-portal-renew.example/verify")


def test_sign_in_link_on_the_senders_own_throwaway_domain() -> None:
    codes = _codes(_mail("Mail Service <support@mail-portal-renew.example>", "Mailbox closure", SIGN_IN))
    assert "correlate.sign_in_link_elsewhere" not in codes  # the link is the sender's own domain
    assert "correlate.sign_in_offered_unverified" in codes


def test_sign_in_request_on_a_mailing_list_is_not_correlated() -> None:
    msg = _message("Mail Service <support@mail-portal-renew.example>", "Mailbox closure", SIGN_IN)
    msg["List-Id"] = "Hosting users <users.lists.mail-portal-renew.example>"
    codes = _codes(msg.as_bytes())
    assert "intent.credentials_request" in codes
    assert "correlate.sign_in_offered_unverified" not in codes


def test_sign_in_request_from_the_authenticated_organisation_is_not_correlated() -> None:
    body = SIGN_IN.replace("https://mail-portal-renew.example/verify", "https://intranet.exemple-industrie.fr/compte")
    codes = _codes(_mail("Service informatique <dsi@exemple-industrie.fr>", "Mailbox", body,
                         "spf=pass smtp.mailfrom=exemple-industrie.fr; dkim=pass header.d=exemple-industrie.fr; "
                         "dmarc=pass header.from=exemple-industrie.fr"))
    assert "intent.credentials_request" in codes
    assert "correlate.sign_in_offered_unverified" not in codes


def test_sign_in_request_without_a_way_to_sign_in_is_not_correlated() -> None:
    body = "Please verify your account on the intranet you usually use before Friday."
    codes = _codes(_mail("IT <it@outside-notices.example>", "Account check", body))
    assert "correlate.sign_in_offered_unverified" not in codes


def test_brand_name_from_an_unrelated_domain_linking_to_free_hosting() -> None:
    findings = _findings(_with_html(
        "DHL Express <notice@garden-supplies-shop.example>", "Your parcel", "Your parcel is waiting.",
        '<p>Your parcel is waiting. <a href="https://colis-suivi-48.pages.dev/options">See the '
        'delivery options</a></p>'))
    assert "correlate.false_sender_unknown_links" in findings
    assert "sender.display_name_impersonation.brand" in findings["correlate.false_sender_unknown_links"].evidence[
        "identity"]


def test_a_weak_reply_to_with_outside_links_is_not_a_false_sender() -> None:
    body = "This week's digest: https://blog.another-site.example/post-12 and https://news.third-site.example/a"
    codes = _codes(_mail("Weekly Digest <digest@newsletter-host.example>", "Digest", body,
                         reply_to="editor@another-site.example"))
    assert "correlate.false_sender_unknown_links" not in codes


def test_a_precedence_bulk_header_does_not_soften_a_sign_in_lure() -> None:
    # Any sender can write Precedence or List-* headers: only the links a message carries make it a digest.
    body = "Your mailbox will be closed today. Please verify your account to keep it: https://mail-check.example/verify"
    msg = _message("IT Helpdesk <helpdesk@service-desk.example>", "Mailbox closure", body)
    msg["Precedence"] = "bulk"
    msg["List-Id"] = "Staff <staff.service-desk.example>"
    found = _findings(msg.as_bytes())
    lure = found["correlate.sign_in_link_elsewhere"]
    assert lure.evidence["bulk"] is False
    assert lure.weight == correlate.WEIGHTS["sign_in_link_elsewhere"]


def test_a_webmail_address_to_write_to_that_is_not_the_senders() -> None:
    body = ("Dear friend, a deposit of 4.5 million dollars left by a late client awaits a beneficiary. "
            "Write to me privately at barrister.k.mensah@gmail.com for the details.")
    found = _findings(_mail("K. Mensah <office@lawchambers-west.example>", "Confidential", body))
    assert found["correlate.webmail_contact_in_text"].evidence["address"] == "barrister.k.mensah@gmail.com"


def test_the_senders_own_webmail_address_in_the_signature_is_not_a_diversion() -> None:
    body = "Bonjour, je vous confirme le rendez-vous de jeudi.\nMarie Dupont - marie.dupont@gmail.com"
    codes = _codes(_mail("Marie Dupont <marie.dupont@gmail.com>", "Rendez-vous", body))
    assert "correlate.webmail_contact_in_text" not in codes


def test_several_webmail_addresses_are_a_list_not_a_diversion() -> None:
    body = ("Readers wrote in this week: ana.r@gmail.com, tom.h@yahoo.com and lise.b@hotmail.com "
            "shared their tips.")
    codes = _codes(_mail("Digest <news@weekly-digest.example>", "Readers' tips", body))
    assert "correlate.webmail_contact_in_text" not in codes


def test_a_lists_own_reply_to_is_not_a_reply_elsewhere() -> None:
    body = "Please verify your account before Friday to keep posting: https://lists.project-users.example/options"
    msg = _message("Alice Martin <alice@university-lab.example>", "Account check", body,
                   reply_to="users@lists.project-users.example")
    assert "correlate.request_reply_elsewhere" in _codes(msg.as_bytes())
    msg["List-Id"] = "Project users <users.lists.project-users.example>"
    assert "correlate.request_reply_elsewhere" not in _codes(msg.as_bytes())


def test_an_invoicing_platform_replying_to_the_customer_it_names_is_not_a_reply_elsewhere() -> None:
    """"Échafaudages Dumas via Pennylane", Reply-To the supplier: how the platform works. The platform's own
    name with answers sent elsewhere, or answers to free mail, still count."""
    body = "Votre facture F-2026-118 est échue. Merci de procéder à son règlement par virement."
    relay = _mail("Échafaudages Dumas via Pennylane <no-reply@pennylane.com>", "Relance", body,
                  reply_to="compta@echafaudages-dumas.fr")
    assert "correlate.request_reply_elsewhere" not in _codes(relay)
    own_name = _mail("Pennylane <no-reply@pennylane.com>", "Relance", body, reply_to="compta@echafaudages-dumas.fr")
    to_webmail = _mail("Échafaudages Dumas via Pennylane <no-reply@pennylane.com>", "Relance", body,
                       reply_to="echafaudages.dumas@gmail.com")
    assert "correlate.request_reply_elsewhere" in _codes(own_name)
    assert "correlate.request_reply_elsewhere" in _codes(to_webmail)


def _parcel_mail(html: str, sender: str = "Service Client <service@boutique-en-ligne.example>") -> bytes:
    return _with_html(sender, "Votre colis", "Votre colis vous attend.", html)


def test_hidden_filler_text_with_a_link_nobody_vouches_for() -> None:
    filler = " ".join(["météo jardin recette vacances"] * 12)
    html = ('<p>Votre colis vous attend. <a href="https://colis-suivi-48.pages.dev/options">Choisir la '
            f'livraison</a></p><div style="display:none">{filler}</div>')
    found = _findings(_parcel_mail(html))
    assert "message.defect.hidden_html_text" in found
    assert "correlate.hidden_text_unknown_links" in found


def test_hidden_preheader_with_links_to_the_senders_own_site_is_not_correlated() -> None:
    html = ('<div style="display:none">Nouveautés de la semaine</div><p>Bonjour, découvrez '
            '<a href="https://www.boutique-en-ligne.example/nouveautes">nos nouveautés</a>.</p>')
    codes = _codes(_parcel_mail(html))
    assert "correlate.hidden_text_unknown_links" not in codes


def test_brand_name_from_an_unrelated_domain_with_one_link_to_an_unknown_site() -> None:
    # One link to the brand's real site keeps scam.unrelated_links quiet; the other goes nowhere anyone vouches for.
    found = _findings(_with_html(
        "Ledger <support@pepksa-mail.example>", "Security notice", "Please read the notice.",
        '<p><a href="https://www.ledger.com/">Ledger</a>: please read '
        '<a href="https://ledger-notice-center.example/read">the notice</a>.</p>'))
    assert "sender.display_name_impersonation.brand" in found
    assert "scam.unrelated_links" not in found
    assert found["correlate.false_sender_unknown_links"].evidence["hosts"] == ["ledger-notice-center.example"]


def test_brand_name_from_the_attackers_own_domain_linking_back_to_it() -> None:
    # The lure's page sits on the sending domain itself: no link leaves the sender's domain, but none is the
    # claimed brand's either.
    found = _findings(_with_html(
        "DHL Express <noreply@parcel-clearance-desk.com>", "Customs duties", "Please settle the duties.",
        '<p>Please review <a href="https://portal.parcel-clearance-desk.com/duties/8812">the duties</a>.</p>'))
    assert found["correlate.false_sender_unknown_links"].evidence["hosts"] == ["portal.parcel-clearance-desk.com"]
    # The same display name with links only to the brand's own site: nothing to correlate.
    codes = _codes(_with_html(
        "DHL Express <noreply@parcel-clearance-desk.com>", "Customs duties", "Please settle the duties.",
        '<p>Please review <a href="https://www.dhl.com/fr-fr/home.html">the duties</a>.</p>'))
    assert "correlate.false_sender_unknown_links" not in codes


def test_brand_name_from_an_unrelated_domain_linking_only_through_a_click_tracker() -> None:
    # An e-mail provider's tracker hides the destination; the claimed brand sends from its own domain.
    found = _findings(_with_html(
        "Ledger <support@pepksa-mail.example>", "Security Breach Disclosure", "Please read the notice.",
        '<p>Please read <a href="https://u7671883.ct.sendgrid.net/ls/click?upn=u001.SSCyc">the notice</a>.</p>'))
    assert found["correlate.false_sender_unknown_links"].evidence["hosts"] == ["u7671883.ct.sendgrid.net"]


def test_a_known_party_relayed_honestly_by_a_platform_is_no_impersonation_with_a_request() -> None:
    """A customer's supplier-portal invitation from Coupa in its name asks for a tax ID: the platform says it
    relays (0.15), so no impersonation-with-request; the same from a free mailbox behind the platform is one."""
    from rempart.config import Limits, config_from_mapping
    from rempart.engine.build import build_engine
    from rempart.message.parse import parse_message

    config = config_from_mapping({"org": {"domains": ["klivio-exemple.fr"], "vendors": [
        {"name": "Nordhafen Logistik GmbH", "domains": ["nordhafen-logistik.de"]}]}})
    engine = build_engine(config)

    def codes(reply_to: str) -> set[str]:
        raw = ("From: Nordhafen Logistik GmbH <do_not_reply@nordhafen-logistik.coupahost.com>\r\n"
               f"Reply-To: {reply_to}\r\nTo: ap@klivio-exemple.fr\r\n"
               "Subject: Invitation to join our supplier portal\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
               "Please register on our supplier portal and provide your company tax ID and bank details.\r\n")
        return {f.code for f in engine.scan_message(parse_message(raw.encode(), Limits())).findings if f.weight > 0}

    assert "correlate.impersonation_with_request" not in codes("katrin.vogel@nordhafen-logistik.de")
    assert "correlate.impersonation_with_request" in codes("nordhafen.logistik.ap@gmail.com")


def test_a_fraud_warning_makes_no_pressured_request() -> None:
    """A public accountant's warning about fake transfer orders quotes "un paiement urgent": reported speech."""
    from rempart.config import Limits, config_from_mapping
    from rempart.engine.build import build_engine
    from rempart.message.parse import parse_message

    raw = ("From: SGC <sgc@tresorerie-exemple.fr>\r\nTo: finances@commune-exemple.fr\r\n"
           "Subject: Vigilance - tentatives de faux ordres de virement\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "Plusieurs collectivités ont été la cible de tentatives d'escroqueries aux faux ordres de virement : "
           "usurpation de l'identité du maire demandant un paiement urgent et confidentiel. Aucune modification de "
           "RIB ne doit être enregistrée sur la seule base d'un courriel.\r\n").encode()
    verdict = build_engine(config_from_mapping({})).scan_message(parse_message(raw, Limits()))
    assert "correlate.pressured_request_unverified" not in {f.code for f in verdict.findings}
