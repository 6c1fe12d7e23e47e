"""Requirement levels from real posting fragments: sections, clause cues, role-headed lists,
negation, and Portuguese headings.

Fragments are quoted from the HN corpus (comment id in the comment) or the GitHub issue boards.
"""

from __future__ import annotations

import pytest

from analyzer.extract.levels import heading_level, strongest
from analyzer.extract.tagger import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


@pytest.mark.parametrize(
    ("text", "family", "level"),
    [
        # required: clause cues and requirement sections
        (
            "Experience with cloud technologies such as AWS, Google Cloud",
            "cloud",
            "required",
        ),  # 34617109
        (
            "We are looking for someone who is well versed in both Python and AWS",
            "cloud",
            "required",
        ),
        (
            "Must be proficient with Ruby and Ruby on Rails, Javascript and jQuery, AWS and S3",
            "cloud",
            "required",
        ),
        ("What we're looking for:\n- Python\n- Docker and Kubernetes", "containers", "required"),
        # required: a skill list headed by the role (21129099, 14024271)
        ("-Backend Engineer: Python, Ruby, Elixir, Heroku AWS", "cloud", "required"),
        (
            "Senior/Lead Backend Engineer (Python, Django, Django Rest Framework, Postgres, AWS)",
            "cloud",
            "required",
        ),
        # duty: what the role will do (3790006, 34232202)
        ("You'll also work on our cloud systems, hosted in Amazon AWS", "cloud", "duty"),
        (
            "Responsibilities:\n- Operating and orchestrating our cloud infrastructure",
            "cloud",
            "duty",
        ),
        ("- Build and maintain CI/CD pipelines for all services", "ci_cd", "duty"),
        # preferred: a plus, bonus, nice to have (6144291, 47979344, 11203105)
        (
            "Bonuses:\niOS and/or Android app development experience\nAWS knowledge (EC2/S3/RDS)",
            "cloud",
            "preferred",
        ),
        ("Big pluses:\n- DevOps experience\n- AWS experience", "cloud", "preferred"),
        ("competency in Kubernetes and AWS is a plus", "containers", "preferred"),
        ("Extra points: Experience with EC2, S3", "cloud", "preferred"),
        # stack: the company uses it (17206342, 16498310)
        ("We're running on AWS", "cloud", "stack"),
        ("Tech We Use: Scala/Java/Python/Docker/Kubernetes", "containers", "stack"),
        ("Our stack:\n- Python, Postgres, AWS", "cloud", "stack"),
        # negation: stack at most
        ("No Kubernetes experience needed, we will teach you", "containers", "stack"),
        # absent
        ("We build beautiful mobile apps in Swift", "cloud", "absent"),
    ],
)
def test_level_of_real_fragment(tagger: Tagger, text: str, family: str, level: str) -> None:
    """The family gets the level the annotation guide gives this fragment."""
    assert tagger.tag(text).levels[family] == level


def test_strongest_level_wins(tagger: Tagger) -> None:
    """A family mentioned as stack and as required is required (the guide's order)."""
    text = "Our stack: Python, AWS, Postgres.\nRequirements:\n- 3+ years of experience with AWS"
    assert tagger.tag(text).levels["cloud"] == "required"
    assert strongest(["stack", "preferred", "duty"]) == "duty"
    assert strongest([]) == "absent"


@pytest.mark.parametrize(
    ("heading", "level"),
    [
        ("Requirements:", "required"),
        ("What we're looking for", "required"),
        ("Nice to have:", "preferred"),
        ("Bonus points", "preferred"),
        ("Responsibilities", "duty"),
        ("What you'll do:", "duty"),
        ("Our stack:", "stack"),
        ("About us", "about"),
        # Portuguese headings of the GitHub issue boards
        ("Requisitos:", "required"),
        ("## Requisitos obrigatórios", "required"),
        ("Diferenciais:", "preferred"),
        ("Desejáveis", "preferred"),
        ("Responsabilidades:", "duty"),
        ("Atividades:", "duty"),
        ("Benefícios", "about"),
        # not headings
        ("We use Python and AWS to build great things for our customers every day", None),
        ("- iOS and/or Android app development experience", None),
    ],
)
def test_heading_levels(heading: str, level: str | None) -> None:
    """Section headings, English and Portuguese, set the level of the lines under them."""
    assert heading_level(heading) == level


def test_portuguese_sections(tagger: Tagger) -> None:
    """Levels come from Portuguese section headings in a GitHub-board posting (markdown)."""
    text = (
        "## Atividades\n"
        "- Manter pipelines de CI/CD\n"
        "## Requisitos\n"
        "- Experiência com Docker e Kubernetes\n"
        "## Diferenciais\n"
        "- Terraform\n"
        "- AWS\n"
    )
    levels = tagger.tag(text).levels
    assert levels["ci_cd"] == "duty"
    assert levels["containers"] == "required"
    assert levels["iac"] == "preferred"
    assert levels["cloud"] == "preferred"


def test_mention_offsets_point_at_the_skill(tagger: Tagger) -> None:
    """Each mention's start/end slice the text to the alias that was found."""
    text = "Requirements: 2+ years with Kubernetes and Terraform."
    result = tagger.tag(text)
    assert {text[m.start : m.end] for m in result.skills} == {"Kubernetes", "Terraform"}


def test_tag_many_streams_in_order(tagger: Tagger) -> None:
    """tag_many yields one result per input, in order, across batch boundaries."""
    texts = ["We run on AWS", "Docker experience required", "nothing here"] * 5
    results = list(tagger.tag_many(iter(texts), batch_size=4))
    assert len(results) == 15
    assert [r.levels["cloud"] for r in results[:3]] == ["stack", "absent", "absent"]
    assert results[4].levels["containers"] == "required"


def test_version_names_every_component(tagger: Tagger) -> None:
    """The tagger version names keywords, levels, roles and taxonomy versions."""
    parts = tagger.version.split("+")
    assert parts[0].startswith("keywords.v") and parts[1].startswith("levels.v")
    assert parts[2].startswith("roles.v") and parts[3].startswith("taxonomy.")
