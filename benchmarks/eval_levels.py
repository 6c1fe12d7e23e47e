"""Score the tagger's family levels on the gold labels, by halves, and list the disagreements.

Usage::

    .venv/bin/python benchmarks/eval_levels.py [--labels ../shared/data/labels/dev.jsonl]
        [--hn ../shared/data/hn] [--split] [--errors {dev,check,all}] [--family cloud]

Prints involved and requires F1 per family of the annotation guide on the full label set and,
with ``--split``, on its two halves by ``md5(id) % 2``: half 0 is the *development* half (read its
errors to write a rule), half 1 the *check* half (a rule is kept only if it does not hurt it).
``--errors dev`` lists every family-level disagreement of the development half with the text
around each mention of that family (``check`` or ``all`` for the others; use sparingly).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from analyzer.extract.evaluate import GUIDE_FAMILIES, evaluate_labels
from analyzer.extract.tagger import Tagger
from analyzer.pipeline import hn_texts

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def half(posting_id: Any) -> int:
    """The half of the label set a posting belongs to: ``md5(str(id)) % 2``."""
    return int(hashlib.md5(str(posting_id).encode()).hexdigest(), 16) % 2


def scores(gold: list[dict[str, Any]], predicted: dict[Any, dict[str, Any]]) -> str:
    """One line per family: involved F1 and requires F1 (with gold positives) on ``gold``."""
    report = evaluate_labels(gold, predicted)
    parts = []
    for family in GUIDE_FAMILIES:
        inv, req = report.involved[family], report.requires[family]
        parts.append(
            f"{family:<14} inv {inv.f1:.3f} (fp {inv.fp} fn {inv.fn})  "
            f"req {req.f1:.3f} (fp {req.fp} fn {req.fn}, gold {req.tp + req.fn})"
        )
    return f"n={report.n}\n" + "\n".join(parts)


def context(text: str, start: int, end: int, width: int = 110) -> str:
    """The text around a mention, on one line, the mention bracketed."""
    lo, hi = max(0, start - width), min(len(text), end + 40)
    snippet = text[lo:start] + "[[" + text[start:end] + "]]" + text[end:hi]
    return snippet.replace("\n", " / ")


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", default=str(DATA / "labels" / "dev.jsonl"))
    ap.add_argument("--hn", default=str(DATA / "hn"))
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--errors", choices=("dev", "check", "all"))
    ap.add_argument("--family", choices=GUIDE_FAMILIES)
    args = ap.parse_args(argv)

    gold = [json.loads(line) for line in Path(args.labels).read_text("utf-8").splitlines() if line]
    texts = hn_texts(args.hn, {int(g["id"]) for g in gold})
    gold = [g for g in gold if g["id"] in texts]
    tagger = Tagger()
    results = dict(zip(texts, tagger.tag_many(texts.values()), strict=True))
    predicted = {i: r.as_label(i) for i, r in results.items()}

    print("full", scores(gold, predicted))
    if args.split:
        for h, name in ((0, "development"), (1, "check")):
            print(
                f"\nhalf {h} ({name})", scores([g for g in gold if half(g["id"]) == h], predicted)
            )
    if args.errors:
        wanted = {"dev": (0,), "check": (1,), "all": (0, 1)}[args.errors]
        families = (args.family,) if args.family else GUIDE_FAMILIES
        for g in gold:
            if half(g["id"]) not in wanted:
                continue
            for family in families:
                p = predicted[g["id"]][family]
                if p == g[family]:
                    continue
                print(f"\n=== {g['id']} {family}: gold {g[family]} / predicted {p}")
                if family in g.get("evidence", {}):
                    print(f"  evidence: {g['evidence'][family]!r}")
                if g.get("notes"):
                    print(f"  notes: {g['notes']}")
                text = texts[g["id"]]
                for m in results[g["id"]].skills:
                    if m.family == family:
                        print(f"  {m.level:<9} {context(text, m.start, m.end)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
