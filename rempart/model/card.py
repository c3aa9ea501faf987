"""The model card: what the model was trained on, how it was measured, and what it cannot do."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _pct(v: Any) -> str:
    return "—" if v is None else f"{100 * float(v):.1f} %"


def _num(v: Any) -> str:
    return "—" if v is None else f"{float(v):.4f}"


def _metrics_table(metrics: Mapping[str, Any]) -> list[str]:
    lines = ["| CV | scorer | ROC AUC | detection @ 1 % FPR | detection @ 0.1 % FPR | ai_phish @ 1 % FPR "
             "| flagged phish (≥ 0.5) | flagged ham (≥ 0.5) |",
             "|---|---|---|---|---|---|---|---|"]
    for cv in ("random", "grouped"):
        report = metrics.get(cv)
        if not report:
            continue
        for scorer, label in (("model", "model alone"), ("analyzers", "analyzers + rules alone"),
                              ("fused", "fused verdict")):
            b = report[scorer]
            lines.append(f"| {cv} | {label} | {_num(b['auc'])} | {_pct(b['tpr_at_fpr_0.01'])} | "
                         f"{_pct(b['tpr_at_fpr_0.001'])} | {_pct(b['ai_phish']['tpr_at_fpr_0.01'])} | "
                         f"{_pct(b['flagged_pos'])} | {_pct(b['flagged_neg'])} |")
    return lines


def _collections_table(metrics: Mapping[str, Any]) -> list[str]:
    """The same figures within each labelled collection (thresholds on its own legitimate mail)."""
    lines = ["The same out-of-fold scores within each labelled collection, thresholds set on that collection's "
             "own legitimate mail (the dev corpus is where the project's accuracy targets are set):", "",
             "| CV | collection | scorer | ROC AUC | detection @ 1 % FPR | detection @ 0.1 % FPR | ai_phish @ 1 % FPR "
             "| attacks / legitimate |", "|---|---|---|---|---|---|---|---|"]
    found = False
    for cv in ("random", "grouped"):
        for name, blocks in metrics.get(cv, {}).get("collections", {}).items():
            found = True
            for scorer, label in (("model", "model alone"), ("analyzers", "analyzers + rules"),
                                  ("fused", "fused verdict")):
                b = blocks[scorer]
                ai = _pct(b["ai_phish"]["tpr_at_fpr_0.01"])
                lines.append(f"| {cv} | `{name}` | {label} | {_num(b['auc'])} | {_pct(b['tpr_at_fpr_0.01'])} | "
                             f"{_pct(b['tpr_at_fpr_0.001'])} | {ai} | {blocks['n_pos']} / {blocks['n_neg']} |")
    return [*lines, ""] if found else []


def _per_source(metrics: Mapping[str, Any]) -> list[str]:
    lines = ["| source : label | n | model flags (random CV) | model flags (source held out) "
             "| analyzers flag | fused flags (source held out) |", "|---|---|---|---|---|---|"]
    random = metrics.get("random", {}).get("per_source", {})
    grouped = metrics.get("grouped", {}).get("per_source", {})
    for key, entry in random.items():
        g = grouped.get(key, {})
        lines.append(f"| {key} | {entry['n']} | {_pct(entry['model_flagged'])} | {_pct(g.get('model_flagged'))} | "
                     f"{_pct(entry['analyzers_flagged'])} | {_pct(g.get('fused_flagged'))} |")
    return lines


def _transfer_note(metrics: Mapping[str, Any]) -> list[str]:
    grouped = metrics.get("grouped")
    if not grouped:
        return []
    fused, alone = grouped["fused"]["auc"], grouped["analyzers"]["auc"]
    if fused is None or alone is None:
        return []
    if fused < alone:
        return [f"- **On sources it never saw, the model does not help here**: in leave-one-source-out CV, adding it "
                f"moves the verdict's ROC AUC from {alone:.4f} (analyzers and rules alone) to {fused:.4f}, and its "
                f"own AUC is {grouped['model']['auc']:.4f}. Lower `[model] weight` (0.4: the model can no longer "
                "flag a message on its own) where your mail differs from the training mail, and check with "
                "`rempart eval`, which reports the three scorers side by side."]
    return [f"- On sources it never saw, adding the model moves the verdict's ROC AUC from {alone:.4f} "
            f"(analyzers and rules alone) to {fused:.4f}."]


def _within_table(metrics: Mapping[str, Any]) -> list[str]:
    grouped = metrics.get("grouped", {}).get("within_source", {})
    if not grouped:
        return []
    lines = ["Inside one held-out collection with both classes (its attacks against its own legitimate mail, "
             "scored by a model that never saw the collection), ROC AUC:", "",
             "| collection | attacks | legitimate | model alone | analyzers + rules | fused |",
             "|---|---|---|---|---|---|"]
    for fam, blocks in grouped.items():
        lines.append(f"| {fam} | {blocks['model']['n_pos']} | {blocks['model']['n_neg']} | "
                     f"{_num(blocks['model']['auc'])} | {_num(blocks['analyzers']['auc'])} | "
                     f"{_num(blocks['fused']['auc'])} |")
    return [*lines, ""]


def _ece(metrics: Mapping[str, Any], cv: str) -> Any:
    return metrics.get(cv, {}).get("model", {}).get("ece")


def _weights_table(metrics: Mapping[str, Any]) -> list[str]:
    lines = ["| CV | `[model] weight` | fused ROC AUC | detection @ 1 % FPR | detection @ 0.1 % FPR "
             "| legitimate flagged (≥ 0.5) |", "|---|---|---|---|---|---|"]
    for cv in ("random", "grouped"):
        for w, b in metrics.get(cv, {}).get("weights", {}).items():
            lines.append(f"| {cv} | {w} | {_num(b['auc'])} | {_pct(b['tpr_at_fpr_0.01'])} | "
                         f"{_pct(b['tpr_at_fpr_0.001'])} | {_pct(b['flagged_neg'])} |")
    return lines


def _bench_organisations(meta: Mapping[str, Any]) -> int:
    """How many bench organisations the training mail came from (one source each: ``corpus-fr/<name>``)."""
    return sum(1 for source in meta.get("data_digests", {}) if source.startswith("corpus-fr/"))


def write_card(path: Path, meta: Mapping[str, Any], artifact: Path) -> None:
    metrics = meta.get("metrics", {})
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
    settings = meta.get("settings", {})
    lines = [
        "# Rempart model card",
        "",
        "A calibrated linear model (L2-penalised logistic regression fitted by L-BFGS-B, Platt-scaled on the",
        "margins of held-out source collections when there are at least 3, so that a probability holds for mail",
        "from a source the model never met) in which every finding and suspicion fact may only raise the score",
        "and every trust finding only",
        "lower it (bounded coefficients: no attack signal can be learnt as a sign of legitimate mail),",
        "giving the probability that an email is phishing, BEC or another malicious message. It is one",
        "input of the verdict's noisy-OR fusion, scaled by `[model] weight` "
        f"(default {meta.get('model_weight')}), never the verdict on its own.",
        "",
        "## Artifact",
        f"- file: `{artifact.name}` ({artifact.stat().st_size / 1e6:.2f} MB), sha256 `{digest}`",
        "- format: skops, containing only builtins and numpy arrays; Rempart checks every type against an "
        "explicit trusted list before loading and refuses anything else (no pickle, no code).",
        f"- trained {meta.get('trained_at')} at commit `{meta.get('commit')}` (the analyzers of that commit "
        "produced the findings it learnt from; retrain when they change much).",
        f"- seed {meta.get('seed')}; settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()),
        "- libraries: " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()),
        "- reproduce (`make train` runs it): `rempart train "
        + " ".join("--labels " + Path(d["file"]).as_posix() for d in meta.get("data", []))
        + f" --out rempart/model/artifact --seed {meta.get('seed')}`",
        "",
        "## Features",
        "- *signals*: every finding code and its weight (strongest per code), the strongest weight per family,",
        "  the analyzers' own noisy-OR score (signal coefficients carry "
        f"{settings.get('signal_penalty', 1.0)}× the text's L2 penalty, so the model does not repeat the analyzers'"
        " verdict more steeply), sender-vs-organisation facts (own domain, known vendor, freemail,",
        "  impersonation, lookalike), links (share pointing to the sender's or the organisation's domain,",
        "  share with findings, form actions, plain http; not how many links: that is a corpus's format) and",
        "  attachments (count, extension, macros, encryption, archives);",
        "- *text*: hashed distinct word 1–2-grams and character 3–5-grams of the distinct words of subject + the",
        "  sender's own words, each block divided by √(its number of items), with reply prefixes, quoted",
        "  history and signatures dropped, and e-mail addresses, URLs, domain names, numbers and the",
        "  recipient's own name masked to placeholder tokens, accents folded; a text column is learnt only",
        f"  when at least {settings.get('min_rows')} training messages use it"
        + (f" and mail of at least {settings.get('min_families')} source collections does (a word only one "
           "collection uses is its style, not the attack's)" if int(settings.get("min_families", 1)) > 1 else "")
        + ";",
        "- never read: raw headers, list headers, Received structure, dates, X-Spam-* headers,",
        "  Authentication-Results from untrusted authserv-ids. Finding codes dropped as corpus fingerprints: "
        + ", ".join(f"`{c}`" for c in meta.get("excluded_codes", []))
        + ", and every " + ", ".join(f"`{p}*`" for p in meta.get("excluded_prefixes", [])) + ".",
        "- language: text features are used only for English and French (the languages with both",
        "  legitimate and fraudulent training mail); German, Portuguese, Dutch… text is left out so",
        "  \"not English ⇒ phishing\" cannot be learnt. French legitimate mail is weighted "
        f"{settings.get('french_weight')}×.",
        "",
        "## Training data",
        "Labels files (sha256):",
        *[f"- `{d['file']}` `{d['sha256']}`" for d in meta.get("data", [])],
        "",
        f"Rows with split guard/test/holdout are never read. {meta.get('n_train')} messages after dropping "
        f"{meta.get('duplicates_dropped')} near-duplicates (same normalised body hash; a hash seen in both",
        f"classes is dropped), {meta.get('spam_rows')} spam rows kept out of training, "
        f"{meta.get('unreadable')} unreadable.",
        "",
        "Mail actually read, per source (SHA-256 over each message file's SHA-256, in path order):",
        *[f"- {k}: `{v}`" for k, v in meta.get("data_digests", {}).items()],
        "",
        "| source : label | messages |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in meta.get("counts", {}).items()],
        "",
        "Detected language of the training text: "
        + ", ".join(f"{k} {v}" for k, v in meta.get("languages", {}).items()) + ".",
        "",
        "## Cross-validated metrics",
        "Out-of-fold scores, pooled. *random*: 5 stratified folds. *grouped*: leave one source out — each",
        "collection (honeypot phishing, one LLM study with its phishing and legitimate halves, SpamAssassin,",
        "each mailing list, each bench organisation) is held out in turn and scored by a model trained on",
        "the others, including its own calibration. Fused = the engine's fusion function over the same",
        "findings and rule hits with that out-of-fold model score. ai_phish @ 1 % FPR: `ai_phish` against",
        "`ai_ham` and all ham.",
        "",
        *_metrics_table(metrics),
        "",
        f"Model calibration error (ECE, 10 bins): random {_num(_ece(metrics, 'random'))}, "
        f"grouped {_num(_ece(metrics, 'grouped'))}.",
        f"Spam (not trained on) flagged by the final model: {_pct(metrics.get('spam_flagged_by_model'))}; "
        f"by the fused verdict: {_pct(metrics.get('spam_flagged_fused'))}.",
        "",
        *_collections_table(metrics),
        *_within_table(metrics),
        "The fused verdict with other `[model] weight` values (same out-of-fold scores):",
        "",
        *_weights_table(metrics),
        "",
        "Per source (share scored ≥ 0.5):",
        "",
        *_per_source(metrics),
        "",
        "## Known limits",
        *_transfer_note(metrics),
        "- The public corpora separate by era, language and list conventions. Random-fold figures mostly",
        "  measure recognising a *source*; the grouped figures — a source never seen — are the honest ones,",
        "  and they are much lower. Treat the model as one weak-to-moderate signal, not a detector.",
        "- Little modern transactional, banking or marketing legitimate mail in training: the only modern",
        "  legitimate business mail is the project's bench (bench/corpus-fr: train halves of "
        f"{_bench_organisations(meta)} fictional",
        "  organisations, writing in French or English). Expect false positives on newsletters and",
        "  notifications unlike those, which the fusion weight keeps below `malicious` on their own.",
        "- AI-written phishing and legitimate mail come from one study with identical neutral headers;",
        "  text style is all that separates them, and a held-out study is judged mostly by the analyzers.",
        "- Languages other than English and French get no text features: the model sees only signals.",
        "- Label noise: the honeypot also caught casino, dating and marketing spam.",
        "- Check drift with `rempart model check --labels CSV` on recent analyst decisions; retrain when",
        "  ECE > 0.10 or a class's score PSI > 0.25, and after large analyzer changes.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
