"""The batch level API: ``mention_levels`` and ``Sections.of(upto=)`` give the levels the per-mention
path gives, on fragments and on real HN postings."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from analyzer.extract import levels
from analyzer.extract.levels import Sections, clause_bounds, mention_level, mention_levels
from analyzer.extract.normalize import to_text

SHARED_DATA = Path(__file__).parents[1].parent / "shared" / "data"


def _spans(text: str, *words: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for w in words for m in re.finditer(re.escape(w), text)]


def test_one_clause_many_mentions_share_its_cue() -> None:
    """Every mention of a clause with "a plus" is preferred, and the clause after it keeps its own cue."""
    text = "Experience with Terraform, Ansible or Chef is a plus. We deploy on AWS."
    spans = sorted(_spans(text, "Terraform", "Ansible", "Chef", "AWS"))
    assert mention_levels(text, spans, Sections.of(text)) == [
        "preferred",
        "preferred",
        "preferred",
        "stack",
    ]


def test_batch_equals_one_at_a_time_across_lines_and_fields() -> None:
    """Mentions on several lines and ``|`` fields get the same level in a batch as one by one."""
    text = (
        "Acme | Senior SRE | Remote\n"
        "Requirements:\n- 3+ years with Kubernetes and Docker\n"
        "Nice to have:\n- Terraform | Datadog\n"
        "Responsibilities:\nYou will build CI/CD pipelines on GitHub Actions."
    )
    spans = sorted(
        _spans(text, "Kubernetes", "Docker", "Terraform", "Datadog", "CI/CD", "GitHub Actions")
    )
    sections = Sections.of(text)
    one_by_one = [mention_level(text, s, e, sections) for s, e in spans]
    assert mention_levels(text, spans, sections) == one_by_one
    assert one_by_one == ["required", "required", "preferred", "preferred", "duty", "duty"]


def _hn_texts(limit: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((SHARED_DATA / "hn" / "items").glob("*.json.gz"))[:3]:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            texts += [to_text(c.get("text") or "") for c in json.load(fh).get("children") or []]
    return texts[:limit]


@pytest.fixture(scope="module")
def hn_texts() -> list[str]:
    if not (SHARED_DATA / "hn" / "items").is_dir():
        pytest.skip(f"real corpus not found at {SHARED_DATA}")
    return _hn_texts(400)


def test_sections_upto_reads_the_same_levels_above_the_cut(hn_texts: list[str]) -> None:
    """Headings below the cut line never change ``level_at`` for an offset at or above it."""
    checked = 0
    for text in hn_texts:
        full = Sections.of(text)
        for upto in range(0, len(text), 97):
            cut = Sections.of(text, upto=upto)
            for offset in range(0, upto + 1, 13):
                assert cut.level_at(offset) == full.level_at(offset), (text[:60], upto, offset)
                checked += 1
    assert checked > 10_000


def test_clause_break_guard_finds_the_same_breaks(hn_texts: list[str]) -> None:
    """The lookahead that lets the clause-break regex skip characters changes no break."""
    plain = re.compile(levels._CLAUSE_BREAK.pattern.removeprefix(r"(?=[\s.])(?:")[:-1])
    lines = [line for text in hn_texts for line in text.split("\n") if line]
    assert len(lines) > 1000
    for line in lines:
        assert [m.span() for m in levels._CLAUSE_BREAK.finditer(line)] == [
            m.span() for m in plain.finditer(line)
        ]


def test_batch_clauses_are_clause_bounds(hn_texts: list[str]) -> None:
    """A batch (clauses read once, headings read down to the last mention) gives each real mention
    the level it gets alone with every heading read, and its clause holds it."""
    word = re.compile(r"\b(AWS|Docker|Kubernetes|Terraform|Jenkins|GCP|Azure)\b")
    compared = 0
    for text in hn_texts:
        spans = [m.span() for m in word.finditer(text)]
        if not spans:
            continue
        sections = Sections.of(text, upto=spans[-1][0])
        batch = mention_levels(text, spans, sections)
        for (start, end), level in zip(spans, batch, strict=True):
            lo, hi = clause_bounds(text, start, end)
            assert lo <= start < end <= hi
            assert level == mention_level(text, start, end, Sections.of(text))
            compared += 1
    assert compared > 50
