"""A small lexer for Common Expression Language source, used to *read* conditions, never to run them.

The expression engine (``expression``) uses it to find ``fact.matches("regex")`` calls it can
evaluate once per message for every rule at once, ``explain`` to split a condition into its
``&&`` / ``||`` parts and to list the facts each part reads, and the validators to find the finding
codes and fact names a rule refers to. Running a condition is always the CEL library's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?
        (?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))
  | (?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|0x[0-9a-fA-F]+u?|\d+(?:[eE][+-]?\d+)?u?)
  | (?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[!<>+\-*/%?:.,()\[\]{}])
    """,
    re.VERBOSE,
)
_SIMPLE_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "`": "`", "?": "?", "n": "\n", "t": "\t", "r": "\r",
                   "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-3][0-7]{2})|(.))", re.S)
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # string | number | ident | op
    text: str
    start: int
    end: int


class LexError(ValueError):
    def __init__(self, offset: int) -> None:
        super().__init__(f"unexpected character at offset {offset}")
        self.offset = offset


def tokenize(source: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise LexError(pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append(Token(kind, m.group(), m.start(), m.end()))
        pos = m.end()
    return out


def string_value(token: Token) -> str | None:
    """The value of a CEL string literal; None for bytes literals or an escape this reader doesn't know."""
    text = token.text
    prefix = ""
    while text[0] in "rRbB":
        prefix += text[0].lower()
        text = text[1:]
    if "b" in prefix:
        return None
    quote = 3 if text[:3] in ('"""', "'''") else 1
    body = text[quote:-quote]
    if "r" in prefix:
        return body
    unknown = False

    def replace(m: re.Match[str]) -> str:
        nonlocal unknown
        hex2, u4, u8, octal, simple = m.groups()
        if hex2 or u4 or u8:
            return chr(int(hex2 or u4 or u8, 16))
        if octal:
            return chr(int(octal, 8))
        if simple in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[simple]
        unknown = True
        return ""

    value = _ESCAPE.sub(replace, body)
    return None if unknown else value


def bound_names(tokens: list[Token]) -> set[str]:
    """Names bound by comprehension macros: the ``u`` of ``urls.exists(u, ...)``."""
    names: set[str] = set()
    for i in range(len(tokens) - 3):
        a, b, c, d = tokens[i: i + 4]
        if a.text == "." and b.kind == "ident" and b.text in MACROS and c.text == "(" and d.kind == "ident":
            names.add(d.text)
    return names


def fact_paths(tokens: list[Token], roots: set[str] | frozenset[str]) -> list[str]:
    """Dotted fact paths read by the tokens (``from.domain``, ``finding_evidence["x"].y``), in order."""
    bound = bound_names(tokens)
    paths: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        preceded_by_dot = i > 0 and tokens[i - 1].text == "."
        if t.kind == "ident" and t.text in roots and t.text not in bound and not preceded_by_dot:
            parts = [t.text]
            j = i + 1
            while j + 1 < len(tokens):
                if tokens[j].text == "." and tokens[j + 1].kind == "ident":
                    if j + 2 < len(tokens) and tokens[j + 2].text == "(":
                        break  # a method call (size, contains, exists ...): the path ends before it
                    parts.append(tokens[j + 1].text)
                    j += 2
                elif (tokens[j].text == "[" and tokens[j + 1].kind == "string" and j + 2 < len(tokens)
                      and tokens[j + 2].text == "]"):
                    parts.append(f"[{tokens[j + 1].text}]")
                    j += 3
                else:
                    break
            path = parts[0] + "".join(p if p.startswith("[") else f".{p}" for p in parts[1:])
            if path not in paths:
                paths.append(path)
            i = j
            continue
        i += 1
    return paths
