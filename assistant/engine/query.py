"""Stage 0, analyse: the question, made standalone, turned once into a :class:`Query` that every
later stage reads (retrieve, rerank, select, check, compose). No stage re-reads the raw text.

A query knows its content terms (and which a follow-up inherited), the kind of answer it wants,
the constraints an answer must satisfy (years, versions, standard codes, figures, names, the
role it asks about), and, for a question in two parts, its parts.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index.text import sentence_spans, terms

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_NUMBER_Q = re.compile(
    r"\b(how (many|much|large|big|long|often)|number of|what (percentage|percent|share|proportion|amount|"
    r"total|rate|figure|size)|how far|what is the (?:default )?(total|maximum|minimum|top|highest|lowest|largest|smallest)|"
    r"(maximum|minimum|top|highest) (fine|penalty)|by how)\b",
    re.IGNORECASE,
)
# "when" asks for a time where it opens the question (or an embedded one: "do you know when");
# "what happens when ..." and "what does X do when ..." ask about a condition
_DATE_Q = re.compile(
    r"^\W*(?:and |so |but |then )?when\b|\bwhen\s*\?\s*$|\b(?:know|tell me|say|find out|remember|recall|ask) when\b|"
    r"\b(what (date|day|year|month|time)|which (date|day|year|month)|by what date|"
    r"(?:what|when)(?:'s| is| was| are| were)? (?:the )?(?:\w+ )?deadline|deadline (?:for|to)|"  # not "can I move its deadline"
    r"since when|until when|till when|take effect|come into (force|effect)|effective date|"
    r"(?:which|what|since which|from which|in which) (?:\w+ )?(?:version|release))\b",
    re.IGNORECASE,
)
# a question after a cause or a purpose: the answer must give one ("because", "to avoid", "aims to")
_REASON_Q = re.compile(
    r"^\W*(?:and\s+|so\s+|but\s+)?why\b|\b(?:what|which)\s+(?:were\s+|was\s+|are\s+|is\s+)?(?:the\s+)?(?:main\s+)?"
    r"(?:reasons?|motives?|motivation|rationale|purpose)\b|\bfor what (?:reason|purpose)\b",
    re.IGNORECASE,
)
# a question after a literal value ("what value does it return by default"): a number, a constant
# (True, None), a quoted string or code; a sentence that only names the quantity does not give it
_VALUE_Q = re.compile(r"\bwhat\s+(?:is\s+the\s+|'s\s+the\s+)?(?:default\s+)?value\b"
                      r"|\bwhat(?:\s+is|'s|’s)\s+(?:the|its)\s+default\b(?!\s+(?:behaviou?r|action)\b)|\bdefaults?\s+to\s+what\b"
                      r"|\bwhat\s+does\s+(?:[\w.()]+\s+){1,4}default\s+to\b", re.IGNORECASE)
_WHO_Q = re.compile(r"\b(who|whom|whose|which (organi[sz]ations?|body|bodies|ministry|agency|person|people|persons|individuals?|experts?|officials?|company|companies|authority|authorities))\b", re.IGNORECASE)
# "which economies does ... name", "what product types are ...": a plural asks for several things
_PLURAL_Q = re.compile(
    r"\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?[\w-]*(?:ies|[^su'\s]s)\s+(?:are|were|do|does|did|have|has|had|will|can|could|should|must|is|was)\b",
    re.IGNORECASE,
)
_CODE_PREFIXES = r"GB|GB/T|GB/Z|YD/T|ISO|IEC|ISO/IEC|EN|IEEE|ITU-T|JIS|ANSI|DIN|BS|SJ/T|HG/T|QB/T|RFC|PEP|T/[A-Z]{2,8}"
_CODE_Q = re.compile(
    rf"\b(?:what|which|under which|under what)\s+(?:is\s+|was\s+)?(?:the\s+|its\s+)?(?:(?:{_CODE_PREFIXES}|international|national|association|standard|document)\s+)+(?:number|code|reference)\b",
    re.IGNORECASE,
)
# "which exception is raised", "what error do I get": the name of an exception answers
_EXCEPTION_Q = re.compile(r"\b(?:which|what)\s+(?:kind of\s+|type of\s+|sort of\s+)?(?:exception|error)(?!s)\b(?!\s+(?:message|code|handler|handling))",
                          re.IGNORECASE)
_LIST_Q = re.compile(r"\b(what are|which are|list|name the|what were|which were|what (types|kinds|areas|sectors|fields|products|measures|achievements|methods|functions|options|steps))\b", re.IGNORECASE)
_ROLE = re.compile(
    r"\b((?:vice|deputy|assistant|executive|honorary|co)[- ]?)?(presiden(?:t|cy)|chair(?:man|woman|person)?(?:ship)?|"
    r"secretary[- ]general|director[- ]general|director|minister|convenor|convener|commissioner|"
    r"spokesperson|spokesman|founder|ceo|chief executive|head|leader|author|maintainer|editor|governor|mayor)s?\b",
    re.IGNORECASE,
)
# "..., and when was ...": a second question joined to the first
_SECOND_PART = re.compile(
    r"(?:,\s*and|;\s*(?:and)?|\?\s*(?:and)?|\band)\s+(?=(?:(?:if (?:not|so)|otherwise)\s*,?\s+)?(?:(?:\w+ly|also|then|about|just)\s+)?(?:(?:on|in|at|by|for|from|to|with|under|since|until|during)\s+(?:what|which|whose|whom|how)\b"
    r"|(?:when|what|which|who|whom|how|where|why|is|are|was|were|does|do|did|can|has|have)\b))",
    re.IGNORECASE,
)

# the kinds of answer a unit must hold (a question after a fact or a list is met by any unit)
KINDS = frozenset({"number", "date", "who", "code", "reason", "value", "exception"})
QUESTION_WORDS = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_CODE = re.compile(rf"\b(?:{_CODE_PREFIXES})\s?[\d.]+(?:[-:]\d+)*\b")
# a year that names an edition of a document or a list ("the 2021 version of the Negative List",
# "the 2019 top-runner list"), not a time frame ("in 2021"): the unit itself must name it; a
# newsletter dated 2021 does not make the 2020 list it reports the 2021 one
_EDITION = re.compile(
    r"(?:\b(?:the|its|their|this|that|whose)|['’]s)\s+(19[5-9]\d|20\d\d)\s+(?:[\w-]+\s+){0,2}?(?:version|edition|list|catalogue|catalog)s?\b"
    r"(?!\s+[a-z]+(?:ment|tion|sion|ance|ence|ure)s?\b)"  # "the 2020 catalogue adjustment" is an event its document dates
    r"|\b(?:version|edition)\s+(?:of\s+)?(19[5-9]\d|20\d\d)\b",
    re.IGNORECASE,
)
# a quantity with a unit of measure: "how long is the railway" wants "142 km", not "eight projects"
_MEASURE_Q = re.compile(
    r"\bhow (?:long|far|fast|tall|high|heavy|wide|deep)\b|\bhow much (?:money|funding|funds|investment|capital|budget)\b"
    r"|\bwhat (?:is|was|are|were) (?:the|its|their) (?:[\w-]+\s+){0,2}?"
    r"(?:length|distance|speed|weight|height|width|depth|duration|budget|investment|funding|fine|penalty|price|cost|fee)s?\b",
    re.IGNORECASE,
)
# when a rule takes effect: a date of its approval or publication is another date
_EFFECT_Q = re.compile(
    r"\b(?:enter|enters|entered|come|comes|came|go|goes|went)\s+into\s+(?:force|effect)\b|\b(?:take|takes|taking|took)\s+effect\b"
    r"|\beffective\s+date\b|\bbecomes?\s+effective\b|\bbe\s+implemented\b|\bimplementation\s+date\b"
    r"|\bappl(?:y|ies|icable)\b|\bin\s+force\b",  # "from what date does GB/T 39498-2020 apply"
    re.IGNORECASE,
)
# a year as the time of what is asked about, not as the name of an edition or an item ("SESEC's 2020 item")
_FRAME_Q = re.compile(
    r"\b(?:in|by|during|until|till|before|after|since|throughout)\s+(?:the\s+(?:end|beginning|start|middle|first half|second half)\s+of\s+)?"
    rf"(?:(?:early|late|mid)[\s-]+)?(?:(?:{_MONTHS})\s+)?(19[5-9]\d|20\d\d)\b",
    re.IGNORECASE,
)
# asks what was attained ("how many connections did China actually reach"), not what was planned
_OUTCOME_Q = re.compile(
    r"\bactually\b|\bdid\b[^?]{0,80}\b(?:reach|achieve|attain|exceed|hit)\b|\b(?:has|have)\b[^?]{0,60}\b(?:reached|achieved|attained|exceeded)\b",
    re.IGNORECASE,
)
_PLAN_WORDS = re.compile(r"\b(?:plan|plans|planned|target|targets|goal|goals|aim|aims|expected|projected|forecast|will|would|should)\b", re.IGNORECASE)
# a sentence that states a target, not a result: "the number of connections will reach 1.2 billion"
_PLAN = re.compile(r"\b(?:will|shall|is expected to|are expected to|aims? to|aiming to|strives? to|targets?|goals?)\b", re.IGNORECASE)
_ATTAINED = re.compile(r"\b(?:reached|achieved|attained|exceeded|totall?ed|amounted|rose|grew|fell)\b", re.IGNORECASE)
EFFECT = re.compile(
    r"\binto\s+(?:force|effect)\b|\b(?:take|takes|taken|taking|took)\s+effect\b|\beffective\b|\bimplemented\b|\bimplementation\s+date\b"
    r"|\bappl(?:y|ies)\s+from\b|\bin\s+force\b",
    re.IGNORECASE,
)
_PERSON_Q = re.compile(
    r"\b(?:which|what)\s+(?:individuals?|persons?|people|officials?|experts?|speakers?|representatives?)\b"
    r"|\bwho\s+(?:signed|spoke|chaired|headed|delivered|presented|introduced|addressed|represented|wrote|authored)\b"
    r"|\b(?:put|set) (?:their|his|her) names?\b|\bwhose names?\b",
    re.IGNORECASE,
)
_TITLE = r"(?:Mr|Ms|Mrs|Dr|Prof)\.?"  # a personal title before a name
_ORG_WORD = (r"(?:Center|Centre|Administration|Agency|Committee|Institute|Association|Office|Ministry|Council|Group|"
             r"Organi[sz]ation|Service|Commission|Department|University|Bureau|Authority|Union|Forum|Conference|"
             r"Embassy|Delegation|Chamber|Company|Corporation|Academy|Federation|Alliance|Network|Platform|Project|"
             r"Programme|Program|Agreement|Initiative|Party|Bank|"
             r"Standard|Standards|Law|Plan|Republic|China|Chinese|European|National|International|State)")
# a personal name: a titled one ("Dr. Betty XU"), or two or three capitalised words that are no
# body's name, set off as a name is ("Zhang Zhaohua, Director of CNAS")
_OFFICE = (r"(?:Director(?:-General)?|Deputy Director|Administrator|Vice Administrator|President|Vice President|"
           r"Chairman|Chairwoman|Secretary-General|Minister|Vice Minister|Commissioner)")
_PERSON = re.compile(
    rf"\b{_TITLE}\s+[A-Z][\w'-]+"
    rf"|\b{_OFFICE}\s+(?!{_ORG_WORD}\b|General\b)[A-Z][A-Za-z'-]+\s+(?!{_ORG_WORD}\b)[A-Z][a-z]+\b(?!\s+{_ORG_WORD}\b)"  # "Director GAN Xiaobin", "Administrator Luo Wen"
    rf"|(?<![A-Z]\w\s)\b(?!{_ORG_WORD}\b)[A-Z][a-z'-]+(?:\s+(?!{_ORG_WORD}\b)[A-Z][a-zA-Z'-]+){{1,2}}"
    # set off as a name is; not the first words of a body's name ("Energy Conservation and Comprehensive Utilization Department")
    rf"(?=\s*(?:,|\((?![A-Z]{{2,}}\))|\bof\b|\band\b(?!(?:\s+[A-Z][a-z]+)+\s+{_ORG_WORD}\b)|$))"
)


def names_person(text: str, known: Collection[str] = ()) -> bool:
    """Whether a unit names a person (not only bodies): "signed by Zhang Zhaohua, Director of CNAS";
    not one made only of ``known`` words (the question's own "Hong Kong" names nobody it asks after)."""
    return any(not re.match(rf"(?:{_OPENERS})\b", m.group(0)) and not set(m.group(0).split()) <= set(known)
               for m in _PERSON.finditer(text))


_SIGNATURE_Q = re.compile(r"\bdefault(?:s|ed)?\b|\b(?:parameter|argument|keyword)s?\b|\bsignature\b", re.IGNORECASE)
_MEASURE = re.compile(
    r"\d+(?:[.,]\d+)*\s*(?:(?:working|business|calendar|natural|full)\s+)?(?:%|percent\b|per cent\b|(?:km|kilomet|met|mile|cm|mm|m\b|kg|kilogram|gram|ton|tonne|second|minute|hour|"
    r"day|week|month|year|decade|km/h|mph|byte|kb\b|mb\b|gb\b|bit|character|yuan|rmb|euro|eur\b|usd|dollar|million|billion|trillion))"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|hundred)\s+(?:second|minute|hour|day|week|month|year|decade|kilomet|mile)"
    r"|\blength (?:of )?\d+|\d+\s*(?:elements?|items?|entries|digits?|lines?|columns?)\b",  # how long a sequence can be
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*%?(?![\w.])")
_NAME = re.compile(rf"\b{_TITLE}\s+([A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+)*)")


@dataclass(frozen=True)
class Query:
    """One question, analysed once.

    ``text`` is what retrieval sees (a follow-up's standalone form); ``asked`` the user's own
    words, whose constraints alone an answer must satisfy; ``carried`` the terms a follow-up
    inherited; ``parts`` the sub-questions of a question in two parts (empty otherwise);
    ``vector`` its embedding, filled once by the retrieve stage."""

    text: str
    terms: tuple[str, ...]
    wants: str  # "number" | "date" | "who" | "list" | "code" | "reason" | "value" | "exception" | "fact"
    specifics: tuple[str, ...]
    carried: frozenset[str] = frozenset()
    asked: str = ""
    roles: tuple[str, ...] = ()
    role_of: tuple[str, ...] = ()  # whose office a question asks about ("the Director-General of CEN-CENELEC")
    param_of: tuple[tuple[str, str], ...] = ()  # (parameter, its function): "the dir_fd argument of glob.escape"
    names: tuple[str, ...] = ()  # identifiers and acronyms the retrieved passages must mention
    proper: tuple[str, ...] = ()  # capitalised words inside the question, outside its wh-phrase ("on Windows", "American companies"): the documents found must use them
    subjects: tuple[str, ...] = ()  # what the question is about by name: qualified names, identifiers, acronyms
    example: bool = False  # asks to be shown code: an example, a snippet, the syntax
    defines: bool = False  # asks what something is or does: its definition answers
    counted: tuple[str, ...] = ()  # what a "how many" counts ("connections"): a number about it ranks first
    frames: tuple[str, ...] = ()  # years a preposition makes the time of the event ("by the end of 2020", "in 2019")
    editions: tuple[str, ...] = ()  # years naming an edition ("the 2021 version"): the unit must name them
    measure: bool = False  # a "how long/far/fast": the number must carry a unit of measure
    signature: bool = False  # asks about a default or a parameter: a term's signature shows it whole
    person: bool = False  # asks for people by name ("which individuals signed"), not for a body
    effect: bool = False  # asks when something takes effect: the date must be that of its entry into force
    outcome: bool = False  # asks what was attained: a sentence that states a target does not answer
    joined: bool = False  # joins two things ("X and Y", "both", "as well as", "compared with"): its constraints may be met by two units together
    parts: tuple[Query, ...] = ()
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def own_terms(self) -> tuple[str, ...]:
        """The terms the user asked with now (all of them for a self-contained question),
        question words left out."""
        return tuple(t for t in self.terms if t not in self.carried and t not in QUESTION_WORDS)

    @property
    def qualified(self) -> tuple[str, ...]:
        """The things the question names by qualified name (``heapq.nlargest``), each with an entry of its own."""
        return tuple(s for s in self.subjects if "." in s and not is_acronym(s))

    def other_date(self, text: str) -> bool:
        """For "when does it take effect": whether ``text`` dates something else (a release)."""
        return self.effect and self.wants == "date" and not EFFECT.search(text)

    def with_vector(self, vector: np.ndarray) -> Query:
        return replace(self, vector=vector)


def analyse(text: str, carried: frozenset[str] = frozenset(), asked: str | None = None) -> Query:
    """``text`` is the query; for a follow-up, ``carried`` holds the terms it inherited and
    ``asked`` the user's own words, whose specifics alone the evidence must mention."""
    own = text if asked is None else asked
    query = _single(text, carried, own)
    pieces = split_parts(own)
    if len(pieces) < 2:
        return query
    parts = tuple(_single(p, carried, p) for p in pieces)
    return replace(query, parts=parts)


def _scene(asked: str) -> tuple[str, str]:
    """A question after a description of the asker's situation ("My CLI output is piped to a
    file, and get_terminal_size() returns a fixed size. What does it fall back to?") as that
    description and the question. What the situation mentions in passing (a "CLI", "Linux",
    "the 10th digit") need not be in the answer; its years, codes and the code it names
    (``get_terminal_size``) still must."""
    spans = sentence_spans(asked)
    k = 0
    while k < len(spans) - 1 and asked[spans[k][0] : spans[k][1]].rstrip().endswith((".", "!")):
        k += 1
    if k == 0:
        return "", asked
    return asked[: spans[k][0]], asked[spans[k][0] :]


def _single(text: str, carried: frozenset[str], asked: str) -> Query:
    scene, question = _scene(asked)
    wants = wants_of(text)
    return Query(
        text=text,
        terms=tuple(dict.fromkeys(terms(text))),
        wants=wants,
        # of the situation, only its years and codes, and the code it names, bind the answer
        specifics=tuple(dict.fromkeys(specifics(question) + [s for s in specifics(scene) if _YEAR.fullmatch(s) or _CODE.fullmatch(s)])),
        names=tuple(dict.fromkeys(names(question) + [n for n in names(scene) if not is_acronym(n)])),
        proper=tuple(w for w in proper_words(question) if w not in _described(question)),
        subjects=tuple(subjects(text)),
        example=bool(_EXAMPLE_Q.search(text)),
        defines=bool(_DEFINE_Q.search(asked)) and wants == "fact",
        counted=tuple(counted(asked)),
        carried=carried,
        asked=asked,
        roles=tuple(roles(asked)),
        role_of=tuple(role_of(asked)),
        param_of=tuple(param_of(asked)),
        editions=tuple(dict.fromkeys(y for m in _EDITION.finditer(asked) for y in m.groups() if y)),
        frames=tuple(dict.fromkeys(m.group(1) for m in _FRAME_Q.finditer(asked))),
        measure=bool(_MEASURE_Q.search(asked)),
        signature=bool(_SIGNATURE_Q.search(asked)),
        person=bool(_PERSON_Q.search(asked)),
        effect=bool(_EFFECT_Q.search(asked)),
        outcome=bool(_OUTCOME_Q.search(asked)) and not _PLAN_WORDS.search(asked),
        joined=bool(_JOINED.search(asked)),
    )


# two things asked about together: what each is asked with may be met by a unit of its own
_JOINED = re.compile(r"\b(?:and|both|as well as|versus|vs\.?|compared?(?: with| to)?)\b", re.IGNORECASE)


# a clause that sets the scene before the question ("When CNAS signed the MoU, who signed for
# ...", "If I pass None, what ..."): its "when" asks for nothing
_SCENE_CLAUSE = re.compile(r"^\W*(?:when|after|before|once|while|if)\s+(?!(?:is|was|were|are|did|does|do|will|would|has|have|had|can|could|should)\b)"
                    r"[^?]*?,\s*(?=(?:who|whom|whose|what|which|how|where|why|when)\b)", re.IGNORECASE)


def wants_of(text: str) -> str:
    """The kind of answer a question asks for (that of its main clause, after a scene-setting one)."""
    text = _SCENE_CLAUSE.sub("", text, count=1)
    if _CODE_Q.search(text):
        return "code"
    if _EXCEPTION_Q.search(text):
        return "exception"
    if _REASON_Q.search(text):
        return "reason"
    if _VALUE_Q.search(text):
        return "value"
    if _NUMBER_Q.search(text) or _MEASURE_Q.search(text):
        return "number"
    if _DATE_Q.search(text):
        return "date"
    if _WHO_Q.search(text):
        return "who"
    if _LIST_Q.search(text) or _PLURAL_Q.search(text):
        return "list"
    return "fact"


_COMPARE = [
    re.compile(r"\b(?:what is |what are |what's )?(?:the )?differences? between (?P<a>.+?) and (?P<b>.+?)\s*\??$", re.IGNORECASE),
    re.compile(r"\bhow (?:does|do|did|is|are) (?P<a>.+?) (?:differ|different) from (?P<b>.+?)\s*\??$", re.IGNORECASE),
    re.compile(r"\bcompare (?P<a>.+?) (?:and|with|to) (?P<b>.+?)\s*\??$", re.IGNORECASE),
]


def split_parts(question: str) -> list[str]:
    """A question in two parts ("How did X change, and when was Y published?") as its parts,
    a comparison ("How does A differ from B?") as one question on each side; a single
    question as itself. Each part must have words of its own to be one."""
    for pattern in _COMPARE:
        m = pattern.search(question)
        if m and min(len(terms(m["a"])), len(terms(m["b"]))) >= 1:
            return [f"What is {m['a'].strip().rstrip('.')}?", f"What is {m['b'].strip().rstrip('.')}?"]
    cuts = [m for m in _SECOND_PART.finditer(question) if m.start() > 0]
    if not cuts:
        return [question]
    bounds = [0, *(x for m in cuts for x in (m.start(), m.end())), len(question)]
    pieces = [question[a:b].strip(" ,;?") for a, b in zip(bounds[::2], bounds[1::2], strict=True)]
    # a statement before the questions ("The random docs warn against it for security; which
    # module ...") is what they are asked about: it goes with each of them
    context = ""
    parts = []
    for piece in pieces:
        start = _ask_start(piece)
        if start is None:
            context = f"{context} {piece}".strip()
            continue
        if start:  # "I want epoch seconds back: what undoes ...": the statement goes with each question
            context = f"{context} {piece[:start].strip(' ,.:;')}".strip()
            piece = piece[start:]
        parts.append(f"{context}: {piece}?" if context else f"{piece}?")
    if len(parts) < 2 or min(len(terms(p)) for p in parts) < 2:
        return [question]
    return parts


def _ask_start(piece: str) -> int | None:
    """Where a piece's question begins: at its start, or after a statement that opens it ("If I
    copy it with replace(), does ...", "I want epoch seconds back: what undoes ..."); None when
    the piece asks nothing."""
    if _ASKS.match(piece):
        return 0
    return next((m.end() for m in _CLAUSE_END.finditer(piece) if _ASKS.match(piece[m.end():])), None)


_CLAUSE_END = re.compile(r"[.:;,]\s+")
_ASKS = re.compile(r"^\W*(?:and\s+|so\s+|but\s+)?(?:(?:if (?:not|so)|otherwise)\s*,?\s+)?(?:(?:\w+ly|also|then|about|just)\s+)?(?:(?:on|in|at|by|for|from|to|with|under|since|until|during)\s+(?=(?:what|which|whose|whom|how)\b))?(?:when|what|which|who|whom|whose|how|where|why|is|are|was|were|does|do|did|can|could|has|have|should|will|would)\b", re.IGNORECASE)


def roles(text: str) -> list[str]:
    """Office-holders a question asks about ("the vice-chair", "its president"), as written
    (lower case, hyphenated): an answer must name that role, not a neighbouring one."""
    # up to the end of the office's name: "who chairs" asks for a chair, "its founders" for a founder
    return [re.sub(r"[\s-]+", "-", text[m.start() : m.end(2)].lower()) for m in _ROLE.finditer(text)]


_OF_BODY = re.compile(r"\s+(?:of|at|for)\s+(?:the\s+|its\s+)?((?:[A-Z][\w&'’-]*)(?:\s+[A-Z][\w&'’-]*){0,5})")


def role_of(text: str) -> list[str]:
    """The bodies whose office a question asks about ("the Director-General of CEN-CENELEC",
    "the chair of ISO/TC 207"): an office-holder of another body is a near miss."""
    out = []
    for m in _ROLE.finditer(text):
        body = _OF_BODY.match(text, m.end())
        if body:
            out.append(re.sub(r"['’]s\b", "", body.group(1)))  # "APEC's Expert Group": APEC's group
    return list(dict.fromkeys(out))


_ORDINALS = {w: n for n, w in enumerate(("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                                          "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth",
                                          "fifteenth", "sixteenth"), 1)} | {"twentieth": 20}
_ROMAN = {n: r for n, r in enumerate(("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
                                       "XIV", "XV", "XVI"), 1)} | {20: "XX"}
# an ordinal word that counts editions of something ("the third batch", "its fifth meeting"); "first"
# only before such a word, since "first" is also "earliest" ("the first country to ...")
_ORDINAL_WORD = re.compile(
    rf"\b({'|'.join(w for w in _ORDINALS if w != 'first')})\s+(?:[\w-]+\s+)?(?=[\w-]+)|\b(first)\s+(?=(?:batch|round|meeting|session|edition|phase|"
    r"plenary|conference|forum|roundtable|workshop|seminar|dialogue|revision|amendment|subsystem|list)\b)",
    re.IGNORECASE,
)


_DAY = re.compile(rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTHS})\b|\b(?P<m2>{_MONTHS})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)",
                  re.IGNORECASE)
_DAY_SPECIFIC = re.compile(rf"\d{{1,2}} (?:{_MONTHS})", re.IGNORECASE)


# a one-digit number that names a version, a protocol or a phase ("a version 7 UUID", "protocol 5")
_NUMBERED = re.compile(r"\b(version|protocol|phase|level|edition)\s+(\d)\b(?![.\d])", re.IGNORECASE)


def specifics(text: str) -> list[str]:
    """Things the question names that an answer must be about: years, standard codes, numbers
    and personal names. A passage that mentions none of them cannot be the evidence."""
    out: list[str] = []
    out += [m.group(0) for m in _CODE.finditer(text)]
    codes = " ".join(out)
    out += [y for y in _YEAR.findall(text) if y not in codes]
    days = [(m.start(), m.end(), f"{int(m.group('d1') or m.group('d2'))} {(m.group('m1') or m.group('m2')).title()}")
            for m in _DAY.finditer(text)]
    out += [d for _, _, d in days]  # "16 January 2020": the day is a date, met as one ("January 16")
    for m in _NUMBER.finditer(text):
        n = m.group(0)
        in_date = any(a <= m.start() < b for a, b, _ in days)
        if n not in codes and not _YEAR.fullmatch(n) and len(n.replace(",", "")) >= 2 and not in_date:
            out.append(n)
    out += re.findall(r"\b\d{1,3}(?:st|nd|rd|th)\b", text)  # "the 13th Five-Year Plan"
    out += [f"{m.group(1).lower()} {m.group(2)}" for m in _NUMBERED.finditer(text)]  # "a version 7 UUID"
    out += [(m.group(1) or m.group(2)).lower() for m in _ORDINAL_WORD.finditer(text)]  # "the third batch"
    out += [m.group(1) for m in _NAME.finditer(text)]
    return list(dict.fromkeys(out))


_IDENTIFIER = re.compile(r"(?<![\w.])(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)(\([^()]{0,60}\))?")
_ACRONYM = re.compile(r"^[A-Z]{2,6}s?$")
# a word a question calls a parameter (an option, a callback, an attribute) is a name the
# documents must use: "the encoding parameter of tomllib.load", "the onexc callback of rmtree"
_PARAMETER = re.compile(r"\b(?:the|its|a|an)\s+['\"`]?([a-z_][a-z0-9_]*)['\"`]?\s+(?:parameter|argument|keyword argument|kwarg|option|flag|callback|hook|attribute)s?\b")


# words that say what kind of parameter, not which one
_NOT_PARAMETER = frozenset({
    "single", "one", "two", "first", "second", "third", "last", "only", "same", "other", "another", "new", "extra",
    "additional", "optional", "required", "mandatory", "positional", "keyword", "default", "given", "boolean", "bool",
    "numeric", "integer", "string", "callable", "separate", "special", "different", "right", "wrong", "correct",
    "relevant", "corresponding", "appropriate", "specific", "main", "final", "empty", "whole"})
_PARAM_OF = re.compile(_PARAMETER.pattern + r"\s+(?:of|for|to|in)\s+(?:the\s+)?`?((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?:\(\))?`?")


def param_of(text: str) -> list[tuple[str, str]]:
    """A parameter with the function it belongs to ("the dir_fd argument of glob.escape"): the
    answer is in that function's entry, which must name the parameter; ``glob.glob``'s
    ``dir_fd`` is a near miss."""
    return [(m.group(1), m.group(2)) for m in _PARAM_OF.finditer(text) if ("." in m.group(2) or "_" in m.group(2)) and m.group(1) not in _NOT_PARAMETER]


_DEFINE_Q = re.compile(r"^\W*(?:so |and )?what(?:'s|’s|\s+(?:is|are|does|do))\s+(?:an?\s+|the\s+)?[\w.()'-]+(?:\s+[\w.()'-]+){0,3}?(?:\s+(?:do|mean|for))?\s*\??$", re.IGNORECASE)
_EXAMPLE_Q = re.compile(r"\b(example|snippet|sample code|code|syntax|usage|show me|how (?:do|can|would|should) (?:i|you|we) (?:write|use|call))\b", re.IGNORECASE)


_PROPER = re.compile(r"(?<![.?!:;]\s)(?<!^)(?<![\w.'’-])([A-Z][a-z]{2,})(?![\w-])(?!['’](?!s\b))")  # "Thailand's" too
_NOT_PROPER = frozenset(_MONTHS.title().split("|")) | {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "And", "But", "The", "What",
    "Which", "Who", "When", "Where", "Why", "How"}


def proper_words(text: str) -> list[str]:
    """Capitalised words inside a question, not opening it ("on Windows", "American companies"):
    names of places, peoples, products. Documents that never use one do not answer it."""
    body = text.lstrip(" \"'“‘(")
    return list(dict.fromkeys(w for w in _PROPER.findall(body) if w not in _NOT_PROPER))


_WH_PHRASE = re.compile(r"\b(?:[Ww]hich|[Ww]hat)\s+((?:(?:\d+|two|three|four|five|six|[A-Z][\w-]*)\s+)+)")


def _described(text: str) -> set[str]:
    """The capitalised words of a question's wh-phrase ("Which Southeast Asian country",
    "In which Python version"): they describe the answer, which a document may simply name
    ("Indonesia", "3.11") without them, so they are not words the documents must use."""
    return {w for m in _WH_PHRASE.finditer(text) for w in m.group(1).split()}


def names(text: str) -> list[str]:
    """What the question calls by a name of its own: identifiers (``timeout_ms``, ``uuid7()``,
    ``StrEnum``) and acronyms (``GPU``, ``CNCA``). A collection whose retrieved passages never
    mention one has nothing on it; for dotted names the last part counts."""
    # "the encoding parameter", "its maxsize argument"; not "a single argument", "the first option"
    out = [m.group(1) for m in _PARAMETER.finditer(text) if m.group(1) not in _NOT_PARAMETER]
    for m in _IDENTIFIER.finditer(text):
        word, call = m.group(1), m.group(2)
        if call:  # "NamedTemporaryFile(delete_on_close=False)": a keyword it passes is a parameter name
            out += re.findall(r"([A-Za-z_]\w*)\s*=(?!=)", call)
        first = m.start() == len(text) - len(text.lstrip())
        if (
            "_" in word.strip("_")
            or call
            or re.search(r"[a-z][A-Z]", word)  # camelCase, StrEnum
            or re.fullmatch(r"[a-z]{3,}\d+|[a-z]+\d+[a-z]{2,}", word)  # named with its number: sqlite3, uuid4, base64, z85encode
            or (_ACRONYM.match(word) and not first)
        ):
            out.append(word)
    return list(dict.fromkeys(out))


_QUALIFIED = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?")


def subjects(text: str) -> list[str]:
    """What a question is about by name: qualified names (``functools.cache``,
    ``asyncio.wait_for``), and the identifiers and acronyms of :func:`names`. A unit read under
    a heading that names one exactly is about it; one under ``functools.lru_cache`` is not."""
    out = [m.group(0).removesuffix("()") for m in _QUALIFIED.finditer(text)]
    return list(dict.fromkeys(out + names(text)))


def names_exactly(text: str, name: str) -> bool:
    """Whether ``text`` has ``name`` as a whole name: ``functools.cache`` is in
    "@functools.cache(user_function)" but not in "functools.cached_property"."""
    return re.search(rf"(?<![\w]){re.escape(name)}(?!\w)", text) is not None


_HOW_MANY = re.compile(r"\bhow many\s+((?:[\w'’-]+\s+){0,5}?)(?:did|do|does|are|were|is|was|have|has|had|will|would|can|could|should|remain|exist)\b", re.IGNORECASE)


def counted(text: str) -> list[str]:
    """The thing a "how many" question counts, as terms: "how many mobile IoT connections did
    ..." counts connections. The last content term of the phrase is its head noun."""
    m = _HOW_MANY.search(text)
    if not m:
        return []
    phrase = [t for t in terms(m.group(1)) if not t[0].isdigit()]
    return phrase[-1:]


def counts(sentence: str, thing: Sequence[str], window: int = 10) -> bool:
    """Whether a number in ``sentence`` stands within ``window`` words of what is counted."""
    if not thing:
        return True
    stems = terms(_KIND["date"].sub(" ", sentence))  # a date is no count; stopwords are dropped
    positions = [i for i, t in enumerate(stems) if any(_same_word(t, x) for x in thing)]
    numbers = [i for i, t in enumerate(stems) if t[0].isdigit() or re.fullmatch(_NUMBER_WORDS, t)]
    return any(abs(i - j) <= window for i in positions for j in numbers)


def _same_word(a: str, b: str) -> bool:
    """Stems of one word, or a short form of it ("app" / "applic")."""
    return a == b or (min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)))


def is_acronym(name: str) -> bool:
    """``GPU``, ``CNCA``: a name of an organisation or a thing, not an identifier."""
    return bool(_ACRONYM.match(name))


def last_year(text: str) -> str | None:
    """The year ``text`` names last, if any."""
    found = _YEAR.findall(text)
    return found[-1] if found else None


def is_time_frame(specific: str) -> bool:
    """A year, a day or an ordinal ("2020", "16 January", "14th"): the time frame of a question,
    not its subject, often set once for a paragraph ("On 16 January 2020, ...")."""
    return bool(_YEAR.fullmatch(specific) or re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", specific)
                or specific in _ORDINALS or _DAY_SPECIFIC.fullmatch(specific))


def mentions_form(text: str, word: str) -> bool:
    """Whether ``text`` uses ``word`` in some form: "Indonesian" is met by "Indonesia",
    "European" by "Europe" (its first letters, all but the last three, at least four),
    "Uzbekistan" by "Uzbek" (a capitalised word it begins with, at least four letters)."""
    if re.search(rf"\b{re.escape(word[: max(4, len(word) - 3)])}", text, re.IGNORECASE):
        return True
    # or a shorter form of it: "Uzbekistan" by "Uzbek"
    return any(word.startswith(w) for w in re.findall(rf"\b{re.escape(word[:4])}\w*", text))


def mentions(passage_text: str, specific: str) -> bool:
    """Whether a passage mentions a specific thing (numbers compared without separators)."""
    if _DAY_SPECIFIC.fullmatch(specific):  # "16 January": "16 January", "January 16th", "Jan. 16"
        day, month = specific.split()
        return re.search(rf"(?<!\d){day}(?:st|nd|rd|th)?\s+{month[:3]}|\b{month[:3]}[a-z]*\.?\s+{day}(?!\d)",
                         passage_text, re.IGNORECASE) is not None
    numbered_name = re.fullmatch(r"([a-z]{3,})(\d+)", specific)
    if numbered_name:  # "utf8" is "UTF-8" too, "sha256" "SHA-256"
        return re.search(rf"\b{numbered_name.group(1)}[-_ ]?{numbered_name.group(2)}\b", passage_text, re.IGNORECASE) is not None
    numbered = _NUMBERED.fullmatch(specific)
    if numbered:  # "version 4": also in a run of them ("version 1, 3, 4, and 5 UUIDs", "version=4")
        return re.search(rf"\b{numbered.group(1)}s?\s*=?\s*(?:\d+(?:,\s*|\s*,?\s+(?:and|or|to)\s+|\s*-\s*))*{numbered.group(2)}\b(?![.\d])",
                         passage_text, re.IGNORECASE) is not None
    if specific in _ORDINALS:  # "third", "3rd", or a Roman numeral after a name: "Phase III"
        n = _ORDINALS[specific]
        return (re.search(rf"\b(?:{specific}|{n}(?:st|nd|rd|th))\b", passage_text, re.IGNORECASE) is not None
                or re.search(rf"\b[A-Z][a-z]+\s+{_ROMAN[n]}\b", passage_text) is not None)
    flat = re.sub(r"(?<=\d)[,\s](?=\d{3}\b)", "", passage_text)
    needle = re.sub(r"(?<=\d),(?=\d{3}\b)", "", specific)
    if needle[:1].isdigit():
        return re.search(rf"(?<![\d.]){re.escape(needle)}(?![\d])", flat) is not None
    pattern = re.escape(needle).replace(r"\ ", r"\s*")
    return re.search(pattern, flat, re.IGNORECASE) is not None


_NUMBER_WORDS = (  # "one" as a pronoun ("the original one") is no count
    r"(?<!the )(?<!this )(?<!that )(?<!each )(?<!any )(?<!every )(?<!which )(?<!another )(?<!original )(?<!same )\bone\b|"
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion)\b"
)
_OPENERS = "The|This|That|These|Those|In|On|At|For|From|By|As|It|Its|A|An|According|During|Since|After|Before|With|When|While|If|Among|Under|To"
_KIND = {
    "code": _CODE,
    # a figure, not a digit inside a name or an index ("utf8", "buffer_info()[1]", "x86")
    "number": re.compile(rf"(?<![\w\[])\d+(?:[.,]\d+)*%?(?![\w\]])|{_NUMBER_WORDS}", re.IGNORECASE),
    "date": re.compile(
        rf"\b(?:\d{{1,2}}\s+)?(?:{_MONTHS})(?:\s+\d{{1,2}}(?!\d))?,?(?:\s+\d{{4}})?|\b(?:19|20)\d\d\b"
        r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:version|release)\s+v?\d+(?:\.\d+)+",  # a weekday; a software release
        re.IGNORECASE,
    ),
    "value": re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])|\b(?:True|False|None)\b|`[^`]+`|['\"“‘][^'\"”’]{1,40}['\"”’]"),
    # an exception's name: a class so named ("SameFileError", "struct.error") or one said to be raised ("raises QueueFull")
    "exception": re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Iteration)\b|\b[a-z_]+\.error\b"
                            r"|\brais(?:e|es|ed|ing)\s+(?:an?\s+|the\s+)?`?[A-Z]\w+|\b[A-Z]\w+`?\s+(?:is|will be)\s+raised\b"),
    "reason": re.compile(
        r"\b(?:because|due to|owing to|as a result|thanks to|driven by|since|in order to|so that|so as to|"
        r"to (?:avoid|prevent|ensure|allow|enable|support|help|improve|reduce|protect|promote|meet|keep|make|"
        r"facilitate|strengthen|address|comply|align|encourage|accelerate|guarantee|safeguard)|"
        r"aim(?:s|ed|ing)? (?:to|at)|purpose|reasons?|intended to|designed to|given that|therefore|thus|hence|"
        r"caus(?:e|es|ed)|lead(?:s)? to|led to|result(?:s|ed)? (?:in|from)|attributed to|motivat\w*|objective|goal)\b",
        re.IGNORECASE,
    ),
    # a person or a body: a titled name, an acronym, or two capitalised words that are not
    # a sentence's opening ("The Center ...", "In April ...")
    "who": re.compile(rf"\b{_TITLE}\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*|\b[A-Z]{{2,}}\b|"
                      rf"(?:\b(?!(?:{_OPENERS})\b)[A-Z][a-z]+\s){{2,}}"),
}


def states_plan(text: str) -> bool:
    """Whether a sentence states a target or plan and no result ("will reach 1.2 billion")."""
    return bool(_PLAN.search(text)) and not _ATTAINED.search(text)


def has_kind(sentence: str, wants: str, question: str = "", measure: bool = False) -> bool:
    """Whether the sentence holds the kind of thing asked for that the question does not
    already contain (the date a question names is not its answer); with ``measure``, a number
    with a unit of measure ("142 km", "350 km/h", "three years")."""
    if measure:
        asked = question.lower()
        return any(m.group(0).strip().lower() not in asked for m in _MEASURE.finditer(sentence))
    if wants == "list":
        return sentence.count(",") >= 2 or sentence.lstrip().startswith("- ")
    pattern = _KIND.get(wants)
    if pattern is None:
        return True
    if wants == "number":  # a date or a year is not a count: "on 4 November 2025" answers no "how many"
        sentence = _KIND["date"].sub(" ", sentence)
        sentence = re.sub(r"\b(?:19|20)\d\d\s*[-–]\s*(?:19|20)?\d\d\b", " ", sentence)
    asked = question.lower()
    return any(m.group(0).strip().lower() not in asked for m in pattern.finditer(sentence))


_ROLE_PREFIX = ("vice", "deputy", "assistant", "executive", "honorary", "co")


def names_role(text: str, role: str) -> bool:
    """Whether ``text`` names the office ``role`` (from :func:`roles`): "vice-chair" needs
    "vice-chair" or "vice chairman"; a plain "chair" is not satisfied by a vice-chair."""
    words = role.split("-")
    prefixed = words[0] in _ROLE_PREFIX
    body = r"[\s-]*".join(re.escape(w) for w in words)
    if words[-1].startswith("chair"):
        body = body[: -len(re.escape(words[-1]))] + r"chair(?:man|woman|person)?"
    guard = "" if prefixed else rf"(?<!{'[- ])(?<!'.join(_ROLE_PREFIX)}[- ])"
    return re.search(rf"{guard}\b{body}s?\b", text, re.IGNORECASE) is not None
