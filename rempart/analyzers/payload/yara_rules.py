"""YARA: the shipped rules (``rempart/data/yara/*.yar``) plus the organisation's (``[payload] yara_dir``).

Compiled once per engine (``compiled_rules``, through ``resources.cached``). A rule file that does
not compile is a configuration error naming the file and the line: the engine must not start with
a rule silently missing. Each rule may carry ``meta: weight = "0.7"`` (default 0.5) and
``description``; a match becomes ``attachment.yara_match`` with the rule's name as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path

import yara

from rempart.analyzers.base import Resources
from rempart.errors import ConfigError

DEFAULT_WEIGHT = 0.5
MAX_SCANNED_BYTES = 16 * 1024 * 1024
_ERROR_AT = re.compile(r"^(?P<file>.*?)\((?P<line>\d+)\):\s*(?P<msg>.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule: str
    namespace: str
    weight: float
    description: str
    tags: tuple[str, ...]


class YaraRules:
    def __init__(self, rules: yara.Rules | None, files: tuple[str, ...]) -> None:
        self.rules = rules
        self.files = files

    def match(self, data: bytes, timeout_seconds: int = 2) -> list[RuleMatch]:
        if self.rules is None or not data:
            return []
        found: list[RuleMatch] = []
        for m in self.rules.match(data=data[:MAX_SCANNED_BYTES], timeout=max(1, timeout_seconds)):
            meta = m.meta or {}
            found.append(
                RuleMatch(
                    m.rule,
                    m.namespace,
                    _weight(meta.get("weight")),
                    str(meta.get("description", "")),
                    tuple(m.tags),
                )
            )
        return found


def _weight(raw: object) -> float:
    try:
        value = float(str(raw)) if raw is not None else DEFAULT_WEIGHT
    except ValueError:
        return DEFAULT_WEIGHT
    if value > 1.0:  # written as a percentage
        value /= 100.0
    return min(max(value, 0.0), 1.0)


def _rule_files(yara_dir: str) -> dict[str, str]:
    files: dict[str, str] = {}
    shipped = importlib_resources.files("rempart.data").joinpath("yara")
    for item in sorted(shipped.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yar"):
            files[f"rempart_{item.name[:-4]}"] = str(item)
    if yara_dir:
        folder = Path(yara_dir)
        if not folder.is_dir():
            raise ConfigError(f"[payload] yara_dir {folder} is not a directory; create it or fix the path.")
        for path in sorted(folder.glob("*.yar")) + sorted(folder.glob("*.yara")):
            files[f"local_{path.stem}"] = str(path)
    return files


def compile_rules(yara_dir: str) -> YaraRules:
    """Compile every rule file; ConfigError naming the file and line when one does not compile."""
    files = _rule_files(yara_dir)
    if not files:
        return YaraRules(None, ())
    for path in files.values():  # one by one first, so the error names the right file
        try:
            yara.compile(filepath=path)
        except yara.SyntaxError as err:
            raise ConfigError(_describe(path, str(err))) from None
        except yara.Error as err:
            raise ConfigError(
                f"YARA rule file {path} cannot be compiled ({err}); fix or remove it."
            ) from None
    try:
        rules = yara.compile(filepaths=files)
    except yara.Error as err:  # duplicate rule names across files and the like
        raise ConfigError(f"YARA rules do not compile together ({err}); rename the clashing rule.") from None
    return YaraRules(rules, tuple(files.values()))


def _describe(path: str, message: str) -> str:
    located = _ERROR_AT.match(message)
    if located:
        return (
            f"YARA rule file {located.group('file') or path}, line {located.group('line')}: "
            f"{located.group('msg').strip()}; fix the rule or remove the file."
        )
    return f"YARA rule file {path} does not compile ({message}); fix the rule or remove the file."


def compiled_rules(resources: Resources) -> YaraRules:
    return resources.cached("payload:yara", lambda: compile_rules(resources.config.payload.yara_dir))
