"""Why a rule matched a message or not: each ``&&`` / ``||`` / ``!`` part of its condition with its
value, and the facts that part reads, with their values in this message."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cel

from rempart.rules.expression import FACT_NAMES
from rempart.rules.tokens import MACROS, LexError, Token, string_value, tokenize

_MAX_VALUE_CHARS = 160


@dataclass(slots=True)
class Part:
    source: str
    op: str  # "and" | "or" | "not" | "leaf"
    value: bool | None = None  # None: the part raised an error
    error: str | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)  # (path, value shown)
    children: list[Part] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "op": self.op, "value": self.value, "error": self.error,
                "facts": [{"path": p, "value": v} for p, v in self.facts],
                "children": [c.to_dict() for c in self.children]}


def _split_top(tokens: list[Token], op: str) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        if t.text in "([{" and t.kind == "op":
            depth += 1
        elif t.text in ")]}" and t.kind == "op":
            depth -= 1
        if depth == 0 and t.text == op:
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def _wrapped(tokens: list[Token]) -> bool:
    """True when the whole token list is one parenthesised group."""
    if len(tokens) < 2 or tokens[0].text != "(" or tokens[-1].text != ")":
        return False
    depth = 0
    for i, t in enumerate(tokens):
        depth += t.text == "(" and t.kind == "op"
        depth -= t.text == ")" and t.kind == "op"
        if depth == 0 and i < len(tokens) - 1:
            return False
    return True


def _tree(source: str, tokens: list[Token]) -> Part:
    while _wrapped(tokens):
        tokens = tokens[1:-1]
    text = source[tokens[0].start: tokens[-1].end] if tokens else ""
    for op, name in (("||", "or"), ("&&", "and")):
        pieces = _split_top(tokens, op)
        if len(pieces) > 1 and all(pieces):
            return Part(text, name, children=[_tree(source, p) for p in pieces])
    if len(tokens) > 1 and tokens[0].text == "!" and _wrapped(tokens[1:]):
        return Part(text, "not", children=[_tree(source, tokens[1:])])
    return Part(text, "leaf")


def _paths(tokens: list[Token]) -> list[str]:
    """Fact paths a part reads; ``u.host`` inside ``urls.exists(u, …)`` is shown as ``urls[].host``."""
    aliases: dict[str, str] = {}
    paths: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        after_dot = i > 0 and tokens[i - 1].text == "."
        if t.kind == "ident" and not after_dot and (t.text in FACT_NAMES or t.text in aliases):
            path = aliases.get(t.text, t.text)
            j = i + 1
            while j + 1 < len(tokens):
                nxt, name = tokens[j], tokens[j + 1]
                if nxt.text == "." and name.kind == "ident":
                    if j + 2 < len(tokens) and tokens[j + 2].text == "(":
                        if name.text in MACROS and j + 3 < len(tokens) and tokens[j + 3].kind == "ident":
                            aliases[tokens[j + 3].text] = path + "[]"
                        break
                    path += "." + name.text
                    j += 2
                elif nxt.text == "[" and name.kind == "string" and tokens[j + 2: j + 3] \
                        and tokens[j + 2].text == "]":
                    path += f"[{json.dumps(string_value(name))}]"
                    j += 3
                else:
                    break
            if path not in paths and not path.endswith("[]"):
                paths.append(path)
            i = j
            continue
        i += 1
    return paths


def _lookup(facts: Mapping[str, Any], path: str) -> Any:
    value: Any = facts
    key = ""
    steps: list[str] = []
    i = 0
    while i < len(path):  # split on '.', '[..]' and '[]'
        c = path[i]
        if c == ".":
            steps.append(key)
            key = ""
        elif c == "[":
            end = path.index("]", i)
            steps.append(key)
            key = ""
            inner = path[i + 1: end]
            steps.append("[]" if not inner else json.loads(inner))
            i = end
        else:
            key += c
        i += 1
    steps.append(key)
    for step in (s for s in steps if s != ""):
        if step == "[]":
            if not isinstance(value, list):
                return None
            value = [v for v in value]
            continue
        if isinstance(value, list):
            value = [v.get(step) for v in value if isinstance(v, Mapping)]
        elif isinstance(value, Mapping):
            value = value.get(step)
        else:
            return None
    return value


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _evaluate(part: Part, facts: Mapping[str, Any], context: Any) -> None:
    try:
        value = cel.compile(part.source).execute(context)
        part.value = value if isinstance(value, bool) else None
        if not isinstance(value, bool):
            part.error = f"returns {type(value).__name__}, not a boolean"
    except Exception as err:  # the explanation shows the error instead of failing
        part.error = f"{type(err).__name__}: {str(err)[:160]}"
    try:
        part.facts = [(p, _show(_lookup(facts, p))) for p in _paths(tokenize(part.source))]
    except (LexError, ValueError):
        part.facts = []
    for child in part.children:
        _evaluate(child, facts, context)


def explain_condition(condition: str, facts: Mapping[str, Any]) -> Part:
    tokens = tokenize(condition)
    root = _tree(condition, tokens)
    context = cel.Context(variables=json.loads(json.dumps(
        {k: v for k, v in facts.items() if k in FACT_NAMES}, default=str)))
    _evaluate(root, facts, context)
    return root


def render(part: Part, indent: int = 0) -> list[str]:
    """Plain-text tree: ✓ true, ✗ false, ! error; each part with the facts it reads."""
    mark = "!" if part.error else ("✓" if part.value else "✗")
    label = {"and": "ALL of", "or": "ANY of", "not": "NOT"}.get(part.op)
    pad = "  " * indent
    lines = [f"{pad}{mark} {label}" if label else f"{pad}{mark} {' '.join(part.source.split())}"]
    if part.error:
        lines.append(f"{pad}    error: {part.error}")
    if part.op == "leaf":
        lines.extend(f"{pad}    {p} = {v}" for p, v in part.facts)
    for child in part.children:
        lines.extend(render(child, indent + 1))
    return lines
