"""The DNS interface: an in-memory zone, the dkimpy adapter, and installing a resolver per engine."""

from __future__ import annotations

from rempart.analyzers.base import Resources
from rempart.config import Config
from rempart.dns import (
    Resolver,
    SystemResolver,
    ZoneResolver,
    dkim_dnsfunc,
    install_resolver,
    installed_resolver,
)


def test_zone_resolver_normalises_names_and_values() -> None:
    zone = ZoneResolver({"S1._DomainKey.Example.FR.": "v=DKIM1; p=abc", "multi.example.fr": [b"one", "two"]})
    assert zone.txt("s1._domainkey.example.fr") == [b"v=DKIM1; p=abc"]
    assert zone.txt("multi.example.fr.") == [b"one", b"two"]
    assert zone.txt("missing.example.fr") == []


def test_dkim_adapter_returns_first_record_or_none() -> None:
    lookup = dkim_dnsfunc(ZoneResolver({"s._domainkey.example.fr": ["first", "second"]}))
    assert lookup(b"s._domainkey.example.fr.", timeout=5) == b"first"
    assert lookup("nothing.example.fr") is None


def test_no_resolver_unless_installed() -> None:
    resources = Resources(Config())
    assert installed_resolver(resources) is None
    zone: Resolver = ZoneResolver({})
    install_resolver(resources, zone)
    assert installed_resolver(resources) is zone
    install_resolver(resources, None)
    assert installed_resolver(resources) is None
    assert installed_resolver(Resources(Config())) is None  # per engine, never global


def test_system_resolver_is_a_resolver_and_builds_offline() -> None:
    resolver: Resolver = SystemResolver(timeout=0.5)  # constructing it sends nothing
    assert callable(resolver.txt)
