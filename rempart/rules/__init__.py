"""Detection as code: rules in YAML with Common Expression Language conditions over the facts.

A rule file holds one rule (``id``, ``name``, ``description`` in English and French, ``severity``,
``tags`` with MITRE ATT&CK ids, ``references``, ``condition``, ``tests``); the shipped pack lives in
``rempart/rules/pack/<category>/<rule-id>.yaml`` with its test messages under
``pack/tests/<rule-id>/{match,nomatch}/``. See docs/rules.md and docs/facts.md.

Modules: ``model`` (Rule, Severity), ``loader`` (files → rules, errors collected with locations),
``expression`` (CEL compile/evaluate), ``ruleset`` (what the engine calls), ``overrides`` (allow and
block lists), ``validators`` (lint), ``testing`` (rule tests), ``explain``, ``errors``.
"""

from rempart.rules.errors import RuleError, RuleLoadError, SourceLocation
from rempart.rules.loader import LoadResult, load_rules, shipped_pack_dir
from rempart.rules.model import SEVERITY_WEIGHTS, Rule, RuleTests, Severity
from rempart.rules.ruleset import CompiledRule, RuleSet

__all__ = [
    "SEVERITY_WEIGHTS",
    "CompiledRule",
    "LoadResult",
    "Rule",
    "RuleError",
    "RuleLoadError",
    "RuleSet",
    "RuleTests",
    "Severity",
    "SourceLocation",
    "load_rules",
    "shipped_pack_dir",
]
