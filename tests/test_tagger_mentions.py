"""The fast mention finder gives the mentions of spaCy's PhraseMatchers over the full text.

Fragments are quoted from the HN "Who is hiring?" corpus (comment id in the comment).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
from spacy.tokens import Span
from spacy.util import filter_spans

from analyzer.extract.mentions import MentionFinder, keyword_regex
from analyzer.extract.normalize import html_to_text
from analyzer.extract.tagger import Tagger

SHARED_DATA = Path(__file__).parents[1].parent / "shared" / "data"


@pytest.fixture(scope="module")
def finder() -> MentionFinder:
    return Tagger().mentions


def found(finder: MentionFinder, text: str) -> list[tuple[str, str]]:
    """(surface text, alias) of each mention the finder keeps."""
    return [(text[s:e], alias.text) for s, e, alias in finder.find([text])[0]]


def reference(finder: MentionFinder, text: str) -> list[tuple[int, int, str]]:
    """The slow design: both PhraseMatchers over the whole text, longest span wins."""
    doc = finder.nlp.make_doc(text)
    matches = [*finder._lower(doc), *finder._orth(doc)]
    spans = filter_spans([Span(doc, a, b, label=key) for key, a, b in matches])
    return [(s.start_char, s.end_char, finder._alias_of[s.label].text) for s in spans]


@pytest.mark.parametrize(
    "text",
    [
        # 11413782
        "(http://grnh.se/xbmvf2) - AWS, EC2, Docker, GNU/Linux, Vagrant, MySQL, CF Engine/Chef/Puppet",
        # 24997966
        "* Experience with config management or automation frameworks. (i.e. Ansible / Terraform"
        " / CloudFormation)",
        # 3652563: a hit at offset 0, and the same product inside a URL
        "New Relic - Portland OR/San Francisco (http://newrelic.com/jobs)",
        "aws",
        "",
        # typographic punctuation (blanked, scanned as bytes) and accents (scanned as text)
        "We’re on AWS—and GCP… “Kubernetes” • Terraform",
        "Experiência com AWS e integração contínua (CI/CD), Kubernetes é um diferencial",
        "x-aws-y awsome aws2 ci / cd ci/cd",
        # 9148714: full-width commas
        "* Docker，Ruby on Rails，AWS，HAProxy，CDN—DevOps Engineer",
    ],
)
def test_scan_hits_equal_the_plain_keyword_regex(finder: MentionFinder, text: str) -> None:
    """The separator-first scan finds exactly the hits of the lookbehind keyword regex."""
    plain = keyword_regex(finder.taxonomy)
    low = text.lower()
    assert finder.scan(low) == [m.span() for m in plain.finditer(low)]


def test_url_is_one_token_and_holds_no_mention(finder: MentionFinder) -> None:
    """A product name inside a URL is no mention: spaCy keeps the URL as one token."""
    # 11613685
    text = "Codeship is hiring Senior-level Software Engineers: https://codeship.com/jobs?gh_jid=154363"
    assert found(finder, text) == [("Codeship", "codeship")]


def test_longest_phrase_wins_over_the_alias_inside_it(finder: MentionFinder) -> None:
    """A multi-token alias ("Amazon EC2") beats the single-token alias it ends with ("EC2")."""
    # 14467590
    text = "amed patches to Open MPI to improve Open MPI performance on Amazon EC2. If you like"
    assert found(finder, text) == [("Amazon EC2", "amazon ec2")]


def test_chef_slash_puppet_is_two_skills(finder: MentionFinder) -> None:
    """ "Chef/Puppet" names both tools: Chef and Puppet are each found, not one "Chef" phrase."""
    # 11413782
    text = "- AWS, EC2, Docker, GNU/Linux, Vagrant, MySQL, CF Engine/Chef/Puppet, Python, Git."
    assert [alias.skill.name for _s, _e, alias in finder.find([text])[0]] == [
        "AWS",
        "AWS",
        "Docker",
        "Chef",
        "Puppet",
    ]
    # 12407955: lowercase, between other tools
    text = (
        "and have prior experience with Ansible/chef/puppet. We are playing around with kubernetes"
    )
    assert ("chef", "chef") in found(finder, text)
    assert ("puppet", "puppet") in found(finder, text)


def test_full_width_commas_separate_mentions(finder: MentionFinder) -> None:
    """Full-width commas ("Docker，AWS") split tokens like ASCII commas, so the skills are found;
    a full-width comma next to non-skill words finds nothing."""
    # 9148714
    text = "* Docker，Ruby on Rails，AWS，HAProxy，CDN—DevOps Engineer"
    assert found(finder, text) == [("Docker", "docker"), ("AWS", "aws")]
    assert found(finder, "我们两位创始人都是 NUS 校友，欢迎现场约coffee chat：") == []


def test_mention_at_the_end_of_a_long_list_is_whole(finder: MentionFinder) -> None:
    """The last item of a long list is found whole ("CloudFormation", not its "Cloud")."""
    # 24997966
    text = (
        "* Experience with config management or automation frameworks. (i.e. Ansible / "
        "Terraform / CloudFormation)"
    )
    assert found(finder, text) == [
        ("config management", "config management"),
        ("Ansible", "ansible"),
        ("Terraform", "terraform"),
        ("CloudFormation", "cloudformation"),
    ]


def test_cased_alias_counts_only_as_written(finder: MentionFinder) -> None:
    """A cased alias ("Chef") is a mention as written, not shouted or lowercased."""
    assert found(finder, "Tools: Chef, Ansible") == [("Chef", "Chef"), ("Ansible", "ansible")]
    assert found(finder, "CHEF de cuisine") == []


def test_offsets_survive_lowercasing_that_changes_length(finder: MentionFinder) -> None:
    """Offsets point into the original text even when lowercasing adds characters ("İ")."""
    text = "İstanbul office: we use AWS and Kubernetes"
    assert found(finder, text) == [("AWS", "aws"), ("Kubernetes", "kubernetes")]


@pytest.mark.parametrize(
    "text",
    [
        # 11409974: the full "Mesosphere", not a window's "Mesos"
        "Looking for someone with AWS experience / iOS / Back-end. Golang a + and same with "
        "Mesosphere. We currently use Angular + Node + Objective C.",
        # 12203223: "CI / CD" spelled with spaces is one phrase
        "Containers, Automation and Continuous Integration and Deployment (CI / CD) and are "
        "looking for talented Software Engineers",
        "ci /cd, ci/ cd, ci / cd and aws.amazon.com, k8s, xaws, AWS's",
    ],
)
def test_fragments_match_the_full_text_phrase_matchers(finder: MentionFinder, text: str) -> None:
    """On tricky fragments (spacing, URLs, possessives) the finder equals the full-text design."""
    assert [(s, e, a.text) for s, e, a in finder.find([text])[0]] == reference(finder, text)


@pytest.mark.corpus
def test_corpus_mentions_match_the_full_text_phrase_matchers(finder: MentionFinder) -> None:
    """On 3,000 real HN postings the finder's mentions equal the full-text PhraseMatchers'."""
    items = sorted((SHARED_DATA / "hn" / "items").glob("*.json.gz"))
    if not items:
        pytest.skip(f"real corpus not found at {SHARED_DATA}")

    def texts() -> Iterator[str]:
        for path in items[::7]:  # threads spread over the years
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for child in json.load(fh).get("children") or []:
                    yield html_to_text(child.get("text") or "")

    sample = list(islice(texts(), 3000))
    got = finder.find(sample)
    differing = [
        text[:80]
        for text, hits in zip(sample, got, strict=True)
        if [(s, e, a.text) for s, e, a in hits] != reference(finder, text)
    ]
    assert len(sample) == 3000
    assert differing == []
