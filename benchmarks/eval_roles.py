"""Measure the role classifier on the gold labels: accuracy, per-role F1, speed, errors.

Usage::

    .venv/bin/python benchmarks/eval_roles.py [--labels ../shared/data/labels/dev.jsonl]
        [--hn ../shared/data/hn] [--split] [--errors] [--speed]

Prints ``is_job_posting`` accuracy, backend-or-fullstack precision/recall/F1 (the issue's target),
per-role F1, and with ``--speed`` the median time per posting over the whole HN corpus.
``--split`` also scores the two halves of dev by comment-id parity: the rules of ``roles.v2``
were developed reading errors of the even half only, so the odd half is their held-out check
(``--errors`` with ``--split`` lists the even half's errors only, to keep it that way).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from analyzer.extract.roles import classify_roles

try:
    from analyzer.extract.normalize import html_to_text
except ImportError:  # the normalizer lands separately; a minimal stand-in keeps this usable
    import html

    def html_to_text(raw: str) -> str:  # type: ignore[misc]
        """Strip HN comment markup to text (fallback)."""
        raw = re.sub(r"<p>|<br\s*/?>", "\n", raw or "")
        return html.unescape(re.sub(r"<[^>]+>", "", raw))


DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TARGET = {"backend", "fullstack"}


def iter_hn_comments(hn: Path) -> Iterator[dict]:
    """Yield every top-level comment of the stored HN threads."""
    for path in sorted((hn / "items").glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            story = json.load(fh)
        yield from story.get("children", [])


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (0 when undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(
    labels: list[dict], texts: dict[int, str], show_errors: bool, per_role: bool = True
) -> dict[str, float]:
    """Score the classifier against gold labels; print a report; return the headline numbers."""
    job_ok = 0
    counts = {"tp": 0, "fp": 0, "fn": 0}
    role_counts: dict[str, list[int]] = {}
    for lab in labels:
        text = texts.get(lab["id"], "")
        res = classify_roles(text)
        job_ok += res.is_job_posting == lab["is_job_posting"]
        gold, pred = set(lab["roles"]), set(res.roles)
        g, p = bool(gold & TARGET), bool(pred & TARGET)
        counts["tp"] += g and p
        counts["fp"] += p and not g
        counts["fn"] += g and not p
        for role in gold | pred:
            c = role_counts.setdefault(role, [0, 0, 0])
            c[0] += role in gold and role in pred
            c[1] += role in pred and role not in gold
            c[2] += role in gold and role not in pred
        if show_errors and (g != p or res.is_job_posting != lab["is_job_posting"]):
            print(
                f"--- {lab['id']} gold={sorted(gold)} pred={sorted(pred)} {lab.get('notes', '')[:90]}"
            )
            print("   ", text[:300].replace("\n", " / "))
    n = len(labels)
    p, r, f = prf(counts["tp"], counts["fp"], counts["fn"])
    print(f"postings: {n}")
    print(f"is_job_posting accuracy: {job_ok / n:.3f}")
    print(f"backend-or-fullstack: P={p:.3f} R={r:.3f} F1={f:.3f} {counts}")
    for role in sorted(role_counts) if per_role else []:
        rp, rr, rf = prf(*role_counts[role])
        print(f"  {role:12s} P={rp:.3f} R={rr:.3f} F1={rf:.3f}")
    return {"job_accuracy": job_ok / n, "bf_f1": f}


def speed(hn: Path, runs: int = 3) -> None:
    """Print the median per-posting CPU time of classify_roles over the whole HN corpus.

    CPU time (``process_time``), not wall time: the machine is shared, and waiting for a core
    is not the classifier's cost. A bare keyword scan is timed alongside for scale.
    """
    texts = [html_to_text(c.get("text") or "") for c in iter_hn_comments(hn)]
    keywords = re.compile(r"\b(?:aws|docker|kubernetes|terraform|jenkins)\b")
    timings, scans = [], []
    for _ in range(runs):
        t0 = time.process_time()
        for t in texts:
            classify_roles(t)
        timings.append(time.process_time() - t0)
        t0 = time.process_time()
        for t in texts:
            keywords.findall(t.lower())
        scans.append(time.process_time() - t0)
    med, scan = statistics.median(timings), statistics.median(scans)
    print(
        f"speed: {len(texts)} postings, median of {runs} runs {med:.2f} s CPU, "
        f"{1000 * med / len(texts):.4f} ms/posting (bare 5-keyword scan: "
        f"{1000 * scan / len(texts):.4f} ms/posting)"
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", type=Path, default=DATA / "labels" / "dev.jsonl")
    ap.add_argument("--hn", type=Path, default=DATA / "hn")
    ap.add_argument("--split", action="store_true", help="also score the even/odd-id halves")
    ap.add_argument("--errors", action="store_true", help="print every misclassified posting")
    ap.add_argument("--speed", action="store_true", help="time the classifier on the HN corpus")
    args = ap.parse_args(argv)
    labels = [json.loads(line) for line in args.labels.read_text().splitlines() if line.strip()]
    wanted = {lab["id"] for lab in labels}
    texts = {
        c["id"]: html_to_text(c.get("text") or "")
        for c in iter_hn_comments(args.hn)
        if c["id"] in wanted
    }
    if args.split:
        for name, parity in (("even half (developed on)", 0), ("odd half (held out)", 1)):
            print(f"== {name}")
            half = [lab for lab in labels if lab["id"] % 2 == parity]
            evaluate(half, texts, args.errors and parity == 0, per_role=False)
        print("== all")
    evaluate(labels, texts, args.errors and not args.split)
    if args.speed:
        speed(args.hn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
