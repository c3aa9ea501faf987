"""DNS behind a small interface, so that the engine stays offline unless the user opts in.

Only one lookup is needed today: TXT records (DKIM public keys). The engine uses no resolver by
default; an outer layer that enables ``[auth] verify_dkim`` installs one with ``install_resolver``:

- ``ZoneResolver``: an in-memory zone (a dict), for tests and air-gapped set-ups;
- ``SystemResolver``: dnspython against the system's resolvers, constructed only on request.

Analyzers read the installed resolver with ``installed_resolver(resources)``; they never build one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from rempart.analyzers.base import Resources

_RESOURCE_KEY = "dns:resolver"


class Resolver(Protocol):
    def txt(self, name: str) -> list[bytes]:
        """Every TXT record at ``name``, each as its character-strings joined; [] when none."""
        ...


def _canonical(name: str) -> str:
    return name.strip().lower().rstrip(".")


class ZoneResolver:
    """TXT records from a mapping ``{name: record | [records]}`` (str or bytes); no network."""

    def __init__(self, zone: Mapping[str, str | bytes | Sequence[str | bytes]]) -> None:
        self._zone: dict[str, list[bytes]] = {}
        for name, value in zone.items():
            records = [value] if isinstance(value, (str, bytes)) else list(value)
            self._zone[_canonical(name)] = [r.encode("ascii") if isinstance(r, str) else r for r in records]

    def txt(self, name: str) -> list[bytes]:
        return list(self._zone.get(_canonical(name), []))


class SystemResolver:
    """TXT lookups with dnspython. Constructing it is the user's explicit choice to use the network."""

    def __init__(self, timeout: float = 3.0) -> None:
        import dns.resolver  # imported here: the offline engine never loads it

        self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout

    def txt(self, name: str) -> list[bytes]:
        import dns.exception
        import dns.resolver

        try:
            answer = self._resolver.resolve(_canonical(name), "TXT", raise_on_no_answer=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoNameservers, dns.exception.Timeout):
            return []
        return [b"".join(rdata.strings) for rdata in answer]


class _Slot:
    __slots__ = ("resolver",)

    def __init__(self) -> None:
        self.resolver: Resolver | None = None


def install_resolver(resources: Resources, resolver: Resolver | None) -> None:
    """Make ``resolver`` available to the analyzers of the engine owning ``resources`` (None removes it)."""
    resources.cached(_RESOURCE_KEY, _Slot).resolver = resolver


def installed_resolver(resources: Resources) -> Resolver | None:
    return resources.cached(_RESOURCE_KEY, _Slot).resolver


def dkim_dnsfunc(resolver: Resolver) -> Callable[..., bytes | None]:
    """Adapter to dkimpy's ``dnsfunc(name, timeout=...)``: the first TXT record, or None."""

    def lookup(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        records = resolver.txt(text)
        return records[0] if records else None

    return lookup
