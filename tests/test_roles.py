"""The role classifier: job-or-not and the roles of ANNOTATION.md, on real posting fragments."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from analyzer.extract.roles import ROLES_VERSION, RoleResult, _tokens, classify_roles
from analyzer.models import ROLES

DATA = Path(__file__).parents[1].parent / "shared" / "data"


def roles_of(text: str, title: str | None = None) -> set[str]:
    return set(classify_roles(text, title).roles)


@pytest.mark.parametrize("text", ["", "   ", "[dead]", "[flagged]", "[deleted]"])
def test_empty_and_removed_comments_are_not_postings(text: str) -> None:
    """Empty, dead, flagged and deleted comments advertise nothing and have no roles."""
    assert classify_roles(text) == RoleResult(False, [])


@pytest.mark.parametrize(
    "text",
    [
        "SEEKING WORK - Remote - Python/Django backend developer, 8 years. Email in profile.",
        "Looking for work: senior full-stack engineer, React and Node. Resume: example.com/cv",
        "Sorry for the weird layout in this thread, everybody. It's a bug at our end.",
        "What's up with all the flagged/dead posts at the bottom? I'd like to post a few jobs.",
        "Your recruiter is crazy disrespectful btw",
    ],
)
def test_job_seekers_and_meta_comments_are_not_postings(text: str) -> None:
    """Job seekers, complaints and comments about the thread itself are not job postings."""
    result = classify_roles(text)
    assert result.is_job_posting is False
    assert result.roles == []


def test_meta_words_do_not_hide_a_real_posting() -> None:
    """A posting that says "we have a posting here" is still a posting (Emcien, 2012)."""
    text = (
        "Atlanta\nEmcien is looking to hire a Ruby on Rails engineer or someone experienced "
        "with a similar framework.\nWe have a posting here: https://jobs.github.com/positions/1"
    )
    assert classify_roles(text) == RoleResult(True, ["backend"])


def test_hn_header_line_roles() -> None:
    """The role field of an HN header line names the role; location fields name none."""
    text = "Acme | Senior Backend Engineer | Berlin, Germany | ONSITE | Full-time\nWe build APIs."
    assert roles_of(text) == {"backend"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme | Software Engineer - Backend | NYC | ONSITE", {"backend"}),
        ("Fixly | Senior Software Engineer (Backend, Node.js) | Poland | Remote", {"backend"}),
        (
            "Fashiolista - Amsterdam. Python/Django developers, DevOps. Full time.",
            {"backend", "devops_sre"},
        ),
        ("Stride Health | Scala and Nodejs platform engineers | SF", {"backend"}),
        ("Blackshark AI | Platform Engineer | Remote EU", {"backend"}),
        ("Red Ampersand | Jr. Full Stack Developer | Los Angeles, CA | ONSITE", {"fullstack"}),
        ("PassFort | Fullstack Developer | London, UK | Onsite", {"fullstack"}),
    ],
)
def test_backend_and_fullstack_titles(text: str, expected: set[str]) -> None:
    """Backend and full-stack roles are read from qualifiers before and after the role noun."""
    assert roles_of(text) == expected


def test_engineers_with_language_qualifier_are_backend() -> None:
    """ "Engineers (Python/Django)" names a backend role even without the word backend."""
    assert "backend" in roles_of("Percolate | NYC | We're hiring Engineers (Python/Django)")


def test_languages_after_a_specialty_do_not_add_backend() -> None:
    """An SRE title listing Java/Python skills is an SRE role, not a backend one (Incode)."""
    text = (
        "Incode | Site Reliability Engineers (kubernetes, Multi Cloud/on-prem, Java/c++/python)"
        "| Full-time | Remote | US/Spain"
    )
    assert roles_of(text) == {"devops_sre"}


def test_data_platform_engineer_is_data_not_backend() -> None:
    """ "Data Platform Engineer" is a data role: "platform" is only a weak backend qualifier."""
    assert roles_of("Beatdapp | Data Platform Engineer | Vancouver | ONSITE") == {"data_ml"}


def test_multi_role_posting_gets_every_role() -> None:
    """A posting hiring several kinds of people gets the union of their roles (EAT Club)."""
    text = (
        "EAT Club -- Palo Alto, CA\n\nWe're hiring: Full-Stack Engineers, Front-end devs, "
        "iOS & Android devs, DevOps, TechOps, UI/UX Designers."
    )
    assert roles_of(text) == {"fullstack", "frontend", "mobile", "devops_sre", "non_eng"}


def test_bare_role_list_items() -> None:
    """Short list items such as "- Back End Software" name roles (Electriq Power, 2017)."""
    text = (
        "Electriq Power | Palo Alto, CA | Full-Time | ONSITE\nWe're hiring:\n"
        "- Full Stack Software\n- Front End Software\n- Back End Software\n"
        "Stack:\n- Node.js, Angular.js, MongoDB"
    )
    assert {"fullstack", "frontend", "backend"} <= roles_of(text)


def test_bare_header_field_of_specialties() -> None:
    """A header field made only of specialties ("iOS/Android/Web/Backend") names them."""
    text = "FacialNetwork | San Diego, CA | iOS/Android/Web/Backend | Full time, on site"
    assert {"mobile", "backend"} <= roles_of(text)


def test_generic_software_engineer() -> None:
    """ "Software Engineers" with no stated specialty is generic_swe."""
    text = "MixRank (YC S11) | Software Engineers | 100% REMOTE (Global) | Full-Time"
    assert roles_of(text) == {"generic_swe"}


def test_non_engineering_and_other_engineering_roles() -> None:
    """Designers and PMs are non_eng; QA and embedded are other_eng (Superhuman, Aurora)."""
    assert roles_of("Superhuman | iOS Engineer, QA Lead, and Product Manager | SF") == {
        "mobile",
        "other_eng",
        "non_eng",
    }
    assert roles_of("Aurora | Experienced C++ and Embedded Software Engineer | Boston") == {
        "other_eng"
    }


def test_poster_describing_themself_is_not_a_role() -> None:
    """ "I'm a Python developer here" describes the poster, not an opening."""
    text = (
        "MC10 | Boston | ONSITE\nWe're hiring for Systems Engineering. I'm a Python developer here."
    )
    result = classify_roles(text)
    assert result.is_job_posting
    assert "backend" not in result.roles


def test_server_side_work_makes_an_unspecialised_title_backend() -> None:
    """Two kinds of server-side work (APIs, data pipelines, microservices) under a bare
    "Software Engineers" header make the role backend, as the annotators read it (Delixus)."""
    text = (
        "Delixus | Bangalore, India | onsite | Principal and Senior Software Engineers | Rs. 20 "
        "to 39 lakh\n\nDelixus is hiring several Principal Software Engineers. You will lead the "
        "development of API integrations and create a scalable data pipeline using a "
        "microservices architecture, Kafka, Java and/or Kotlin, and AWS Aurora (PostgreSQL)."
    )
    assert "backend" in roles_of(text)


def test_one_server_side_word_is_not_enough() -> None:
    """A single server-ish word (the product "combines a spreadsheet and a database") leaves a
    bare "Software Engineer" generic (Fieldbook)."""
    text = (
        "Fieldbook | https://fieldbook.com | San Mateo, CA | Software Engineer | Full time, "
        "Onsite, Visa OK\nFieldbook is a new information tool that combines the best of a "
        "spreadsheet and a database."
    )
    assert roles_of(text) == {"generic_swe"}


def test_two_word_names_are_joined_in_any_case_and_plural() -> None:
    """Two-word names are one token whatever their case, and a plural second word stays joined
    ("Data Pipelines" -> "data-pipelines"): here it is the second kind of server-side work that
    makes a bare "Software Engineers" backend; the same text with "pipes" has only one kind."""
    text = (
        "Acme | Berlin | Software Engineers\nYou will design our Data Pipelines and the APIs "
        "our partners use."
    )
    assert "backend" in roles_of(text)
    assert "backend" not in roles_of(text.replace("Data Pipelines", "Data Pipes"))


def test_joins_chain_and_do_not_cross_line_ends() -> None:
    """A word taken by an earlier join is no longer joined again ("big data pipeline" keeps
    working), and a name split over two lines is not a two-word name ("Back\nEnd")."""
    assert _tokens("big data pipeline engineers") == ["big-data", "pipeline", "engineers"]
    assert _tokens("we need back end and front end devs") == [
        "we",
        "need",
        "back-end",
        "and",
        "front-end",
        "devs",
    ]
    assert _tokens("back\nend") == ["back", "\n", "end"]


def test_header_specialty_keeps_body_backend_mentions_out() -> None:
    """A frontend ad that mentions "the backend" as context is not a backend role (50onRed)."""
    text = (
        "50onRed in Philadelphia, PA is looking for a Javascript Engineer (Open to Relo)\n"
        "We are looking for a frontend engineer who understands how to bridge the gap between "
        "the functionality being built on the backend and the experience of our users."
    )
    result = roles_of(text)
    assert "frontend" in result
    assert "backend" not in result


def test_developer_platform_is_a_product_not_a_role() -> None:
    """ "the infraless API developer platform" names a product; the DevOps header decides."""
    text = (
        "WunderGraph | Senior DevOps Engineer | Full-time | Remote in EMEA\nWe are building "
        "WunderGraph cloud, the infraless API developer platform. Without a single thought "
        "about infrastructure, developers can integrate any back-end in seconds."
    )
    assert roles_of(text) == {"devops_sre"}


def test_colleagues_after_a_comma_are_not_a_qualifier() -> None:
    """ "Android devs, our backend devs" lists colleagues: "our" starts a new noun phrase."""
    text = (
        "Viadeo | iOS developer | Paris, France | full time\nYou'll be working with the whole "
        "mobile team: Android devs, our backend devs, marketing, design."
    )
    assert "backend" not in roles_of(text)
    assert "mobile" in roles_of(text)


def test_database_engineers_are_backend() -> None:
    """ "Core database engineers" build server-side storage: backend (Timescale)."""
    text = (
        "Timescale | New York, NY | Stockholm, Sweden | ONSITE | FULL-TIME\n"
        "- Core database engineers\n- R&D engineers\n- Customer success manager"
    )
    assert {"backend", "non_eng"} <= roles_of(text)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[Remoto] Desenvolvedor Backend Pleno", {"backend"}),
        ("[São Paulo] Desenvolvedor(a) Back-end Node.js Sênior", {"backend"}),
        ("Desenvolvedor Fullstack React/Node", {"fullstack"}),
        ("Engenheiro de Dados Sênior", {"data_ml"}),
        ("[Remoto] Analista DevOps / SRE", {"devops_sre"}),
        ("Engenheiro de Software", {"generic_swe"}),
        ("Analista de QA Pleno", {"other_eng"}),
    ],
)
def test_portuguese_titles(title: str, expected: set[str]) -> None:
    """GitHub-board titles in Portuguese put the qualifier after the noun."""
    result = classify_roles("Descrição da vaga\n\nRequisitos: experiência com Git.", title=title)
    assert result.is_job_posting
    assert set(result.roles) == expected


def test_banco_de_dados_is_a_database_not_a_data_role() -> None:
    """ "banco de dados" (database) in a Portuguese ad does not make it a data role."""
    body = "Requisitos:\n- Experiência com Node.js e banco de dados relacional (PostgreSQL)."
    assert roles_of(body, title="[Remoto] Desenvolvedor Backend Pleno") == {"backend"}


def test_ats_title_is_read() -> None:
    """An ATS job title decides the role even when the body says little."""
    result = classify_roles("Join our team in Austin.", title="Senior Backend Engineer, Payments")
    assert result == RoleResult(True, ["backend"])


def test_roles_use_the_shared_vocabulary_and_are_sorted() -> None:
    """Returned roles come from models.ROLES, sorted, without duplicates."""
    result = classify_roles("Acme | Backend, Frontend, iOS, Backend engineers | NYC")
    assert result.roles == sorted(set(result.roles))
    assert set(result.roles) <= set(ROLES)
    assert ROLES_VERSION.startswith("roles.v")


def _load_dev() -> tuple[list[dict], dict[int, str]]:
    from analyzer.extract.normalize import html_to_text

    labels = [
        json.loads(line)
        for line in (DATA / "labels" / "dev.jsonl").read_text().splitlines()
        if line.strip()
    ]
    wanted = {lab["id"] for lab in labels}
    texts: dict[int, str] = {}
    for path in sorted((DATA / "hn" / "items").glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for child in json.load(fh).get("children", []):
                if child["id"] in wanted:
                    texts[child["id"]] = html_to_text(child.get("text") or "")
    return labels, texts


def _scores(labels: list[dict], texts: dict[int, str]) -> tuple[float, float]:
    """is_job_posting accuracy and backend-or-fullstack F1 of the classifier on ``labels``."""
    target = {"backend", "fullstack"}
    ok = tp = fp = fn = 0
    for lab in labels:
        res = classify_roles(texts[lab["id"]])
        ok += res.is_job_posting == lab["is_job_posting"]
        g, p = bool(set(lab["roles"]) & target), bool(set(res.roles) & target)
        tp, fp, fn = tp + (g and p), fp + (p and not g), fn + (g and not p)
    return ok / len(labels), 2 * tp / (2 * tp + fp + fn)


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "labels" / "dev.jsonl").exists(), reason="../shared/data absent")
def test_dev_labels_meet_the_targets() -> None:
    """On the 300 dev labels: is_job_posting accuracy >= 0.97, backend-or-fullstack F1 >= 0.91.

    Measured with roles.v2: accuracy 1.000, F1 0.917; on the odd-id half, which the rules were
    not developed on, F1 0.906 (floor 0.90). The floors sit just under the measurements so a
    regression fails.
    """
    labels, texts = _load_dev()
    accuracy, f1 = _scores(labels, texts)
    assert accuracy >= 0.97
    assert f1 >= 0.91
    _, held_out_f1 = _scores([lab for lab in labels if lab["id"] % 2 == 1], texts)
    assert held_out_f1 >= 0.90
