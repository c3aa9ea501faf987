"""Conditions in Common Expression Language (CEL), compiled once, evaluated over the facts document.

CEL is a small, safe, non-Turing-complete language (no loops but bounded macros, no side effects,
no I/O): a rule file can be read from anyone without giving them code execution. The binding is
``common-expression-language`` (Rust ``cel`` crate): compiled programs run in microseconds.

Two things keep the whole pack cheap per message (see ``bench/rules.py``):

* The facts are converted to CEL values **once per message**, and only the top-level facts the
  loaded rules actually read (``ExpressionEngine.roots``).
* ``fact.matches("regex")`` calls on a plain fact path (``text``, ``subject``, ``from.name`` …) are
  taken out of the conditions at compile time: all such patterns over the same fact form one RE2 set,
  matched in a single pass per message, and each condition reads its answer as ``_rx(i)``. The CEL
  library would otherwise recompile the regex on every call. RE2 is the regex syntax CEL specifies,
  and runs in linear time whatever the pattern. A set runs only when a condition reaches one of its
  patterns (``_rx(i)`` is answered lazily, once per message). A ``matches`` on a comprehension
  variable (``u.url``) is left to CEL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cel
import re2

from rempart.rules.tokens import MACROS, LexError, Token, bound_names, fact_paths, string_value, tokenize

# The documented top-level facts (docs/facts.md); a test keeps this equal to what build_facts returns.
FACT_NAMES = frozenset({
    "facts_version", "subject", "from", "sender", "reply_to", "return_path", "to", "cc", "message_id",
    "in_reply_to", "headers", "body", "auth", "received", "urls", "attachments", "findings",
    "finding_evidence", "org", "model_score", "text", "thread", "list_id",
})
# Functions the Rust CEL library provides natively (macros such as exists/has are not functions).
NATIVE_FUNCTIONS = frozenset({
    "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double", "string", "bytes",
    "bool", "timestamp", "duration", "type", "dyn", "max", "min",
    "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours",
    "getMinutes", "getSeconds", "getMilliseconds",
})
_REGEX_VAR = "_rx"
_SET_SIZE = 8


class ConditionError(ValueError):
    """A condition that cannot be compiled; ``offset`` is where in the condition, when known."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _re2_options() -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 64 << 20
    return options


def check_regex(pattern: str) -> str | None:
    """Why RE2 refuses ``pattern``, or None when it compiles."""
    try:
        re2.compile(pattern, _re2_options())
    except re2.error as err:
        detail = err.args[0] if err.args else err
        return detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    return None


def _cel_error_offset(message: str, source: str) -> int | None:
    """CEL syntax errors say ``<input>:LINE:COL``; turn that into an offset in ``source``."""
    marker = "<input>:"
    at = message.find(marker)
    if at < 0:
        return None
    try:
        line_s, col_s = message[at + len(marker):].split(":", 2)[:2]
        line, col = int(line_s), int(col_s.split()[0])
    except (ValueError, IndexError):
        return None
    lines = source.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + max(col - 1, 0)


def _first_line(message: str) -> str:
    """The useful sentence of a CEL error (``Syntax error: mismatched input …``), without the echo."""
    for line in message.split("\n"):
        at = line.find("Syntax error:")
        if at >= 0:
            return "syntax error in condition: " + line[at + len("Syntax error:"):].strip()
    return message.split("\n", 1)[0]


@dataclass(frozen=True, slots=True)
class Compiled:
    source: str  # as the rule author wrote it
    rewritten: str  # what CEL runs (regex calls replaced by _rx(i))
    program: Any  # cel.Program
    roots: frozenset[str]  # top-level facts the condition reads
    functions: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Hoisted:
    start: int  # span in the source
    end: int
    path: tuple[str, ...]
    pattern: str


def _hoistable(tokens: list[Token]) -> list[_Hoisted]:
    bound = bound_names(tokens)
    found: list[_Hoisted] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        after_dot = i > 0 and tokens[i - 1].text == "."
        if t.kind != "ident" or t.text not in FACT_NAMES or t.text in bound or after_dot:
            i += 1
            continue
        path = [t.text]
        j = i + 1
        ok = True
        while j < len(tokens):
            if tokens[j].text == "." and j + 1 < len(tokens) and tokens[j + 1].kind == "ident":
                if tokens[j + 1].text == "matches":
                    break
                path.append(tokens[j + 1].text)
                j += 2
            elif tokens[j].text == "[" and j + 2 < len(tokens) and tokens[j + 1].kind == "string" \
                    and tokens[j + 2].text == "]":
                key = string_value(tokens[j + 1])
                if key is None:
                    ok = False
                    break
                path.append(key)
                j += 3
            else:
                ok = False
                break
        if ok and j + 4 < len(tokens) and tokens[j + 1].text == "matches" and tokens[j + 2].text == "(" \
                and tokens[j + 3].kind == "string" and tokens[j + 4].text == ")":
            pattern = string_value(tokens[j + 3])
            if pattern is not None:
                found.append(_Hoisted(t.start, tokens[j + 4].end, tuple(path), pattern))
                i = j + 5
                continue
        i += 1
    return found


def _closing(tokens: list[Token], open_index: int) -> int:
    depth = 0
    for j in range(open_index, len(tokens)):
        if tokens[j].kind == "op" and tokens[j].text in "([{":
            depth += 1
        elif tokens[j].kind == "op" and tokens[j].text in ")]}":
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def key_usage(tokens: list[Token]) -> dict[str, set[str] | None]:
    """Which keys of each top-level fact a condition reads: ``{"urls": {"host", "origin"}, "auth": None}``.

    ``None`` means the whole value (a bare use, an index, a method call, a chained macro): the
    projection in ``ExpressionEngine.context`` then keeps it as is. Anything this reader is unsure
    about counts as a whole use, so projecting never changes a result, it only converts less.
    """
    usage: dict[str, set[str] | None] = {}
    aliases: dict[str, str] = {}
    declarations: set[int] = set()  # where an alias is declared (the ``u`` of ``urls.exists(u, …)``)
    bound = bound_names(tokens)

    def whole(root: str) -> None:
        usage[root] = None

    def key(root: str, name: str) -> None:
        keys = usage.setdefault(root, set())
        if keys is not None:
            keys.add(name)

    for i, t in enumerate(tokens):
        if t.kind != "ident" or (i > 0 and tokens[i - 1].text == ".") or i in declarations:
            continue
        root = aliases.get(t.text) or (t.text if t.text in FACT_NAMES and t.text not in bound else "")
        if not root:
            continue
        nxt = tokens[i + 1: i + 4]
        if len(nxt) >= 2 and nxt[0].text == "." and nxt[1].kind == "ident":
            is_call = len(nxt) >= 3 and nxt[2].text == "("
            if not is_call:
                key(root, nxt[1].text)
                continue
            if t.text == root and nxt[1].text in MACROS and i + 4 < len(tokens) and tokens[i + 4].kind == "ident":
                end = _closing(tokens, i + 3)
                if end + 1 < len(tokens) and tokens[end + 1].text in (".", "["):
                    whole(root)  # the macro's result is used further: keep everything
                else:
                    aliases[tokens[i + 4].text] = root
                    declarations.add(i + 4)
                    usage.setdefault(root, set())
                continue
        whole(root)
    return usage


def _project(value: Any, keys: set[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: value[k] for k in keys if k in value}
    if isinstance(value, list):
        return [_project(v, keys) if isinstance(v, Mapping) else v for v in value]
    return value


def _resolve(facts: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = facts
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


class ExpressionEngine:
    """Compiles conditions sharing one regex table; builds one evaluation context per message."""

    def __init__(self) -> None:
        self._patterns: list[tuple[tuple[str, ...], str]] = []
        self._index: dict[tuple[tuple[str, ...], str], int] = {}
        self._sets: list[tuple[tuple[str, ...], Any, list[int]]] | None = None
        self.roots: set[str] = set()
        self.usage: dict[str, set[str] | None] = {}  # keys of each root that some condition reads

    def compile(self, source: str) -> Compiled:
        if not source.strip():
            raise ConditionError("the condition is empty", 0)
        try:
            tokens = tokenize(source)
        except LexError as err:
            raise ConditionError("unexpected character in condition", err.offset) from None
        rewritten_parts: list[str] = []
        last = 0
        for h in _hoistable(tokens):
            problem = check_regex(h.pattern)
            if problem is not None:
                raise ConditionError(f"invalid regular expression: {problem}", h.start)
            key = (h.path, h.pattern)
            if key not in self._index:
                self._index[key] = len(self._patterns)
                self._patterns.append(key)
                self._sets = None
            rewritten_parts.append(source[last: h.start])
            rewritten_parts.append(f"{_REGEX_VAR}({self._index[key]})")
            last = h.end
        rewritten_parts.append(source[last:])
        rewritten = "".join(rewritten_parts)
        try:
            program = cel.compile(rewritten)
        except (ValueError, RuntimeError) as err:
            message = str(err)
            raise ConditionError(_first_line(message), _cel_error_offset(message, source)) from None
        variables = set(program.variables())
        roots = frozenset(v for v in variables if v in FACT_NAMES and v not in bound_names(tokens))
        self.roots |= roots
        for root, keys in key_usage(tokenize(rewritten)).items():
            known = self.usage.get(root, set())
            self.usage[root] = None if keys is None or known is None else known | keys
        return Compiled(source, rewritten, program, roots, frozenset(program.functions()))

    def _compiled_sets(self) -> list[tuple[tuple[str, ...], Any, list[int]]]:
        if self._sets is None:
            by_path: dict[tuple[str, ...], list[int]] = {}
            for i, (path, _) in enumerate(self._patterns):
                by_path.setdefault(path, []).append(i)
            sets = []
            for path, indices in by_path.items():
                # Small sets keep RE2's DFA from thrashing its state cache on varied text: measured
                # 3x faster than one set of 70 patterns (bench/rules.py). Bounded repetitions last.
                # In compile order: a rule's patterns sit in the same set, so a condition that needs
                # them usually runs one set, and sets no reached condition needs never run (lazy).
                for start in range(0, len(indices), _SET_SIZE):
                    chunk = indices[start: start + _SET_SIZE]
                    regex_set = re2.Set.SearchSet(_re2_options())
                    for i in chunk:
                        regex_set.Add(self._patterns[i][1])
                    regex_set.Compile()
                    sets.append((path, regex_set, chunk))
            self._sets = sets
        return self._sets

    def regex_results(self, facts: Mapping[str, Any]) -> list[bool]:
        results = [False] * len(self._patterns)
        for path, regex_set, indices in self._compiled_sets():
            value = _resolve(facts, path)
            if isinstance(value, str) and value:
                for local in regex_set.Match(value) or ():
                    results[indices[local]] = True
        return results

    def lazy_regex(self, facts: Mapping[str, Any]) -> Callable[[int], bool]:
        """``_rx(i)`` for one message: runs pattern i's set on first use, then answers from memory.

        CEL evaluates ``&&`` and ``||`` left to right and stops early, so a set is only ever run for
        a message when some condition gets as far as one of its patterns."""
        sets = self._compiled_sets()
        where = {i: n for n, (_, _, chunk) in enumerate(sets) for i in chunk}
        known: dict[int, bool] = {}

        def answer(i: int) -> bool:
            if i not in known:
                path, regex_set, chunk = sets[where[i]]
                value = _resolve(facts, path)
                found = set(regex_set.Match(value) or ()) if isinstance(value, str) and value else set()
                known.update((index, n in found) for n, index in enumerate(chunk))
            return known[i]

        return answer

    def context(self, facts: Mapping[str, Any], roots: Iterable[str] | None = None) -> Any:
        """One CEL context for one message: the facts the rules read, converted once, plus ``_rx``."""
        wanted = self.roots if roots is None else roots
        variables: dict[str, Any] = {}
        for name in wanted:
            if name in facts:
                keys = self.usage.get(name) if roots is None else None
                variables[name] = facts[name] if keys is None else _project(facts[name], keys)
        functions = {_REGEX_VAR: self.lazy_regex(facts)}
        try:
            return cel.Context(variables=variables, functions=functions)
        except (TypeError, ValueError):  # a value CEL cannot take (odd evidence type): JSON-clean it
            return cel.Context(variables=json.loads(json.dumps(variables, default=str)), functions=functions)


def evaluate(compiled: Compiled, context: Any) -> tuple[bool, str | None]:
    """(matched, error): a condition matches only when it evaluates to ``true``."""
    try:
        value = compiled.program.execute(context)
    except Exception as err:  # CEL raises RuntimeError/TypeError/KeyError… on a missing field or bad type
        return False, f"{type(err).__name__}: {str(err)[:200]}"
    if not isinstance(value, bool):
        return False, f"the condition returned {type(value).__name__}, not a boolean"
    return value, None


def unknown_functions(compiled: Compiled) -> Sequence[str]:
    return sorted(f for f in compiled.functions
                  if not f.startswith(("_", "@", "!")) and f not in NATIVE_FUNCTIONS)


def referenced_paths(source: str) -> list[str]:
    try:
        return fact_paths(tokenize(source), FACT_NAMES)
    except LexError:
        return []
