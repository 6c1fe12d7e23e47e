"""The tagger's fast paths give exactly what the plain computations they replace give.

Each test compares a shortcut with the straightforward form it stands for: the scan that
lowercases a text only when it has a candidate, the stop-word vote summed in one packed integer,
heading phrases matched only where they may open a line, and the result built without
per-family lists. Fragments are quoted from the HN "Who is hiring?" corpus where marked.
"""

from __future__ import annotations

import re

import pytest

from analyzer.extract import levels
from analyzer.extract.levels import strongest
from analyzer.extract.mentions import MentionFinder
from analyzer.extract.normalize import _PUNCTUATION, _STOPWORDS, detect_language
from analyzer.extract.tagger import Mention, Tagger
from analyzer.models import FAMILIES


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


@pytest.fixture(scope="module")
def finder(tagger: Tagger) -> MentionFinder:
    return tagger.mentions


SCAN_TEXTS = [
    "",
    "We are hiring a designer in Paris",  # ASCII, no candidate: the text is never lowercased
    "Senior SRE - AWS, GCP, KUBERNETES and Terraform",  # upper case in ASCII text
    "We’re on AWS—and GCP… “Kubernetes” • Terraform",  # punctuation blanked: scanned as ASCII
    "Experiência com AWS e integração contínua (CI/CD)",  # accents: the text path
    "İstanbul office: we use AWS",  # lowercasing adds a character
    "\u212a8s and AWS",  # KELVIN SIGN lowercases to ASCII "k"
    # 11413782
    "(http://grnh.se/xbmvf2) - AWS, EC2, Docker, GNU/Linux, Vagrant, MySQL, CF Engine/Chef/Puppet",
]


@pytest.mark.parametrize("text", SCAN_TEXTS)
def test_scan_text_equals_the_scan_of_the_lowercased_text(finder: MentionFinder, text: str) -> None:
    """``scan_text(text)`` finds the hits ``scan(text.lower())`` finds, and hands back
    ``text.lower()`` whenever there is a hit."""
    low, hits = finder.scan.scan_text(text)
    assert hits == finder.scan(text.lower())
    if hits:
        assert low == text.lower()


def test_scan_text_skips_lowercasing_without_a_candidate(finder: MentionFinder) -> None:
    """An ASCII text with no alias anywhere costs no lowercased copy: ``""`` stands for it."""
    assert finder.scan.scan_text("We are hiring a designer in Paris") == ("", [])
    low, hits = finder.scan.scan_text("We use AWS")
    assert (low, hits) == ("we use aws", [(7, 10)])


def _reference_language(text: str) -> str:
    """The stop-word vote counted word by word (the form the packed sum replaces)."""
    sample = re.sub(r"https?://\S+|www\.\S+|\.com\b", " ", text[:800].lower())
    words = re.findall(r"[a-zà-ỹ]+", sample)
    if not words:
        return "other"
    plain = "".join(" " if c in _PUNCTUATION else c for c in sample).isascii()
    vi_marks = re.findall(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", sample)
    if not plain and len(vi_marks) >= max(3, len(words) // 20):
        return "vi"
    counts = {lang: sum(w in stops for w in words) for lang, stops in _STOPWORDS.items()}
    if counts["pt"] and not plain and re.search(r"[ãõç]|ção\b|ções\b", sample):
        counts["pt"] += 2
    if counts["es"] and not plain and re.search(r"ñ|ción\b|¿|¡", sample):
        counts["es"] += 2
    best = max(counts, key=counts.__getitem__)
    if counts[best] < 3 or counts[best] < 0.05 * len(words):
        return "other"
    return best


@pytest.mark.parametrize(
    "text",
    [
        # 3652563
        "New Relic - Portland OR/San Francisco (http://newrelic.com/jobs) We are looking for"
        " engineers who love to work on the team",
        "Requisitos: experiência com AWS e Kubernetes, conhecimento de Terraform para a vaga",
        "Buscamos desarrolladores con experiencia en AWS y conocimientos de Kubernetes para el"
        " trabajo",
        "Công ty tuyển kỹ sư DevOps, yêu cầu kinh nghiệm với AWS và Kubernetes trong năm",
        "a " * 400,  # the most words a sample can hold (400): no packed digit overflows
        "de que " * 200,  # words shared by pt and es count for both
        "AWS GCP Kubernetes Terraform",
        "",
    ],
)
def test_packed_stop_word_counts_equal_word_by_word_counts(text: str) -> None:
    """Summing packed per-language digits gives the language the word-by-word vote gives."""
    assert detect_language(text) == _reference_language(text)


def test_packed_counts_hold_a_full_sample_of_one_language() -> None:
    """400 English stop words (a full 800-character sample) still count as English, and a
    packed digit does not spill into the next language's."""
    assert detect_language("a " * 400) == "en"
    assert detect_language("a " * 400 + "de que " * 100) == "en"  # only the first 800 count
    assert detect_language("de que " * 200) == "pt"  # pt/es tie: pt comes first


def _reference_phrase_level(text: str, anywhere: bool) -> str | None:
    """The opening-phrase test written as "the leftmost match starts at offset 12 or before"."""
    for level, rx in levels._PHRASES:
        found = rx.search(text)
        if found and (anywhere or found.start() <= 12):
            return level
    return None


@pytest.mark.parametrize(
    "text",
    [
        "requirements",
        "x" * 12 + "requirements",  # starts at 12: opens the heading
        "x" * 13 + "requirements",  # starts at 13: does not
        "the ideal candidate",
        "our stack and our requirements",
        "about the role",
        "what you'll do",
        "senior backend engineer",
        "",
    ],
)
@pytest.mark.parametrize("anywhere", [False, True])
def test_opening_phrase_match_equals_leftmost_search(text: str, anywhere: bool) -> None:
    """Matching a heading phrase within the first 12 characters gives the level a full search
    gives when it checks where the leftmost match starts."""
    assert levels._phrase_level(text, anywhere) == _reference_phrase_level(text, anywhere)


def test_family_levels_are_the_strongest_of_their_mentions(tagger: Tagger) -> None:
    """Each family's level is the strongest level among its mentions (``strongest``), and
    families without a mention are absent; mentions are named tuples with ``as_dict``."""
    text = (
        "Our stack: AWS, Docker\n"
        "Requirements:\n"
        "- 3+ years of experience with AWS\n"
        "Nice to have: Terraform, Prometheus"
    )
    result = tagger.tag(text)
    by_family: dict[str, list[str]] = {}
    for mention in result.skills:
        assert isinstance(mention, Mention)
        by_family.setdefault(mention.family, []).append(mention.level)
    expected = {f: strongest(by_family.get(f, [])) for f in FAMILIES}
    assert result.levels == expected
    assert result.levels["cloud"] == "required"
    first = result.skills[0]
    assert first.as_dict() == {
        "skill": first.skill,
        "family": first.family,
        "level": first.level,
        "start": first.start,
        "end": first.end,
    }
    assert text[first.start : first.end] == "AWS"
