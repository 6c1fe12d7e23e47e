"""Role classification: is a text a job posting, and which kinds of roles does it advertise.

Rules, not a model: the labels of ``ANNOTATION.md`` are defined by role *names*, so the classifier
finds the role nouns a posting uses ("engineer", "developer", "desenvolvedor", "SRE", "designer"...)
and reads the qualifiers around each one ("Senior **Backend** Engineer", "Software Engineer -
**Backend**", "**Python/Django** developers", "Desenvolvedor **Back-end** Pleno"). A noun with no
specialty qualifier counts as ``generic_swe``. The first line of a Hacker News posting
(``Company | Role | Location``) and the title of an ATS or GitHub job are read field by field, so a
bare field such as ``iOS/Android/Web/Backend`` names roles too.

Every pattern is a precompiled regular expression over a lower-cased copy of the text; the
classifier reads only the title, the first lines and the clauses around role nouns, so it costs
a few hundredths of a millisecond per posting.

Example:
    >>> classify_roles("Acme | Senior Backend Engineer | Berlin | ONSITE")
    RoleResult(is_job_posting=True, roles=['backend'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analyzer.models import ROLES

__all__ = ["ROLES_VERSION", "RoleResult", "classify_roles"]

#: Bumped whenever a rule changes what the classifier returns; part of the tagger version.
ROLES_VERSION = "roles.v1"


@dataclass(frozen=True, slots=True)
class RoleResult:
    """What the classifier decided for one posting.

    Attributes:
        is_job_posting: True when the text advertises at least one open position.
        roles: The role kinds advertised, sorted, drawn from :data:`analyzer.models.ROLES`;
            empty when ``is_job_posting`` is False (and for a job ad that names no role).
    """

    is_job_posting: bool
    roles: list[str] = field(default_factory=list)


def _alt(*words: str) -> str:
    return "|".join(words)


# Specialty qualifiers: the words that, next to a role noun, say which kind of role it is.
# Order matters only for readability; every role whose pattern matches the qualifier window is kept.
_QUALIFIERS: dict[str, str] = {
    "fullstack": r"full[\s-]?stack|fullstack|full[\s-]stack",
    "backend": _alt(
        r"back[\s-]?end",
        r"backend",
        r"server[\s-]?side",
        r"server",
        r"api",
        r"apis",
        r"infra(?:structure)?\s+software",
        r"distributed\s+systems?",
    ),
    "frontend": _alt(
        r"front[\s-]?end",
        r"frontend",
        r"ui",
        r"web\s+ui",
    ),
    "mobile": _alt(
        r"ios",
        r"android",
        r"mobile",
        r"react\s+native",
        r"swift",
        r"objective-?c",
        r"flutter",
        r"kotlin",
        r"xamarin",
    ),
    "data_ml": _alt(
        r"data",
        r"dados",
        r"big\s+data",
        r"machine\s+learning",
        r"ml",
        r"ai",
        r"ia",
        r"deep\s+learning",
        r"nlp",
        r"computer\s+vision",
        r"analytics",
        r"etl",
        r"llm",
        r"research",
        r"applied\s+ai",
    ),
    "devops_sre": _alt(
        r"devops",
        r"dev\s*ops",
        r"devsecops",
        r"sre",
        r"site\s+reliability",
        r"reliability",
        r"infrastructure",
        r"infra",
        r"cloud",
        r"ops",
        r"operations",
        r"techops",
        r"systems",
        r"sistemas",
        r"linux",
        r"network",
        r"redes",
        r"production",
        r"build",
        r"release",
    ),
    "other_eng": _alt(
        r"embedded",
        r"embarcad[oa]s?",
        r"firmware",
        r"hardware",
        r"electrical",
        r"electronics?",
        r"mechanical",
        r"ee",
        r"qa",
        r"test",
        r"testing",
        r"tests",
        r"testes",
        r"automation\s+test",
        r"quality",
        r"qualidade",
        r"security",
        r"segurança",
        r"appsec",
        r"game",
        r"games",
        r"gameplay",
        r"graphics",
        r"rendering",
        r"robotics",
        r"compiler",
        r"fpga",
        r"asic",
        r"rf",
        r"controls",
        r"kernel",
        r"blockchain",
        r"smart\s+contract",
        r"sdet",
        r"verification",
    ),
}

# Weak qualifiers (languages, frameworks, "platform") name a role only when no strong qualifier
# does: "Backend Engineer (Python, Go)" is backend, "SRE (Kubernetes, Java/Python)" is not, and
# "Data Platform Engineer" is data, while "Python/Django developers" is backend.
_WEAK_QUALIFIERS: dict[str, str] = {
    "backend": _alt(
        r"platform",
        r"ruby",
        r"rails",
        r"ror",
        r"python",
        r"django",
        r"flask",
        r"php",
        r"laravel",
        r"symfony",
        r"node(?:\.?js)?",
        r"java",
        r"jvm",
        r"spring",
        r"scala",
        r"golang",
        r"go",
        r"elixir",
        r"erlang",
        r"clojure",
        r"c#",
        r"\.net",
        r"dotnet",
        r"haskell",
        r"ocaml",
        r"rust",
        r"perl",
        r"f#",
    ),
    "frontend": _alt(
        r"javascript",
        r"js",
        r"typescript",
        r"react(?!\s+native)",
        r"react\.?js",
        r"angular(?:js)?",
        r"vue(?:\.?js)?",
        r"ember(?:\.?js)?",
        r"html5?",
        r"css",
    ),
    "other_eng": _alt(
        r"c\+\+",
        r"desktop",
        r"windows",
        r"unity",
    ),
}

# Specialty words that name a role on their own (no noun needed), e.g. a header field
# "Frontend, Backend, SRE" or "(FE, BE, FS)".
_BARE_ROLE_WORDS: dict[str, str] = {
    "backend": r"back[\s-]?end|backend|be",
    "fullstack": r"full[\s-]?stack|fullstack|fs",
    "frontend": r"front[\s-]?end|frontend|fe|web\s+ui",
    "mobile": r"ios|android|mobile|react\s+native",
    "devops_sre": r"devops|dev\s*ops|sre|sres|sysadmins?|site\s+reliability",
    "data_ml": r"data\s+science|machine\s+learning|ml|ai/ml|data\s+platform",
    "other_eng": r"qa|embedded|firmware|hardware|security",
    "non_eng": r"design|sales|marketing|product|growth|gtm|support|operations",
}

# Role nouns. Group 1 of the engineering pattern is the noun itself.
_ENG_NOUN = re.compile(
    r"\b(engineers?|engineering|developers?|devs?|programmers?|hackers?|coders?|swes?|"
    r"architects?|desenvolvedor(?:a|es|as)?|engenheir[oa]s?|programador(?:a|es|as)?|"
    r"analistas?|"
    r"ninjas?|rockstars?|craftsm[ae]n|generalists?|technologists?|scientists?|researchers?|"
    r"cientistas?|administrators?|admins?)\b"
)

# Roles that are whole names in themselves (no qualifier needed).
_WHOLE_ROLES: dict[str, re.Pattern[str]] = {
    "devops_sre": re.compile(
        r"\b(?:sres?|site\s+reliability|sysadmins?|system\s+administrators?|"
        r"systems\s+administrators?|devops|dev\s*ops|devsecops|techops|netops|dbas?|"
        r"database\s+administrators?)\b"
    ),
    "data_ml": re.compile(
        r"\b(?:data\s+scientists?|data\s+engineers?|ml\s+engineers?|machine\s+learning|"
        r"data\s+analysts?|cientistas?\s+de\s+dados|engenheir[oa]s?\s+de\s+dados|"
        r"analistas?\s+de\s+dados|ai\s+engineers?|research\s+scientists?|ml\s+researchers?|"
        r"data\s+science)\b"
    ),
    "mobile": re.compile(
        r"\b(?:ios|android|react\s+native|mobile)\s+(?:devs?|engineers?|developers?)\b"
    ),
    "non_eng": re.compile(
        r"\b(?:designers?|product\s+managers?|project\s+managers?|program\s+managers?|"
        r"product\s+owners?|product\s+leads?|sales|marketing|marketers?|account\s+executives?|"
        r"account\s+managers?|recruiters?|recruiting|talent\s+acquisition|customer\s+success|"
        r"customer\s+support|support\s+(?:engineers?|specialists?|reps?)|"
        r"solutions?\s+(?:engineers?|architects?)|sales\s+engineers?|"
        r"developer\s+(?:advocates?|evangelists?|relations)|evangelists?|devrel|"
        r"technical\s+writers?|copywriters?|writers?|content\s+(?:creators?|strategists?|writers?)|"
        r"community\s+managers?|office\s+managers?|operations\s+(?:managers?|associates?|leads?)|"
        r"business\s+(?:development|analysts?)|bizdev|biz\s+dev|hr\b|people\s*ops|"
        r"accountants?|finance|controllers?|lawyers?|counsel|paralegals?|"
        r"ux\s+researchers?|user\s+researchers?|growth\s+(?:hackers?|marketers?|leads?|managers?)|"
        r"seo|customer\s+service|ops\s+(?:managers?|associates?)|chief\s+of\s+staff|"
        r"instructors?|teachers?|tutors?|nurses?|physicians?|biologists?|chemists?|"
        r"analistas?\s+de\s+(?:negócios|marketing|produto)|gerente\s+de\s+produto|"
        r"product\s+designers?|ux|ui/ux|specialists?)\b"
    ),
}

# Specialty words that, anywhere in a job ad, say the work includes that specialty: annotators
# read "this is a primarily backend role" or "you will work across our full-stack" as the role.
_BODY_CUES: dict[str, re.Pattern[str]] = {
    "fullstack": re.compile(r"\bfull[\s-]?stack\b"),
    "backend": re.compile(
        r"\b(?:back[\s-]?end|server[\s-]side)\b(?!\s*(?::|technology|stack|is\b|runs\b|consists))"
        r"|\bdistributed\s+(?:systems?|services)\b"
    ),
}

# Substrings every alternative of a pattern contains: ``in`` is a fast scan in C, so the
# regular expression runs only on texts that can match (exactly the same results, ~3x faster).
_PREFILTERS: dict[str, tuple[str, ...]] = {
    "devops_sre": ("sre", "reliab", "admin", "dev", "ops", "dba", "database"),
    "data_ml": ("data", "dados", "ml", "machine", "ai", "research"),
    "mobile": ("ios", "android", "react", "mobile"),
    "fullstack": ("full",),
    "backend": ("back", "server", "distributed"),
}


def _may_match(role: str, low: str) -> bool:
    """False only when ``low`` cannot match the whole-role or body pattern of ``role``."""
    subs = _PREFILTERS.get(role)
    return subs is None or any(sub in low for sub in subs)


# All qualifiers of one strength in one pattern: one scan per window instead of one per role.
_STRONG_ANY = re.compile(
    r"(?<![\w.#+])(?:" + "|".join(f"(?P<{r}>{p})" for r, p in _QUALIFIERS.items()) + r")(?![\w#+])"
)
_WEAK_ANY = re.compile(
    r"(?<![\w.#+])(?:"
    + "|".join(f"(?P<{r}>{p})" for r, p in _WEAK_QUALIFIERS.items())
    + r")(?![\w#+])"
)
_BARE_FIELD_RE: dict[str, re.Pattern[str]] = {
    role: re.compile(r"(?<![\w.#+])(?:" + pat + r")(?![\w#+])")
    for role, pat in _BARE_ROLE_WORDS.items()
}

# A qualifier window stops at a clause boundary: "we use Python. Engineers..." must not
# make "Python" qualify "Engineers".
_CLAUSE_END = re.compile(
    r"[.;:!?\n|•┋–—]|\s-\s|\bwho\b|\bthat\b|\bto\b|\bwith\b|\bfor\b|\bat\b|\bin\b"
)
_LEFT_WINDOW = 48
_RIGHT_WINDOW = 40
# After the noun only a parenthesis, a dash or a comma introduces a qualifier ("Software
# Engineer - Backend", "Engineers (Python/Django)", "Desenvolvedor Backend Pleno").
_RIGHT_INTRO = re.compile(
    r"\s*(?:\(|-\s|–\s|—\s|,\s*|:\s*|for\s+|on\s+|"
    r"to\s+(?:help\s+)?(?:us\s+)?(?:build|work\s+on|develop|scale|design)\s+)"
)

# Words that make a noun phrase about people already there, not about a role on offer.
_NOT_A_ROLE = re.compile(
    r"\b(?:our|my|fellow|other|your|the\s+team'?s?|founded\s+by|former|ex-|by)\s*$"
    # The poster describing themself: "I'm a lead Python developer here".
    r"|\b(?:i'?m|i\s+am|i\s+was|i\s+work\s+as)\s+an?\b"
)

_EMPTY_MARKERS = re.compile(r"^\s*\[?(?:dead|flagged|deleted|removed)\]?\s*$")
_SEEKER = re.compile(
    r"^\W*(?:seeking\s+work|looking\s+for\s+(?:work|a\s+job|a\s+new\s+(?:job|role|position)|"
    r"(?:full[\s-]?time\s+|part[\s-]?time\s+|remote\s+)?(?:work|employment|opportunities))|"
    r"hire\s+me|available\s+for\s+(?:hire|work|contract)|job\s+seeker|i\s+am\s+looking\s+for\s+work|"
    r"i'?m\s+looking\s+for\s+(?:work|a\s+job|a\s+new\s+role)|freelancer\s+available)\b"
)
_META = re.compile(
    r"\b(?:this\s+thread|these\s+threads|the\s+thread|whoishiring|who\s+is\s+hiring|"
    r"who'?s\s+hiring|if\s+you\s+post|flagged|dead\s+posts?|downvot\w*|"
    r"your\s+recruiter|your\s+post|you\s+guys|\bbtw\b|job\s+board\s+for|parsing\s+the\s+thread|"
    r"check\s+out\s+my|i\s+built\s+a|i\s+made\s+a|why\s+(?:is|are)\s+there)"
)
_HIRING = re.compile(
    r"\b(?:hiring|we'?re\s+looking|we\s+are\s+looking|looking\s+for|seeking|join\s+(?:us|our)|"
    r"positions?|roles?|openings?|opportunit(?:y|ies)|apply|careers?|jobs?|full[\s-]?time|"
    r"part[\s-]?time|contract(?:or)?|interns?|internships?|onsite|on-site|remote|visa|salary|"
    r"equity|relocation|vagas?|contratando|contratação|clt|pj|estamos\s+buscando|"
    r"procuramos|oportunidade)\b"
)
_ROLE_ANY = re.compile(
    r"\b(?:engineers?|developers?|devs|programmers?|designers?|scientists?|managers?|"
    r"architects?|sre|devops|desenvolvedor(?:a|es)?|engenheir[oa]s?|analistas?|"
    r"specialists?|administrators?|leads?|interns?)\b"
)
_HEADER_FIELD_SEP = re.compile(r"\s*(?:\||•|┋|·|\t|\s[-–—]\s|/\s|\s/)\s*")
# Header fields that describe where or how, never which role.
_NON_ROLE_FIELD = re.compile(
    r"\b(?:remote|onsite|on-site|hybrid|full[\s-]?time|part[\s-]?time|visa|contract|"
    r"intern(?:s|ship)?|relocation|salary|equity|usd|eur|gbp|\$|€|£|\d{2,}k|https?:|www\.|\.com|"
    r"\.io|\.ai|remoto|presencial|híbrido)\b"
)


@dataclass(slots=True)
class _Found:
    roles: set[str] = field(default_factory=set)

    def add(self, role: str) -> None:
        self.roles.add(role)


def _qualifier_roles(window: str, weak: bool = True) -> set[str]:
    """The specialty roles named by the qualifier words in ``window``."""
    strong = {m.lastgroup for m in _STRONG_ANY.finditer(window)}
    if strong or not weak:
        return strong  # type: ignore[return-value]
    return {m.lastgroup for m in _WEAK_ANY.finditer(window)}  # type: ignore[misc]


def _left_window(text: str, start: int) -> str:
    """The words before a role noun, back to the start of its clause or the previous noun."""
    left = text[max(0, start - _LEFT_WINDOW) : start]
    cut = 0
    for m in _CLAUSE_END.finditer(left):
        cut = m.end()
    for m in _ENG_NOUN.finditer(left):
        cut = max(cut, m.end())
    return left[cut:]


_RIGHT_STOP_PAREN = re.compile(r"[.;!?\n|)]|\s-\s|\band\s+(?:a|an|the)\b")
_RIGHT_STOP = re.compile(r"[.;!?\n|),]|\s-\s|\band\s+(?:a|an|the)\b")
_PT_STOP = re.compile(r"[.;:!?\n|()]|\s[-–—]\s")


def _right_window(text: str, end: int) -> str:
    """The qualifier after a role noun, when a parenthesis, dash or comma introduces it."""
    right = text[end : end + _RIGHT_WINDOW]
    intro = _RIGHT_INTRO.match(right)
    if intro is None:
        return ""
    right = right[intro.end() :]
    # Inside parentheses a comma separates qualifiers; elsewhere it starts the next item.
    stops = _RIGHT_STOP_PAREN if intro.group().strip() == "(" else _RIGHT_STOP
    stop = stops.search(right)
    right = right[: stop.start()] if stop else right
    noun = _ENG_NOUN.search(right)
    return right[: noun.start()] if noun else right


def _portuguese_right(text: str, end: int) -> str:
    """Portuguese puts the qualifier after the noun: "Desenvolvedor Back-end Pleno"."""
    right = _PT_GENDER.sub("", text[end : end + _RIGHT_WINDOW], count=1)
    stop = _PT_STOP.search(right)
    return right[: stop.start()] if stop else right


_PT_GENDER = re.compile(r"^\s*\((?:a|o|as|os|a/o|o/a)\)")
_PT_NOUN = re.compile(r"^(?:desenvolvedor|engenheir|programador|analista)")


def _noun_roles(text: str, found: _Found) -> None:
    """Add the roles named by each role noun in ``text`` and its qualifiers."""
    for m in _ENG_NOUN.finditer(text):
        noun = m.group(1)
        left = _left_window(text, m.start())
        if _NOT_A_ROLE.search(left):
            continue
        right = _right_window(text, m.end())
        # Languages after a dash or comma list skills ("Software Engineer - Java, NoSQL"), not
        # a specialty; in parentheses right after a bare noun they are the specialty
        # ("Engineers (Python/Django)"); Portuguese always puts the qualifier after the noun.
        weak_right = text.startswith("(", m.end()) or text.startswith(" (", m.end())
        if _PT_NOUN.match(noun):
            right += " " + _portuguese_right(text, m.end())
            weak_right = True
        roles = _qualifier_roles(left)
        roles |= _qualifier_roles(right, weak=weak_right and not roles)
        if noun.startswith(("scientist", "researcher", "cientista")):
            roles = roles & {"data_ml"} or {"data_ml"}
        elif noun.startswith(("administrator", "admin")):
            roles = {"devops_sre"} if roles & {"devops_sre"} or not roles else roles
        if roles:
            for role in roles:
                found.add(role)
        elif noun.startswith(
            (
                "engineer",
                "developer",
                "dev",
                "programmer",
                "hacker",
                "coder",
                "swe",
                "desenvolvedor",
                "engenheir",
                "programador",
                "generalist",
                "ninja",
                "rockstar",
                "craftsm",
            )
        ):
            found.add("generic_swe")


# Words that may sit beside bare role words in a header field or a short list item without
# changing its meaning ("- Back End Software", "Senior Frontend, Backend, SRE").
_FILLER = frozenset(
    [
        "software",
        "engineering",
        "engineer",
        "engineers",
        "developer",
        "developers",
        "dev",
        "devs",
        "development",
        "team",
        "teams",
        "role",
        "roles",
        "position",
        "positions",
        "and",
        "or",
        "&",
        "senior",
        "sr",
        "sr.",
        "junior",
        "jr",
        "jr.",
        "lead",
        "staff",
        "principal",
        "mid",
        "mid-level",
        "level",
        "all",
        "levels",
        "web",
        "the",
        "a",
        "an",
        "of",
        "multiple",
        "several",
        "hiring",
        "we're",
        "we",
        "are",
        "desenvolvedor",
        "desenvolvedora",
        "pleno",
        "sênior",
        "senior",
        "júnior",
        "junior",
        "de",
        "e",
    ]
)
_BARE_ANY = re.compile(
    r"(?<![\w.#+])(?:"
    + "|".join(f"(?P<{r}>{p})" for r, p in _BARE_ROLE_WORDS.items())
    + r")(?![\w#+])"
)


def _bare_field_roles(part: str) -> set[str]:
    """Roles named by a field made only of role words ("iOS/Android/Web/Backend")."""
    hits = {m.lastgroup for m in _BARE_ANY.finditer(part) if m.lastgroup}
    if not hits:
        return set()
    rest = _BARE_ANY.sub(" ", part)
    words = [w for w in re.split(r"[\s,/&()+:*\-–—]+", rest) if w]
    if all(w in _FILLER for w in words):
        return hits
    return set()


def _header_roles(line: str, found: _Found) -> None:
    """Add roles named by bare specialty fields of a header line ("iOS/Android/Web/Backend")."""
    for part in _HEADER_FIELD_SEP.split(line):
        if not part or len(part) > 80 or _NON_ROLE_FIELD.search(part):
            continue
        for role in _bare_field_roles(part):
            found.add(role)


def _short_line_roles(text: str, found: _Found) -> None:
    """Add roles named by short lines such as list items ("- Back End Software", "- Mobile")."""
    for line in text.split("\n"):
        line = line.strip(" -*•\t#>")
        if 0 < len(line) <= 60:
            for role in _bare_field_roles(line):
                found.add(role)


def _list_roles(text: str, found: _Found) -> None:
    """Add roles from parenthesised specialty lists: "Software Engineers (SRE, backend, mobile)"."""
    for m in re.finditer(r"\(([^()\n]{2,80})\)", text):
        words = [w for w in re.split(r"[\s,/&+]+|\band\b|\bor\b", m.group(1)) if w]
        if not words:
            continue
        matched = [role for w in words for role, rx in _BARE_FIELD_RE.items() if rx.fullmatch(w)]
        if len(matched) >= 2:
            for role in matched:
                found.add(role)


_JOB_SCAN_CHARS = 2000


def _is_job_posting(low: str, head: str) -> bool:
    """Decide whether a lower-cased text advertises at least one open position."""
    # Meta comments and seekers show themselves early; long ads need not be scanned to the end.
    low = low[:_JOB_SCAN_CHARS]
    if not low.strip() or _EMPTY_MARKERS.match(low):
        return False
    if _SEEKER.match(low):
        return False
    header_like = "|" in head or bool(_ROLE_ANY.search(head))
    if _META.search(low) and not header_like:
        return False
    return header_like or bool(_HIRING.search(low)) or bool(_ROLE_ANY.search(low))


def classify_roles(text: str, title: str | None = None) -> RoleResult:
    """Decide whether a posting is a job ad and which kinds of roles it advertises.

    Args:
        text: The posting as plain text (HTML already converted).
        title: The job title when the source has one (ATS, GitHub issues); ``None`` for
            Hacker News, whose first line usually reads ``Company | Role | Location``.

    Returns:
        A :class:`RoleResult`; ``roles`` is sorted and uses the vocabulary of
        :data:`analyzer.models.ROLES`.
    """
    body = text or ""
    low = body.lower()
    head_title = (title or "").lower().strip()
    first_line = low.lstrip().split("\n", 1)[0][:300]
    titled_role = bool(head_title and _ROLE_ANY.search(head_title))
    if not _is_job_posting(low, first_line) and not titled_role:
        return RoleResult(False, [])
    found = _Found()
    if head_title:
        _noun_roles(head_title, found)
        _header_roles(head_title, found)
        _list_roles(head_title, found)
    _header_roles(first_line, found)
    _short_line_roles(low, found)
    _noun_roles(low, found)
    _list_roles(low, found)
    for role, rx in _WHOLE_ROLES.items():
        if role not in found.roles and _may_match(role, low) and rx.search(low):
            found.add(role)
    # Body cues fill in the specialty of generic or unnamed roles ("primarily a backend role").
    # Gating them on the roles already found was measured and lost more than it gained.
    for role, rx in _BODY_CUES.items():
        if role not in found.roles and _may_match(role, low) and rx.search(low):
            found.add(role)
    roles = sorted(r for r in found.roles if r in ROLES)
    return RoleResult(True, roles)
