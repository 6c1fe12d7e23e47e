"""HTML and markdown become plain text with one paragraph / item / heading per line; languages."""

from __future__ import annotations

import pytest

from analyzer.extract.normalize import detect_language, html_to_text, markdown_to_text, to_text


def test_hn_html_paragraphs_entities_and_links() -> None:
    """HN comment markup: <p> starts a line, &#x27; entities decode, links keep their text."""
    html = (
        "Booking.com | Amsterdam<p>We&#x27;re hiring developers &amp; sysadmins."
        '<p>See <a href="https:&#x2F;&#x2F;github.com&#x2F;git-deploy" rel="nofollow">'
        "https:&#x2F;&#x2F;github.com&#x2F;git-deploy</a>"
    )
    assert html_to_text(html) == (
        "Booking.com | Amsterdam\nWe're hiring developers & sysadmins.\n"
        "See https://github.com/git-deploy"
    )


def test_lists_pre_and_broken_html() -> None:
    """List items become bullets, <pre> keeps its text, unclosed or stray tags never raise."""
    assert html_to_text("<ul><li>AWS<li>Docker</ul>") == "- AWS\n- Docker"
    assert "kubectl apply" in html_to_text("<pre><code>kubectl apply -f x.yaml</code></pre>")
    assert html_to_text("<p>5 < 6 and <b>bold <i>unclosed") == "5 < 6 and bold unclosed"
    assert html_to_text("") == "" and html_to_text(None) == ""


def test_greenhouse_double_encoded_content() -> None:
    """Greenhouse sends entity-encoded HTML; it is decoded before the tags are read."""
    assert html_to_text("&lt;p&gt;Requirements&lt;/p&gt;&lt;ul&gt;&lt;li&gt;AWS&lt;/li&gt;") == (
        "Requirements\n\n- AWS"
    )


def test_markdown_headings_bullets_and_links() -> None:
    """GitHub markdown: headings lose '#', bullets become '- ', emphasis and link syntax go."""
    md = "## Requisitos\n* **Docker** e `Kubernetes`\n1. [GitLab CI](https://x.y)\n---\nfim"
    assert markdown_to_text(md) == "Requisitos\n- Docker e Kubernetes\n- GitLab CI\n\nfim"
    assert to_text(md) == markdown_to_text(md)
    assert to_text("<p>a</p><p>b</p>") == "a\n\nb"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "We are looking for a backend engineer to join our team in Berlin. You will work "
            "with Python and AWS on the data platform that powers our products.",
            "en",
        ),
        (
            "A First Decision está buscando um Desenvolvedor Full Stack Pleno para atuar no "
            "desenvolvimento e manutenção de sistemas web em ambiente ágil e containerizado, com "
            "foco em performance, segurança e qualidade contínua.",
            "pt",
        ),
        (
            "Buscamos un desarrollador backend con experiencia en Python para trabajar en el "
            "equipo de datos de la empresa. Ofrecemos trabajo remoto y un salario competitivo.",
            "es",
        ),
        (
            "Công ty chúng tôi cần tuyển lập trình viên backend có kinh nghiệm làm việc với "
            "Python và các dịch vụ đám mây. Mức lương hấp dẫn, làm việc tại Hà Nội.",
            "vi",
        ),
        ("Your recruiter is crazy disrespectful btw", "other"),
        ("", "other"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    """Stop-word vote detects en/pt/es/vi; too little text is 'other'."""
    assert detect_language(text) == language
