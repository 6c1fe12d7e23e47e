"""Role classification: is a text a job posting, and which kinds of roles does it advertise.

Rules, not a model: the labels of ``ANNOTATION.md`` are defined by role *names*, so the classifier
finds the role nouns a posting uses ("engineer", "developer", "desenvolvedor", "SRE", "designer"...)
and reads the qualifiers around each one ("Senior **Backend** Engineer", "Software Engineer -
**Backend**", "**Python/Django** developers", "Desenvolvedor **Back-end** Pleno"). A noun with no
specialty qualifier counts as ``generic_swe``. The first line of a Hacker News posting
(``Company | Role | Location``) and the title of an ATS or GitHub job are read field by field, so a
bare field such as ``iOS/Android/Web/Backend`` names roles too.

When the header names no specialty ("Software Engineers"), the body decides, as the annotators
did: "full-stack" in the ad makes the role full-stack, "backend"/"server-side" makes it backend,
and so do two kinds of server-side work ("APIs", "microservices", "distributed systems", "data
pipelines", "databases", "servers", "scalable", "infrastructure"...; four kinds when the body
names other specialties). A body mention of the backend does not make a frontend, mobile or
DevOps header a backend role ("bridge the gap with the backend").

Speed: only the first :data:`_LEAD_CHARS` characters are read. They are lower-cased and split
into word and punctuation tokens by one regular expression; two-word names ("back end") are joined
on the tokens, and every decision after that is a set or dictionary lookup on those tokens (about
0.08 ms of CPU per HN posting; README "Roles" says where the time goes and what did not help).

Example:
    >>> classify_roles("Acme | Senior Backend Engineer | Berlin | ONSITE")
    RoleResult(is_job_posting=True, roles=['backend'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain, compress

from analyzer.models import ROLES

__all__ = ["ROLES_VERSION", "RoleResult", "classify_roles"]

#: Bumped whenever a rule changes what the classifier returns; part of the tagger version.
ROLES_VERSION = "roles.v2"


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


def _set(words: str) -> frozenset[str]:
    """The words of ``words`` separated by single spaces (a newline or tab is a word too)."""
    return frozenset(w for w in words.split(" ") if w)


def _words(*groups: str) -> dict[str, str]:
    """``{"role": "w1 w2 ..."}`` -> ``{"w1": "role", "w2": "role", ...}``."""
    return {
        w: role
        for role, words in zip(groups[::2], groups[1::2], strict=True)
        for w in words.split()
    }


# --- Lexicon -------------------------------------------------------------------------------
# Multi-word names become one hyphenated token before tokenizing ("back end" -> "back-end").
_JOIN = tuple(
    (pair, pair.replace(" ", "-"))
    for pair in (
        "back end",
        "full stack",
        "front end",
        "server side",
        "machine learning",
        "deep learning",
        "computer vision",
        "big data",
        "data science",
        "site reliability",
        "react native",
        "dev ops",
        "distributed systems",
        "distributed services",
        "distributed computing",
        "smart contract",
        "web ui",
        "infra software",
        "infrastructure software",
        "data pipeline",
        "web services",
    )
)
# Specialty qualifiers: next to a role noun they say which kind of role it is.
_STRONG = _words(
    "fullstack",
    "fullstack full-stack",
    "backend",
    "backend back-end server-side server api apis distributed-systems infra-software "
    "infrastructure-software database databases",
    "frontend",
    "frontend front-end ui web-ui",
    "mobile",
    "ios android mobile react-native swift objective-c flutter kotlin xamarin",
    "data_ml",
    "data dados big-data machine-learning deep-learning ml ai ia nlp computer-vision analytics "
    "etl llm research data-science",
    "devops_sre",
    "devops dev-ops devsecops sre sres site-reliability reliability infrastructure infra cloud ops "
    "operations techops systems sistemas linux network redes production build release",
    "other_eng",
    "embedded embarcado embarcada embarcados firmware hardware electrical electronic "
    "electronics mechanical ee qa test testing tests testes quality qualidade security "
    "segurança appsec game games gameplay graphics rendering robotics compiler fpga asic rf "
    "controls kernel blockchain smart-contract smart-contracts sdet verification",
)
# Weak qualifiers (languages, frameworks, "platform") name a role only when no strong qualifier
# does: "Backend Engineer (Python, Go)" is backend, "SRE (Kubernetes, Java/Python)" is not, and
# "Data Platform Engineer" is data, while "Python/Django developers" is backend. Java, C# and .NET
# are left out: they name Android, enterprise and desktop work as often (on the even dev half
# they added a false positive and no true one).
_WEAK = _words(
    "backend",
    "platform ruby rails ror python django flask php laravel symfony node node.js nodejs "
    "scala golang go elixir erlang clojure haskell ocaml rust perl",
    "frontend",
    "javascript js typescript react reactjs react.js angular angularjs vue vue.js vuejs "
    "ember ember.js html html5 css",
    "other_eng",
    "c++ desktop windows unity",
)
# Words that name a role on their own in a header field, a short line or a parenthesised list
# ("iOS/Android/Web/Backend", "- Back End Software", "(SRE, backend, mobile)").
_BARE = _words(
    "backend",
    "backend back-end be",
    "fullstack",
    "fullstack full-stack fs",
    "frontend",
    "frontend front-end fe ui",
    "mobile",
    "ios android mobile react-native",
    "devops_sre",
    "devops dev-ops sre sres sysadmin sysadmins site-reliability",
    "data_ml",
    "data-science machine-learning deep-learning ml",
    "other_eng",
    "qa embedded firmware hardware security",
    "non_eng",
    "design sales marketing product growth gtm support operations",
)
# Words that may sit beside bare role words without changing their meaning.
_FILLER = _set(
    "software engineering engineer engineers developer developers dev devs development team "
    "teams role roles position positions and or & senior sr junior jr lead staff principal mid "
    "mid-level level all levels web the a an of multiple several hiring we're we are "
    "desenvolvedor desenvolvedora pleno sênior júnior de e , / + ( ) * : - . • # >"
)
# Role nouns; Portuguese ones take their qualifier after the noun.
_ENG_NOUNS = _set(
    "engineer engineers engineering developer developers dev devs programmer programmers hacker "
    "hackers coder coders swe swes architect architects ninja ninjas rockstar rockstars craftsman "
    "craftsmen generalist generalists technologist technologists"
)
_PT_NOUNS = _set(
    "desenvolvedor desenvolvedora desenvolvedores desenvolvedoras engenheiro engenheira "
    "engenheiros engenheiras programador programadora programadores programadoras analista "
    "analistas"
)
_DATA_NOUNS = _set("scientist scientists researcher researchers cientista cientistas")
_ADMIN_NOUNS = _set("administrator administrators admin admins")
_NOUNS = _ENG_NOUNS | _PT_NOUNS | _DATA_NOUNS | _ADMIN_NOUNS
_GENERIC_NOUNS = (_ENG_NOUNS | _PT_NOUNS) - {"architect", "architects", "analista", "analistas"}
# Roles that are whole names in themselves, wherever they appear.
_WHOLE = _words(
    "devops_sre",
    "sre sres site-reliability sysadmin sysadmins devops dev-ops devsecops techops netops dba dbas",
    "data_ml",
    "machine-learning deep-learning data-science",
    "non_eng",
    "designer designers sales marketing marketer marketers recruiter recruiters recruiting "
    "evangelist evangelists devrel copywriter copywriters writer writers accountant "
    "accountants finance controller controllers lawyer lawyers counsel paralegal paralegals "
    "seo instructor instructors teacher teachers tutor tutors nurse nurses physician "
    "physicians ux specialist specialists bizdev",
)
# Two-word whole roles: (first word, second word) -> role.
_WHOLE_PAIRS: dict[tuple[str, str], str] = {
    **{(a, b): "data_ml" for a in ("data", "ml", "ai") for b in ("engineer", "engineers")},
    **{("data", b): "data_ml" for b in ("scientist", "scientists", "analyst", "analysts")},
    ("research", "scientist"): "data_ml",
    ("research", "scientists"): "data_ml",
    ("ml", "researcher"): "data_ml",
    ("ml", "researchers"): "data_ml",
    **{
        (a, b): "devops_sre"
        for a in ("system", "systems", "database")
        for b in ("administrator", "administrators")
    },
    **{
        (a, b): "non_eng"
        for a in ("product", "project", "program")
        for b in ("manager", "managers", "owner", "owners", "lead", "leads", "designer")
    },
    **{
        (a, b): "non_eng"
        for a, bs in {
            "account": "executive executives manager managers",
            "talent": "acquisition",
            "customer": "success support service",
            "support": "engineer engineers specialist specialists rep reps",
            "solutions": "engineer engineers architect architects",
            "solution": "engineer engineers architect architects",
            "developer": "advocate advocates evangelist evangelists relations",
            "technical": "writer writers",
            "content": "creator creators strategist strategists writer writers",
            "community": "manager managers",
            "office": "manager managers",
            "operations": "manager managers associate associates lead leads",
            "ops": "manager managers associate associates",
            "business": "development analyst analysts",
            "people": "ops",
            "ux": "researcher researchers",
            "user": "researcher researchers",
            "growth": "hacker hackers marketer marketers lead leads manager managers",
            "chief": "of",
            "gerente": "de",
        }.items()
        for b in bs.split()
    },
}
_WHOLE_PAIR_FIRST = frozenset(a for a, _ in _WHOLE_PAIRS)

# Tokens that end the clause a qualifier can belong to ("we use Python. Engineers ...").
_CLAUSE_END = _set(". ; : ! ? \n | • ┋ · – — - who that to with for at in")
# Words that make a noun phrase about people already there, not about a role on offer
# ("our backend engineers", "the 2 iOS devs: my colleague", "I'm a Python developer here").
_NOT_OPENING = _set("our my fellow other your former ex by")
# A role noun followed by one of these names a product or a practice, not a person
# ("an API developer platform", "developer tools", "engineering culture").
_NOUN_AS_MODIFIER = _set(
    "platform platforms tool tools tooling experience productivity community communities portal "
    "docs documentation culture blog"
)
_HEADER_SEP = _set("| • ┋ · – — - \t")
_RIGHT_INTRO = _set("( - – — , : for on")
_RIGHT_STOP = _set(". ; ! ? \n | ) - – —")
_PT_STOP = _set(". ; : ! ? \n | ( ) - – —")
_PT_GENDER = _set("a o as os")
_LEFT_TOKENS = 6
_RIGHT_TOKENS = 7
_LEAD_CHARS = 2000
_HEAD_TOKENS = 60

_INTERESTING = frozenset(_NOUNS | _WHOLE.keys() | _WHOLE_PAIR_FIRST | {"(", "\n"})

# Words, numbers with their inner dots/dashes ("node.js", "back-end", "c++", "c#"), single
# punctuation marks and newlines.
_LETTER = r"a-z0-9+#\u00c0-\u024f"  # Latin letters with accents (Portuguese); + and # for C++, C#
_TOKEN = re.compile(rf"[{_LETTER}]++(?:[.'’\-][{_LETTER}]++)*+|[^\w\s]|\n")
# The same tokens for ASCII text, spelt out for the ASCII matcher (about 8% faster).
_TOKEN_ASCII = re.compile(
    r"[a-z0-9+#]++(?:[.'\-][a-z0-9+#]++)*+|[^a-z0-9_\s\x1c-\x1f]|\n", re.ASCII
)
# Two-word names joined into one token ("back end" -> "back-end"), by first word, in _JOIN order.
_JOIN_FIRST: dict[str, list[tuple[str, str, str]]] = {}
for _pair, _joined in _JOIN:
    _JOIN_FIRST.setdefault(_pair.split()[0], []).append((_pair, _pair.split()[1], _joined))
_JOIN_FIRSTS = frozenset(_JOIN_FIRST)

# --- Body cues -------------------------------------------------------------------------------
# "full-stack" in an ad means the work spans front and back end (35 of 36 dev postings).
_FULLSTACK_CUES = _set("fullstack full-stack")
_BACKEND_CUES = _set("backend backends back-end back-ends server-side")
# Descriptions of server-side work (ANNOTATION.md: "server-side / API / backend / platform or
# infrastructure software"), by kind; the more kinds an ad names, the surer it is backend work.
_SERVER_WORK = _words(
    "api",
    "api apis",
    "micro",
    "microservice microservices micro-services",
    "dist",
    "distributed-systems distributed-services distributed-computing",
    "pipe",
    "data-pipeline data-pipelines",
    "web",
    "web-services",
    "servers",
    "servers",
    "kafka",
    "kafka",
    "db",
    "database databases sql postgres postgresql mysql mongodb redis",
    "scale",
    "scalable scalability scaling",
    "infra",
    "infrastructure",
)
# How many kinds of server-side work make a posting backend: with no specialty named at all,
# and when the body names other specialties (data scientists, designers...).
_SERVER_KINDS_GENERIC = 2
_SERVER_KINDS_OTHER = 4
#: Every word :func:`_body_roles` looks for.
_BODY_WORDS = _FULLSTACK_CUES | _BACKEND_CUES | _SERVER_WORK.keys()
_SPECIALTIES = frozenset({"frontend", "mobile", "data_ml", "devops_sre", "other_eng", "non_eng"})

# --- Job or not ------------------------------------------------------------------------------
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
_JOB_SCAN_CHARS = 2000
# Thread-meta remarks ("please add REMOTE to your post") come first in the comments that make them.
_META_SCAN_CHARS = 600


def _tokens(low: str) -> list[str]:
    """Tokens of a lower-cased text, with known two-word names joined ("back end")."""
    toks = (_TOKEN_ASCII if low.isascii() else _TOKEN).findall(low)
    # One set intersection (in C) finds the first words present; only their pairs are looked
    # for in the text, and only the tokens of a pair that is there are merged.
    present = _JOIN_FIRSTS.intersection(toks)
    if not present:
        return toks
    for first, pairs in _JOIN_FIRST.items():
        if first not in present:
            continue
        found = [(second, joined) for pair, second, joined in pairs if pair in low]
        if not found:
            continue
        i = 0
        while True:
            try:
                i = toks.index(first, i)  # gone when an earlier join took it ("big data")
            except ValueError:
                break
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            for second, joined in found:
                if nxt.startswith(second):  # "data pipelines" -> "data-pipelines"
                    toks[i : i + 2] = [joined + nxt[len(second) :]]
                    break
            i += 1
    return toks


def _qualifiers(words: list[str], weak: bool) -> set[str]:
    """Roles named by the qualifier words; weak ones only when no strong one is present."""
    strong = {_STRONG[w] for w in words if w in _STRONG}
    if strong or not weak:
        return strong
    return {_WEAK[w] for w in words if w in _WEAK}


def _noun_roles(toks: list[str], i: int) -> set[str] | None:
    """Roles named by the role noun ``toks[i]``; None when the noun is not an opening."""
    noun = toks[i]
    if i + 1 < len(toks) and toks[i + 1] in _NOUN_AS_MODIFIER:
        return None
    left: list[str] = []
    for j in range(i - 1, max(-1, i - 1 - _LEFT_TOKENS), -1):
        tok = toks[j]
        if tok in _CLAUSE_END or tok in _NOUNS:
            break
        if tok in _NOT_OPENING or (tok in ("a", "an") and toks[j - 1 : j] in (["i'm"], ["am"])):
            return None
        left.append(tok)
    right: list[str] = []
    weak_right = False
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    if noun in _PT_NOUNS:
        k = i + 1
        if nxt == "(" and toks[i + 2 : i + 3] and toks[i + 2] in _PT_GENDER:
            k = i + 4  # "Desenvolvedor(a)"
        for tok in toks[k : k + _RIGHT_TOKENS]:
            if tok in _PT_STOP:
                break
            right.append(tok)
        weak_right = True
    elif nxt in _RIGHT_INTRO:
        in_paren = nxt == "("
        weak_right = in_paren
        for tok in toks[i + 2 : i + 2 + _RIGHT_TOKENS]:
            if (
                tok in _RIGHT_STOP
                or tok in _NOUNS
                or tok in _NOT_OPENING  # "Android devs, our backend devs": a new noun phrase
                or (tok == "," and not in_paren)
            ):
                break
            right.append(tok)
    roles = _qualifiers(left, weak=True)
    roles |= _qualifiers(right, weak=weak_right and not roles)
    if noun in _DATA_NOUNS:
        return {"data_ml"}
    if noun in _ADMIN_NOUNS:
        return {"devops_sre"}
    if not roles and noun in _GENERIC_NOUNS:
        return {"generic_swe"}
    return roles


def _bare_roles(words: list[str]) -> set[str]:
    """Roles of a field made only of role words and fillers ("iOS/Android/Web/Backend")."""
    hits = set()
    for w in words:
        role = _BARE.get(w)
        if role:
            hits.add(role)
        elif w not in _FILLER:
            return set()
    return hits


def _field_roles(toks: list[str]) -> set[str]:
    """Roles of bare specialty fields of a header line ("Acme | iOS/Android/Web/Backend | SF")."""
    found: set[str] = set()
    start = 0
    n = len(toks)
    for k in chain(compress(range(n), map(_HEADER_SEP.__contains__, toks)), (n,)):
        part = toks[start:k]
        if part and len(part) <= 16:
            found |= _bare_roles(part)
        start = k + 1
    return found


def _lead_roles(toks: list[str]) -> set[str]:
    """Roles named anywhere in the tokens: role nouns, whole role names, bare lines and lists."""
    found: set[str] = set()
    n = len(toks)
    line_start = 0
    for i in compress(range(n), map(_INTERESTING.__contains__, toks)):
        tok = toks[i]
        if tok == "\n":
            # A short line made of role words: a list item such as "- Back End Software".
            if 0 < i - line_start <= 10:
                found |= _bare_roles(toks[line_start:i])
            line_start = i + 1
            continue
        if tok == "(":
            # A parenthesised list of two or more specialties: "Engineers (SRE, backend, mobile)".
            close = i + 1
            while close < n and close - i <= 16 and toks[close] not in (")", "\n"):
                close += 1
            inner = toks[i + 1 : close]
            named = [_BARE[w] for w in inner if w in _BARE]
            if len(named) >= 2:
                found.update(named)
            continue
        if tok in _NOUNS:
            roles = _noun_roles(toks, i)
            if roles:
                found |= roles
        if tok in _WHOLE:
            found.add(_WHOLE[tok])
        elif tok in _WHOLE_PAIR_FIRST and i + 1 < n:
            role = _WHOLE_PAIRS.get((tok, toks[i + 1]))
            if role:
                found.add(role)
    if 0 < n - line_start <= 10:
        found |= _bare_roles(toks[line_start:])
    return found


def _is_job_posting(low: str, head: str) -> bool:
    """Decide whether a lower-cased text advertises at least one open position."""
    # Meta comments and seekers show themselves early; long ads need not be scanned to the end.
    low = low[:_JOB_SCAN_CHARS]
    if not low or low.isspace() or _EMPTY_MARKERS.match(low):
        return False
    if _SEEKER.match(low):
        return False
    if "|" in head or _ROLE_ANY.search(head):
        return True
    if _META.search(low, 0, _META_SCAN_CHARS):
        return False
    return bool(_HIRING.search(low) or _ROLE_ANY.search(low))


def _body_roles(words: frozenset[str], head_roles: set[str], roles: set[str]) -> set[str]:
    """Backend or full-stack work the body describes for a title that names no such specialty."""
    cues: set[str] = set()
    if not _FULLSTACK_CUES.isdisjoint(words):
        cues.add("fullstack")
    # A frontend, mobile, data, DevOps... title keeps its specialty: a body mention of the
    # backend is then about colleagues or context ("bridge the gap with the backend").
    if head_roles & _SPECIALTIES:
        return cues
    if not _BACKEND_CUES.isdisjoint(words):
        cues.add("backend")
    elif not roles & {"backend", "fullstack"}:
        kinds = {_SERVER_WORK[w] for w in words & _SERVER_WORK.keys()}
        if len(kinds) >= (
            _SERVER_KINDS_GENERIC if roles <= {"generic_swe"} else _SERVER_KINDS_OTHER
        ):
            cues.add("backend")
    return cues


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
    # Only the lead is read (plus the job-or-not scan): lower-casing a long ad whole is waste.
    low = (text or "")[: max(_LEAD_CHARS, _JOB_SCAN_CHARS) + 200].lower()
    head_title = (title or "").lower().strip()
    body = low.lstrip()
    first_line = body[:300].split("\n", 1)[0]
    titled_role = bool(head_title and _ROLE_ANY.search(head_title))
    if not _is_job_posting(low, first_line) and not titled_role:
        return RoleResult(False, [])
    toks = _tokens(body[:_LEAD_CHARS])
    # The first line of the text is its header (HN: "Company | Role | Location"); its roles
    # are the title's roles when there is no title.
    cut = toks.index("\n") if "\n" in toks[:_HEAD_TOKENS] else min(len(toks), _HEAD_TOKENS)
    head_toks = _tokens(head_title) if head_title else toks[:cut]
    head_roles = _lead_roles(head_toks) | _field_roles(head_toks)
    if head_title:
        head_roles |= _field_roles(toks[:cut])
    roles = head_roles | _lead_roles(toks[cut:] if not head_title else toks)
    # Only the cue words matter to the body: a small set, not a set of every token.
    roles |= _body_roles(_BODY_WORDS.intersection(toks), head_roles, roles)
    return RoleResult(True, sorted(r for r in roles if r in ROLES))
