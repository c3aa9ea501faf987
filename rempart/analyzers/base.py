"""What an analyzer is and what it may read.

An analyzer is a module exposing ``NAME: str``, ``CODES: frozenset[str]`` (every finding code it can
emit, each with an English and French entry in the catalogue) and
``analyze(message, context) -> Iterable[Finding]``. It is pure: it reads the message and
``context`` only, never the network, the disk or a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from rempart.config import Config
from rempart.data import load_data_list
from rempart.domains import icann_registered_domain
from rempart.findings import Finding
from rempart.message.model import Message

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Envelope:
    """SMTP envelope, when the caller knows it (gateway); None when scanning files."""

    mail_from: str = ""
    rcpt_to: tuple[str, ...] = ()
    client_ip: str = ""
    helo: str = ""


def claimed_domain(message: Message) -> str:
    """The registered domain of the From address (what the sender claims to be; "" when there is none)."""
    sender = message.from_address
    return icann_registered_domain(sender.domain) if sender is not None and sender.domain else ""


def relayed_sender_domain(findings: Iterable[Finding]) -> str:
    """The registered domain of the address a list or masking relay shows in the display name
    ("news@site.example via Relay" <x@relay.example>): who the message really comes from, per the
    sender analyzer's ``sender.display_name_address_mismatch`` finding ("" when there is none)."""
    for f in findings:
        if f.code == "sender.display_name_address_mismatch" and f.evidence.get("relay"):
            shown = str(f.evidence.get("shown_address", ""))
            return icann_registered_domain(shown.rpartition("@")[2]) if "@" in shown else ""
    return ""


class Resources:
    """Everything loaded once per engine from config and shipped data; shared read-only by analyzers.

    ``cached(key, factory)`` lets an analyzer build a derived structure (e.g. skeletons of the org's
    domains) on first use and reuse it for every message.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._cache: dict[str, Any] = {}

    def data_list(self, name: str) -> frozenset[str]:
        """Shipped list ``name`` plus the organisation's additions from ``[lists]`` when it has any."""

        def build() -> frozenset[str]:
            extra = getattr(self.config.lists, name, [])
            return load_data_list(name) | frozenset(extra)

        return self.cached(f"list:{name}", build)

    def derive(self, config: Config, shared: frozenset[str]) -> Resources:
        """Resources for ``config`` that reuse this one's structures named in ``shared`` (and every shipped
        list): what does not depend on the part of the config that changed is not built twice (nor the
        payload sandbox started twice)."""
        derived = Resources(config)
        derived._cache = {k: v for k, v in self._cache.items() if k in shared or k.startswith("list:")}
        return derived

    def cached(self, key: str, factory: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = factory()
        value: T = self._cache[key]
        return value


@dataclass(slots=True)
class Context:
    config: Config
    resources: Resources
    envelope: Envelope | None = None
    # Findings of the analyzers that ran before this one (registry order); read, never modify.
    findings: list[Finding] = field(default_factory=list)

    def has(self, code_prefix: str) -> bool:
        return any(f.code == code_prefix or f.code.startswith(code_prefix + ".") for f in self.findings)


class AnalyzeFn(Protocol):
    def __call__(self, message: Message, context: Context) -> Iterable[Finding]: ...
