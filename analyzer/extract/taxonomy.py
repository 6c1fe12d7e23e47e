"""The skill taxonomy: a versioned data file (``taxonomy.json``) loaded and checked once.

Each skill belongs to one family of :data:`analyzer.models.FAMILIES` (and optionally counts for
more, e.g. EKS is containers and cloud). Aliases are matched case-insensitively; *cased* aliases
only as written ("Chef", "CI"). An ambiguous alias carries a ``context`` regex that must match in
its line and/or a ``reject`` regex that must not (Chef the configuration tool vs a chef who cooks).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from analyzer.errors import ExtractError
from analyzer.models import FAMILIES

__all__ = ["Alias", "Skill", "Taxonomy", "load_taxonomy"]


@dataclass(frozen=True)
class Skill:
    """One skill: its display name and the families a mention of it counts for."""

    name: str
    family: str
    also: tuple[str, ...] = ()

    @property
    def families(self) -> tuple[str, ...]:
        """The skill's family first, then the extra families it counts for."""
        return (self.family, *self.also)


@dataclass(frozen=True)
class Alias:
    """One surface form of a skill, with its disambiguation rules."""

    text: str
    skill: Skill
    cased: bool = False
    context: re.Pattern[str] | None = None
    reject: re.Pattern[str] | None = None

    @property
    def ambiguous(self) -> bool:
        """Whether the alias needs its line checked before it counts."""
        return self.context is not None or self.reject is not None


@dataclass
class Taxonomy:
    """The loaded taxonomy: skills, aliases and the data file's version."""

    version: int
    skills: list[Skill]
    aliases: list[Alias]
    by_key: dict[str, Alias] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_key = {self.key(a.text, a.cased): a for a in self.aliases}

    @staticmethod
    def key(text: str, cased: bool) -> str:
        """The lookup key of an alias: its text as written when cased, else lowercased."""
        return text if cased else text.lower()

    def lookup(self, surface: str) -> Alias | None:
        """Return the alias a matched surface string stands for (cased aliases first)."""
        return self.by_key.get(surface) or self.by_key.get(surface.lower())

    def __repr__(self) -> str:
        return f"Taxonomy(version={self.version}, skills={len(self.skills)}, aliases={len(self.aliases)})"


def _compile(pattern: Any, where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise ExtractError(f"taxonomy: {where} must be a regex string")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ExtractError(f"taxonomy: invalid regex in {where}: {exc}") from exc


def parse_taxonomy(data: dict[str, Any]) -> Taxonomy:
    """Build a :class:`Taxonomy` from the parsed data file, checking every field.

    Raises:
        ExtractError: a family is unknown, an alias is duplicated, or a regex is invalid.
    """
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise ExtractError("taxonomy: 'version' must be a positive integer")
    skills: list[Skill] = []
    aliases: list[Alias] = []
    seen: dict[str, str] = {}
    for entry in data.get("skills") or []:
        name = entry.get("name")
        family = entry.get("family")
        also = tuple(entry.get("also") or ())
        if not name or family not in FAMILIES or any(f not in FAMILIES for f in also):
            raise ExtractError(f"taxonomy: skill {name!r} has an unknown family {family!r}/{also}")
        skill = Skill(name=name, family=family, also=also)
        skills.append(skill)
        contexts = entry.get("context") or {}
        rejects = entry.get("reject") or {}
        forms = [(a, False) for a in entry.get("aliases") or []]
        forms += [(a, True) for a in entry.get("cased") or []]
        for text, cased in forms:
            key = Taxonomy.key(text, cased)
            if key in seen:
                raise ExtractError(
                    f"taxonomy: alias {text!r} of {name} already used by {seen[key]}"
                )
            seen[key] = name
            aliases.append(
                Alias(
                    text=text,
                    skill=skill,
                    cased=cased,
                    context=_compile(contexts[text], f"{name}.context[{text}]")
                    if text in contexts
                    else None,
                    reject=_compile(rejects[text], f"{name}.reject[{text}]")
                    if text in rejects
                    else None,
                )
            )
        unknown = (set(contexts) | set(rejects)) - {t for t, _ in forms}
        if unknown:
            raise ExtractError(f"taxonomy: {name} has rules for unknown aliases {sorted(unknown)}")
    if not skills:
        raise ExtractError("taxonomy: no skills")
    return Taxonomy(version=version, skills=skills, aliases=aliases)


@lru_cache(maxsize=4)
def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and check the taxonomy data file (the packaged ``taxonomy.json`` by default).

    Raises:
        ExtractError: the file is missing, not JSON, or invalid.
    """
    try:
        if path is None:
            raw = resources.files("analyzer.extract").joinpath("taxonomy.json").read_text("utf-8")
        else:
            raw = Path(path).read_text(encoding="utf-8")
        data = json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise ExtractError(f"cannot load taxonomy {path or 'taxonomy.json'}: {exc}") from exc
    if not isinstance(data, dict):
        raise ExtractError("taxonomy: top level must be an object")
    return parse_taxonomy(data)
