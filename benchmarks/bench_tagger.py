"""Tagging throughput and peak memory on the HN corpus, next to two baselines, in one invocation.

    python benchmarks/bench_tagger.py [--hn-dir ../shared/data/hn] [--limit N] [--runs 5] [--cpu N]

Designs tag the same postings (HTML already converted to text, outside the timing):

* ``keyword-scan``: the floor. One compiled regex of every taxonomy alias over lowercased text
  (``analyzer.extract.tagger.keyword_regex``), counting hits; no levels, no roles.
* ``aho-corasick``: the same scan with pyahocorasick (a C automaton), with the same word-boundary
  checks; a second, faster floor.
* ``spacy-baseline``: the obvious spaCy design: a blank English pipeline over every full text
  (``nlp.pipe``) plus a ``PhraseMatcher`` of every alias; no levels, no roles.
* ``tagger``: the full :class:`~analyzer.extract.tagger.Tagger` (mentions, disambiguation,
  levels, roles, language): the product, and the number the targets are about.
* ``tagger-no-roles`` and ``roles-only``: the same tagger with the role classifier replaced by a
  constant, and ``classify_roles`` alone, to show where the tagger's time goes (shown only).

The process is pinned to one CPU (``--cpu``, default the last one it may use). The runs are
interleaved (design A, B, C, ... then again) so a load change on a shared machine hits every
design alike; the median postings/s of ``--runs`` runs is reported. Peak memory is the
tracemalloc peak of one extra, untimed run, over the first half of the postings and over all of
them (the same peak for both means streaming: memory flat in corpus size).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import spacy
from spacy.matcher import PhraseMatcher

from analyzer.extract import tagger as tagger_module
from analyzer.extract.normalize import html_to_text
from analyzer.extract.roles import RoleResult, classify_roles
from analyzer.extract.tagger import Tagger, keyword_regex
from analyzer.extract.taxonomy import load_taxonomy

DEFAULT_HN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hn"


def load_texts(hn_dir: Path, limit: int | None) -> list[str]:
    """The plain texts of the HN comments, in file order, at most ``limit``."""
    texts: list[str] = []
    for path in sorted(hn_dir.glob("items/*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for child in json.load(fh).get("children") or []:
                texts.append(html_to_text(child.get("text") or ""))
                if limit and len(texts) >= limit:
                    return texts
    return texts


def keyword_scan() -> Callable[[list[str]], int]:
    """The floor: one regex over lowercased text per posting."""
    rx = keyword_regex(load_taxonomy())

    def run(texts: list[str]) -> int:
        return sum(1 for text in texts for _ in rx.finditer(text.lower()))

    return run


def aho_corasick() -> Callable[[list[str]], int] | None:
    """The floor with pyahocorasick (a dev dependency), or ``None`` when it is not installed."""
    try:
        import ahocorasick
    except ImportError:
        return None
    automaton = ahocorasick.Automaton()
    for alias in load_taxonomy().aliases:
        automaton.add_word(alias.text.lower(), alias.text)
    automaton.make_automaton()

    def run(texts: list[str]) -> int:
        hits = 0
        for text in texts:
            low = text.lower()
            for end, word in automaton.iter(low):
                start = end - len(word) + 1
                if (start == 0 or not low[start - 1].isalnum()) and (
                    end + 1 == len(low) or not low[end + 1].isalnum()
                ):
                    hits += 1
        return hits

    return run


def spacy_baseline() -> Callable[[list[str]], int]:
    """The obvious design: blank pipeline + PhraseMatcher over every full text."""
    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for alias in load_taxonomy().aliases:
        matcher.add(alias.text, [nlp.make_doc(alias.text)])

    def run(texts: list[str]) -> int:
        return sum(len(matcher(doc)) for doc in nlp.pipe(texts, batch_size=256))

    return run


def full_tagger() -> Callable[[list[str]], int]:
    """The product: skills, levels, roles, language."""
    tagger = Tagger()

    def run(texts: list[str]) -> int:
        return sum(len(result.skills) for result in tagger.tag_many(texts, batch_size=256))

    return run


def tagger_without_roles() -> Callable[[list[str]], int]:
    """The tagger with ``classify_roles`` replaced by a constant (skills, levels, language)."""
    tagger = Tagger()
    constant = RoleResult(is_job_posting=True, roles=[])

    def run(texts: list[str]) -> int:
        real = tagger_module.classify_roles
        tagger_module.classify_roles = lambda text, title=None: constant
        try:
            return sum(len(r.skills) for r in tagger.tag_many(texts, batch_size=256))
        finally:
            tagger_module.classify_roles = real

    return run


def roles_only() -> Callable[[list[str]], int]:
    """The role classifier alone, as the tagger calls it."""

    def run(texts: list[str]) -> int:
        return sum(len(classify_roles(text).roles) for text in texts)

    return run


def measure(
    designs: dict[str, Callable[[list[str]], int]], texts: list[str], runs: int
) -> dict[str, dict[str, float]]:
    """Median postings/s of each design over ``runs`` interleaved runs, and tracemalloc peaks
    (half and full corpus, one untimed run each)."""
    rates: dict[str, list[float]] = {name: [] for name in designs}
    hits: dict[str, int] = {}
    for _ in range(runs):
        for name, run in designs.items():
            started = time.perf_counter()
            hits[name] = run(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    results = {}
    for name, run in designs.items():
        peaks = []
        for subset in (texts[: len(texts) // 2], texts):
            tracemalloc.start()
            run(subset)
            peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
            tracemalloc.stop()
        rate = statistics.median(rates[name])
        results[name] = {"rate": rate, "us_per_posting": 1e6 / rate, "hits": hits[name],
                         "peak_half_mb": peaks[0], "peak_full_mb": peaks[1]}  # fmt: skip
    return results


def pin_to_one_cpu(cpu: int | None) -> int | None:
    """Pin this process to one CPU (the last allowed one by default); ``None`` if unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    chosen = cpu if cpu is not None else max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {chosen})
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table and the two speed ratios of issue 4."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hn-dir", type=Path, default=DEFAULT_HN)
    parser.add_argument("--limit", type=int, default=None, help="at most N postings")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per design (median)")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: last)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if not (args.hn_dir / "items").is_dir():
        print(f"no HN corpus at {args.hn_dir}", file=sys.stderr)
        return 2
    cpu = pin_to_one_cpu(args.cpu)
    texts = load_texts(args.hn_dir, args.limit)
    candidates = {
        "keyword-scan": keyword_scan(),
        "aho-corasick": aho_corasick(),
        "spacy-baseline": spacy_baseline(),
        "tagger": full_tagger(),
        "tagger-no-roles": tagger_without_roles(),
        "roles-only": roles_only(),
    }
    designs = {name: run for name, run in candidates.items() if run is not None}
    results = measure(designs, texts, args.runs)
    tagger = results["tagger"]["rate"]
    summary: dict[str, object] = {
        "postings": len(texts),
        "runs": args.runs,
        "cpu": cpu,
        "results": results,
        "tagger_vs_spacy_baseline": tagger / results["spacy-baseline"]["rate"],
        "tagger_vs_keyword_scan": tagger / results["keyword-scan"]["rate"],
    }
    if "aho-corasick" in results:
        summary["tagger_vs_aho_corasick"] = tagger / results["aho-corasick"]["rate"]
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(
        f"{len(texts):,} HN postings, median of {args.runs} interleaved runs, pinned to CPU {cpu}"
    )
    print(f"{'design':<17}{'postings/s':>11}{'us/posting':>11}{'hits':>9}"
          f"{'peak MB (half)':>16}{'peak MB (all)':>15}")  # fmt: skip
    for name, r in results.items():
        print(f"{name:<17}{r['rate']:>11,.0f}{r['us_per_posting']:>11.1f}{r['hits']:>9,}"
              f"{r['peak_half_mb']:>16.1f}{r['peak_full_mb']:>15.1f}")  # fmt: skip
    print(f"tagger / spacy-baseline: {summary['tagger_vs_spacy_baseline']:.2f}x (target >= 5)")
    print(f"tagger / keyword-scan:   {summary['tagger_vs_keyword_scan']:.2f}x (target >= 0.25)")
    if "tagger_vs_aho_corasick" in summary:
        print(f"tagger / aho-corasick:   {summary['tagger_vs_aho_corasick']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
