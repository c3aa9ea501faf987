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
  and runs in linear time whatever the pattern. ``RuleSet.matching`` runs the sets in Python (measured
  cheaper than running them lazily from CEL's callback), each at most once per message and only while
  some condition reading one of its patterns can still pass its prefilter (``truth``); ``lazy_regex``
  runs a set only when a condition reaches one of its patterns. A ``matches`` on a comprehension
  variable (``u.url``) is left to CEL.
* A **prefilter** (``prefilter``): each condition's cheap necessary checks (a hoisted pattern,
  ``"code" in findings``, ``from.is_org``, ``from.lookalike_of == "org"``, ``urls.exists(…)`` needing a
  non-empty list …) become bit masks; a message's atoms are computed once, and CEL runs only for the
  conditions whose masks pass, over a context holding only the facts those conditions read. Rule
  answers are unchanged: a condition whose necessary check fails is false in CEL too.
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
    "finding_evidence", "org", "model_score", "text", "thread", "list_id", "quoted_warning",
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


# A prefilter check: ("rx", i) is hoisted pattern i; ("finding", code) is ``"code" in findings``;
# ("contains", (fact, literal)) is ``fact.contains("literal")`` on a top-level string fact;
# ("nonempty", fact) is ``fact.exists(x, …)`` (false on an empty list); ("member", (fact, key, literal)) is
# ``fact.exists(x, … && "literal" in x.key && …)`` (some item must hold it); ("bool", (fact, key, wanted)) is
# ``fact.key`` (wanted True) or ``!fact.key`` (wanted False) on a boolean; ("eq", (fact, key, literal)) is
# ``fact.key == "literal"``.
Check = tuple[str, Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    source: str  # as the rule author wrote it
    rewritten: str  # what CEL runs (regex calls replaced by _rx(i))
    program: Any  # cel.Program
    roots: frozenset[str]  # top-level facts the condition reads
    functions: frozenset[str]
    # Cheap checks the whole condition needs (``prefilter``): when one group has no true check, the
    # condition is false whatever the rest says, and CEL is not run.
    required: tuple[tuple[Check, ...], ...] = ()
    # The keys of each top-level fact this condition reads (``key_usage``; None: the whole value).
    usage: tuple[tuple[str, frozenset[str] | None], ...] = ()


@dataclass(frozen=True, slots=True)
class Filter:
    """A condition's prefilter as bit masks (``ExpressionEngine.filter_for``): every bit of ``every``
    must be set, and at least one bit of each of ``groups``."""

    every: int = 0
    groups: tuple[int, ...] = ()

    def passes(self, truth: int) -> bool:
        # most filters have no groups: skip building the all() generator for them
        return truth & self.every == self.every and (not self.groups or all(truth & g for g in self.groups))


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


def _atom(term: list[Token], bound: set[str]) -> Check | None:
    texts = [t.text for t in term]
    if len(term) == 4 and texts[0] == _REGEX_VAR and texts[1] == "(" and term[2].kind == "number" \
            and texts[2].isdigit() and texts[3] == ")":
        return ("rx", int(texts[2]))
    if len(term) == 3 and term[0].kind == "string" and texts[1] == "in" and texts[2] == "findings" \
            and "findings" not in bound:
        code = string_value(term[0])
        return ("finding", code) if code is not None else None
    if len(term) == 6 and term[0].kind == "ident" and texts[0] in FACT_NAMES and texts[0] not in bound \
            and texts[1:4] == [".", "contains", "("] and term[4].kind == "string" and texts[5] == ")":
        literal = string_value(term[4])
        return ("contains", (texts[0], literal)) if literal is not None else None
    if len(term) >= 6 and term[0].kind == "ident" and texts[0] in FACT_NAMES and texts[0] not in bound \
            and texts[1:4] == [".", "exists", "("] and _closing(term, 3) == len(term) - 1:
        member = _member(texts[0], term[4:-1])
        return member or ("nonempty", texts[0])  # ``list.exists(x, …)`` is false on an empty list
    if len(term) == 5 and term[0].kind == "ident" and texts[0] in FACT_NAMES and texts[0] not in bound \
            and texts[1] == "." and term[2].kind == "ident" and texts[3] == "==" and term[4].kind == "string":
        literal = string_value(term[4])
        return ("eq", (texts[0], texts[2], literal)) if literal is not None else None  # ``from.key == "x"``
    negated = texts[:1] == ["!"]
    path = texts[1:] if negated else texts
    if len(path) == 3 and path[0] in FACT_NAMES and path[0] not in bound and path[1] == "." \
            and term[-1].kind == "ident":
        return ("bool", (path[0], path[2], not negated))  # ``from.is_org`` / ``!from.is_org``
    return None


def _member(fact: str, arguments: list[Token]) -> Check | None:
    """``("member", (fact, key, "code"))`` when the predicate of ``fact.exists(x, predicate)`` needs
    ``"code" in x.key`` (one of its top-level ``&&`` terms): no item holding it, no match."""
    if len(arguments) < 3 or arguments[0].kind != "ident" or arguments[1].text != ",":
        return None
    variable = arguments[0].text
    for term in _split(arguments[2:], "&&") or ():
        texts = [t.text for t in term]
        if len(term) == 5 and term[0].kind == "string" and texts[1] == "in" and texts[2] == variable \
                and texts[3] == "." and term[4].kind == "ident":
            literal = string_value(term[0])
            if literal is not None:
                return ("member", (fact, texts[4], literal))
    return None


def _split(tokens: list[Token], operator: str) -> list[list[Token]] | None:
    """``tokens`` split at top-level ``operator``; None when another top-level operator of lower or
    equal precedence (``||``, ``? :``) makes that split meaningless."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.kind == "op" and t.text != operator and t.text in ("||", "?", ":"):
            return None
        if depth == 0 and t.kind == "op" and t.text == operator:
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def _necessary(tokens: list[Token], bound: set[str]) -> tuple[Check, ...] | None:
    """Checks of which at least one holds whenever ``tokens`` is true, or None when none is known.

    An atom is its own check; ``(x)`` is ``x``; for ``a || b`` each side must give checks (their union);
    for ``a && b`` the checks of one of its terms will do (the fewest)."""
    atom = _atom(tokens, bound)
    if atom is not None:
        return (atom,)
    if len(tokens) >= 3 and tokens[0].text == "(" and _closing(tokens, 0) == len(tokens) - 1:
        return _necessary(tokens[1:-1], bound)
    pieces = _split(tokens, "||")
    if pieces is None:
        return None
    if len(pieces) > 1:
        found = [_necessary(piece, bound) for piece in pieces]
        if not all(found):
            return None
        return tuple(dict.fromkeys(check for group in found if group for check in group))
    terms = _split(tokens, "&&")
    if terms is None or len(terms) < 2:
        return None
    groups = [g for g in (_necessary(term, bound) for term in terms) if g]
    return min(groups, key=len) if groups else None


def prefilter(tokens: list[Token]) -> tuple[tuple[Check, ...], ...]:
    """What a rewritten condition cannot match without: groups of cheap checks (a hoisted pattern,
    ``"code" in findings``, ``fact.contains("x")``, ``fact.key`` / ``!fact.key`` on a boolean,
    ``fact.key == "x"``, ``list.exists(…)``), each group holding when at least one of its checks does.

    CEL's ``&&`` is false as soon as one term is false (even when another term is an error), and ``||``
    is false only when every side is, so a condition is false on a message where one group fails."""
    bound = bound_names(tokens)
    terms = _split(tokens, "&&")
    if terms is None:
        either = _necessary(tokens, bound)
        return (either,) if either else ()
    groups = (_necessary(term, bound) for term in terms)
    return tuple(dict.fromkeys(g for g in groups if g))


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
    if type(value) is dict or isinstance(value, Mapping):  # a plain dict skips the slower ABC check
        return {k: value[k] for k in keys if k in value}
    if isinstance(value, list):
        return [_project(v, keys) if type(v) is dict or isinstance(v, Mapping) else v for v in value]
    return value


def _some_member(items: Any, key: str, literal: str) -> bool:
    """False only when ``items`` is a list none of whose items has ``literal`` in its list (or map)
    ``key``; anything else (not a list, an item of another shape) is left for CEL to judge."""
    if not isinstance(items, list):
        return True
    for item in items:
        values = item.get(key) if type(item) is dict or isinstance(item, Mapping) else None
        if not isinstance(values, (list, Mapping)) or literal in values:
            return True
    return False


def _resolve(facts: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = facts
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


@dataclass(frozen=True, slots=True)
class _Set:
    """One RE2 set over one fact: ``chunk`` holds its patterns' indices (in the set's order), ``bits``
    their prefilter atoms, ``users`` the filters of the conditions that read one of them."""

    path: tuple[str, ...]
    regex_set: Any
    chunk: list[int]
    bits: int
    users: tuple[Filter, ...]


def _pattern_reads(rewritten: str) -> frozenset[int] | None:
    """The pattern indices a rewritten condition calls (``_rx(i)``), or None when ``_rx`` appears in any
    other shape (then it may read any pattern)."""
    tokens = tokenize(rewritten)
    found: set[int] = set()
    for i, t in enumerate(tokens):
        if t.kind == "ident" and t.text == _REGEX_VAR:
            call = tokens[i + 1: i + 4]
            if len(call) < 3 or call[0].text != "(" or call[1].kind != "number" or not call[1].text.isdigit() \
                    or call[2].text != ")":
                return None
            found.add(int(call[1].text))
    return frozenset(found)


class ExpressionEngine:
    """Compiles conditions sharing one regex table; builds one evaluation context per message."""

    def __init__(self) -> None:
        self._patterns: list[tuple[tuple[str, ...], str]] = []
        self._index: dict[tuple[tuple[str, ...], str], int] = {}
        self._sets: list[_Set] | None = None
        self._where: dict[int, int] = {}  # pattern index -> its set in ``_sets``
        self.roots: set[str] = set()
        self.usage: dict[str, set[str] | None] = {}  # keys of each root that some condition reads
        self._atoms: dict[Check, int] = {}  # prefilter atom -> its bit in ``truth``
        self._rx_bits: dict[int, int] = {}  # pattern index -> the bit of its atom
        self._other_atoms: list[tuple[str, Any, int]] = []  # (kind, value, bit) of the other atoms
        # The same atoms sorted for ``truth``: finding codes, and ``bool``/``eq`` checks by their fact.
        self._finding_atoms: list[tuple[str, int]] = []
        self._key_atoms: dict[str, list[tuple[str, bool, Any, int]]] = {}  # fact -> (key, is_eq, wanted, bit)
        self._rest_atoms: list[tuple[str, Any, int]] = []
        self._rx_all = 0  # every pattern atom's bit
        # Each registered condition's filter and the patterns it reads (None: it may read any), and the
        # patterns that are some condition's first all-pattern group (run first: see ``_compiled_sets``).
        self._users: list[tuple[Filter, frozenset[int] | None]] = []
        self._first: dict[int, None] = {}

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
        rewritten_tokens = tokenize(rewritten)
        usage = key_usage(rewritten_tokens)
        for root, keys in usage.items():
            known = self.usage.get(root, set())
            self.usage[root] = None if keys is None or known is None else known | keys
        return Compiled(source, rewritten, program, roots, frozenset(program.functions()),
                        prefilter(rewritten_tokens),
                        tuple((root, None if keys is None else frozenset(keys)) for root, keys in usage.items()))

    def _compiled_sets(self) -> list[_Set]:
        if self._sets is None:
            by_path: dict[tuple[str, ...], list[int]] = {}
            # A condition's first group made only of patterns goes into the first sets: when none of
            # them matches, the condition is out and its other patterns need not run (``truth``).
            # Which set a pattern sits in never changes its answer, only how often its set runs.
            ordered = [i for i in self._first if i < len(self._patterns)]
            ordered += [i for i in range(len(self._patterns)) if i not in self._first]
            for i in ordered:
                by_path.setdefault(self._patterns[i][0], []).append(i)
            sets = []
            for path, indices in by_path.items():
                # Small sets keep RE2's DFA from thrashing its state cache on varied text: measured
                # 3x faster than one set of 70 patterns (bench/rules.py). Bounded repetitions last.
                # Compile order within each kind: a rule's patterns sit in the same set, so a
                # condition that needs them usually runs one set.
                first = [i for i in indices if i in self._first]
                rest = [i for i in indices if i not in self._first]
                chunks = [part[start: start + _SET_SIZE]
                          for part in (first, rest) for start in range(0, len(part), _SET_SIZE)]
                for chunk in chunks:
                    regex_set = re2.Set.SearchSet(_re2_options())
                    for i in chunk:
                        regex_set.Add(self._patterns[i][1])
                    regex_set.Compile()
                    members = frozenset(chunk)
                    bits = 0
                    for i in chunk:
                        bits |= self._rx_bits.get(i, 0)
                    users = tuple(f for f, reads in self._users if reads is None or reads & members)
                    sets.append(_Set(path, regex_set, chunk, bits, users))
            self._sets = sets
            self._where = {i: n for n, s in enumerate(sets) for i in s.chunk}
        return self._sets

    def regex_results(self, facts: Mapping[str, Any]) -> list[bool]:
        results = [False] * len(self._patterns)
        for one in self._compiled_sets():
            value = _resolve(facts, one.path)
            if isinstance(value, str) and value:
                for local in one.regex_set.Match(value) or ():
                    results[one.chunk[local]] = True
        return results

    def lazy_regex(self, facts: Mapping[str, Any]) -> Callable[[int], bool]:
        """``_rx(i)`` for one message: runs pattern i's set on first use, then answers from memory.

        CEL evaluates ``&&`` and ``||`` left to right and stops early, so a set is only ever run for
        a message when some condition gets as far as one of its patterns."""
        sets = self._compiled_sets()
        where = self._where
        known: dict[int, bool] = {}

        def answer(i: int) -> bool:
            if i not in known:
                one = sets[where[i]]
                value = _resolve(facts, one.path)
                found = set(one.regex_set.Match(value) or ()) if isinstance(value, str) and value else set()
                known.update((index, n in found) for n, index in enumerate(one.chunk))
            return known[i]

        return answer

    def filter_for(self, compiled: Compiled) -> Filter:
        """``compiled.required`` as bit masks over the atoms ``truth`` computes for a message. The
        condition is registered: ``truth`` runs a pattern set only while some registered condition
        reading one of its patterns can still pass its filter."""
        every = 0
        groups: list[int] = []
        for group in compiled.required:
            mask = 0
            for check in group:
                if check not in self._atoms:
                    bit = self._atoms[check] = 1 << len(self._atoms)
                    if check[0] == "rx":
                        self._rx_bits[check[1]] = bit
                        self._rx_all |= bit
                    else:
                        self._other_atoms.append((check[0], check[1], bit))
                        if check[0] == "finding":
                            self._finding_atoms.append((check[1], bit))
                        elif check[0] in ("bool", "eq"):
                            fact, key, wanted = check[1]
                            self._key_atoms.setdefault(fact, []).append((key, check[0] == "eq", wanted, bit))
                        else:
                            self._rest_atoms.append((check[0], check[1], bit))
                mask |= self._atoms[check]
            if len(group) == 1:
                every |= mask
            else:
                groups.append(mask)
        found = Filter(every, tuple(groups))
        for group in compiled.required:
            if all(check[0] == "rx" for check in group):
                self._first.update((check[1], None) for check in group)
                break
        self._users.append((found, _pattern_reads(compiled.rewritten)))
        self._sets = None
        return found

    def truth(self, facts: Mapping[str, Any]) -> tuple[list[bool], int]:
        """One message's answer to the hoisted patterns (what ``_rx(i)`` returns; the sets run in
        Python: cheaper than running them from CEL's callback) and which prefilter atoms hold, as bits.

        The cheap atoms come first; then a pattern set runs only when some registered condition
        (``filter_for``) reading one of its patterns still passes its filter with every pattern not yet
        run counted as true. A condition that passes the final bits thus had all its sets run (its
        answers are exact); a skipped set's patterns read False, and every condition reading them was
        already out with those bits counted true, so it stays out (filters only need bits set)."""
        bits = 0
        codes = facts.get("findings")
        findings = frozenset(codes) if isinstance(codes, list) else frozenset()
        for code, bit in self._finding_atoms:
            if code in findings:
                bits |= bit
        for fact, checks in self._key_atoms.items():
            parent = facts.get(fact)
            # (``type(...) is dict`` first: a plain dict skips the slower ABC check)
            if not (type(parent) is dict or isinstance(parent, Mapping)):
                continue  # neither ``bool`` nor ``eq`` holds on a fact that is not a map
            for key, is_eq, wanted, bit in checks:
                got = parent.get(key)
                if (got == wanted) if is_eq else (got is wanted):
                    bits |= bit
        for kind, value, bit in self._rest_atoms:
            if kind == "nonempty":
                items = facts.get(value)
                held = not isinstance(items, list) or bool(items)
            elif kind == "member":
                held = _some_member(facts.get(value[0]), value[1], value[2])
            else:  # contains
                found = facts.get(value[0])
                held = isinstance(found, str) and value[1] in found
            if held:
                bits |= bit
        results = [False] * len(self._patterns)
        unknown = self._rx_all
        rx_bits = self._rx_bits
        for one in self._compiled_sets():
            possible = bits | unknown
            if not any(f.passes(possible) for f in one.users):
                continue  # no condition reading these patterns can pass: leave their bits unknown
            unknown &= ~one.bits
            value = _resolve(facts, one.path)
            if isinstance(value, str) and value:
                for local in one.regex_set.Match(value) or ():
                    index = one.chunk[local]
                    results[index] = True
                    bits |= rx_bits.get(index, 0)
        return results, bits

    def context(self, facts: Mapping[str, Any], roots: Iterable[str] | None = None,
                regex: Callable[[int], bool] | None = None, only: Iterable[str] | None = None,
                readers: Iterable[Compiled] | None = None) -> Any:
        """One CEL context for one message: the facts the rules read, converted once, plus ``_rx``.

        ``roots``: convert these facts whole instead; ``only``: of the facts the rules read, convert
        just these (the roots of the conditions that passed their prefilter); ``readers``: the only
        conditions that will run on it, so each fact keeps just the keys one of them reads (converting
        a fact to CEL costs per value: a message's links are most of it); ``regex``: the message's
        pattern answers when the caller already holds them."""
        wanted = self.roots if roots is None else roots
        if only is not None:
            wanted = self.roots.intersection(only)
        usage: Mapping[str, set[str] | None] = self.usage
        if readers is not None and roots is None:
            usage = _merged_usage(readers, self.usage)
        variables: dict[str, Any] = {}
        for name in wanted:
            if name in facts:
                keys = usage.get(name) if roots is None else None
                variables[name] = facts[name] if keys is None else _project(facts[name], keys)
        functions = {_REGEX_VAR: regex if regex is not None else self.lazy_regex(facts)}
        try:
            return cel.Context(variables=variables, functions=functions)
        except (TypeError, ValueError):  # a value CEL cannot take (odd evidence type): JSON-clean it
            return cel.Context(variables=json.loads(json.dumps(variables, default=str)), functions=functions)


def _merged_usage(readers: Iterable[Compiled], everyone: Mapping[str, set[str] | None]
                  ) -> dict[str, set[str] | None]:
    """The keys of each fact that one of ``readers`` reads (each condition's own ``usage``, which only
    ever lists more than it reads: see ``key_usage``). A fact a reader reads without a usage entry keeps
    what every condition's union (``everyone``) gives it, as before."""
    merged: dict[str, set[str] | None] = {}
    for compiled in readers:
        own = dict(compiled.usage)
        for root in compiled.roots:
            if root not in own:
                own[root] = None if everyone.get(root) is None else frozenset(everyone.get(root) or ())
        for root, keys in own.items():
            known = merged.get(root, set())
            merged[root] = None if keys is None or known is None else known | keys
    return merged


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
