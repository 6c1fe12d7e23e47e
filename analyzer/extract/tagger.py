"""The skill tagger: finds skill mentions, gives each family a requirement level, and classifies roles.

Design (measured in ``benchmarks/bench_tagger.py``): running spaCy over every full posting is the
slow, obvious design. Here :class:`~analyzer.extract.mentions.MentionFinder` scans each posting
with one compiled regex (a trie of every alias, lowercased); spaCy's tokenizer (``spacy.blank``,
cached per whitespace-free chunk) checks that each hit starts and ends on token boundaries and
which alias its tokens spell, and only the line windows where tokens decide (URLs, possible
overlapping phrases) go through spaCy's two ``PhraseMatcher``s (``LOWER`` for ordinary aliases,
``ORTH`` for cased ones such as "Chef" or "CI"), batched with ``nlp.tokenizer.pipe``. The longest
match wins, so look-alike phrases in the taxonomy's ``ignore`` sense ("Marketing Cloud") hide the
shorter alias inside them. Ambiguous aliases must pass their context/reject rules, then
:func:`analyzer.extract.levels.mention_levels` gives each mention its level, and each family takes
the strongest level of its mentions. :meth:`Tagger.tag_many` runs each of these stages (and
language detection and roles) over a whole batch of postings in turn rather than posting by
posting, which keeps each stage's code and tables warm in the CPU caches (6-8% less time).

The tagger's :attr:`Tagger.version` names every component, so stored tags never silently mix
two versions: ``keywords.v2+levels.v1+roles.v2+taxonomy.1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any, NamedTuple

from analyzer.extract.levels import LEVELS_VERSION, Sections, mention_levels, strongest
from analyzer.extract.mentions import MentionFinder, keyword_regex, make_nlp
from analyzer.extract.normalize import detect_language
from analyzer.extract.roles import ROLES_VERSION, classify_roles
from analyzer.extract.taxonomy import Alias, Taxonomy, load_taxonomy
from analyzer.models import FAMILIES, LEVELS

__all__ = ["KEYWORDS_VERSION", "Mention", "TagResult", "Tagger", "keyword_regex"]

#: Bumped whenever the mention finder changes (not the taxonomy data: that has its own version).
#: v2: the mentions are exactly those of the PhraseMatchers over the full text: none is cut short
#: where a ±60-character window ended ("Cloud" of "CloudFormation"), none is read inside a URL
#: a window cut in two ("codeship" of "https://codeship.com/jobs").
KEYWORDS_VERSION = "keywords.v2"


class Mention(NamedTuple):
    """One skill mention: which skill, its family, its level, and where it is in the text.

    A named tuple (immutable, built at C speed: a posting can have dozens of mentions).
    """

    skill: str
    family: str
    level: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        """The mention as a JSON-ready dict (the ``skills`` items of ``tag-file`` output)."""
        return {
            "skill": self.skill,
            "family": self.family,
            "level": self.level,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class TagResult:
    """What the tagger decided for one posting.

    Attributes:
        skills: every skill mention kept, in text order (one per family it counts for).
        levels: the level of each family of :data:`analyzer.models.FAMILIES` (``absent`` if none).
        is_job_posting: whether the text advertises an open position (role classifier).
        roles: the role kinds advertised (role classifier).
        language: ``en``, ``pt``, ``es``, ``vi`` or ``other``.
    """

    skills: list[Mention] = field(default_factory=list)
    levels: dict[str, str] = field(default_factory=dict)
    is_job_posting: bool = False
    roles: list[str] = field(default_factory=list)
    language: str = "other"

    def as_label(self, posting_id: Any) -> dict[str, Any]:
        """The result in the label format of ``ANNOTATION.md``, plus ``language`` and ``skills``."""
        record: dict[str, Any] = {
            "id": posting_id,
            "is_job_posting": self.is_job_posting,
            "roles": list(self.roles),
        }
        record.update(self.levels)
        record["language"] = self.language
        record["skills"] = [m.as_dict() for m in self.skills]
        return record

    def __repr__(self) -> str:
        found = {f: lv for f, lv in self.levels.items() if lv != "absent"}
        return (
            f"TagResult(levels={found}, skills={len(self.skills)}, "
            f"is_job_posting={self.is_job_posting}, roles={self.roles}, language={self.language!r})"
        )


#: Every family at the level of a family with no mention.
_ALL_ABSENT = dict.fromkeys(FAMILIES, strongest([]))
#: Levels by strength (0 strongest), as :func:`~analyzer.extract.levels.strongest` ranks them.
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_START = itemgetter(0)


class Tagger:
    """Finds DevOps skills in posting texts, with a requirement level per family, and roles.

    Example:
        >>> tagger = Tagger()
        >>> tagger.tag("Requirements:\\n- 3+ years of experience with AWS").levels["cloud"]
        'required'
    """

    def __init__(self, taxonomy: Taxonomy | None = None) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.version = (
            f"{KEYWORDS_VERSION}+{LEVELS_VERSION}+{ROLES_VERSION}+taxonomy.{self.taxonomy.version}"
        )
        self.nlp = make_nlp()
        self.mentions = MentionFinder(self.taxonomy, self.nlp)
        # per alias (by identity: hashing a frozen dataclass reads all its fields): the skill's
        # name and the families a mention of it counts for
        self._plan = {
            id(alias): (alias.skill.name, alias.skill.families) for alias in self.taxonomy.aliases
        }

    def __repr__(self) -> str:
        return f"Tagger(version={self.version!r})"

    def tag(self, text: str, title: str | None = None) -> TagResult:
        """Tag one posting.

        Args:
            text: the posting as plain text (see :func:`analyzer.extract.normalize.to_text`);
                mention offsets refer to this string.
            title: the job title when the source has one (ATS, GitHub); ``None`` for HN.

        Returns:
            The :class:`TagResult`.
        """
        return next(self.tag_many([(text, title)]))

    def tag_many(
        self, items: Iterable[str | tuple[str, str | None]], batch_size: int = 256
    ) -> Iterator[TagResult]:
        """Tag a stream of postings lazily, ``batch_size`` at a time (memory stays flat).

        Args:
            items: plain texts, or ``(text, title)`` pairs.
            batch_size: postings whose candidate clauses go through ``nlp.pipe`` together,
                and that each stage (mentions, language, roles, levels) handles in turn.

        Yields:
            One :class:`TagResult` per input, in input order.
        """
        iterator = iter(items)
        while True:
            batch = list(islice(iterator, batch_size))
            if not batch:
                return
            pairs = [(item, None) if isinstance(item, str) else item for item in batch]
            yield from self._tag_batch([(t or "", title) for t, title in pairs])

    # -- internals ------------------------------------------------------------------------------

    def _tag_batch(self, batch: list[tuple[str, str | None]]) -> list[TagResult]:
        # Each stage runs over the whole batch in turn (mentions, language, roles, the ambiguous
        # aliases' checks, headings, levels), not posting by posting: a stage's code and tables
        # stay warm in the CPU caches.
        texts = [text for text, _title in batch]
        found = self.mentions.find(texts)
        languages = [detect_language(text) if text else "other" for text in texts]
        roles = [classify_roles(text, title) for text, title in batch]
        kept = [self._kept(text, hits) for text, hits in zip(texts, found, strict=True)]
        # Headings below the last mention cannot change a level: they are not read.
        sections = [
            Sections.of(text, upto=mentions[-1][0]) if mentions else None
            for text, mentions in zip(texts, kept, strict=True)
        ]
        return [
            TagResult(
                *self._skills(text, mentions, headings),
                role.is_job_posting,
                list(role.roles),
                language,
            )
            for text, mentions, headings, role, language in zip(
                texts, kept, sections, roles, languages, strict=True
            )
        ]

    def _kept(
        self, text: str, hits: list[tuple[int, int, Alias]]
    ) -> list[tuple[int, int, tuple[str, tuple[str, ...]]]]:
        """The hits that count, in text order, each with its skill's name and families."""
        if not hits:
            return []
        if len(hits) > 1:
            hits = sorted(hits, key=_START)
        plan = self._plan
        return [
            (start, end, plan[id(alias)])
            for start, end, alias in hits
            if not alias.ambiguous or _passes(text, start, end, alias)
        ]

    @staticmethod
    def _skills(
        text: str,
        kept: list[tuple[int, int, tuple[str, tuple[str, ...]]]],
        sections: Sections | None,
    ) -> tuple[list[Mention], dict[str, str]]:
        """The mentions with their levels, and each family's level, for one posting."""
        levels = dict(_ALL_ABSENT)
        mentions: list[Mention] = []
        if kept and sections is not None:
            spans = [(start, end) for start, end, _plan in kept]
            found = mention_levels(text, spans, sections)
            for (start, end, (name, families)), level in zip(kept, found, strict=True):
                rank = _RANK[level]
                for family in families:
                    mentions.append(Mention(name, family, level, start, end))
                    # each family takes the strongest level of its mentions
                    if family in levels and rank < _RANK[levels[family]]:
                        levels[family] = level
        return mentions, levels


def _line(text: str, start: int, end: int) -> str:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return text[lo : (len(text) if hi < 0 else hi)]


def _passes(text: str, start: int, end: int, alias: Alias) -> bool:
    """Whether an ambiguous alias has its technical sense here (context found, no reject)."""
    line = _line(text, start, end).lower()
    if alias.reject is not None and alias.reject.search(line):
        return False
    if alias.context is None:
        return True
    # The alias itself must not be its own context ("cloud" does not confirm "cloud").
    masked = line.replace(text[start:end].lower(), " ", 1)
    return alias.context.search(masked) is not None
