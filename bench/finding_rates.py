"""Which finding codes fire on which labels: the tuning view of a labelled set.

    .venv/bin/python bench/finding_rates.py --labels ../shared/corpus/labels.csv [--split S] [--min-weight 0.1]
        [--config F] [--source phishing_pot] [--dump scores.jsonl]

For every code: the share of positives (phish, ai_phish) and negatives (ham, ai_ham) it fires on,
its typical weight, and the ratio — so a weight can be set from what a signal actually separates.
Also lists the negatives that score highest and the positives that score lowest, with their top codes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from rempart.evaluation.labels import read_labels
from rempart.evaluation.runner import _config_for
from rempart.hunt.local import scan_sources
from rempart.message.sources import Source


def _strongest(findings: list[dict]) -> dict[str, float]:
    """Each code once, at its strongest weight (what the fusion counts)."""
    best: dict[str, float] = {}
    for f in findings:
        w = f["weight"]
        if w != 0 and abs(w) > abs(best.get(f["code"], 0.0)):
            best[f["code"]] = w
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", action="append", required=True, type=Path)
    ap.add_argument("--split", default=None)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--min-weight", type=float, default=0.0)
    ap.add_argument("--worst", type=int, default=15, help="how many worst negatives / positives to list")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--config", default=None, help="settings for every labels file (e.g. the model disabled)")
    ap.add_argument("--source", default=None, help="only rows of this source")
    ap.add_argument("--dump", type=Path, default=None,
                    help="write one JSON line per message (label, source, path, score, codes) for later study")
    args = ap.parse_args()

    fired: dict[str, Counter[str]] = defaultdict(Counter)
    weights: dict[str, list[float]] = defaultdict(list)
    totals: Counter[str] = Counter()
    scored: list[tuple[float, str, str, list[str]]] = []
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    for csv_path in args.labels:
        groups: dict[str | None, list] = defaultdict(list)
        for item in read_labels(csv_path, args.split):
            if args.source is None or item.source == args.source:
                groups[_config_for(item, csv_path, args.config)].append(item)
        for cfg, items in groups.items():
            sources = (Source(label=str(i.path), raw=i.path.read_bytes(), error=None) for i in items)
            for item, res in zip(items, scan_sources(sources, config_path=cfg, jobs=args.jobs), strict=True):
                klass = "pos" if item.is_positive else "neg" if item.is_negative else item.label
                totals[klass] += 1
                if res.result is None:
                    continue
                codes = set()
                for f in res.result["findings"]:
                    if abs(f["weight"]) >= args.min_weight:
                        codes.add(f["code"])
                        weights[f["code"]].append(f["weight"])
                for c in codes:
                    fired[c][klass] += 1
                top = [f"{r['code']}={r['weight']:.2f}" for r in res.result["reasons"][:4]]
                scored.append((res.result["score"], klass, f"{item.source}:{item.path.name}", top))
                if dump is not None:
                    dump.write(json.dumps({"label": item.label, "source": item.source, "path": str(item.path),
                                           "score": res.result["score"],
                                           "findings": _strongest(res.result["findings"]),
                                           "rules": {h["id"]: h["weight"] for h in res.result.get("rule_hits", [])}})
                               + "\n")
    if dump is not None:
        dump.close()
    rows = []
    for code, counts in fired.items():
        pos = counts["pos"] / max(totals["pos"], 1)
        neg = counts["neg"] / max(totals["neg"], 1)
        ws = sorted(weights[code])
        rows.append((code, pos, neg, ws[len(ws) // 2], counts))
    rows.sort(key=lambda r: -(r[1] - r[2]))
    if args.json:
        print(json.dumps({"totals": totals, "codes": {r[0]: {"pos": r[1], "neg": r[2], "median_weight": r[3]}
                                                      for r in rows}}))
        return 0
    print(f"totals: {dict(totals)}")
    print(f"{'code':48} {'pos%':>7} {'neg%':>7} {'w':>6}  other")
    for code, pos, neg, w, counts in rows:
        other = {k: v for k, v in counts.items() if k not in ("pos", "neg")}
        print(f"{code:48} {100 * pos:7.2f} {100 * neg:7.2f} {w:6.2f}  {other or ''}")
    negs = sorted((s for s in scored if s[1] == "neg"), key=lambda s: -s[0])[: args.worst]
    poss = sorted((s for s in scored if s[1] == "pos"), key=lambda s: s[0])[: args.worst]
    print("\nhighest-scoring negatives:")
    for s in negs:
        print(f"  {s[0]:.3f} {s[2]}  {' '.join(s[3])}")
    print("\nlowest-scoring positives:")
    for s in poss:
        print(f"  {s[0]:.3f} {s[2]}  {' '.join(s[3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
