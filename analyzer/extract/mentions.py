"""Skill mentions, fast: one regex scan, spaCy's tokenizer on the words it hits, and spaCy's
``PhraseMatcher`` only where tokens decide.

A mention is what two ``PhraseMatcher``s (``LOWER`` for ordinary aliases, ``ORTH`` for cased ones)
would find over spaCy tokens, the longest span winning (``filter_spans``). Running spaCy over
every posting is slow, so :class:`MentionFinder` gets the same answer in three steps:

1. **Scan**: one compiled regex (a character trie of every lowercased alias, starting after a
   non-alphanumeric character) over the lowercased text. Two postings in three have no hit and
   cost nothing more.
2. **Check each hit with spaCy's tokenizer**: spaCy tokenizes each whitespace-free chunk on its
   own, so the tokens of the chunks a hit touches (cached per chunk string) say whether the hit
   starts and ends on token boundaries (URLs and e-mail addresses are single tokens, so
   ``aws.amazon.com`` is no mention), and which alias its tokens spell (``LOWER``, then
   ``ORTH`` for cased aliases). A hit is decided right there when no longer phrase of the
   taxonomy could overlap it: neither the token before it nor the token after it forms, with
   its edge token, a consecutive pair of any multi-token alias.
3. **Everything else** (a chunk too long to check, tokens that do not spell the alias, a
   possible overlapping phrase, ambiguous duplicate patterns) goes to spaCy: the line window
   around the hits (60 characters each side, widened to whole chunks) is tokenized
   (``nlp.tokenizer.pipe``, batched across postings) and both matchers run over it. A text whose
   lowercase has another length (offsets would drift) is matched whole.

The mentions are the same as those of both matchers over every full text: checked on the
51,388 HN comments and 3,218 GitHub issue bodies of ``../shared/data``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from typing import Any, cast

import ahocorasick
import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Span
from spacy.util import compile_infix_regex, filter_spans

from analyzer.extract.taxonomy import Alias, Taxonomy

__all__ = ["Hit", "MentionFinder", "keyword_regex", "make_nlp", "trie_pattern"]

#: One mention found in a text: (start, end, alias), offsets into the original text.
Hit = tuple[int, int, Alias]

#: Characters of context tokenized on each side of a hit sent to spaCy.
WINDOW = 60

#: Longest whitespace-free chunk checked with the chunk cache; longer ones (URLs) go to spaCy.
_REACH = 64

#: What a hit's tokens say: its first and last token (lowercased), the tokens right before and
#: after it in its own chunks, and the alias its tokens spell (``None``: none; ``_UNSAFE``: ask
#: spaCy).
_Spelled = tuple[str, str, str, str, "Alias | object | None"]

#: Chunk tokenizations kept before the cache is cleared (memory stays flat).
_CACHE_SIZE = 100_000

_UNSAFE = object()  # a hit that only a spaCy window can decide


def trie_pattern(words: Iterable[str]) -> str:
    """An efficient regex alternation of ``words``: a character trie, so matching never backtracks
    over hundreds of alternatives at every position."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def keyword_regex(taxonomy: Taxonomy) -> re.Pattern[str]:
    """One compiled regex matching every alias of the taxonomy in lowercased text, as whole words.

    This is the plain form of the scan (a lookbehind at every position), and on its own the
    "bare keyword scan" floor of the benchmark.
    """
    words = {a.text.lower() for a in taxonomy.aliases}
    return re.compile(r"(?<![a-z0-9])" + trie_pattern(words) + r"(?![a-z0-9])")


def make_nlp() -> spacy.language.Language:
    """A blank English pipeline whose tokenizer also splits on ``, / ( ) | ; : + &`` and their
    full-width forms (``，、；：（）｜``) between any characters, so "EC2,S3", "AWS/GCP" or
    "Docker，AWS" yield separate tokens."""
    nlp = spacy.blank("en")
    infixes = [*(nlp.Defaults.infixes or ()), r"[,/()|;:+&\[\]，、；：（）｜]"]
    tokenizer(nlp).infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


def tokenizer(nlp: spacy.language.Language) -> Tokenizer:
    """The pipeline's tokenizer, typed (``Language.tokenizer`` is typed as any callable)."""
    return cast(Tokenizer, nlp.tokenizer)


#: Bytes kept as they are (a-z, 0-9); every other byte, separators included, becomes a space.
_SEPARATORS = bytes(i if 97 <= i <= 122 or 48 <= i <= 57 else 32 for i in range(256))

#: The same for ASCII text not yet lowercased: A-Z become a-z.
_LOWER_SEPARATORS = bytes(i + 32 if 65 <= i <= 90 else _SEPARATORS[i] for i in range(256))

#: Non-ASCII characters common in postings, all separators: blanked so most texts scan as ASCII.
_PUNCTUATION = "’—–“”•£…€‘™\xad\u200b→·\xa0，、；：（）｜"


class _Scanner:
    """The hits of the trie regex in lowercased text: the same (start, end) pairs as
    :func:`keyword_regex`, found faster.

    Every alias starts and ends with ``[a-z0-9]``. On text that is ASCII (once common punctuation
    is blanked), every separator becomes a space in a copy (one C-level ``translate``), and an
    Aho-Corasick automaton of the aliases, their separators blanked too and a space on each side,
    finds in one C pass every place where an alias may start; each is then matched exactly on
    the lowercased text, left to right (every real hit start is such a place). Other texts use
    a regex led by a consumed separator, which skips the letters between separators.
    """

    def __init__(self, words: set[str]) -> None:
        trie = trie_pattern(words)
        self.fast = all(w[:1].isascii() and w[:1].isalnum() for w in words) and all(
            w[-1:].isascii() and w[-1:].isalnum() for w in words
        )
        if self.fast:
            self._inner = re.compile(r"[^a-z0-9](" + trie + r")(?![a-z0-9])")
            self._first = re.compile(r"(?:" + trie + r")(?![a-z0-9])")
            blanked = {w.encode().translate(_SEPARATORS).decode("ascii") for w in words}
            # the blanked aliases between spaces, found in one C pass (an Aho-Corasick automaton)
            self._automaton = ahocorasick.Automaton()
            for word in blanked:
                self._automaton.add_word(f" {word} ", len(word) + 2)
            self._automaton.make_automaton()
        else:  # an alias edge that is not alphanumeric: keep the lookbehind form
            self._inner = re.compile(r"(?<![a-z0-9])(" + trie + r")(?![a-z0-9])")

    def __call__(self, low: str) -> list[tuple[int, int]]:
        if not self.fast:
            return [m.span(1) for m in self._inner.finditer(low)]
        plain = low
        if not plain.isascii():
            for mark in _PUNCTUATION:
                if mark in plain:
                    plain = plain.replace(mark, " ")  # one character for one: offsets hold
            if not plain.isascii():
                return self._separator_scan(low)
        # spaced[j] is the character before low[j] (a space for the start of the text)
        spaced = f" {plain.encode('ascii').translate(_SEPARATORS).decode('ascii')} "
        return self._exact(low, self._starts(spaced))

    def scan_text(self, text: str) -> tuple[str, list[tuple[int, int]]]:
        """``(text.lower(), its hits)``, as ``self(text.lower())`` gives them; on text that is
        ASCII once punctuation is blanked, the lowercased copy is made only when the automaton
        finds a place where a hit may start (otherwise ``""`` stands for it)."""
        plain = text
        if self.fast and not plain.isascii():
            for mark in _PUNCTUATION:  # no case: blanking them commutes with lowercasing
                if mark in plain:
                    plain = plain.replace(mark, " ")
        if not self.fast or not plain.isascii():
            low = text.lower()
            return low, self(low)
        # one translate lowercases A-Z and blanks separators: the ``spaced`` of ``__call__``
        starts = self._starts(
            f" {plain.encode('ascii').translate(_LOWER_SEPARATORS).decode('ascii')} "
        )
        if not starts:
            return "", []
        low = text.lower()
        return low, self._exact(low, starts)

    def _starts(self, spaced: str) -> list[int]:
        """Where in the lowercased text an alias may start (ascending), from its ``spaced`` copy."""
        return sorted({end - size + 1 for end, size in self._automaton.iter(spaced)})

    def _exact(self, low: str, starts: list[int]) -> list[tuple[int, int]]:
        """The hits at ``starts``, matched exactly on the lowercased text, left to right."""
        exact = self._first.match
        hits: list[tuple[int, int]] = []
        pos = 0
        for start in starts:
            if start >= pos and (hit := exact(low, start)) is not None:
                hits.append(hit.span())
                pos = hit.end()
        return hits

    def _separator_scan(self, low: str) -> list[tuple[int, int]]:
        first = self._first.match(low)
        if first is None:
            return [m.span(1) for m in self._inner.finditer(low)]
        return [first.span(), *(m.span(1) for m in self._inner.finditer(low, first.end()))]


class MentionFinder:
    """Finds the alias mentions of a taxonomy in plain texts (see the module docstring).

    Args:
        taxonomy: the loaded taxonomy.
        nlp: the blank pipeline whose tokenizer defines tokens (:func:`make_nlp`).
    """

    def __init__(self, taxonomy: Taxonomy, nlp: spacy.language.Language) -> None:
        self.taxonomy = taxonomy
        self.nlp = nlp
        self.scan = _Scanner({a.text.lower() for a in taxonomy.aliases})
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._alias_of: dict[int, Alias] = {}
        # token tuple -> aliases spelled by it: LOWER tuples for plain aliases, ORTH for cased
        self._by_lower: dict[tuple[str, ...], list[Alias]] = {}
        self._by_orth: dict[tuple[str, ...], list[Alias]] = {}
        self._pairs: set[tuple[str, str]] = set()  # consecutive tokens inside multi-token aliases
        self._chunks: dict[str, tuple[tuple[int, int], ...]] = {}
        self._regions: dict[tuple[str, str, str], _Spelled | None] = {}
        for alias in taxonomy.aliases:
            key = ("cased:" if alias.cased else "lower:") + alias.text
            self._alias_of[nlp.vocab.strings.add(key)] = alias
            pattern = nlp.make_doc(alias.text)
            (self._orth if alias.cased else self._lower).add(key, [pattern])
            if alias.cased:
                self._by_orth.setdefault(tuple(t.text for t in pattern), []).append(alias)
            else:
                self._by_lower.setdefault(tuple(t.lower_ for t in pattern), []).append(alias)
            self._pairs.update(pairwise(t.lower_ for t in pattern))
        self._firsts = {a for a, _ in self._pairs}
        self._seconds = {b for _, b in self._pairs}
        # aliases that are not single-space separated words cannot be checked chunk by chunk
        self._odd = {
            a.text.lower()
            for a in taxonomy.aliases
            if "  " in a.text or any(c.isspace() and c != " " for c in a.text)
        }

    def find(self, texts: list[str]) -> list[list[Hit]]:
        """The mentions of each text, each list in text order (longest span wins)."""
        found: list[list[Hit]] = [[] for _ in texts]
        windows: list[tuple[int, int, int]] = []  # (text index, start, end) for spaCy
        for i, text in enumerate(texts):
            low, hits = self.scan.scan_text(text)
            if not hits:
                continue
            if len(low) != len(text):  # lowercasing moved the offsets: spaCy on the whole text
                windows.append((i, 0, len(text)))
                continue
            decided = [self._decide(text, s, e) for s, e in hits]
            if _UNSAFE not in decided:
                found[i] = [d for d in decided if d is not None]  # type: ignore[misc]
                continue
            kept: list[Hit] = []
            for lo, hi, members in _windows(low, hits):
                if any(decided[k] is _UNSAFE for k in members):
                    windows.append((i, lo, hi))
                else:
                    kept.extend(d for k in members if (d := decided[k]) is not None)  # type: ignore[misc]
            found[i] = kept
        if windows:
            self._match_windows(texts, windows, found)
        return found

    # -- internals ------------------------------------------------------------------------------

    def _tokens(self, chunk: str) -> tuple[tuple[int, int], ...]:
        """(start, end) of each spaCy token of a whitespace-free chunk (cached per chunk)."""
        spans = self._chunks.get(chunk)
        if spans is None:
            if len(self._chunks) >= _CACHE_SIZE:
                self._chunks.clear()
            spans = tuple((t.idx, t.idx + len(t)) for t in self.nlp.make_doc(chunk))
            self._chunks[chunk] = spans
        return spans

    def _edge_token(self, run: str, last: bool) -> str:
        """The last (or first) spaCy token of a whitespace-free run."""
        a, b = self._tokens(run)[-1 if last else 0]
        return run[a:b]

    def _spelled(self, left: str, middle: str, right: str) -> _Spelled | None:
        """The tokens of a hit ``middle`` between the chunk parts ``left`` and ``right``, and the
        tokens touching it in those parts; ``None`` when tokens straddle the hit (cached)."""
        key = (left, middle, right)
        if key in self._regions:
            return self._regions[key]
        if len(self._regions) >= _CACHE_SIZE:
            self._regions.clear()
        result: _Spelled | None = None
        if middle.lower() not in self._odd:
            # Tokens partition each chunk: the hit is token-aligned unless a token straddles it.
            region = left + middle + right
            hs, he = len(left), len(left) + len(middle)
            inside: list[str] = []
            before = after = ""
            offset = 0
            aligned = True
            for chunk in region.split(" "):
                for a, b in self._tokens(chunk):
                    a += offset
                    b += offset
                    if b <= hs:
                        before = region[a:b]
                    elif a >= he:
                        after = after or region[a:b]
                    elif a >= hs and b <= he:
                        inside.append(region[a:b])
                    else:
                        aligned = False
                offset += len(chunk) + 1
            if aligned and inside:
                result = (inside[0].lower(), inside[-1].lower(), before, after, self._alias(inside))
        self._regions[key] = result
        return result

    def _decide(self, text: str, s: int, e: int) -> Hit | object | None:
        """The mention a regex hit at ``text[s:e]`` is, ``None`` if none, or ``_UNSAFE``."""
        left = right = ""
        if s and not text[s - 1].isspace():
            left = _run_before(text, s)
            if not left:
                return _UNSAFE
        if e < len(text) and not text[e].isspace():
            right = _run_after(text, e)
            if not right:
                return _UNSAFE
        spelled = self._spelled(left, text[s:e], right)
        if spelled is None:
            return _UNSAFE
        first, last, before, after, alias = spelled
        if alias is _UNSAFE:
            return _UNSAFE
        # A longer phrase could overlap the hit only through the token before or after it.
        if first in self._seconds:
            if not left and s >= 2 and text[s - 1] == " " and not text[s - 2].isspace():
                run = _run_before(text, s - 1)
                if not run:
                    return _UNSAFE
                before = self._edge_token(run, last=True)
            if before and (before.lower(), first) in self._pairs:
                return _UNSAFE
        if last in self._firsts:
            if not right and e + 1 < len(text) and text[e] == " " and not text[e + 1].isspace():
                run = _run_after(text, e + 1)
                if not run:
                    return _UNSAFE
                after = self._edge_token(run, last=False)
            if after and (last, after.lower()) in self._pairs:
                return _UNSAFE
        return None if alias is None else (s, e, alias)

    def _alias(self, tokens: list[str]) -> Alias | object | None:
        """The alias a token sequence spells: ``LOWER`` patterns first, as ``filter_spans``
        keeps the first of equal spans; ``_UNSAFE`` when two different aliases tie."""
        orth = tuple(tokens)
        candidates = self._by_lower.get(tuple(t.lower() for t in orth)) or self._by_orth.get(orth)
        if not candidates:
            return None
        if len(candidates) > 1 and len({(a.skill, a.context, a.reject) for a in candidates}) > 1:
            return _UNSAFE  # which one spaCy reports first is not defined
        return candidates[0]

    def _match_windows(
        self, texts: list[str], windows: list[tuple[int, int, int]], found: list[list[Hit]]
    ) -> None:
        """Match the windows with spaCy and merge their mentions into ``found`` (text order)."""
        touched: set[int] = set()
        pieces = (texts[i][s:e] for i, s, e in windows)
        for (i, s, _e), doc in zip(windows, tokenizer(self.nlp).pipe(pieces), strict=True):
            matches = [*self._lower(doc), *self._orth(doc)]
            for span in filter_spans([Span(doc, a, b, label=mid) for mid, a, b in matches]):
                found[i].append(
                    (s + span.start_char, s + span.end_char, self._alias_of[span.label])
                )
            touched.add(i)
        for i in touched:
            found[i].sort(key=lambda hit: hit[0])


def _run_before(text: str, at: int) -> str:
    """The whitespace-free run of ``text`` ending at ``at`` ("" when longer than the reach)."""
    run = text[max(0, at - _REACH) : at].rsplit(None, 1)[-1]
    return "" if len(run) == _REACH else run


def _run_after(text: str, at: int) -> str:
    """The whitespace-free run of ``text`` starting at ``at`` ("" when longer than the reach)."""
    run = text[at : at + _REACH].split(None, 1)[0]
    return "" if len(run) == _REACH else run


def _windows(low: str, hits: list[tuple[int, int]]) -> list[tuple[int, int, list[int]]]:
    """The spans spaCy tokenizes around ``hits``: each hit's line, clipped to :data:`WINDOW`
    characters on each side of it, overlapping spans merged; with the indexes of their hits."""
    spans: list[tuple[int, int, list[int]]] = []
    for k, (s, e) in enumerate(hits):
        line_start = low.rfind("\n", 0, s) + 1
        line_end = low.find("\n", e)
        line_end = len(low) if line_end < 0 else line_end
        lo, hi = max(line_start, s - WINDOW), min(line_end, e + WINDOW)
        # never cut a chunk: spaCy tokenizes whitespace-free chunks as wholes
        while lo > line_start and not low[lo - 1].isspace():
            lo -= 1
        while hi < line_end and not low[hi].isspace():
            hi += 1
        if spans and lo <= spans[-1][1]:
            spans[-1][2].append(k)
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi), spans[-1][2])
        else:
            spans.append((lo, hi, [k]))
    return spans
