"""Posting text normalization: HN/ATS HTML and GitHub markdown to plain text, and language detection.

The tagger reads plain text in which every paragraph, list item and heading starts on its own line,
because requirement levels come from section headings and list structure. :func:`html_to_text`
keeps that structure; it never raises on broken markup (unclosed tags, stray ``<``, bad entities).

:func:`detect_language` is a small stop-word vote (no model download): ``en``, ``pt``, ``es``,
``vi`` or ``other``.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from itertools import repeat

__all__ = ["detect_language", "html_to_text", "markdown_to_text", "to_text"]

# Tags after which the text continues on a new line.
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
        "pre", "blockquote", "section", "article", "header", "footer", "dd", "dt", "dl", "hr",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})
_HTML_HINT = re.compile(
    r"<\s*/?\s*(?:p|br|div|li|ul|ol|a|b|i|em|strong|span|h[1-6]|pre|code)\b", re.I
)


class _TextExtractor(HTMLParser):
    """Collects text, turning block elements into line breaks and list items into bullets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


def html_to_text(markup: str | None) -> str:
    """Convert posting HTML (HN comments, ATS descriptions) to plain text with line structure.

    Entities are decoded (also double-encoded Greenhouse content), ``<p>``/``<br>``/block tags become
    line breaks, list items become ``- `` bullets, links keep their visible text. Broken markup
    never raises.

    Args:
        markup: the HTML; ``None`` or empty gives ``""``.

    Returns:
        The text, one paragraph / list item / heading per line.
    """
    if not markup:
        return ""
    # Greenhouse sends HTML-entity-encoded HTML ("&lt;p&gt;"): decode once more when so.
    if "&lt;" in markup and "<" not in markup:
        markup = html.unescape(markup)
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is lenient; this is a last resort for pathological input
        return _tidy(html.unescape(re.sub(r"<[^>]*>", "\n", markup)))
    return _tidy("".join(parser.parts))


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$")
_MD_BULLET = re.compile(r"^\s*(?:[-*+•·▪◦●]|\d{1,2}[.)])\s+")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")


def markdown_to_text(markdown: str | None) -> str:
    """Convert GitHub-flavoured markdown (issue bodies) to the same plain-text shape as HTML.

    Headings lose their ``#``, bullets become ``- ``, emphasis and backticks go, links keep their
    text. Inline HTML in the markdown is converted too.

    Args:
        markdown: the markdown body; ``None`` gives ``""``.

    Returns:
        The text, one heading / paragraph / list item per line.
    """
    if not markdown:
        return ""
    if _HTML_HINT.search(markdown):
        markdown = html_to_text(markdown)
    lines = []
    for raw in markdown.replace("\r\n", "\n").split("\n"):
        line = _MD_LINK.sub(r"\1", raw)
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
        elif _MD_BULLET.match(line):
            line = "- " + _MD_BULLET.sub("", line, count=1)
        line = _MD_EMPHASIS.sub("", line)
        if re.fullmatch(r"\s*(?:-{3,}|\*{3,}|_{3,})\s*", line):
            line = ""
        lines.append(line)
    return _tidy(html.unescape("\n".join(lines)))


def to_text(body: str | None) -> str:
    """Return plain text from a body that may be HTML, markdown or plain text.

    HTML is recognised by its tags or entities; anything else goes through the markdown path,
    which leaves plain text unchanged apart from whitespace.
    """
    if not body:
        return ""
    if _HTML_HINT.search(body) or re.search(r"&(?:#x?[0-9a-f]+|[a-z]+);", body, re.I):
        return html_to_text(body)
    return markdown_to_text(body)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        "the and of to in is are we you for with our on as be will an this that have or "
        "a it at from your who work team"
    ),
    "pt": _word_set(
        "de que da em para com os um uma não é na dos das por você será "
        "conhecimento experiência vaga atuar desenvolvimento requisitos"
    ),
    "es": _word_set(
        "de y el la que en los las para con por un una es del se al experiencia buscamos "
        "trabajo somos nuestro conocimientos"
    ),
    "vi": _word_set(
        "và của các có cho được với trong là không người công ty việc làm lương kinh "
        "nghiệm năm những một yêu cầu"
    ),
}
# each branch opens with a literal, so the regex engine skips to "h", "w" or "." between tries
_URL = re.compile(r"https?://\S+|www\.\S+|\.com\b")
_WORD = re.compile(r"[a-zà-ỹ]+")  # on lowercased text; covers pt/es/vi letters
_VI_MARKS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")
# word -> the languages whose stop list holds it (one dict lookup per word of the sample)
_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _lang, _stops in _STOPWORDS.items():
    for _w in _stops:
        _LANGS_OF[_w] = (*_LANGS_OF.get(_w, ()), _lang)
# Each stop word's languages packed into one int, one base-1024 digit per language (a sample has
# at most 800 words, so no digit overflows): ``sum`` over the words counts every language at once,
# in one C-level pass. Keyed by str (words of accented samples) and by bytes (ASCII samples).
_DIGIT = {lang: 1 << (10 * i) for i, lang in enumerate(_STOPWORDS)}
_CODE_OF = {w: sum(_DIGIT[lang] for lang in langs) for w, langs in _LANGS_OF.items()}
_STOP_CODE: dict[str | bytes, int] = {}
_STOP_CODE.update(_CODE_OF)
_STOP_CODE.update({w.encode(): code for w, code in _CODE_OF.items() if w.isascii()})
# on ASCII text the words of _WORD are the runs of a-z: map every other byte to a space and split
_ASCII_WORDS = bytes(i if 97 <= i <= 122 else 32 for i in range(256))
# the non-ASCII characters most postings hold: punctuation, outside _WORD and the accent checks
_PUNCTUATION = "’—–“”•£…€‘™\xad\u200b→·\xa0"


def _words(sample: str) -> tuple[list[str] | list[bytes], bool]:
    """The ``_WORD`` runs of a lowercased sample, and whether it is ASCII once the common
    punctuation is blanked (then no accent can count, and the words come as bytes from one
    C-level translate and split)."""
    plain = sample
    if not plain.isascii():
        for mark in _PUNCTUATION:
            if mark in plain:
                plain = plain.replace(mark, " ")
        if not plain.isascii():
            return _WORD.findall(sample), False
    return plain.encode().translate(_ASCII_WORDS).split(), True


def detect_language(text: str) -> str:
    """Guess a posting's language from stop words: ``en``, ``pt``, ``es``, ``vi`` or ``other``.

    A language wins when it has the most stop-word hits and at least 3 of them (and 5% of the
    words); Vietnamese is also recognised by its letters. Texts too short to tell give ``other``.
    """
    sample = text[:800].lower()
    if "http" in sample or "www." in sample or ".com" in sample:
        sample = _URL.sub(" ", sample)
    words, plain = _words(sample)
    n_words = len(words)
    if not n_words:
        return "other"
    if not plain and len(_VI_MARKS.findall(sample)) >= max(3, n_words // 20):
        return "vi"
    packed = sum(map(_STOP_CODE.get, words, repeat(0)))
    counts = {lang: (packed // digit) & 1023 for lang, digit in _DIGIT.items()}
    # Shared words ("de", "a", "que") count for pt and es alike; distinctive letters break ties.
    if counts["pt"] and not plain and re.search(r"[ãõç]|ção\b|ções\b", sample):
        counts["pt"] += 2
    if counts["es"] and not plain and re.search(r"ñ|ción\b|¿|¡", sample):
        counts["es"] += 2
    best = max(counts, key=counts.__getitem__)
    if counts[best] < 3 or counts[best] < 0.05 * n_words:
        return "other"
    return best
