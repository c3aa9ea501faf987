"""Configuration: the organisation profile and the engine's settings, from ``rempart.toml``.

Every section is strict: an unknown key or a wrong type fails at start with one sentence naming
the key (``ConfigError``). Defaults are embedded, so Rempart runs with no file at all.
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from rempart.data import load_data_list
from rempart.errors import ConfigError

CONFIG_ENV = "REMPART_CONFIG"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _lower_all(values: list[str]) -> list[str]:
    return [v.strip().lower().rstrip(".") for v in values]


def _valid_ibans(values: list[str]) -> list[str]:
    """An account on file is compared with every IBAN a message gives: a mistyped one would make the vendor's real
    account look foreign, so it is refused at start."""
    for value in values:
        try:
            IBAN(value)
        except SchwiftyException:
            raise ValueError(f"'{value}' is not a valid IBAN (country, length or check digits); write only the "
                             "account as printed on the RIB, e.g. 'FR76 3000 6000 0112 3456 7890 189'") from None
    return values


class Person(_Strict):
    name: str
    email: str = ""
    title: str = ""
    department: str = ""
    aliases: list[str] = Field(default_factory=list)  # other names the person signs with
    # Addresses outside the organisation the person really writes from: a volunteer board chair's own mailbox.
    personal_addresses: list[str] = Field(default_factory=list)
    ibans: list[str] = Field(default_factory=list)  # salary account(s) on file

    _ibans = field_validator("ibans")(classmethod(lambda cls, v: _valid_ibans(v)))

    @field_validator("email")
    @classmethod
    def _lower_email(cls, v: str) -> str:
        return v.strip().lower()

    @field_validator("personal_addresses")
    @classmethod
    def _lower_addresses(cls, v: list[str]) -> list[str]:
        for address in v:
            if address.count("@") != 1 or "." not in address.split("@")[1]:
                raise ValueError(f"'{address}' is not an e-mail address; write it as name@domain.example")
        return [a.strip().lower() for a in v]


def _own_domains(values: list[str]) -> list[str]:
    """A vendor's domain stands for the vendor: a free-mail provider's would make every one of its users the
    vendor (trusted, never impersonating it)."""
    domains = _lower_all(values)
    freemail = load_data_list("freemail")
    for domain in domains:
        if domain in freemail:
            raise ValueError(f"'{domain}' is a free-mail provider anyone can use; list the vendor's own addresses "
                             "there under contacts instead")
    return domains


class Vendor(_Strict):
    name: str
    domains: list[str] = Field(default_factory=list)
    ibans: list[str] = Field(default_factory=list)
    contacts: list[str] = Field(default_factory=list)  # known contact addresses

    _norm = field_validator("domains")(classmethod(lambda cls, v: _own_domains(v)))
    _contacts = field_validator("contacts")(classmethod(lambda cls, v: _lower_all(v)))
    _ibans = field_validator("ibans")(classmethod(lambda cls, v: _valid_ibans(v)))


class Brand(_Strict):
    name: str
    domains: list[str] = Field(default_factory=list)

    _norm = field_validator("domains")(classmethod(lambda cls, v: _lower_all(v)))


class OrgProfile(_Strict):
    """The company Rempart protects: impersonation and lookalike checks are relative to it."""

    name: str = ""
    domains: list[str] = Field(default_factory=list)
    vips: list[Person] = Field(default_factory=list)
    employees: list[Person] = Field(default_factory=list)
    vendors: list[Vendor] = Field(default_factory=list)
    brands: list[Brand] = Field(default_factory=list)  # added to the shipped brand list
    # The organisation's own accounts: a supplier's direct-debit invoice or a customer's remittance advice names
    # them, and they are nobody's new account.
    ibans: list[str] = Field(default_factory=list)

    _norm = field_validator("domains")(classmethod(lambda cls, v: _lower_all(v)))
    _ibans = field_validator("ibans")(classmethod(lambda cls, v: _valid_ibans(v)))

    @property
    def people(self) -> list[Person]:
        return [*self.vips, *self.employees]

    def known_free_address(self, address: str) -> bool:
        """A person's own personal address or a vendor's contact on free mail, as the profile lists them (compared as
        mailboxes: Gmail's dots and +tags reach one account)."""
        from rempart.domains import mailbox_key  # config is imported by everything: keep its imports minimal

        key = mailbox_key(address) if address else ""
        return bool(key) and key in self._known_mailboxes

    @cached_property
    def _known_mailboxes(self) -> frozenset[str]:
        """Mailbox keys of the listed personal and vendor addresses, built once (facts and correlate ask per
        message). The profile is frozen, so the set never goes stale."""
        from rempart.domains import mailbox_key

        return frozenset(mailbox_key(a) for a in (
            *(a for p in self.people for a in p.personal_addresses), *(c for v in self.vendors for c in v.contacts)))


class AuthSettings(_Strict):
    # Authentication-Results from any other authserv-id may have been written by the sender: ignored.
    trusted_authserv_ids: list[str] = Field(default_factory=list)
    verify_dkim: bool = False  # own DKIM verification needs a DNS resolver; off by default (no network)

    _norm = field_validator("trusted_authserv_ids")(classmethod(lambda cls, v: _lower_all(v)))


class EngineSettings(_Strict):
    suspicious_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    malicious_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    # `malicious` (quarantine in the gateway) also needs one concrete signal at least this strong on its
    # own — a lookalike domain, an IBAN that is not on file, a macro dropper, a high-severity rule —
    # not only many soft ones or the model; otherwise the verdict stays `suspicious`.
    malicious_evidence_weight: float = Field(default=0.6, ge=0.0, le=1.0)
    # Per-finding-code weight overrides, e.g. {"links.shortener" = 0.1}; 0 silences a finding.
    weights: dict[str, float] = Field(default_factory=dict)
    max_reasons: int = Field(default=8, ge=1, le=100)


class Limits(_Strict):
    """Bounds on everything untrusted input can grow. Exceeding one is a finding, never a crash."""

    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_mime_depth: int = Field(default=20, ge=1)
    max_parts: int = Field(default=500, ge=1)
    max_attachment_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_urls: int = Field(default=1000, ge=1)
    max_text_chars: int = Field(default=1_000_000, ge=1000)  # per body, after decoding
    max_headers: int = Field(default=2000, ge=10)
    max_embedded_depth: int = Field(default=3, ge=0)  # nested message/rfc822


class Lists(_Strict):
    """Organisation additions to the shipped data lists (see rempart/data/*.txt)."""

    shorteners: list[str] = Field(default_factory=list)
    free_hosting: list[str] = Field(default_factory=list)
    freemail: list[str] = Field(default_factory=list)
    suspicious_tlds: list[str] = Field(default_factory=list)

    _norm = field_validator("shorteners", "free_hosting", "freemail", "suspicious_tlds")(
        classmethod(lambda cls, v: _lower_all(v))
    )


class PayloadSettings(_Strict):
    """Attachment analysis (``[payload]``): extra YARA rules and the bounds every parser runs under."""

    yara_dir: str = ""  # extra *.yar files, compiled with the shipped ones at start
    timeout_seconds: float = Field(default=2.0, gt=0.0, le=120.0)  # wall clock for one message's attachments
    memory_mb: int = Field(default=512, ge=64)  # address space the analysis may add
    max_archive_depth: int = Field(default=4, ge=1, le=20)  # archives inside archives
    max_archive_members: int = Field(default=1000, ge=1)  # members read, all archives of one attachment
    max_expanded_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)  # total decompressed per attachment
    max_compression_ratio: float = Field(default=200.0, ge=2.0)  # expanded / compressed, per member


class ServiceSettings(_Strict):
    """The service and its store (``[service]``); see docs/service.md. Paths and the database URL come
    from ``REMPART_DATA_DIR`` / ``REMPART_DATABASE_URL``, not from here."""

    retention_days: int = Field(default=90, ge=1)  # raw messages kept this long, then purged (metadata kept)
    max_body_bytes: int = Field(default=26 * 1024 * 1024, ge=1024)  # request body limit (413 above)
    rate_limit_per_minute: int = Field(default=3000, ge=0)  # per token; 0 disables
    rate_limit_burst: int = Field(default=200, ge=1)  # requests a token may send at once
    scan_workers: int = Field(default=0, ge=-1)  # scan processes: 0 = one per core, -1 = in-process thread
    scan_timeout_seconds: float = Field(default=60.0, gt=0.0)  # one scan, then 503
    audit_signing_key: str = ""  # Ed25519 private key (PEM file) signing each audit entry; "" = hash chain only
    token_default_days: int = Field(default=365, ge=0)  # expiry of new API tokens; 0 = never
    campaign_threshold: float = Field(default=0.5, gt=0.0, le=1.0)  # MinHash Jaccard to join a campaign


class RuleList(_Strict):
    """One allow or block list of ``[rules]``: exact addresses, domains (subdomains included), URL hosts
    (subdomains included) and attachment SHA-256 hashes."""

    senders: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    url_hosts: list[str] = Field(default_factory=list)
    sha256: list[str] = Field(default_factory=list)

    _norm = field_validator("senders", "domains", "url_hosts", "sha256")(
        classmethod(lambda cls, v: _lower_all(v))
    )


class RulesSettings(_Strict):
    """Detection-as-code overrides (``[rules]``); see docs/rules.md. An allow entry never trusts a
    message that fails DMARC, and a sender or domain entry needs DMARC to pass for that domain."""

    extra_dirs: list[str] = Field(default_factory=list)  # the organisation's own rule folders, after the pack
    disabled: list[str] = Field(default_factory=list)  # rule ids that are not evaluated
    allow: RuleList = Field(default_factory=RuleList)
    block: RuleList = Field(default_factory=RuleList)


class ModelSettings(_Strict):
    """The learned model (``[model]``); see rempart/model/artifact/MODEL_CARD.md. ``path`` = "" loads the
    shipped artifact; ``weight`` scales its probability in the noisy-OR fusion (0 = reported, not counted)."""

    enabled: bool = True
    path: str = ""  # a custom artifact (.skops) trained with `rempart train`
    # 0.4, chosen on the grouped-by-source cross-validation (MODEL_CARD.md): on sources the model never
    # saw, fused AUC 0.934 and 4.1 % of legitimate mail flagged at 0.4, against 0.923 and 8.4 % at 0.6.
    # At 0.4 the model cannot flag a message on its own: it adds to concrete reasons.
    weight: float = Field(default=0.4, ge=0.0, le=1.0)


class SubjectTag(_Strict):
    en: str = ""
    fr: str = ""


class SimulationSettings(_Strict):
    """Phishing-simulation senders (``[gateway.simulation]``): never quarantined; reported → congratulated."""

    dkim_domains: list[str] = Field(default_factory=list)  # a passing, trusted DKIM signature of these
    ip_ranges: list[str] = Field(default_factory=list)  # CIDRs of the sending servers
    headers: dict[str, str] = Field(default_factory=dict)  # header name → required value ("" = any)

    _norm = field_validator("dkim_domains")(classmethod(lambda cls, v: _lower_all(v)))


class ImapSettings(_Strict):
    """The report mailbox (``[gateway.imap]``), always over TLS; the password comes from a file or env."""

    host: str = "127.0.0.1"
    port: int = Field(default=993, ge=1, le=65535)
    username: str = ""
    password_file: str = ""
    password_env: str = "REMPART_IMAP_PASSWORD"
    tls_ca_file: str = ""  # CA bundle for a private certificate; "" = the system's
    mailbox: str = "INBOX"
    processed_folder: str = "Processed"
    unreadable_folder: str = "Unreadable"
    poll_seconds: float = Field(default=10.0, gt=0.0)
    reporter_domains: list[str] = Field(default_factory=list)  # who may report; [] = [org] domains, or anyone

    _norm = field_validator("reporter_domains")(classmethod(lambda cls, v: _lower_all(v)))


class FeedbackSettings(_Strict):
    """Feedback emails to reporters (``[gateway.feedback]``), sent through an SMTP relay on loopback."""

    enabled: bool = True
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    from_address: str = ""  # e.g. securite@example.fr; "" = the IMAP username
    language: str = Field(default="", pattern="^(|en|fr)$")  # "" = the top-level language
    max_signs: int = Field(default=3, ge=0, le=10)


class GatewaySettings(_Strict):
    """The mail gateway (``[gateway]``): SMTP content filter and report loop; see docs/gateway.md."""

    listen: str = "127.0.0.1:10025"
    next_hop: str = "127.0.0.1:10026"
    spool_dir: str = ""  # "" = <data dir>/gateway/spool
    on_error: str = Field(default="fail_open", pattern="^(fail_open|fail_closed)$")
    scan_timeout_seconds: float = Field(default=20.0, gt=0.0)
    scan_workers: int = Field(default=1, ge=1, le=64)
    quarantine: bool = True  # hold `malicious` in the store; False = deliver it, tagged
    tag_subject: bool = True
    subject_tags: dict[str, SubjectTag] = Field(default_factory=lambda: {
        "suspicious": SubjectTag(en="[SUSPICIOUS]", fr="[SUSPECT]"),
        "malicious": SubjectTag(en="[MALICIOUS]", fr="[MALVEILLANT]"),
    })
    language: str = Field(default="", pattern="^(|en|fr)$")  # of the subject tag; "" = top-level language
    max_message_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    delivery_connections: int = Field(default=4, ge=1, le=64)
    retry_initial_seconds: float = Field(default=1.0, gt=0.0)
    retry_max_seconds: float = Field(default=300.0, gt=0.0)
    dedup_window_hours: int = Field(default=144, ge=1)  # ≥ Postfix's maximal_queue_lifetime (5 days)
    release_poll_seconds: float = Field(default=5.0, gt=0.0)
    trusted_received_hops: int = Field(default=1, ge=0, le=10)  # top Received headers our own MTAs wrote
    simulation: SimulationSettings = Field(default_factory=SimulationSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)


class Config(_Strict):
    org: OrgProfile = Field(default_factory=OrgProfile)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    limits: Limits = Field(default_factory=Limits)
    lists: Lists = Field(default_factory=Lists)
    payload: PayloadSettings = Field(default_factory=PayloadSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    rules: RulesSettings = Field(default_factory=RulesSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    language: str = Field(default="en", pattern="^(en|fr)$")
    source_path: str = ""  # where it was loaded from (informational)


def _one_sentence(err: ValidationError, where: str) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        return f"{where}: unknown key '{key}'; remove it or check its spelling against the documented settings."
    if kind == "missing":
        return f"{where}: required key '{key}' is missing; add it."
    return f"{where}: key '{key}' is invalid ({first['msg']}); fix its value."


def config_from_mapping(data: dict[str, Any], where: str = "configuration") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_one_sentence(err, where)) from None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the config from ``path``, else ``$REMPART_CONFIG``, else the embedded defaults."""
    chosen = path if path is not None else os.environ.get(CONFIG_ENV) or None
    if chosen is None:
        return Config()
    p = Path(chosen)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Config file {p} does not exist; create it or point --config/{CONFIG_ENV} at it.") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"Config file {p} is not valid TOML ({err}); fix the syntax.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"Config file {p} cannot be read ({err}); check its permissions and encoding.") from None
    data["source_path"] = str(p)
    return config_from_mapping(data, where=str(p))
