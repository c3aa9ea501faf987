"""Is this message one of the company's own phishing simulations? (``[gateway.simulation]``)

A simulation is recognised by what its sender cannot fake easily, strongest first:

- a **DKIM domain**: a signature of that domain that passed, as written by a *trusted*
  authentication server (``[auth] trusted_authserv_ids``; untrusted Authentication-Results are
  ignored by the auth analyzer, so an attacker cannot claim it);
- a **sending IP range**: the client address Postfix passes with XFORWARD, else the address the
  topmost ``trusted_received_hops`` Received headers (the ones our own MTAs wrote) record;
- a **header** with a secret value (simulation platforms let you set one). A header with an empty
  required value matches on presence alone, which anyone can forge: use it only with a secret.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from rempart.analyzers.base import Envelope
from rempart.config import SimulationSettings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(ranges: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(r.strip(), strict=False) for r in ranges if r.strip())


def _ip_in(ip: str, networks: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(ip.strip().removeprefix("IPv6:").removeprefix("IPV6:"))
    except ValueError:
        return False
    return any(address.version == n.version and address in n for n in networks)


def _dkim_match(domains: Sequence[str], configured: Sequence[str]) -> str:
    for signed in domains:
        d = str(signed).lower().rstrip(".")
        for wanted in configured:
            if d == wanted or d.endswith("." + wanted):
                return wanted
    return ""


def match_simulation(
    settings: SimulationSettings,
    facts: Mapping[str, Any],
    envelope: Envelope | None,
    trusted_hops: int,
) -> str:
    """What identified the message as a simulation (``dkim:…``, ``ip:…``, ``header:…``), or ""."""
    if settings.dkim_domains:
        found = _dkim_match(facts.get("auth", {}).get("dkim_domains", []) or [], settings.dkim_domains)
        if found:
            return f"dkim:{found}"
    if settings.ip_ranges:
        networks = _networks(tuple(settings.ip_ranges))
        candidates = [envelope.client_ip] if envelope and envelope.client_ip else []
        candidates += [str(hop.get("from_ip", "")) for hop in list(facts.get("received", []))[:trusted_hops]]
        for ip in candidates:
            if ip and _ip_in(ip, networks):
                return f"ip:{ip}"
    if settings.headers:
        present: Mapping[str, list[str]] = facts.get("headers", {})
        for name, wanted in settings.headers.items():
            values = [str(v).strip() for v in present.get(name.lower(), [])]
            if values and (not wanted or wanted.strip() in values):
                return f"header:{name}"
    return ""


def check_settings(settings: SimulationSettings) -> None:
    """Fail at start on an unparseable IP range (ValueError names it)."""
    for r in settings.ip_ranges:
        try:
            ipaddress.ip_network(r.strip(), strict=False)
        except ValueError:
            raise ValueError(f"[gateway.simulation] ip_ranges: '{r}' is not an IP range (CIDR).") from None
