"""The model artifact: a skops file, loaded without unpickling anything — plain data only.

The file holds only builtins and numpy arrays: the feature spec and metadata (a JSON string), the
linear coefficients, the Platt parameters and the reference score distributions of the training mail.
It is written with ``skops.io.dump`` (so skops tools can inspect it). Loading does not go through
skops: every node of its schema is checked against ``TRUSTED_TYPES`` and read as plain data — JSON
values, lists, dicts, and arrays by ``numpy.load(allow_pickle=False)``. Anything else — a crafted or
tampered file, an estimator object — is refused with one sentence, and nothing of it is executed.

``LearnedModel`` is what the engine holds (the ``ScoreModel`` protocol): ``predict(message, findings,
facts)`` returns the calibrated probability that the message is an attack.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Mapping, Sequence
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from rempart.errors import ConfigError
from rempart.findings import Finding
from rempart.message.model import Message
from rempart.model.calibration import platt_one
from rempart.model.features import FEATURES_VERSION, Extracted, FeatureSpec, Featurizer

if TYPE_CHECKING:  # training code (scikit-learn's solvers) is not imported at scan time
    from rempart.model.learner import Fitted

ARTIFACT_NAME = "rempart-model.skops"
FORMAT = "rempart-model/1"
# The only types a Rempart artifact may contain (skops reports numpy arrays and dtypes by these names).
TRUSTED_TYPES = ("numpy.ndarray", "numpy.dtype", "builtins.dict", "builtins.list", "builtins.str",
                 "builtins.float", "builtins.int", "builtins.tuple", "builtins.bool")


def shipped_path() -> Path:
    return Path(str(importlib_resources.files("rempart.model").joinpath("artifact").joinpath(ARTIFACT_NAME)))


def save(path: Path, fitted: Fitted, spec: FeatureSpec, meta: Mapping[str, Any]) -> None:
    import skops.io as sio

    state = {
        "format": FORMAT,
        "meta": json.dumps({**meta, "features": spec.to_dict()}, sort_keys=True, ensure_ascii=False),
        "coef": np.asarray(fitted.coef, dtype=np.float32),
        "intercept": float(fitted.intercept),
        "platt": [float(fitted.platt_a), float(fitted.platt_b)],
        "reference_positive": np.asarray(fitted.reference_positive, dtype=np.float32),
        "reference_negative": np.asarray(fitted.reference_negative, dtype=np.float32),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(state, path, compression=8, compresslevel=9)  # 8 = zipfile.ZIP_DEFLATED


_SCHEMA_LIMIT = 1_000_000  # bytes of schema.json read: a Rempart artifact's is a few kilobytes
_ARRAY_LIMIT = 64 * 1024 * 1024  # bytes read of one array member (the artifact itself is ≤ 25 MB)


def _walk(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        if "__class__" in node:
            found.add(f"{node.get('__module__', '')}.{node['__class__']}")
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def _schema(archive: zipfile.ZipFile) -> Any:
    info = archive.getinfo("schema.json")
    if info.file_size > _SCHEMA_LIMIT:
        raise ValueError("schema too large")
    return json.loads(archive.read(info))


def types_in(path: Path) -> set[str]:
    """Every type a skops file would construct, read from its schema (not from skops' own default trust,
    which accepts any scikit-learn estimator: a Rempart artifact holds plain data only)."""
    with zipfile.ZipFile(path) as archive:
        schema = _schema(archive)
    found: set[str] = set()
    _walk(schema, found)
    return found


def _read_node(node: Any, archive: zipfile.ZipFile) -> Any:
    """The four node kinds a Rempart artifact uses, read as plain data: JSON values, lists, dicts and numpy
    arrays (``np.load`` with ``allow_pickle=False``). Any other node is refused; nothing is constructed."""
    if not isinstance(node, dict):
        raise ValueError("malformed schema")
    kind = f"{node.get('__module__', '')}.{node.get('__class__', '')}"
    if kind not in TRUSTED_TYPES:
        raise ValueError(f"untrusted type {kind}")
    loader = node.get("__loader__")
    if loader == "JsonNode":
        return json.loads(str(node["content"]))
    if loader == "ListNode":
        return [_read_node(v, archive) for v in node["content"]]
    if loader == "DictNode":
        return {str(k): _read_node(v, archive) for k, v in dict(node["content"]).items()}
    if loader == "NdArrayNode" and node.get("type") == "numpy":
        with archive.open(str(node["file"])) as handle:
            return np.load(io.BytesIO(handle.read(_ARRAY_LIMIT + 1)), allow_pickle=False)
    raise ValueError(f"unsupported node {loader}")


def read_artifact(path: Path) -> Any:
    """The artifact's state, read without skops (whose import alone costs seconds at every start) and
    without unpickling: the schema is walked and only plain data nodes are accepted."""
    with zipfile.ZipFile(path) as archive:
        return _read_node(_schema(archive), archive)


def _safe_state(path: Path) -> dict[str, Any]:
    try:
        present = types_in(path)
    except FileNotFoundError:
        raise ConfigError(f"Model artifact {path} does not exist; train one with `rempart train` "
                          "or set [model] path = \"\" for the shipped model.") from None
    except Exception as err:  # a damaged zip or foreign file: one sentence, never a trace
        raise ConfigError(f"Model artifact {path} cannot be read ({type(err).__name__}); "
                          "retrain it with `rempart train`.") from None
    unexpected = sorted(present - set(TRUSTED_TYPES))
    if unexpected:
        raise ConfigError(f"Model artifact {path} contains types Rempart does not trust ({', '.join(unexpected)}); "
                          "it was not loaded. Use an artifact written by `rempart train`.")
    try:
        state = read_artifact(path)
    except Exception as err:
        raise ConfigError(f"Model artifact {path} cannot be loaded ({type(err).__name__}); "
                          "retrain it with `rempart train`.") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ConfigError(f"Model artifact {path} is not a {FORMAT} artifact; retrain it with `rempart train`.")
    return state


class LearnedModel:
    """A loaded artifact; ``weight`` is how much it counts in the fusion (``[model] weight``)."""

    def __init__(self, state: Mapping[str, Any], weight: float, source: str = "") -> None:
        self.meta: dict[str, Any] = json.loads(str(state["meta"]))
        self.spec = FeatureSpec.from_dict(self.meta["features"])
        if self.spec.version != FEATURES_VERSION:
            raise ConfigError(f"Model artifact {source or '(in memory)'} was trained with features version "
                              f"{self.spec.version}, this Rempart computes version {FEATURES_VERSION}; "
                              "retrain it with `rempart train`.")
        self.featurizer = Featurizer(self.spec)
        coef = np.asarray(state["coef"], dtype=np.float32)  # half the memory: stays in cache between scans
        if coef.shape != (self.spec.n_features,):
            raise ConfigError(f"Model artifact {source or '(in memory)'} has {coef.shape} coefficients for "
                              f"{self.spec.n_features} features; retrain it with `rempart train`.")
        self.coef: NDArray[np.float32] = coef
        self.scorer = self.featurizer.scorer(coef)  # holds the per-word caches: one per loaded model
        self.intercept = float(state["intercept"])
        self.platt_a, self.platt_b = (float(v) for v in state["platt"])
        self.reference_positive = [float(v) for v in np.asarray(state["reference_positive"])]
        self.reference_negative = [float(v) for v in np.asarray(state["reference_negative"])]
        self.weight = weight
        self.source = source

    @classmethod
    def load(cls, path: Path | None = None, weight: float = 0.6) -> LearnedModel:
        chosen = path or shipped_path()
        return cls(_safe_state(chosen), weight, str(chosen))

    @classmethod
    def from_fitted(cls, fitted: Fitted, spec: FeatureSpec, weight: float = 0.6,
                    meta: Mapping[str, Any] | None = None) -> LearnedModel:
        state = {"meta": json.dumps({**(meta or {}), "features": spec.to_dict()}), "coef": fitted.coef,
                 "intercept": fitted.intercept, "platt": [fitted.platt_a, fitted.platt_b],
                 "reference_positive": fitted.reference_positive, "reference_negative": fitted.reference_negative}
        return cls(state, weight, "(fitted)")

    def score_extracted(self, extracted: Extracted) -> float:
        margin = self.scorer.margin(extracted) + self.intercept
        return platt_one(margin, self.platt_a, self.platt_b) if math.isfinite(margin) else 0.5

    def predict(self, message: Message, findings: Sequence[Finding], facts: Mapping[str, Any]) -> float:
        return self.score_extracted(self.featurizer.extract(message, findings, facts))
