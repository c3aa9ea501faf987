"""Read rule files: YAML, one rule per file, every problem collected with its file:line:column.

``load_rules(dirs)`` never stops at the first bad file: it returns the rules that loaded and the
list of errors (``LoadResult``); ``LoadResult.raise_on_error()`` turns them into one ``RuleLoadError``.
The YAML is read with the safe loader's composer, so every key and value keeps its position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import yaml

from rempart.rules.errors import RuleError, RuleLoadError, SourceLocation
from rempart.rules.model import Rule, RuleTests, Severity

RULE_SUFFIXES = (".yaml", ".yml")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,79}$")
ATTACK_TAG = re.compile(r"^T\d{4}(?:\.\d{3})?$")
PLAIN_TAG = re.compile(r"^[a-z][a-z0-9_.:/-]{1,40}$")
REQUIRED = ("id", "name", "description", "severity", "tags", "condition", "tests")
OPTIONAL = ("references", "weight", "author")
LANGUAGES = ("en", "fr")


def shipped_pack_dir() -> Path:
    return Path(str(importlib_resources.files("rempart.rules").joinpath("pack")))


@dataclass(slots=True)
class LoadResult:
    rules: list[Rule] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)

    @property
    def fatal(self) -> list[RuleError]:
        return [e for e in self.errors if e.severity == "error"]

    def raise_on_error(self) -> list[Rule]:
        if self.fatal:
            raise RuleLoadError(self.fatal)
        return self.rules


class _File:
    """One YAML file being read: turns node marks into SourceLocations and collects errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = str(path)
        self.lines = text.split("\n")
        self.errors: list[RuleError] = []
        self.rule_id = ""

    def at(self, node: yaml.Node | None) -> SourceLocation:
        if node is None:
            return SourceLocation(self.path, 1, 1)
        return SourceLocation(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, message: str, node: yaml.Node | None, severity: str = "error") -> None:
        self.errors.append(RuleError(message, self.at(node), rule_id=self.rule_id, severity=severity))

    def text_position(self, node: yaml.ScalarNode, offset: int) -> tuple[int, int]:
        """File line and column of character ``offset`` of a scalar's value (approximate for folded text)."""
        mark = node.start_mark
        if node.style in ("|", ">"):
            first = mark.line + 1  # block scalars start on the line after the indicator
            consumed = 0
            for n in range(first, min(node.end_mark.line + 1, len(self.lines))):
                raw = self.lines[n]
                stripped = raw.lstrip(" ")
                indent = len(raw) - len(stripped)
                if consumed + len(stripped) >= offset:
                    return n + 1, indent + (offset - consumed) + 1
                consumed += len(stripped) + 1
            return node.end_mark.line + 1, 1
        quote = 1 if node.style in ("'", '"') else 0
        return mark.line + 1, mark.column + 1 + quote + offset


def _scalar(f: _File, node: yaml.Node, what: str) -> str | None:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        f.error(f"'{what}' must be a text value", node)
        return None
    return str(node.value)


def _string_list(f: _File, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.SequenceNode):
        f.error(f"'{what}' must be a list", node)
        return []
    out: list[tuple[str, yaml.Node]] = []
    for item in node.value:
        value = _scalar(f, item, f"{what} entry")
        if value is not None:
            out.append((value, item))
    return out


def _mapping(f: _File, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        f.error(f"'{what}' must be a mapping of keys to values", node)
        return {}
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        if key in out:
            f.error(f"key '{key}' appears twice", key_node)
        out[key] = (key_node, value_node)
    return out


def _read_rule(f: _File, root: yaml.Node, rule_root: Path) -> Rule | None:
    fields = _mapping(f, root, "rule")
    if not fields:
        return None
    id_node = fields.get("id", (None, None))[1]
    if id_node is not None:
        rule_id = _scalar(f, id_node, "id") or ""
        f.rule_id = rule_id
        if rule_id and not ID_PATTERN.match(rule_id):
            f.error(f"id '{rule_id}' must be 3-80 lower-case letters, digits, '.', '_' or '-'", id_node)
    for key, (key_node, _) in fields.items():
        if key not in REQUIRED and key not in OPTIONAL:
            f.error(f"unknown key '{key}' (allowed: {', '.join(REQUIRED + OPTIONAL)})", key_node)
    for key in REQUIRED:
        if key not in fields:
            f.error(f"required key '{key}' is missing", root)
    before = len(f.errors)
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = _scalar(f, fields["name"][1], "name")
    if "description" in fields:
        desc = _mapping(f, fields["description"][1], "description")
        texts: dict[str, str] = {}
        for lang in LANGUAGES:
            if lang not in desc:
                f.error(f"description needs an '{lang}' text", fields["description"][1])
            else:
                texts[lang] = " ".join((_scalar(f, desc[lang][1], f"description.{lang}") or "").split())
        for lang, (key_node, _) in desc.items():
            if lang not in LANGUAGES:
                f.error(f"description language '{lang}' is not one of {', '.join(LANGUAGES)}", key_node)
        values["description"] = texts
    if "severity" in fields:
        node = fields["severity"][1]
        raw = _scalar(f, node, "severity") or ""
        try:
            values["severity"] = Severity(raw)
        except ValueError:
            f.error(f"severity '{raw}' must be one of {', '.join(s.value for s in Severity)}", node)
    if "tags" in fields:
        tags = _string_list(f, fields["tags"][1], "tags")
        for tag, node in tags:
            if not (ATTACK_TAG.match(tag) or PLAIN_TAG.match(tag)):
                f.error(f"tag '{tag}' is neither a MITRE ATT&CK id (T1566.002) nor a lower-case label", node)
        if not any(ATTACK_TAG.match(t) for t, _ in tags):
            f.error("tags need at least one MITRE ATT&CK technique id (e.g. T1566.002)", fields["tags"][1])
        values["tags"] = tuple(t for t, _ in tags)
    if "references" in fields:
        values["references"] = tuple(r for r, _ in _string_list(f, fields["references"][1], "references"))
    if "author" in fields:
        values["author"] = _scalar(f, fields["author"][1], "author") or ""
    if "weight" in fields:
        node = fields["weight"][1]
        try:
            weight = float(_scalar(f, node, "weight") or "x")
            if not -1.0 <= weight <= 1.0:
                raise ValueError
            values["weight"] = weight
        except ValueError:
            f.error("weight must be a number between -1 and 1 (negative: a trust rule)", node)
    if "condition" in fields:
        node = fields["condition"][1]
        values["condition"] = _scalar(f, node, "condition") or ""
        values["condition_line"], values["condition_column"] = (
            f.text_position(node, 0) if isinstance(node, yaml.ScalarNode) else (node.start_mark.line + 1, 1))
    if "tests" in fields:
        values["tests"] = _read_tests(f, fields["tests"][1])
    if len(f.errors) > before or any(k not in fields for k in REQUIRED) or not f.rule_id:
        return None
    return Rule(id=f.rule_id, path=f.path, root=str(rule_root), **values)


def _read_tests(f: _File, node: yaml.Node) -> RuleTests:
    tests = _mapping(f, node, "tests")
    for key, (key_node, _) in tests.items():
        if key not in ("match", "nomatch"):
            f.error(f"tests has 'match' and 'nomatch' lists, not '{key}'", key_node)
    lists = {k: [v for v, _ in _string_list(f, tests[k][1], f"tests.{k}")] if k in tests else []
             for k in ("match", "nomatch")}
    match, nomatch = lists["match"], lists["nomatch"]
    if not match:
        f.error("tests.match must list at least one message the rule must match", node)
    if not nomatch:
        f.error("tests.nomatch must list at least one message the rule must not match", node)
    return RuleTests(tuple(match), tuple(nomatch))


def condition_node(path: Path) -> tuple[_File, yaml.ScalarNode] | None:
    """The condition's node in a rule file (for locating errors found after loading)."""
    text = path.read_text(encoding="utf-8")
    f = _File(path, text)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if getattr(key_node, "value", None) == "condition" and isinstance(value_node, yaml.ScalarNode):
                return f, value_node
    return None


def load_rule_text(text: str, path: str, root: str) -> tuple[Rule | None, list[RuleError]]:
    """One rule from its YAML text; ``path`` only names it in errors."""
    f = _File(Path(path), text)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        loc = SourceLocation(path, mark.line + 1, mark.column + 1) if mark else SourceLocation(path)
        return None, [RuleError(f"not valid YAML: {err.problem or err}", loc)]
    except yaml.YAMLError as err:
        return None, [RuleError(f"not valid YAML: {err}", SourceLocation(path))]
    if node is None:
        return None, [RuleError("the file is empty", SourceLocation(path, 1, 1))]
    rule = _read_rule(f, node, Path(root))
    return rule, f.errors


def load_rule_file(path: Path, root: Path | None = None) -> tuple[Rule | None, list[RuleError]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, [RuleError(f"cannot be read ({err})", SourceLocation(str(path)))]
    rule, errors = load_rule_text(text, str(path), str(root if root is not None else guess_root(path)))
    if rule is not None and path.stem != rule.id:
        errors.append(RuleError(f"the file should be named after the rule id: {rule.id}{path.suffix}",
                                SourceLocation(str(path), 1, 1), rule_id=rule.id, severity="warning"))
    return rule, errors


def guess_root(path: Path) -> Path:
    """The rule directory a single file belongs to: the nearest parent that has a ``tests`` folder."""
    for parent in path.resolve().parents:
        if (parent / "tests").is_dir():
            return parent
    return path.parent


def rule_files(directory: Path) -> list[Path]:
    """Rule files under ``directory``, sorted; the ``tests`` folder and hidden names are skipped."""
    out = []
    for p in sorted(directory.rglob("*")):
        rel = p.relative_to(directory).parts
        if p.suffix in RULE_SUFFIXES and p.is_file() and rel[0] != "tests" and not any(
                part.startswith(".") for part in rel):
            out.append(p)
    return out


def load_rules(sources: Iterable[Path | str]) -> LoadResult:
    """Rules from directories (recursively) and single files, in order; duplicate ids are errors."""
    result = LoadResult()
    seen: dict[str, str] = {}
    for source in sources:
        src = Path(source)
        if src.is_dir():
            pairs = [(p, src) for p in rule_files(src)]
        elif src.is_file():
            pairs = [(src, guess_root(src))]
        else:
            result.errors.append(RuleError("no such rule file or directory", SourceLocation(str(src))))
            continue
        for path, root in pairs:
            rule, errors = load_rule_file(path, root)
            result.errors.extend(errors)
            if rule is None:
                continue
            if rule.id in seen:
                result.errors.append(RuleError(f"rule id '{rule.id}' is already used by {seen[rule.id]}",
                                               SourceLocation(str(path), 1, 1), rule_id=rule.id))
                continue
            seen[rule.id] = str(path)
            result.rules.append(rule)
    return result


def pack_sources(extra_dirs: Sequence[str] = ()) -> list[Path]:
    return [shipped_pack_dir(), *(Path(d) for d in extra_dirs)]
