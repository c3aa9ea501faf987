"""Links: where each link really goes, and what about it a careful reader would distrust.

Looks at every URL the parser found (``Message.urls``) and at forms in the HTML body:
the shown text against the real destination, hosts written as IP addresses or in mixed scripts,
look-alikes of the organisation's, its vendors' and brands' domains, shorteners, free hosting and
tunnels, abused TLDs, ``data:`` and ``javascript:`` links, open redirects, the reader's own address
prefilled in a link, user-info tricks (``https://bank.fr@evil.example``), brand names in front of
someone else's domain, odd ports, plain-http sign-in pages, direct downloads of runnable files, and
credential forms.

Links to the organisation's own domains and to the sender's authenticated domain are not
suspicious by themselves. Link-protection wrappers (Safe Links, URL Defense) are looked through.
Every finding carries ``url`` (exactly ``Url.url``, so the facts attach it to that link) and ``host``.
Work is bounded: at most ``limits.max_urls`` links, host checks cached per engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rempart.analyzers._links import checks, generic_domains
from rempart.analyzers._links.checks import Hit
from rempart.analyzers._links.forms import html_forms
from rempart.analyzers._links.hosts import HostInfo, host_info
from rempart.analyzers._links.recipients import RecipientPattern, find_recipient, recipient_patterns
from rempart.analyzers._links.shared_files import shared_file_password
from rempart.analyzers._links.tables import LinkTables, tables
from rempart.analyzers._links.urlparts import UrlParts, display_host, split_url, unwrap
from rempart.analyzers.base import Context, claimed_domain, relayed_sender_domain
from rempart.analyzers.lookalike import brand_of
from rempart.analyzers.name_domain import sender_name_plus_lure
from rempart.domains import icann_registered_domain, same_name
from rempart.findings import Finding
from rempart.message.model import Message, Url, UrlOrigin

NAME = "links"
CODES = frozenset({
    "links.shown_brand_mismatch",
    "links.shown_url_mismatch",
    "links.userinfo_in_url",
    "links.ip_host",
    "links.idn_host",
    "links.mixed_script_host",
    "links.lookalike_domain",
    "links.shortener",
    "links.free_hosting",
    "links.suspicious_tld",
    "links.generic_lure_domain",
    "links.brand_in_subdomain",
    "links.deep_subdomain",
    "links.nonstandard_port",
    "links.http_login",
    "links.risky_download",
    "links.open_redirect",
    "links.oauth_consent",
    "links.recipient_in_url",
    "links.data_uri",
    "links.javascript_href",
    "links.credential_form",
    "links.shared_file_password",
    "links.sender_name_lure_domain",
    "links.onenote_notebook",
})

MAX_FINDINGS_PER_CODE = 20
MAX_URL_CHARS = 8192  # of one link, parsed (longer tails carry nothing a check needs)
CREDENTIAL_FORM_PASSWORD = 0.6
CREDENTIAL_FORM_PASSWORD_EXTERNAL = 0.7
CREDENTIAL_FORM_SENSITIVE = 0.45  # card, bank, one-time code fields posted to another site
# A shortener, free-hosting or IP address written out in full in the text (not hidden behind link text)
# is one the reader can see and judge: mailing lists and bug reports cite them that way, lures hide them
# (dev corpus: all 29 phishing messages with an IP link had it behind link text).
SHOWN_IN_FULL_FACTOR = 0.4
# Mailing-list software puts the subscriber's address in preference links among dozens of others;
# a lure has a handful of links, and the reader's address sits in the one that matters.
BULK_LINKS = 20
# Dev corpus: 11 legitimate newsletters (sponsor links through their own tracker) and no phishing message
# have every shown-address mismatch on a link to the From domain itself.
SHOWN_MISMATCH_SENDER_SITE = 0.1
# A link to the sender's name plus lure words on another domain ("hartmannlevy-docs.fr" in mail from
# hartmann-levy-avocats.fr): as strong as a look-alike of a known party's domain, with no profile needed.
SENDER_NAME_LURE_DOMAIN = 0.6
# A search or subscription box posting elsewhere is not reported: older newsletters often had one.
_WEB_SCHEMES = frozenset({"http", "https", "ftp", ""})
_SKIPPED_ORIGINS = frozenset({UrlOrigin.HEADER, UrlOrigin.LINK_TEXT})
_HOST_HITS_LIMIT = 50_000  # hosts whose host-only hits are kept (as ``host_info`` keeps their facts)
# idn/mixed-script, lookalike or brand label in a subdomain, shortener, suspicious TLD, generic lure domain
_HostHits = tuple[Hit | None, Hit | None, Hit | None, Hit | None, Hit | None]


class _Findings:
    """One finding per (code, url), the strongest; at most ``MAX_FINDINGS_PER_CODE`` per code."""

    def __init__(self) -> None:
        self._best: dict[tuple[str, str], Finding] = {}
        self._per_code: dict[str, int] = {}

    def add(self, hit: Hit | None, evidence: dict[str, Any]) -> None:
        if hit is None or hit.weight <= 0:
            return
        key = (hit.code, str(evidence.get("url", "")))
        current = self._best.get(key)
        if current is None:
            if self._per_code.get(hit.code, 0) >= MAX_FINDINGS_PER_CODE:
                return
            self._per_code[hit.code] = self._per_code.get(hit.code, 0) + 1
        elif current.weight >= hit.weight:
            return
        self._best[key] = Finding(hit.code, hit.weight, {**evidence, **hit.evidence})

    def findings(self) -> list[Finding]:
        return list(self._best.values())


def _aligned_sender_domain(message: Message, context: Context) -> str:
    """The From domain when trusted authentication vouches for it (DMARC pass, or a passing DKIM
    signature of that domain), read from the auth analyzer's ``auth.results``; "" otherwise."""
    sender = message.from_address
    if sender is None or not sender.domain:
        return ""
    domain = icann_registered_domain(sender.domain)
    for f in context.findings:
        if f.code != "auth.results":
            continue
        e = f.evidence
        if not (e.get("trusted") or e.get("dkim_verified")):
            return ""
        dmarc_domain = str(e.get("dmarc_domain") or sender.domain)
        if e.get("trusted") and e.get("dmarc") == "pass" and icann_registered_domain(dmarc_domain) == domain:
            return domain
        dkim_domains = e.get("dkim_domains") or []
        if isinstance(dkim_domains, (list, tuple)) and any(
            icann_registered_domain(str(d)) == domain for d in dkim_domains
        ):
            return domain
    return ""


def _recipients(message: Message, context: Context) -> list[RecipientPattern]:
    addresses = [a.address for a in (*message.to, *message.cc)]
    if context.envelope is not None:
        addresses.extend(context.envelope.rcpt_to)
    return recipient_patterns(addresses, context.resources.cached("links:recipient_patterns", dict))


class _Scan:
    def __init__(self, message: Message, context: Context) -> None:
        self.t: LinkTables = tables(context.resources)
        self.resources = context.resources
        self.sender = _aligned_sender_domain(message, context)
        self.trusted = self.t.org_domains | ({self.sender} if self.sender else set())
        # the authenticated sender's brand, whose other domains are its own too (wetransfer.com sends we.tl links); not
        # for a free-mail sender: a Gmail user's link to Google's hosting is that user's, not Google's
        freemail = context.resources.data_list("freemail")
        owner = brand_of(self.sender, context.resources) if self.sender and self.sender not in freemail else None
        self.sender_brand = owner.name if owner is not None else ""
        self.inside = context.has("sender.internal_route")
        # Whom the sender says it is: the From domain, or the address a list or masking relay shows
        # in the display name (a newsletter reaching the reader through such a relay).
        from_domain = claimed_domain(message)
        self.claimed = {d for d in (from_domain, relayed_sender_domain(context.findings)) if d}
        # whose name a link's domain may be built on (sender_name_lure); nobody's for a free-mail sender
        self.sender_name = "" if from_domain in context.resources.data_list("freemail") else from_domain
        self._message, self._context = message, context
        self._recipients: list[RecipientPattern] | None = None  # built on first use
        self.out = _Findings()
        self.seen_urls: set[str] = set()
        web = {u.url for u in message.urls if u.origin in (UrlOrigin.HREF, UrlOrigin.TEXT)}
        self.bulk = len(web) >= BULK_LINKS
        self.behind_text = {u.url for u in message.urls if u.origin in (UrlOrigin.HREF, UrlOrigin.FORM_ACTION)}
        self._host_hits: dict[str, _HostHits] = context.resources.cached("links:host_hits", dict)

    def info(self, host: str) -> HostInfo:
        return host_info(host, self.t, self.resources)

    def is_trusted(self, info: HostInfo) -> bool:
        # The authenticated sender's own name under another suffix (mail from kovalis.fr, the app at kovalis.app).
        if info.org or info.icann_registered in self.trusted or same_name(info.icann_registered, self.sender):
            return True
        owner = brand_of(info.host, self.resources) if self.sender_brand else None
        return owner is not None and owner.name == self.sender_brand

    def link(self, url: Url) -> None:
        if url.origin in _SKIPPED_ORIGINS:
            return
        base: dict[str, Any] = {"url": url.url, "host": url.host}
        if url.scheme == "data":
            self.out.add(checks.data_uri(url.url, url.origin == UrlOrigin.IMAGE), base)
            return
        if url.scheme == "javascript":
            if url.origin in (UrlOrigin.HREF, UrlOrigin.FORM_ACTION):
                self.out.add(checks.javascript_href(url.url[11:1000]), base)
            return
        if url.origin == UrlOrigin.IMAGE or url.scheme not in _WEB_SCHEMES:
            return
        parts = split_url(url.url[:MAX_URL_CHARS])
        destination = unwrap(parts, self.t.link_wrappers)
        if destination is not None:
            parts = split_url(destination)
            base["destination"] = destination[:500]
        host = display_host(parts.host) if destination is not None or not url.host else url.host
        if not host:
            return
        info = self.info(host)
        base["host"] = host
        trusted = self.is_trusted(info)
        if url.shown_text and url.origin == UrlOrigin.HREF and not trusted:
            hit = checks.shown_text_mismatch(url.shown_text, info, parts, self.t, self.sender, self.resources)
            if hit is not None and hit.code == "links.shown_url_mismatch" \
                    and info.icann_registered in self.claimed:
                # Another site's address shown over a link to the sender's own domain (its click tracker):
                # a newsletter's sponsor links; whoever forged that From gains nothing from the click.
                hit = Hit(hit.code, min(hit.weight, SHOWN_MISMATCH_SENDER_SITE), {**hit.evidence, "sender_site": True})
            self.out.add(hit, base)
        if url.url in self.seen_urls:
            return
        self.seen_urls.add(url.url)
        self.out.add(checks.userinfo_trick(parts), base)
        self.host_checks(info, parts, base, trusted, punycode="xn--" in parts.host,
                         shown=url.origin == UrlOrigin.TEXT and url.url not in self.behind_text)
        if not trusted:
            self.out.add(self.sender_name_lure(info), base)
            self.out.add(checks.deep_subdomain(info), base)
            self.out.add(checks.nonstandard_port(parts), base)
            self.out.add(checks.http_login(parts, self.t), base)
            self.out.add(checks.risky_download(info, parts, self.t), base)
        elif not info.org:
            # A program to run, even from the authenticated sender's own site: attackers authenticate the domains
            # they register ("CERT" alerts whose "detection tool" is an .exe). The organisation's own site may
            # distribute its tools; archives and pages from a trusted site stay ordinary.
            download = checks.risky_download(info, parts, self.t)
            if download is not None and self.t.risky_extensions.get(str(download.evidence["extension"])) == "run":
                self.out.add(download, base)
        if not info.org and not self.inside:
            self.out.add(checks.onenote_notebook(info, parts, self.t.own_tenants), base)
        self.redirects(info, parts, base)
        self.recipient(url, parts, info, trusted, base)

    def sender_name_lure(self, info: HostInfo) -> Hit | None:
        """The link's domain is the sender's own name plus lure words, on a domain that is not the sender's."""
        sender = self.sender_name
        if not sender or not info.icann_registered or info.owner is not None or info.esp_tracking:
            return None
        found = sender_name_plus_lure(sender, info.icann_registered, self.resources.data_list("lookalike_lures"))
        if found is None:
            return None
        return Hit("links.sender_name_lure_domain", SENDER_NAME_LURE_DOMAIN,
                   {"domain": info.icann_registered, "sender_domain": sender, "name": found.name,
                    "added": " ".join(found.added)})

    def host_checks(self, info: HostInfo, parts: UrlParts, base: dict[str, Any], trusted: bool,
                    punycode: bool, shown: bool = False) -> None:
        self.out.add(_shown_in_full(checks.ip_host(info), shown), base)
        if trusted:
            return
        if punycode and not info.non_ascii:
            self.out.add(Hit("links.idn_host", checks.IDN_HOST, {}), base)
        idn, look, short, tld, generic = self.host_hits(info)
        self.out.add(idn, base)
        self.out.add(look, base)
        for hit in (short, checks.free_hosting(info, parts, self.t)):
            self.out.add(_shown_in_full(hit, shown), base)
        self.out.add(tld, base)
        self.out.add(generic, base)

    def host_hits(self, info: HostInfo) -> _HostHits:
        """The checks that read the host alone (its ``HostInfo`` and the engine's tables), kept per
        engine like ``host_info``: a newsletter's links share a few hosts. Hits are never modified."""
        cache = self._host_hits
        found = cache.get(info.host)
        if found is None:
            words = generic_domains.generic_words(info, generic_domains.lure_words(self.resources))
            generic = Hit("links.generic_lure_domain", generic_domains.GENERIC_LURE_DOMAIN,
                          {"domain": info.icann_registered, "words": " ".join(words)}) if words else None
            found = (checks.idn_host(info), checks.lookalike(info) or checks.brand_label_in_subdomain(info, self.t),
                     checks.shortener(info), checks.suspicious_tld(info), generic)
            if len(cache) >= _HOST_HITS_LIMIT:
                cache.clear()
            cache[info.host] = found
        return found

    def redirects(self, info: HostInfo, parts: UrlParts, base: dict[str, Any]) -> None:
        if info.esp_tracking or (self.sender and info.icann_registered == self.sender):
            return  # an ESP's click tracker or the sender's own site redirecting is how they work
        oauth = checks.oauth_request(parts)
        if oauth is not None:
            self.out.add(checks.oauth_consent(oauth, info, self.t, self.resources), base)
        for param, target in checks.redirect_targets(parts, self.t):
            host = display_host(checks.target_host(target))
            if not host:
                continue
            target_info = self.info(host)
            if target_info.registered == info.registered or self.is_trusted(target_info):
                continue
            if oauth is None or param.lower() != "redirect_uri":  # reported as oauth_consent
                evidence = {"parameter": param, "target": target[:300]}
                self.out.add(Hit("links.open_redirect", checks.OPEN_REDIRECT, evidence),
                             {**base, "redirect_host": host})
            target_parts = split_url(target if "//" in target[:10] else "//" + target)
            self.host_checks(target_info, target_parts, {**base, "host": host}, False,
                             punycode="xn--" in target_parts.host)

    def recipient(self, url: Url, parts: UrlParts, info: HostInfo, trusted: bool,
                  base: dict[str, Any]) -> None:
        """The reader's address in the query or fragment (where kits read it) or base64 anywhere;
        written plainly in the path it is weaker: archive links carry addresses in message ids."""
        if self._recipients is None:
            self._recipients = _recipients(self._message, self._context)
        if not self._recipients:
            return
        found = find_recipient(url.url, self._recipients)
        if found is None:
            return
        address, encoding = found
        in_path = encoding != "base64" and find_recipient(parts.query + "#" + parts.fragment,
                                                          self._recipients) is None
        path_query = (parts.path + "?" + parts.query).lower()  # not the host: "remove-alert.example"
        unsubscribe = any(w in path_query for w in self.t.unsubscribe_words)
        # A known party's own site (not one where anyone publishes) is no phishing kit reading the address it was sent.
        owned = info.owner is not None and not info.free_hosting and (
            info.owner.brand is None or not info.owner.brand.user_content
            or info.owner.brand.on_account_host(parts.host))
        ordinary = trusted or owned or bool(info.esp_tracking) or unsubscribe or self.bulk
        if ordinary:
            weight = checks.RECIPIENT_IN_URL_WEAK
        else:
            weight = checks.RECIPIENT_IN_PATH if in_path else checks.RECIPIENT_IN_URL
        self.out.add(Hit("links.recipient_in_url", weight, {"recipient": address, "encoding": encoding}),
                     base)

    def forms(self, message: Message) -> None:
        if not message.html:
            return
        actions = {u.url.strip(): u.url for u in message.urls if u.origin == UrlOrigin.FORM_ACTION}
        for form in html_forms(message.html):
            action = actions.get(form.action, form.action)
            host = display_host(split_url(form.action).host) if form.action else ""
            external = bool(host) and not self.is_trusted(self.info(host))
            sensitive = [n for n in form.input_names if self.t.sensitive_fields.search(n.lower())]
            if form.has_password:
                weight = CREDENTIAL_FORM_PASSWORD_EXTERNAL if external else CREDENTIAL_FORM_PASSWORD
            elif sensitive and (external or not host):
                weight = CREDENTIAL_FORM_SENSITIVE
            else:
                continue
            self.out.add(Hit("links.credential_form", weight,
                             {"password_field": form.has_password, "fields": list(form.input_names)}),
                         {"url": action, "host": host})


def _shown_in_full(hit: Hit | None, shown: bool) -> Hit | None:
    """A numeric, shortened or free-hosted address written out in the text, not hidden behind link
    text: the reader sees what it is (lists cite servers by IP, bug reports paste short links)."""
    if hit is None or not shown:
        return hit
    return Hit(hit.code, hit.weight * SHOWN_IN_FULL_FACTOR, {**hit.evidence, "shown_in_full": True})


def _attachment_urls(context: Context) -> list[Url]:
    """URLs the attachments analyzer found inside files (PDF actions, HTML pages, QR codes, OOXML
    relationships): they are links the reader can follow too, so they get the same checks."""
    found: list[Url] = []
    for f in context.findings:
        if f.code != "attachment.embedded_urls":
            continue
        location = str(f.evidence.get("location", ""))
        for raw in f.evidence.get("urls") or ():
            text = str(raw)[:MAX_URL_CHARS]
            scheme = text.split(":", 1)[0].lower() if ":" in text[:12] else ""
            found.append(Url(text, UrlOrigin.ATTACHMENT, scheme=scheme, location=location))
    return found


def analyze(message: Message, context: Context) -> Iterable[Finding]:
    scan = _Scan(message, context)
    budget = context.config.limits.max_urls
    for url in [*message.urls, *_attachment_urls(context)][:budget]:
        scan.link(url)
    scan.forms(message)
    password = shared_file_password(message, scan.t, budget)
    return [*scan.out.findings(), *([password] if password is not None else [])]

