"""Requirement levels: how strongly a posting asks for the skill a mention names.

The annotation guide's levels, strongest first: ``required`` (asked of the candidate),
``duty`` (part of the job), ``preferred`` (a plus), ``stack`` (the company uses it), ``absent``.
One mention's level is read from, in order:

1. a *preferred* cue in its clause ("a plus", "bonus", "ideally") or a preferred section;
2. a *negated* ask in its clause ("no Kubernetes experience needed") gives ``stack``;
3. the nearest cue before it in its clause: "experience with", "you know", "N+ years" (required);
   "you will", "responsible for", "help us build" (duty); "we use", "our stack", "runs on" (stack);
   or a qualifier right after it ("AWS experience", "Docker skills");
4. a skill list headed by a role ("Senior Backend Engineer: Python, AWS") gives ``required``;
   a role named after the skill ("Cloud Engineer") gives ``duty``;
5. a clause opening with an imperative verb ("- Build and maintain CI/CD pipelines") gives ``duty``;
6. the section heading above it ("Requirements", "Nice to have", "Responsibilities",
   "Our stack", "About us", and the Portuguese "Requisitos", "Diferenciais", "Atividades"...);
7. otherwise ``stack``: the posting mentions it without asking for it.

Everything here is pure functions over strings; the tagger calls :func:`mention_level`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

__all__ = [
    "LEVELS_VERSION",
    "Sections",
    "clause_bounds",
    "heading_level",
    "mention_level",
    "mention_levels",
    "strongest",
]

#: Bumped whenever a rule changes the levels the tagger assigns; part of the tagger version.
LEVELS_VERSION = "levels.v4"

_RANK = {"required": 0, "duty": 1, "preferred": 2, "stack": 3, "absent": 4}


def strongest(levels: list[str] | tuple[str, ...]) -> str:
    """Return the strongest of some levels (``absent`` when there are none)."""
    return min(levels, key=_RANK.__getitem__, default="absent")


# --- section headings -------------------------------------------------------------------------

_H_PREFERRED = re.compile(
    r"nice[- ]to[- ]haves?|bonus\w*|extra (credit|points)|pluses|\bplus(es)?\b|preferred|"
    r"desired|ideally|would be (great|nice|awesome)|good[- ]to[- ]have|great[- ]to[- ]have|"
    r"diferencia(l|is)|desejáve(l|is)|deseables?|valorizamos|será um diferencial|even better|"
    r"stand out|not required|optional|a big plus|helpful|appreciated|highly valued"
)
_H_REQUIRED = re.compile(
    r"requirements?|required|qualifications?|must[- ]haves?|looking for|we look for|"
    r"what you (need|bring|have|should have|will need|'ll need|’ll need)|you (have|are|bring)|"
    r"about you|who you are|ideal candidate|skills|skill ?sets?|experience|you should|you must|candidate|"
    r"your (profile|background|experience|skills)|requisitos|obrigatório|obrigatórios|"
    r"pré-requisitos|conhecimentos|habilidades|perfil|competências|requerimientos|"
    r"buscamos|precisamos|o que esperamos|what we expect|we expect|you'?ll need|you’ll need|"
    r"what it takes|who you|you might be|you may be a (good )?fit"
)
_H_DUTY = re.compile(
    r"responsibilit\w*|what you('ll| will|’ll) (do|be doing|work on|own|build)|you will|you'll|"
    r"you’ll|(the|your) role|\brole\b|day[- ]to[- ]day|your (mission|impact|job|work)|duties|"
    r"tasks|what you'?ll be working on|in this role|you can expect to|responsabilidades|atividades|atribuições|"
    r"o que (você|voce) (vai|irá|ira) fazer|desafios|o que você fará|the job|job description|"
    r"the work|what's the job|the position|position|funções|suas (atividades|tarefas)"
)
_H_STACK = re.compile(
    r"stack|technolog\w*|\btech\b|tools|tooling|built with|tecnologias|ferramentas|"
    r"\bambiente\b|our infrastructure|what we use|we use|we work with|environment"
)
_H_ABOUT = re.compile(
    r"about\b|who we are|\bcompany\b|benefits?|perks|why (join|work)|we offer|compensation|"
    r"\bsobre\b|benefícios|oferecemos|culture|how to apply|to apply|apply|\blocation\b|salary|"
    r"contact|the team|our team|remuneração|contratação|process|interview"
)
_BULLET = re.compile(r"^[\s\-*•·▪◦●>#+]*")
#: A parenthetical aside in a heading ("Nice to Haves (we will help you learn on the job):").
_ASIDE = re.compile(r"\s*\([^()]*\)")
_DECORATED = re.compile(r"^\s*(#{1,6}\s|==+|\*\*|__)")


#: The last sentence of a long line ending with a colon ("... Experience with some of the following
#: required:") introduces the list under it, like a heading.
def _ends_list(line: str) -> bool:
    """Whether a line ends the list a lead-in introduced: a long paragraph, not a list item."""
    bullet = _BULLET.match(line)  # always matches, maybe empty
    return len(line) > 60 and not (bullet and bullet.group())


_BULLETED = re.compile(r"\s*[-*•·▪◦●+]\s")
_LEAD_IN = re.compile(r"(?:^|[.!?]\s)([^.!?]{3,70}[:：])\s*$")


def heading_level(line: str) -> str | None:
    """Return the level a heading line sets for the lines under it, or ``None`` if not a heading.

    A heading is a short line that ends with a colon or consists of a known heading phrase
    ("Requirements", "Nice to have", "What you'll do", "Our stack", "Requisitos",
    "Diferenciais"...). ``"about"`` marks company self-description (levels fall back to stack);
    ``"none"`` marks a heading that resets the section without setting a level.
    """
    bulleted = bool(_BULLETED.match(line))
    if bulleted and ":" not in line and "：" not in line and not _DECORATED.match(line):
        return None  # a list item is a heading only with a colon (the test below, made early)
    text = _BULLET.sub("", line).strip().lower().rstrip(" .!*_#")
    bare = text  # the heading without a parenthetical aside, for its length
    if len(text) > 70 and "(" in text and text.endswith((":", "：")) and not bulleted:
        # "Nice to Haves (if you don't know these already, we will help you learn):" is a
        # heading: the aside does not make it a paragraph; its words count only when the
        # heading's own words name no level ("Our tech stack (not looking for expertise...)").
        bare = _ASIDE.sub("", text)
    if not bare or len(bare) > 70:
        return None
    # "== About us ==", "## Requisitos", "**Requirements**": decorated lines are headings too.
    decorated = bool(_DECORATED.match(line))
    text = text.strip("=*_# ")
    bare = bare.strip("=*_# ")
    colon = text.endswith(":") or text.endswith("：") or (decorated and bool(text))
    text = text.rstrip(":： ").strip()
    bare = bare.rstrip(":： ").strip()
    if not colon and (bulleted or len(bare) > 40 or len(bare.split()) > 5):
        return None
    level = _phrase_level(bare, anywhere=colon)
    if level is None and bare != text:
        level = _phrase_level(text, anywhere=colon)
    return level or ("none" if colon else None)


#: The heading phrases of each level, in the guide's order.
_PHRASES = (
    ("preferred", _H_PREFERRED),
    ("required", _H_REQUIRED),
    ("duty", _H_DUTY),
    ("stack", _H_STACK),
    ("about", _H_ABOUT),
)
#: The same, matched only where they start within the first 12 characters: the lazy lead tries
#: starts 0, 1, ..., 12 in turn, so it matches exactly when the leftmost match starts there, and
#: the rest of the text is never scanned.
_OPENING_PHRASES = tuple(
    (level, re.compile(r"[\s\S]{0,12}?(?:" + rx.pattern + ")")) for level, rx in _PHRASES
)


def _phrase_level(text: str, anywhere: bool) -> str | None:
    """The level of the first heading phrase found in ``text`` (lowercased), in the guide's order;
    unless ``anywhere``, the phrase must start within the first 12 characters of the text."""
    if anywhere:
        for level, rx in _PHRASES:
            if rx.search(text):
                return level
        return None
    for level, rx in _OPENING_PHRASES:
        if rx.match(text):
            return level
    return None


@dataclass(frozen=True)
class Sections:
    """The section headings of one text: their line starts and the level each sets."""

    starts: list[int]
    levels: list[str]

    @classmethod
    def of(cls, text: str, upto: int | None = None) -> Sections:
        """Find every heading line of ``text`` (one pass over its lines).

        Args:
            text: the posting text.
            upto: when given, stop after the line holding this offset: headings below it do not
                change :meth:`level_at` for any offset up to there (the tagger passes its last
                mention's start, and skips the rest of a long posting).
        """
        if upto is not None:
            last_line_end = text.find("\n", upto)
            if last_line_end >= 0:
                text = text[:last_line_end]
        starts: list[int] = []
        levels: list[str] = []
        pos = 0
        lead_in = False  # a lead-in sentence's section covers only the list right under it
        for line in text.split("\n"):
            if lead_in and _ends_list(line):
                starts.append(pos)
                levels.append(levels[-2] if len(levels) >= 2 else "none")
                lead_in = False
            colon = ":" in line or "：" in line
            short = len(line) <= 80 or (
                colon and "(" in line and line.rstrip().endswith((":", "："))
            )
            level = heading_level(line) if short else None
            if level is None and colon and line.rstrip().endswith((":", "：")):
                found = _LEAD_IN.search(line.rstrip())
                # Only a phrase opening the sentence counts: "Bonuses:", "Experience with any of:".
                phrase = found.group(1).lower().rstrip(":： ") if found else ""
                level = _phrase_level(phrase, anywhere=False) if phrase else None
                lead_in = level is not None
            elif level is not None:
                lead_in = False
            if level is not None:
                starts.append(pos + len(line))  # the section begins after the heading line
                levels.append(level)
            elif colon:  # an inline heading ends its label with a colon
                inline = _inline_heading(line)
                if inline is not None:
                    # "Requirements: X, Y" sets the level of its own line only.
                    starts.append(pos)
                    levels.append(inline)
                    starts.append(pos + len(line))
                    levels.append(levels[-2] if len(levels) >= 2 else "none")
            pos += len(line) + 1
        return cls(starts, levels)

    def level_at(self, offset: int) -> str | None:
        """The level set by the nearest heading above ``offset`` (``None`` if none or neutral)."""
        i = bisect_right(self.starts, offset) - 1
        if i < 0:
            return None
        level = self.levels[i]
        return None if level == "none" else level


_INLINE = re.compile(r"^[\s\-*•·▪◦●>#]*([^:：|]{3,40})[:：]\s*\S")


def _inline_heading(line: str) -> str | None:
    m = _INLINE.match(line)
    if not m:
        return None
    level = heading_level(m.group(1) + ":")
    return None if level in (None, "none") else level


# --- clauses and cues -------------------------------------------------------------------------

#: Every clause break starts at whitespace or a period: the lookahead says so first, which lets the
#: regex skip the other characters of a line without trying each alternative (2.4x faster).
_CLAUSE_BREAK = re.compile(
    r"(?=[\s.])(?:"
    r"(?<=[.!?;])\s+(?=\S)|\s+\|\s+|\s+•\s+|\s+[–—]\s+(?=[A-Z])|(?<=[a-z)])\.(?=[A-Z])"
    r")"
)


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the bounds of the clause (sentence, list item, ``|`` field) holding a mention."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end < 0:
        line_end = len(text)
    line = text[line_start:line_end]
    lo, hi = line_start, line_end
    for m in _CLAUSE_BREAK.finditer(line):
        if line_start + m.end() <= start:
            lo = line_start + m.end()
        elif line_start + m.start() >= end:
            hi = line_start + m.start()
            break
    return lo, hi


_PREF_CUE = re.compile(
    r"\b(a plus|plus(es)?|bonus\w*|nice[- ]to[- ]have|preferred|preferably|ideally|helpful|"
    r"would be (great|nice|awesome|good|a plus)|extra (points|credit)|desirable|advantage\w*|"
    r"appreciated|diferencia\w*|desejáve\w*|good to have|great to have|great if|even better|"
    r"brownie points|interest in|interested in|willing to learn|eager to learn|want(s)? to learn|"
    r"curious about|"
    r"not required|not a requirement|not necessary|would love|we'd love|love it if|"
    r"happy to teach|can learn|are a plus|is a plus)\b"
)
_NEG_CUE = re.compile(
    r"\b(no|not|don'?t|do not|doesn'?t|without|never)\b[^.;]{0,40}\b(experience|knowledge|"
    r"required|needed|necessary|need|expect\w*|prior)\b|\bnot (required|needed|necessary)\b"
)
_REQ_CUE = re.compile(
    r"\b(experience|experienced|expertise|expert|proficien\w*|familiar\w*|knowledge|knows?|"
    r"understanding|skilled|skills?|competen\w*|comfortable|fluent|fluency|versed|background|"
    r"hands-on|worked with|track record|\d+\+?\s*(\+\s*)?(years?|yrs)|years? of|must|required|requires?|requirements?|"
    r"qualifications?|you have|you've|you’ve|should have|should know|mastery|strong|solid|deep|"
    r"at least|looking for|seeking|we need|need someone|ideal candidate|candidates? (with|who)|"
    r"you are|you're|you’re|proven|exposure|ability|able to|capable|grasp|command of|"
    r"conhecimento\w*|experiência|domínio|vivência|sólid\w+|proficiência|exigido|"
    r"obrigatório|experiencia|conocimiento\w*|manej\w+|dominar|saber)\b"
)
_DUTY_CUE = re.compile(
    r"\b(you will|you'll|you’ll|you'd|you’d|you would|you will be|will be (responsible|building|"
    r"working|owning|helping|leading)|responsible for|responsibilit\w*|your (job|role|work|day|"
    r"mission|focus)|in this role|day[- ]to[- ]day|"
    r"help(ing)? (us|to|keep|work|build|scale|design|maintain|improve|grow|develop|shape|run|create|"
    r"automate|migrate|define|architect|lead|drive|evolve|deploy|operate|manage|own|implement)|"
    r"who('ll|’ll| will)|"
    r"you (build|design|maintain|manage|own|operate|deploy|migrate|implement|develop|work|run|"
    r"scale|automate|lead|improve|create|write|architect)\w*|"
    r"div(e|ing) (deep )?into|"
    r"atuar\w*|(você|voce) (vai|irá|ira|será)|será responsável|irá|vai (atuar|trabalhar))\b"
)
_STACK_CUE = re.compile(
    r"\b(we use|we're using|we are using|we’re using|we run|we're running|we’re running|"
    r"running on|runs on|run on|built on|built with|built using|our (current )?(tech|technology|"
    r"technologies|stack|tools|tooling)|(?<!full[- ])(?<!full)stack|tech|technologies|we deploy|"
    r"deployed (on|to|in)|we host|hosted (on|in|at)|we're on|we are on|we leverage|we rely|"
    r"powered by|we love|we like|we work with|get to (work|play) with|we've|we have|we're|we are|we|usamos|utilizamos|"
    r"nossa stack)\b"
)
_REQ_AFTER = re.compile(
    r"^[\s\-/,&+()\w.]{0,40}?\b(experience|experienced|knowledge|skills?|expertise|proficiency|"
    r"required|is a must|a must|background|proficient|certifi\w+|expert)\b"
)
_ROLE_NOUN = (
    r"(engineers?|developers?|devs?|sres?|devops|architects?|programmers?|administrators?|"
    r"admins?|scientists?|specialists?|hackers?|leads?|ninjas?|gurus?|analysts?|"
    r"desenvolvedor\w*|engenheir\w*|consultants?|experts?|smes?|wizards?)"
)
_ROLE_HEAD = re.compile(
    r"\b" + _ROLE_NOUN + r"\b\s*(\([^)]{0,30}\)\s*)?(:|\(|\[|\s-\s|\s–\s|\s—\s)"
)
_ROLE_AFTER = re.compile(
    r"^[\s/&\-]*((?!(for|to|of|by|with|from|in|at|on)\b)\w+[\s/&\-]+){0,2}" + _ROLE_NOUN + r"\b"
)
_LIST_GAP_BAD = re.compile(
    r"\b(we|our|you|your|is|are|will|was|who|that|which|to|for|of|in|at|on|build\w*|"
    r"work\w*|using|use|stack|tech)\b|[.!?](\s|$)"
)
#: Work verbs that open a duty item, as imperatives ("Build ...") or gerunds ("Building ...").
_WORK_VERBS = (
    r"build(ing)?|design(ing)?|maintain(ing)?|manag(e|ing)|own(ing)?|operat(e|ing)|deploy(ing)?|"
    r"migrat(e|ing)|implement(ing)?|develop(ing)?|set(ting)? up|automat(e|ing)|improv(e|ing)|"
    r"architect(ing)?|scal(e|ing)|run|support(ing)?|administer(ing)?|configur(e|ing)|"
    r"monitor(ing)?|writ(e|ing)|creat(e|ing)|lead(ing)?|driv(e|ing)|evolv(e|ing)|"
    r"establish(ing)?|defin(e|ing)|help(ing)?|work(ing)? (on|with|across)|contribut(e|ing)|"
    r"collaborat(e|ing)|optimi[sz](e|ing)|ensur(e|ing)|troubleshoot(ing)?|debug(ging)?|"
    r"integrat(e|ing)|participat(e|ing)|follow(ing)?|ship(ping)?|harden(ing)?|instrument(ing)?|"
    r"provision(ing)?|orchestrat(e|ing)|modernt?i[sz](e|ing)|dive|diving|tak(e|ing) (over|charge)|"
    r"extend(ing)?|expand(ing)?|refactor(ing)?|overs(ee|eeing)|keep(ing)?|bring(ing)?|"
    r"desenvolver|manter|implementar|criar|atuar|gerenciar|configurar|construir|participar|"
    r"realizar|garantir|apoiar|monitorar|automatizar|projetar|evoluir|administrar"
)
#: A clause (or a labelled list: "Senior backend engineer: Work on ...") opening with a work verb.
#: A role noun right after the verb makes it a title ("Lead Backend Engineer", "Support Engineer").
_LEAD_VERB = re.compile(
    r"^[\s\-*•·▪◦●>]*(?:[^:：.!?]{0,60}(?:[:：]|\s[-–—]\s)\s*[\-*•·]?\s*)?(?:and\s+)?"
    r"(" + _WORK_VERBS + r")\b(?!\s*[/:|])"
    r"(?![\s/&\-]+(\w+[\s/&\-]+){0,2}" + _ROLE_NOUN + r"\b)"
)
#: A statement that the company uses a skill ("we run ... on AWS"): never a duty item's object.
_WE_USE = re.compile(
    r"\b(we|we're|we’re|we are) (use|using|run|running|rely|leverage|deploy|host)\b|"
    r"\b(runs|running|built|hosted|deployed) (on|with|in)\b|\bpowered by\b"
)
#: "Customers like X", "used by X": the skill names a customer or user, not the posting's stack.
_CUSTOMER_CUE = re.compile(
    r"\b(customers?|clients?|companies|brands|users|partners|investors|backers)\s+"
    r"(like|such as|includ\w+|are|range from)\b|\b(used|trusted|backed|loved|funded) by\b|"
    r"\bfor (companies|customers|clients) (like|such as|including)\b|\bex-|\balumni of\b|"
    r"\b(founders?|ceo|cto|vp \w+) (was |were )?(of|at)\b|\bfounded by\b|\bcomes? from\b"
)


#: An open parenthesis whose aside names the stack ("(stack: AWS deployed Redis, MongoDB)",
#: "(our stack is Go, GCP)"): what follows inside it is the company's stack, whatever verb
#: opened the clause.
_BRACKET_STACK = re.compile(
    r"\((?:our |the )?(?:current )?(?:tech(?:nology)? )?(?:stack|tech|technologies|tools)"
    r"(?: is| includes?)?\s*[:：]?[^()]*$"
)


#: A closed parenthetical aside (no nesting).
_CLOSED_ASIDE = re.compile(r"\([^()]*\)")


def _blank(m: re.Match[str]) -> str:
    """Spaces as long as the match (offsets into the clause hold)."""
    return " " * len(m.group())


def _negated_aside(clause: str, start: int, end: int) -> bool:
    """Whether the mention ``clause[start:end]`` is inside a closed aside holding a negated ask
    ("Python (no Kubernetes experience needed)")."""
    for m in _CLOSED_ASIDE.finditer(clause):
        if m.start() < start and end < m.end():
            return _NEG_CUE.search(m.group()) is not None
    return False


def _last_end(rx: re.Pattern[str], text: str) -> int:
    end = -1
    for m in rx.finditer(text):
        end = m.end()
    return end


def _role_headed(before: str) -> bool:
    """Whether the clause text before a mention is ``<role noun> (: | ( | [ | -) <skill list>``."""
    before = before.lower()
    heads = list(_ROLE_HEAD.finditer(before))
    if not heads:
        return False
    gap = before[heads[-1].end() :]
    return len(gap) <= 120 and not _LIST_GAP_BAD.search(gap)


_ROLE_WORD = re.compile(r"\b" + _ROLE_NOUN + r"\b")


def _header_list(text: str, lo: int, start: int, end: int, hi: int) -> bool:
    """Whether a mention is in a bare skill-list field of a ``|`` header line, after the role's
    field ("Acme | Machine Learning Engineer | Python, TensorFlow, GCP | Amsterdam")."""
    line_start = text.rfind("\n", 0, start) + 1
    prefix = text[line_start:lo]
    if "|" not in prefix or hi - lo > 120 or not _ROLE_WORD.search(prefix.lower()):
        return False
    field = text[lo:hi].lower()
    return not _LIST_GAP_BAD.search(field[: start - lo]) and not _LIST_GAP_BAD.search(
        field[end - lo :]
    )


def _list_under_role(text: str, start: int) -> bool:
    """Whether a mention is in a bracketed skill list on the line right under a role's title
    ("Platform Engineer (Python, GCP & Azure)" then "[Kubernetes, Terraform, CI/CD]")."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    if len(line) > 150 or line[:1] not in "([" or line[-1:] not in ")]" or line_start < 2:
        return False
    title_start = text.rfind("\n", 0, line_start - 1) + 1
    title = text[title_start : line_start - 1].strip().lower()
    return (
        0 < len(title) <= 80
        and not title.endswith((".", ":", "：", "!", "?"))
        and bool(_ROLE_WORD.search(title))
        and not _LIST_GAP_BAD.search(line[1:-1].lower())
    )


#: What follows an employer's name opening a posting: a header separator, a link, a line end.
_AFTER_EMPLOYER = re.compile(
    r"(\s*\n|\s*$|(\s+[A-Z0-9][\w.&'’-]*){0,3}(\s*\||\s[-–—]\s|\s*\(|\s+\[|,? [Ii]nc\b|"
    r"\s+is hiring))"
)


def _employer_name(text: str, start: int, end: int) -> bool:
    """Whether a mention opens the posting as the employer's name ("PagerDuty | San Francisco",
    "Datadog - NYC"): the company is not a skill the posting asks for or uses."""
    if start > 16 or text[:start].strip(" \t*#>_"):
        return False
    after = _AFTER_EMPLOYER.match(text, end)
    if after is None:
        return False
    field_end = after.end()
    return not _ROLE_WORD.search(text[start:field_end].lower())


def mention_level(text: str, start: int, end: int, sections: Sections) -> str:
    """Return the level of the skill mention at ``text[start:end]`` (see the module docstring).

    Args:
        text: the whole posting text (plain text, one paragraph or list item per line).
        start: offset of the mention's first character.
        end: offset just past the mention.
        sections: the posting's headings (:meth:`Sections.of`).
    """
    return mention_levels(text, [(start, end)], sections)[0]


@dataclass(slots=True)
class _Clause:
    """One clause's lowercased text and its clause-wide cues, read once for all its mentions."""

    lower: str
    preferred: bool
    negated: bool | None = None  # read when first needed


def mention_levels(text: str, spans: list[tuple[int, int]], sections: Sections) -> list[str]:
    """Return the level of each skill mention ``text[start:end]`` of ``spans``, in order.

    The same levels as :func:`mention_level` for each span, faster for many: each line's clause
    breaks are found once, and each clause's preferred and negation cues are read once, however
    many mentions the clause holds ("Python, AWS, Docker and Kubernetes is a plus").

    Args:
        text: the whole posting text (plain text, one paragraph or list item per line).
        spans: ``(start, end)`` offsets of the mentions.
        sections: the posting's headings (:meth:`Sections.of`).
    """
    breaks: dict[tuple[int, int], list[tuple[int, int]]] = {}
    clauses: dict[tuple[int, int], _Clause] = {}
    levels: list[str] = []
    for start, end in spans:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        if line_end < 0:
            line_end = len(text)
        line_breaks = breaks.get((line_start, line_end))
        if line_breaks is None:
            line_breaks = breaks[(line_start, line_end)] = [
                (line_start + m.start(), line_start + m.end())
                for m in _CLAUSE_BREAK.finditer(text[line_start:line_end])
            ]
        lo, hi = line_start, line_end
        for brk_start, brk_end in line_breaks:
            if brk_end <= start:
                lo = brk_end
            elif brk_start >= end:
                hi = brk_start
                break
        clause = clauses.get((lo, hi))
        if clause is None:
            low = text[lo:hi].lower()
            clause = clauses[(lo, hi)] = _Clause(low, _PREF_CUE.search(low) is not None)
        levels.append(_level(text, start, end, lo, hi, clause, sections))
    return levels


def _level(
    text: str,
    start: int,
    end: int,
    lo: int,
    hi: int,
    memo: _Clause,
    sections: Sections,
) -> str:
    """The level of one mention in the clause ``text[lo:hi]`` (``memo``: what is read of it)."""
    clause = memo.lower
    before = clause[: start - lo]
    if ")" in before:
        # A closed aside holds its own cues: "CI curation (we use GitLab), cloud infrastructure
        # (AWS)" - its "we use" says nothing of what follows it.
        before = _CLOSED_ASIDE.sub(_blank, before)
    section = sections.level_at(start)
    if memo.preferred or section == "preferred":
        return "preferred"
    if memo.negated is None:
        # A negation inside a closed aside is about the aside ("Linux DevOps (no previous
        # blockchain experience required): ... cloud infrastructure (AWS)"), not the clause.
        plain = _CLOSED_ASIDE.sub(_blank, clause) if ")" in clause else clause
        memo.negated = _NEG_CUE.search(plain) is not None
    if memo.negated or (")" in clause and _negated_aside(clause, start - lo, end - lo)):
        return "stack"
    if start <= 16 and _employer_name(text, start, end):
        return "absent"
    if "(" in before and _BRACKET_STACK.search(before):
        return "stack"
    required_at = _last_end(_REQ_CUE, before)
    lead = _LEAD_VERB.match(before)
    if lead and section not in ("stack", "about") and not _WE_USE.search(before, lead.end()):
        # "- Operating our cloud infrastructure": a duty item; "our ..." is its object, not a stack.
        if required_at >= lead.end() or section == "required":
            return "required"
        return "duty"
    cues = [
        (required_at, "required"),
        (_last_end(_DUTY_CUE, before), "duty"),
        (_last_end(_STACK_CUE, before), "stack"),
        (_last_end(_CUSTOMER_CUE, before), "absent"),
    ]
    cue_at, cue = max(cues)  # the nearest cue before the mention, if any
    if cue_at >= 0:
        return cue
    after = clause[end - lo :]
    if _REQ_AFTER.match(after):
        return "required"
    if _role_headed(text[lo:start]):
        return "required"
    if _header_list(text, lo, start, end, hi) or _list_under_role(text, start):
        return "required"
    if _ROLE_AFTER.match(after) or _ROLE_WORD.search(clause[start - lo : end - lo]):
        return "duty"
    if section in ("required", "duty", "stack"):
        return section
    return "stack"
