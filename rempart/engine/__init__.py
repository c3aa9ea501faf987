"""Wires message, analyzers, rules and model into a verdict."""

from rempart.engine.engine import Engine
from rempart.engine.verdict import Level, Reason, RuleHit, Verdict

__all__ = ["Engine", "Level", "Reason", "RuleHit", "Verdict"]
