"""Build a ready engine from a config: the one place that decides which rules and model are loaded."""

from __future__ import annotations

import gc
from pathlib import Path

from rempart.analyzers.base import Envelope
from rempart.config import Config, load_config
from rempart.engine.engine import Engine, ScoreModel
from rempart.engine.fusion import fuse, level_for
from rempart.engine.verdict import Level, Reason, Verdict
from rempart.message.model import Message
from rempart.rules.ruleset import RuleSet

MODEL_ALONE = "model.alone"  # catalogue code of the reason when only the model made a message non-clean
MODEL_UNLIKELY = "model.unlikely"  # the model's line when its probability is below 0.5


def load_model(config: Config) -> ScoreModel | None:
    """The ``[model]`` section: the shipped artifact (``path = ""``), a custom one, or none. A model that
    cannot be loaded fails the start with one sentence (``ConfigError``)."""
    settings = config.model
    if not settings.enabled:
        return None
    from rempart.model.artifact import LearnedModel  # numpy/scikit-learn load only when a model is used

    return LearnedModel.load(Path(settings.path) if settings.path else None, settings.weight)


class _ModelledEngine(Engine):
    """An engine whose explanation says so plainly when the model alone turned a message non-clean."""

    def scan_message(self, message: Message, envelope: Envelope | None = None) -> Verdict:
        verdict = super().scan_message(message, envelope)
        return explain_model(verdict, self.config)


def explain_model(verdict: Verdict, config: Config) -> Verdict:
    """Say plainly what the model's line means. Below probability 0.5 it becomes ``model.unlikely`` (the model
    does not find the message suspicious: it is never worded as an accusation). When the verdict would be
    clean without the model, it becomes ``model.alone`` (with the score the other checks gave on their own),
    so a reader knows no single concrete check was decisive."""
    if verdict.model_score is None or not any(r.code == "model.score" for r in verdict.reasons):
        return verdict
    code = "model.score"
    extra: dict[str, float] = {}
    if verdict.model_score < 0.5:
        code = MODEL_UNLIKELY
    elif verdict.level is not Level.CLEAN:
        settings = config.engine
        without, _ = fuse(verdict.findings, verdict.rule_hits, None, weights=settings.weights,
                          hard_evidence=settings.malicious_evidence_weight)
        if level_for(without, settings.suspicious_threshold, settings.malicious_threshold) is Level.CLEAN:
            code, extra = MODEL_ALONE, {"score_without_model": round(without, 3)}
    if code == "model.score":
        return verdict
    reasons = tuple(Reason(code, r.weight, r.source, {**r.evidence, **extra}, r.texts) if r.code == "model.score"
                    else r for r in verdict.reasons)
    return Verdict(verdict.level, verdict.score, reasons, verdict.findings, verdict.rule_hits, verdict.model_score,
                   verdict.timings, verdict.facts)


def build_engine(config: Config | None = None, *, rules: RuleSet | None = None,
                 model: ScoreModel | None = None, warm: bool = True) -> Engine:
    """An engine with the shipped rule pack and the config's ``[rules]`` extra directories and
    overrides (a rule that fails to load fails the start, naming its file and line), or with
    ``rules`` when the caller already has them (a hunt with one rule, a Dask worker); and with the
    ``[model]`` the config asks for (the shipped one by default), or ``model`` when given. With
    ``warm`` (the default) it scans the warm-up messages once (``Engine.warm_up``), so the first real
    message does not pay for structures built on first use (about a second)."""
    config = config or Config()
    chosen = model if model is not None else load_model(config)
    ruleset = rules if rules is not None else RuleSet.from_config(config.rules)
    engine = Engine(config, rules=ruleset) if chosen is None else _ModelledEngine(config, rules=ruleset, model=chosen)
    if config.auth.verify_dkim:
        # Opt-in only: DKIM keys are looked up through the system's resolver (the company's own DNS).
        from rempart.dns import SystemResolver, install_resolver

        install_resolver(engine.resources, SystemResolver())
    if warm:
        engine.warm_up()
    return engine


def keep_for_process() -> None:
    """For a process that builds its engine once and scans with it until it exits: collect once, then move
    everything alive (the engine's lexicons, lookalike tables, rules and model: millions of objects) out of
    the collector's generations (``gc.freeze``). Otherwise each full collection walks them all again: on dev,
    two such collections while scanning 4,289 messages, ~135 ms each, landing inside some message's scan.
    Not for a process that builds many engines (tests, ``rempart eval`` per organisation): an engine frozen
    while alive is never collected once dropped."""
    gc.collect()
    gc.freeze()


def build_engine_from_path(path: str | None) -> Engine:
    return build_engine(load_config(path))
