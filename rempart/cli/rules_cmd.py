"""``rempart rules list|lint|test|explain``: read, check, test and understand detection rules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rempart.catalogue import Catalogue
from rempart.cli.common import ConfigOpt, check_config, stderr
from rempart.config import Config, load_config
from rempart.engine.build import build_engine
from rempart.engine.engine import Engine
from rempart.errors import InputError
from rempart.message.parse import parse_message
from rempart.rules.explain import explain_condition, render
from rempart.rules.loader import load_rules, pack_sources
from rempart.rules.ruleset import RuleSet
from rempart.rules.testing import known_codes, run_rule_tests
from rempart.rules.validators import lint as lint_rules

app = typer.Typer(help="Detection rules: list, lint, test and explain them.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _config(path: str | None) -> Config:
    return load_config(check_config(path))


def _analyzers_only(config: Config) -> Engine:
    """An engine that computes facts; rules are evaluated by the caller."""
    return build_engine(config, rules=RuleSet([], config.rules))


def _sources(config: Config, paths: list[str] | None) -> list[Path]:
    return [Path(p) for p in paths] if paths else pack_sources(config.rules.extra_dirs)


@app.command("list")
def list_rules(config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """The loaded rules (shipped pack + the config's extra directories): id, name, severity, tags, file."""
    cfg = _config(config)
    loaded = load_rules(pack_sources(cfg.rules.extra_dirs))
    rules = loaded.raise_on_error()
    disabled = set(cfg.rules.disabled)
    if json_out:
        for r in rules:
            sys.stdout.write(json.dumps({
                "id": r.id, "name": r.name, "severity": r.severity.value, "weight": r.effective_weight,
                "tags": list(r.tags), "enabled": r.id not in disabled, "path": r.path,
            }, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"Rempart — {len(rules)} rules", show_lines=False)
    for col in ("id", "name", "severity", "tags", "file"):
        table.add_column(col, overflow="fold")
    for r in rules:
        name = r.name if r.id not in disabled else f"[dim]{r.name} (disabled)[/]"
        table.add_row(r.id, name, r.severity.value, " ".join(r.tags), r.path)
    Console(soft_wrap=True).print(table)


@app.command("lint")
def lint(
    paths: Annotated[list[str] | None, typer.Argument(help="Rule files or folders (default: the pack and "
                                                          "the config's extra directories)")] = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
) -> None:
    """Validate schema, compile every condition and run the checks; report ALL problems with file:line."""
    cfg = _config(config)
    codes = frozenset(known_codes(_analyzers_only(cfg)) | set(Catalogue.load_shipped().entries))
    problems = lint_rules(_sources(cfg, paths), codes)
    for p in problems:
        sys.stdout.write((json.dumps(p.to_dict(), ensure_ascii=False) if json_out else str(p)) + "\n")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    stderr.print(f"{errors} errors, {warnings} warnings")
    raise typer.Exit(1 if errors or (strict and warnings) else 0)


@app.command("test")
def test(
    directory: Annotated[str | None, typer.Argument(help="A rule folder (default: pack + config's)")] = None,
    config: ConfigOpt = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", "-r", help="Only these rule ids.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show passing tests too.")] = False,
) -> None:
    """Run every rule on its match / nomatch messages; fail with the rule id and message on a miss."""
    cfg = _config(config)
    ruleset = RuleSet.load(_sources(cfg, [directory] if directory else None), cfg.rules.model_copy(
        update={"disabled": []}))
    selected = [c for c in ruleset.compiled if not rule or c.rule.id in rule]
    outcomes = []
    for root in sorted({c.rule.root for c in selected}):
        # A rule directory's tests are written for its own profile (tests/rempart.toml) when it has one.
        profile = Path(root) / "tests" / "rempart.toml"
        engine = _analyzers_only(load_config(profile) if profile.is_file() else cfg)
        outcomes.extend(run_rule_tests([c for c in selected if c.rule.root == root], ruleset, engine))
    failed = [o for o in outcomes if not o.ok]
    skipped = [o for o in outcomes if o.skipped]
    out = Console(soft_wrap=True, highlight=False)
    for o in outcomes:
        want = "match" if o.expected else "no match"
        if o.skipped:
            out.print(f"[yellow]SKIP[/] {o.rule_id}: {o.path} ({o.skipped})")
        elif not o.ok:
            got = f"error: {o.error}" if o.error else ("matched" if o.matched else "did not match")
            out.print(f"[red]FAIL[/] {o.rule_id}: expected {want}, {got}: {o.path}")
        elif verbose:
            out.print(f"[green]ok[/]   {o.rule_id}: {want}: {o.path}")
    passed = len(outcomes) - len(failed) - len(skipped)
    out.print(f"{len(selected)} rules, {len(outcomes)} tests: {passed} passed, {len(failed)} failed, "
              f"{len(skipped)} skipped")
    raise typer.Exit(1 if failed or not outcomes else 0)


@app.command("explain")
def explain(
    rule: Annotated[str, typer.Argument(help="Rule id, or a rule file")],
    message: Annotated[str, typer.Argument(help="A message file (.eml)")],
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Why RULE matches MESSAGE or not: each part of the condition, true or false, and the facts it read."""
    cfg = _config(config)
    if Path(rule).is_file():
        rules = load_rules([rule]).raise_on_error()
    else:
        rules = [r for r in load_rules(pack_sources(cfg.rules.extra_dirs)).raise_on_error() if r.id == rule]
    if not rules:
        raise InputError(f"no rule with id '{rule}'; see 'rempart rules list'.")
    target = rules[0]
    try:
        raw = Path(message).read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {message} ({err.strerror or err}).") from None
    engine = _analyzers_only(cfg)
    msg = parse_message(raw, cfg.limits)
    findings, _ = engine.run_analyzers(msg)
    facts = engine.facts_for(msg, findings)
    tree = explain_condition(target.condition, facts)
    if json_out:
        sys.stdout.write(json.dumps({"rule": target.id, "message": message, "matched": tree.value is True,
                                     "parts": tree.to_dict()}, ensure_ascii=False) + "\n")
    else:
        out = Console(soft_wrap=True, highlight=False)
        verdict = "MATCHES" if tree.value is True else "does not match"
        out.print(f"{target.id} {verdict} {message}", markup=False)
        out.print(f"  ({target.path})", markup=False)
        for line in render(tree, 1):
            out.print(line, markup=False)
    raise typer.Exit(0 if tree.value is True else 1)
