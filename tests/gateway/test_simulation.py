"""Recognising the company's own phishing simulations, and not being fooled into it."""

from __future__ import annotations

import pytest

from rempart.analyzers.base import Envelope
from rempart.config import SimulationSettings
from rempart.gateway.simulation import check_settings, match_simulation

FACTS = {
    "auth": {"dkim_domains": ["mail.sensibilisation-phish.example"]},
    "received": [{"from_ip": "192.0.2.77"}, {"from_ip": "203.0.113.9"}],
    "headers": {"x-campagne": ["exercice-secret"]},
}


def test_each_kind_of_match() -> None:
    assert match_simulation(SimulationSettings(dkim_domains=["sensibilisation-phish.example"]), FACTS, None, 1) == (
        "dkim:sensibilisation-phish.example")
    assert match_simulation(SimulationSettings(ip_ranges=["192.0.2.0/24"]), FACTS, None, 1) == "ip:192.0.2.77"
    assert match_simulation(SimulationSettings(ip_ranges=["10.1.0.0/16"]), FACTS,
                            Envelope(client_ip="10.1.2.3"), 0) == "ip:10.1.2.3"
    assert match_simulation(SimulationSettings(headers={"X-Campagne": "exercice-secret"}), FACTS, None, 1) == (
        "header:X-Campagne")


def test_what_does_not_match() -> None:
    assert match_simulation(SimulationSettings(), FACTS, None, 1) == ""
    assert match_simulation(SimulationSettings(dkim_domains=["phish.example"]), FACTS, None, 1) == ""
    # a forged Received header below our own MTA's is not trusted
    assert match_simulation(SimulationSettings(ip_ranges=["203.0.113.0/24"]), FACTS, None, 1) == ""
    assert match_simulation(SimulationSettings(headers={"X-Campagne": "other"}), FACTS, None, 1) == ""
    assert match_simulation(SimulationSettings(ip_ranges=["2001:db8::/32"]), FACTS, None, 2) == ""


def test_bad_range_fails_at_start() -> None:
    with pytest.raises(ValueError, match="not an IP range"):
        check_settings(SimulationSettings(ip_ranges=["192.0.2.0/33"]))
