"""The taxonomy data file loads, covers every family, and invalid files fail loudly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.errors import ExtractError
from analyzer.extract.taxonomy import load_taxonomy, parse_taxonomy
from analyzer.models import FAMILIES


def test_packaged_taxonomy_covers_every_family() -> None:
    """Every family of models.FAMILIES has skills, and the guide's named tools are present."""
    taxonomy = load_taxonomy()
    assert taxonomy.version >= 1
    assert {s.family for s in taxonomy.skills} == set(FAMILIES)
    names = {s.name for s in taxonomy.skills}
    for tool in ("AWS", "Azure", "GCP", "Docker", "Kubernetes", "Jenkins", "GitHub Actions",
                 "Terraform", "Ansible", "Chef", "Prometheus", "Grafana", "Datadog"):  # fmt: skip
        assert tool in names


def test_ambiguous_aliases_carry_rules() -> None:
    """Aliases the issue names as ambiguous are cased and/or need context."""
    taxonomy = load_taxonomy()
    for surface in ("Chef", "Puppet", "Salt", "Helm", "Lambda", "Nomad", "CI", "containers",
                    "cloud", "monitoring"):  # fmt: skip
        alias = taxonomy.lookup(surface)
        assert alias is not None, surface
        assert alias.ambiguous, surface


def _minimal(**skill: object) -> dict[str, object]:
    return {"version": 1, "skills": [{"name": "X", "family": "cloud", "aliases": ["x"], **skill}]}


@pytest.mark.parametrize(
    "data",
    [
        {"version": 0, "skills": []},
        _minimal(family="nope"),
        _minimal(aliases=["x", "X"]),
        _minimal(context={"x": "(unclosed"}),
        _minimal(context={"y": "ok"}),
        {"version": 1, "skills": []},
    ],
)
def test_invalid_taxonomy_raises(data: dict[str, object]) -> None:
    """Unknown family, duplicate alias, bad regex, rule for a missing alias, no skills: errors."""
    with pytest.raises(ExtractError):
        parse_taxonomy(data)


def test_unreadable_file_raises(tmp_path: Path) -> None:
    """A taxonomy path that is not JSON raises ExtractError, not a raw exception."""
    bad = tmp_path / "taxonomy.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExtractError):
        load_taxonomy(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_minimal()), encoding="utf-8")
    assert load_taxonomy(good).lookup("X").skill.name == "X"
