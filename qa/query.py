"""Turning a clinician's message into retrieval queries: clean-up, sub-questions, typos, abbreviations, follow-ups.

Real messages are messy ("hi, quick q - pt on HD, is baclofen dialisys-cleared?? thx"). Everything here is cheap
string work on the question side; nothing rewrites what the sources say.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from qa.bm25 import stems
from qa.drugs import MAX_WORDS, drug_names, is_drug_name
from qa.kidney import MEASURED, categories
from qa.regimen import regimen, shouted
from qa.text import FUNCTION_WORDS, folded, run_together, word_matches

# Abbreviations clinicians type, expanded for both BM25 and the embedding model. Corpus-defined ones
# ("end-stage renal disease (ESRD)") are learned at ingest by `qa.abbreviations.learn_abbreviations` and added to these.
BUILTIN_ABBREVIATIONS: Mapping[str, str] = {
    "hd": "hemodialysis",
    "ihd": "intermittent hemodialysis",
    "pd": "peritoneal dialysis",
    "crrt": "continuous renal replacement therapy",
    "rrt": "renal replacement therapy",
    "esrd": "end-stage renal disease",
    "eskd": "end-stage kidney disease",
    "ckd": "chronic kidney disease",
    "aki": "acute kidney injury",
    "arf": "acute renal failure",
    "egfr": "estimated glomerular filtration rate",
    "gfr": "glomerular filtration rate",
    "crcl": "creatinine clearance",
    "cns": "central nervous system",
    "icu": "intensive care unit",
    "ed": "emergency department",
    "od": "overdose",
    "tox": "toxicity",
    "pt": "patient",
    "pts": "patients",
    "hx": "history",
    "dx": "diagnosis",
    "tx": "treatment",
    "rx": "prescription",
    "sx": "symptoms",
    "sz": "seizure",
    "iv": "intravenous",
    "po": "oral",
    "bid": "twice daily",
    "tid": "three times daily",
    "qd": "once daily",
    "htn": "hypertension",
    "dm": "diabetes mellitus",
    "mi": "myocardial infarction",
    "tia": "transient ischemic attack",
    "copd": "chronic obstructive pulmonary disease",
    "uti": "urinary tract infection",
    "gi": "gastrointestinal",
    "bp": "blood pressure",
    "hr": "heart rate",
    "w/": "with",
    "w/o": "without",
    "gaba": "gamma-aminobutyric acid",
    "moa": "mechanism of action",
    "mgmt": "management",
    "peds": "pediatric",
    "paeds": "pediatric",
    "resp": "respiratory",
    "meds": "medications",
    "abx": "antibiotics",
    "hep": "hepatic",
    "pk": "pharmacokinetics",
    # Charting abbreviations; not RR (respiratory rate, or relative risk in a study) nor AMS (altered mental status,
    # or acute mountain sickness), which say two things.
    "uop": "urine output",
    "fxn": "function",
    "abd": "abdominal",
    "sob": "shortness of breath",
    "sbp": "systolic blood pressure",
    "ivf": "intravenous fluids",
}

# Words that sources and clinicians use for the same thing; the word typed (key) brings the other (value) into the
# search. Drug names are not listed: brands and other names of a drug come from a maintained drug vocabulary
# (`qa.drugs`), and spelling variants ("haemodialysis", "dialysed") from the typo fixes against the corpus.
BUILTIN_SYNONYMS: Mapping[str, str] = {
    "renal": "kidney",
    "kidney": "renal",
    # Clinicians' words for a patient's state that sources tend to spell out.
    "obtunded": "decreased level of consciousness",
    "stuporous": "decreased level of consciousness",
    "somnolent": "drowsiness",
    "drowsy": "drowsiness",
    "confused": "confusion",
    "lethargic": "lethargy",
    "bradycardic": "bradycardia",
    "tachycardic": "tachycardia",
    "hypotensive": "hypotension",
    "hypertensive": "hypertension",
    "febrile": "fever",
    "anuric": "anuria",
    "oliguric": "oliguria",
}

_GREETING = re.compile(
    r"^\s*((hi|hello|hey)(\s+there|\s+all)?|dear\s+\w+|good\s+(morning|afternoon|evening)|greetings|quick\s+q(uestion)?)"
    r"\b[\s,!.:;-]*"
    # Words that open a later turn; only with their punctuation ("Great, ..."), since "great saphenous vein" is content.
    r"|^\s*(thanks?(\s+you)?(\s+so\s+much|\s+a\s+lot)?|thx|ok(ay)?|great|perfect|got\s+it|(one\s+more|another)"
    r"\s+q(uestion)?)\s*[,!.:;-][\s,!.:;-]*",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"[\s,.;!-]*\b(thanks?( you)?( so much| in advance)?|thx|ty|cheers|much appreciated|regards)\b[\s!.]*$",
    re.IGNORECASE,
)
# An age in clinical shorthand ("14yo", "14 y/o", "80 y.o.", "65yr old", "6 yrs old"): sources write "14 year old".
_AGE = re.compile(r"\b(\d{1,3})\s?-?\s?(?:y/?o\b|y\.o\.?|yrs?\.?[\s-]old\b)", re.IGNORECASE)


def spell_out_ages(text: str) -> str:
    """The text with each age in shorthand written as sources write it ("14 y/o" -> "14 year old")."""
    return _AGE.sub(lambda m: f"{m.group(1)} year old", text)


_NDC = re.compile(r"\b(?:NDC[:#\s]*)?\d{4,5}-\d{3,4}-\d{1,2}\b", re.IGNORECASE)
# The words that open a question of a message of several (after a full stop, a new part begins with one).
_QUESTION_OPENING = r"(?:also|and|what|how|is|are|can|does|do|should|when|which|why)\b"
_QUESTION_WORD = re.compile(r"\W*" + _QUESTION_OPENING, re.I)
_QUESTION_SPLIT = re.compile(r"(?<=[?])\s+|(?<=[.!])\s+(?=" + _QUESTION_OPENING + ")", re.I)


def _words(text: str) -> list[re.Match[str]]:
    """The words of `text` as typed that start with a letter (`qa.text.WORD`: numbers are not topic words)."""
    return [m for m in word_matches(text) if m.group(0)[0].isalpha()]

# Of two equally close typo fixes, one wins only if the corpus uses it this many times as often as the other.
_CLEAR_WINNER = 10
# A word this long may have letters left out, up to this many (`QueryBuilder.correct`; not tuned: a dropped
# syllable is two or three letters, and a shorter word left of a longer one is too often another word).
_LEFT_OUT_FROM = 6
_LEFT_OUT = 3


def _clear_winner(uses: Sequence[int]) -> bool:
    """Whether the first of equally good guesses, most used first, may be taken: it is the only one, or the corpus
    uses it `_CLEAR_WINNER` times as often as the next ("presure" is "pressure", not "presume")."""
    return len(uses) < 2 or uses[0] >= _CLEAR_WINNER * max(uses[1], 1)

# Words that say what is asked about, not what it is about: a question made only of these leans on history.
ASPECT_WORDS = frozenset(
    """
    what whats what's how's that's there's which who whom whose when where why how is are was were be been
    being do does did can could
    should would will may might must shall the a an of for in on at to with without by about and or but if
    then than it its it's this that these those they them their there he she his her him i me my we our you
    your any some all more most much many less least very also too still just only really please tell
    explain dose doses dosing dosage dosages amount treatment treatments treat treated therapy therapies
    manage managed management symptom symptoms sign signs cause causes caused causing diagnosis diagnose
    diagnosed test tests testing exam exams prognosis outlook inherited inheritance genetic genetics gene
    genes change changes risk risks prevention prevent prevented complication complications side effect
    effects research trial trials stage stages people affected frequency common rare information info safe
    safety contraindicated contraindication interaction interactions mechanism work works used use uses
    adverse duration long often frequent type types option options recommended recommendation
    recommendations guideline guidelines first line best alternative alternatives instead other else happens
    happen mean means get gets got know need needed related relate done doing available known called involved
    expect expected consider considerations someone person persons have has having find found learn help helps
    support look like go goes going clinical
    """.split()
)
# Clinical shorthand for an aspect ("sx" symptoms, "tx" treatment, "dx" diagnosis) is an aspect word too: "what
# about toxicity sx?" names toxicity, not a drug or a disease called "sx".
ASPECT_WORDS = ASPECT_WORDS | {
    short for short, long in BUILTIN_ABBREVIATIONS.items() if all(w in ASPECT_WORDS for w in long.split())
}
_FOLLOWUP_START = re.compile(
    r"^\s*(and|also|any|what about|how about|what if|but|so|then|ok(ay)?|in|for|with|during|after|before|same|ditto|"
    r"is it|does it|can it|should it|was it|will it|would it|are they|do they|what dose|which dose)\b",
    re.IGNORECASE,
)
# "how fast do they wake up after?": the event is left out, so it must be the one asked about before.
_ELIDED_EVENT = re.compile(r"\b(after|afterwards?|before|during)\W*$", re.IGNORECASE)
# "these pts", "these side effects": "these" before a noun points back to what an earlier turn named, however many
# topic words the question has; before a function word it stands alone ("are these safe?"). "this morning" and
# "that time" often point nowhere, and "those" is mostly a pronoun naming whom it means ("those given surgery").
_POINTS_BACK = re.compile(r"\bthese\s+([a-z][\w'-]*)", re.IGNORECASE)
_PRONOUN = re.compile(
    r"\b(it|its|it's|this|that|these|those|they|them|their|he|she|him|her|his|the drug|the same)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Query:
    """A message made ready for retrieval.

    `text` is the cleaned, follow-up-resolved question the answer is about; `parts` the sub-questions to search
    (one for a simple question); `expanded` each part with typo fixes and abbreviation expansions appended.
    """

    original: str
    text: str
    parts: tuple[str, ...]
    expanded: tuple[str, ...]
    followup: bool = False
    # The user's own words in this turn: what a follow-up asks, without the topic carried from history.
    focus: str = ""
    # A follow-up that put its phrase in place of a part of the earlier question ("and by mouth?" after "How much
    # vitamin K is given by injection?"): `text` is what it asks, in the earlier question's form.
    restated: bool = False


def clean_message(message: str) -> str:
    """Drop greetings, thanks and NDC numbers; fold whitespace. The clinical words stay as typed."""
    text = re.sub(r"\s+", " ", message).strip()
    text = _NDC.sub(" ", text)
    for _ in range(4):  # "Hi, thanks! One more q: ..." opens with three of them
        text = _GREETING.sub("", text)
        text = _THANKS.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" ,;-")


def split_questions(text: str) -> list[str]:
    """Split a message holding several questions into its parts; a lone statement stays one part."""
    parts = [p.strip(" ,;") for p in _QUESTION_SPLIT.split(text) if p and p.strip(" ,;")]
    merged: list[str] = []
    for part in parts:
        # A fragment too short to search on its own ("Thanks.", "Ok?") rides with its neighbour, and so does a
        # statement after a question ("Is ibuprofen safe? I have kidney disease.", "... We're scared."): it tells
        # the question's story, and searched alone it finds pages about something else.
        after_question = bool(merged) and merged[-1].endswith("?") and "?" not in part
        if merged and (len(_words(part)) < 3 or (after_question and not _QUESTION_WORD.match(part))):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged or [text]


def content_words(text: str) -> list[str]:
    """The words of a question that name its topic (not question words, pronouns or aspects)."""
    return [w for w in (m.group(0).lower().strip("'-/") for m in _words(text)) if w and w not in ASPECT_WORDS]


def is_followup(question: str) -> bool:
    """True when a question leans on the conversation: it opens like a follow-up, points back, or names no topic."""
    if _FOLLOWUP_START.match(question) or _ELIDED_EVENT.search(question):
        return True
    if any(m.group(1).lower() not in FUNCTION_WORDS for m in _POINTS_BACK.finditer(question)):
        return True
    words = content_words(question)
    if not words:
        return True
    return bool(_PRONOUN.search(question)) and len(words) <= 2


def topic_of(question: str) -> str:
    """The topic words of an earlier turn, to carry into a follow-up that does not restate them."""
    return " ".join(content_words(question))


_PREPOSITIONS = r"by|in|for|with|without|within|during|after|before|on|via|from|at|under|into|over|below|above"
_PREPOSITION_WORDS = frozenset(_PREPOSITIONS.split("|"))
# A word typed as an abbreviation: two capitals or more ("CVVHD", "eGFR", "HbA1c").
_ABBREVIATION = re.compile(r"(?=(?:\w*[A-Z]){2})[\w/-]+")
# "What about X?", "and in X?": the follow-up names X in place of a part of the earlier question ("same for X" is read
# as "what about X?" first, `_ASKED_AGAIN`).
_SUBSTITUTE = re.compile(
    r"^\s*(?:and\s+)?(?:what about|how about|but (?:for|in|with)|(?:for|in|with|during)\b)?"
    r"\s*(?P<rest>.+?)[\s?.!]*$",
    re.IGNORECASE,
)
_SUBSTITUTE_OPENER = re.compile(
    # A bare prepositional phrase ("for children?", "with food?") too.
    rf"^\s*(?:and|what about|how about|but (?:for|in|with)|{_PREPOSITIONS})\b",
    re.IGNORECASE,
)
# "what if she's on PD instead?", "what if on PD?": the patient put in another setting, a prepositional phrase.
_WHAT_IF_PUT = re.compile(
    r"^\s*(?:and\s+|but\s+)?what if\s+(?:(?:she|he|they|it|the patient|the pt|pt)(?:['\u2019]s|['\u2019]re|\s+is|"
    rf"\s+are|\s+was|\s+were)\s+)?(?P<phrase>(?:{_PREPOSITIONS})\b.*?)(?:\s+instead)?[\s?.!]*$",
    re.IGNORECASE,
)
# "same question for CKD 3", "ditto for naproxen", "same q but with normal kidneys": the earlier question asked again
# of what follows, as "what about CKD 3?" asks it; "for" belongs to the idiom ("the same for naproxen" is no question
# for naproxen), another preposition to the phrase ("what about with normal kidneys?").
_ASKED_AGAIN = re.compile(
    r"^\s*(?:and\s+|but\s+)?(?:(?:the\s+)?same(?:\s+(?:question|q|qn|thing|one))?(?:\s+again)?|ditto)[\s,;:-]*"
    rf"(?:but\s+)?(?:for\s+)?(?P<phrase>(?<=for\s)\S.*?|(?:{_PREPOSITIONS})\b.*?)[\s?.!]*$",
    re.IGNORECASE,
)
# A clause ("and if the kidneys are normal?") adds a condition to the earlier question; it names no substitute.
_CLAUSE_WORD = re.compile(
    r"\b(?:if|when|whether|is|are|was|were|does|do|did|can|could|should|would|will|has|have|had)\b", re.IGNORECASE
)
# "and how long til she came round?": a question word right after the opening "and" makes a question of its own.
# ("What about What I need to know about Kidney Stones?" names a page title: there, "what about" names a phrase.)
_OWN_QUESTION = re.compile(
    r"^\W*(?:and|but|so|also)\s+(?:how|what|when|where|which|who|whom|whose|why)\b", re.IGNORECASE
)
# A number typed right before or after a part: a token that starts with a digit, after a comparison sign if any
# ("10", "<30", "2.5%", "30-60", "15q13.3"), and never a piece of one.
_NUMBER = r"[<>\u2264\u2265]?\d(?:[\w%]|[.,/-](?=\w))*"
_NUMBER_ALONE = re.compile(rf"(?<![\w.,/<>\u2264\u2265-]){_NUMBER}")
_NUMBER_BEFORE = re.compile(rf"{_NUMBER_ALONE.pattern}\s+$")
_NUMBER_AFTER = re.compile(rf"\s+{_NUMBER}")
# "and by the kidneys?" after "... removed by HD ...": the phrase stands where the same preposition's object stood.
_PREPOSITION = re.compile(
    rf"^\s*(?:and\s+|but\s+)?(?:what about\s+|how about\s+)?(?P<word>{_PREPOSITIONS})\s", re.IGNORECASE
)
# What qualifies a word: "patients with CKD", "children over 12", "a patient on hemodialysis".
_QUALIFIER = re.compile(
    r"\s+(?:with|without|on|in|under|over|after|during|at|from|of|aged|below|above)\s+", re.IGNORECASE
)
_QUALIFIER_TOKEN = re.compile(r"[^\s?!,;:()]+")
_DETERMINERS = frozenset({"the", "a", "an", "her", "his", "their"})
# A preposition in the earlier question right before the part a follow-up's phrase replaces, a determiner between
# them aside (the follow-up's own is `_PREPOSITION`'s).
_PREPOSITION_BEFORE = re.compile(
    rf"\b(?P<word>{_PREPOSITIONS})\s+(?:(?P<determiner>{'|'.join(sorted(_DETERMINERS))})\s+)?$", re.IGNORECASE
)
# The determiner right before a part of the earlier question, and the one typed right before the follow-up's phrase.
_DETERMINER_BEFORE = re.compile(rf"\b(?:{'|'.join(sorted(_DETERMINERS))})\s+$", re.IGNORECASE)
# Aspect words ("how many people are affected?") that name whom the words before them qualify ("healthy people").
_PEOPLE = frozenset({"people", "persons", "person"})
# English plurals that do not end in "s": "a" and "an" never go before them ("in a children with gout").
_IRREGULAR_PLURALS = frozenset({"children", "men", "women", "people", "feet", "teeth", "mice"})
# Letters whose name starts with a vowel sound, for an acronym read letter by letter: "an MRI", "an HIV test".
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")
# The cosine above which a follow-up's phrase of everyday words takes the place of a part of the earlier question
# not written like it ("children" for "adults" is 0.56; "the kidneys" for "hemodialysis" 0.50, a condition that
# the clause rule keeps out; single words are rarely closer than 0.5 by the bundled model).
SUBSTITUTE_SIMILARITY = 0.45
# Cosine of a phrase to each of several phrases (the embedding model's, in the assistant).
Similar = Callable[[str, Sequence[str]], Sequence[float]]


def resolve_followup(
    question: str,
    history: Sequence[str],
    *,
    leaning: bool = False,
    similar: Similar | None = None,
    everyday: Collection[str] = frozenset(),
    subjects: Container[str] = frozenset(),
    leaned: Container[int] = frozenset(),
) -> tuple[str, bool]:
    """The question as if its topic had been restated, and whether history was used.

    The topic is taken from the most recent earlier turn that names one; a question that names its own topic
    and does not point back stands alone, so a change of subject does not drag the old one along. With
    `leaning`, the question is taken to lean on history whatever its form (the caller knows better). An earlier
    turn that was itself a follow-up is read as it was: by its form, or, for the turns of `history` numbered in
    `leaned`, because the caller read it with the conversation's topic ("how soon?" after a question about
    baclofen toxicity, which the sources cover only so); "how often?" then asks about both, not about "soon".

    "What about X?" after a question about Y replaces Y's part that X stands in for ("what about peritoneal
    dialysis?" after "Is baclofen cleared by dialysis ...?" asks "Is baclofen cleared by peritoneal dialysis
    ...?"), instead of appending X to the whole earlier question (`substitute`). Other follow-ups carry the
    earlier turn's topic words along.
    """
    return _resolve(
        question, history, leaning=leaning, similar=similar, everyday=everyday, subjects=subjects, leaned=leaned
    )[:2]


def _resolve(
    question: str,
    history: Sequence[str],
    *,
    leaning: bool = False,
    similar: Similar | None = None,
    everyday: Collection[str] = frozenset(),
    subjects: Container[str] = frozenset(),
    leaned: Container[int] = frozenset(),
) -> tuple[str, bool, bool]:
    """`resolve_followup`, and whether the follow-up restated the earlier question with its phrase in place."""
    if not history or not (leaning or is_followup(question)):
        return question, False, False
    for at in range(len(history) - 1, -1, -1):
        stated = clean_message(history[at])
        if at > 0 and (at in leaned or is_followup(stated)):
            # A follow-up of a follow-up asks about what that one did: "how fast do they wake up after?" after
            # "and how do you treat tox?" after "baclofen in ESRD" carries baclofen and ESRD, not tox alone; and
            # "and in people with kidney disease?" after "how is it treated?" asks about treatment too.
            stated = resolve_followup(
                stated,
                history[:at],
                leaning=at in leaned,
                similar=similar,
                everyday=everyday,
                subjects=subjects,
                leaned=leaned,
            )[0]
        topic = topic_of(stated)
        if topic:
            replaced = substitute(question, stated, similar, everyday, subjects)
            return (replaced, True, True) if replaced else (f"{question} ({topic})", True, False)
    return question, False, False


def substitute(
    question: str,
    earlier: str,
    similar: Similar | None = None,
    everyday: Collection[str] = frozenset(),
    subjects: Container[str] = frozenset(),
) -> str | None:
    """`earlier` with the part that the follow-up's phrase stands in for replaced by it, or None.

    The phrase is what follows "what about", "and (in/for/with)", "same for" ..., a bare preposition ("for
    children?"), or "what if she's" ("what if she's on PD instead?"); a clause ("and if the kidneys are normal?"),
    unless a page's title word for word ("Preparing for Pregnancy if You Have Diabetes"), or a phrase
    of aspect words only ("and the dose?") names no substitute. A phrase that names the subject of one of the
    corpus's pages (`subjects`, `PageSubjects`) takes the place of the part of the earlier question that names
    another ("What about Anxiety Disorders?" after "What are the symptoms of Alzheimer's Disease ?"), whole:
    function words and an abbreviation in parentheses too ("Absence of the Septum Pellucidum", "Von Hippel-Lindau
    Disease (VHL)"); of several, the closest in meaning, then the longest. Otherwise the part replaced is a run of
    the earlier question's topic words, or a piece of one (at most three words):

    - the longest that ends in a word of the phrase ("dialysis" for "peritoneal dialysis"), with the qualifier that
      follows it when the phrase qualifies that word too ("patients with CKD" for "patients with cirrhosis");
    - else, given `similar`, for a phrase holding a name (a word not among the `everyday` words, lowercase: a
      drug, a disease; not two everyday words run together, "breastfeeding"), the part holding a name that is
      closest in meaning ("warfarin" for "apixaban");
    - else the part closest in meaning if at least `SUBSTITUTE_SIMILARITY` ("adults" for "children"); for a
      phrase after a preposition, of the parts after one ("in adults"), so that a setting ("and in pregnancy?")
      is added, not put in place of the subject ("what causes high blood pressure?").

    A number right after the part replaced goes with it ("eGFR 45", "dystonia 6") unless the part names a drug
    (`qa.drugs`), where it is the dose asked about. A number typed alone ("and 20?") takes the place of the earlier
    question's one number ("... with an eGFR of 40?").
    """
    putting = _WHAT_IF_PUT.match(question)
    if putting:  # "what if she's on PD instead?" asks "and on PD?"
        question = putting.group("phrase")
    again = _ASKED_AGAIN.match(question)
    if again:  # "same question for PD" asks "what about PD?"
        question = f"what about {again.group('phrase')}?"
    if not _SUBSTITUTE_OPENER.match(question):
        return None
    match = _SUBSTITUTE.match(question)
    rest = match.group("rest") if match else ""
    if not rest or _OWN_QUESTION.match(question):
        return None
    # A clause word ("if", "can") opens a condition, unless the phrase is a page's title word for word ("Preparing
    # for Pregnancy if You Have Diabetes"): function words aside, a condition often names a page too.
    titled = isinstance(subjects, PageSubjects) and subjects.titled(rest)
    if _CLAUSE_WORD.search(rest) and not titled:
        return None
    placed = _in_place_of_category(question, rest, earlier) if _names_a_category(rest) else None
    placed = placed or _in_place_of_regimen(rest, earlier, capitals=not shouted(question))
    if placed is not None:
        return placed
    wanted = [m for m in _words(rest) if m.group(0).lower().strip("'-/") not in ASPECT_WORDS]
    # Neither an aspect word nor a preposition alone names anything ("after how long?").
    if all(m.group(0).lower() in _PREPOSITION_WORDS for m in wanted):
        return _with_number(rest, earlier)
    typed = (wanted[0].start(), wanted[-1].end())
    people = re.match(rf"\s+(?:{'|'.join(sorted(_PEOPLE))})\b", rest[typed[1] :], re.IGNORECASE)
    if people:  # "healthy people": whom the phrase's words qualify goes with them, though an aspect word
        typed = (typed[0], typed[1] + people.end())
    widened = _with_numbers(rest, *typed)
    phrase = rest[slice(*widened)]
    # A number typed before or after the phrase ("10 mg", "eGFR 20") takes the place of the one on that side.
    sides = (widened[0] < typed[0], widened[1] > typed[1])
    spans = _topic_spans(earlier)
    if not spans:
        return None
    common = everyday  # lowercase already: a set of the model's ~30k words is not rebuilt per question

    def drug(text: str) -> bool:
        return any(is_drug_name(w) and w not in common for w in (m.group(0).lower() for m in _words(text)))

    determiner = _DETERMINER_BEFORE.search(rest, 0, widened[0])
    typed_determiner = determiner.group(0).strip() if determiner else None

    leading = _PREPOSITION.match(question)

    def put(span: tuple[int, int]) -> str:
        # A number right after a part that is no drug is its value ("eGFR 45") and goes with it; after a drug it
        # is the dose asked about ("baclofen 10 mg" -> "tizanidine 10 mg").
        after = sides[1] or not drug(earlier[slice(*span)])
        if leading is not None:
            word = leading.group("word")
            changed = _with_preposition(word, phrase, earlier, span, (sides[0], after), typed_determiner)
            if changed is not None:
                return changed
            if drug(phrase) and drug(earlier[slice(*span)]) and not _PREPOSITION_BEFORE.search(earlier, 0, span[0]):
                # "with gabapentin?" after "is baclofen safe?": a drug taken with the one asked about ("on
                # amoxicillin" -> "with metronidazole" replaces the drug a preposition governs, above).
                setting = _with_setting(question, leading, earlier)
                if setting is not None:
                    return setting
        return _put(phrase, earlier, span, (sides[0], after), typed_determiner)

    parallel = _after_same_preposition(question, earlier, spans)
    subject = rest if titled else phrase if phrase in subjects else rest if rest in subjects else None
    if leading is not None and parallel is None and not (titled and leading.group("word").lower() == "for"):
        # "what about in pregnancy?" after "how is high blood pressure treated?": a setting of the question, though
        # pregnancy has a page; a subject in place of a subject follows the same preposition, or none, or is a
        # page's subject word for word after "for" ("and for kidney stones?" asks the question of it, as "same for
        # kidney stones" does).
        subject = None
    if subject is not None:
        named_before = _subject_spans(earlier, subjects)
        if named_before:
            # The whole name as typed ("type 2 diabetes": "type" alone is an aspect word), and only the part.
            span = _closest_subject(subject, earlier, named_before, similar)
            return _put(subject, earlier, _numbered_alike(subject, earlier, span), (False, False))
    phrase_stems = set(stems([w.group(0).lower() for w in wanted]))
    heads = [_with_qualifier(phrase, earlier, (start, end)) for start, end, last in spans if last in phrase_stems]
    if heads:
        return put(max(heads, key=lambda span: (span[1] - span[0], -span[0])))
    if parallel is not None:
        return put(parallel)
    if similar is None:
        return _with_setting(question, leading, earlier)

    def named(text: str) -> bool:
        # A word the model lacks, unless two of its words run together ("breastfeeding"): a drug, a disease.
        return bool(common) and any(
            word not in common and (is_drug_name(word) or not run_together(word, common))
            for word in (m.group(0).lower() for m in _words(text))
        )

    choices = [(start, end) for start, end, _ in spans]
    threshold = SUBSTITUTE_SIMILARITY
    if named(phrase):
        with_names = [(start, end) for start, end in choices if named(earlier[start:end])]
        abbreviated = all(_ABBREVIATION.fullmatch(m.group(0)) for m in _words(phrase) if named(m.group(0)))
        if not drug(phrase) and (abbreviated or leading is not None):
            # A name no drug vocabulary holds may still be a drug's ("corticosteroids", a class) and take the
            # place of the drug asked about by default; not an abbreviation ("CVVHD", "eGFR"), nor a setting after
            # a preposition ("on dialysis?" after "what is the apixaban dose in kidney disease?"), which stand for
            # another part only by meaning (below).
            with_names = [(start, end) for start, end in with_names if not drug(earlier[start:end])]
        if with_names:
            choices, threshold = with_names, -1.0
    elif leading is not None:
        # A setting in everyday words ("in pregnancy?", "and in older adults?") stands by meaning only for a part
        # in the same role, after a preposition ("in adults"): "pregnancy" is near "high blood pressure" in the
        # model's vectors, and "what causes high blood pressure?" does not ask "what causes pregnancy?".
        choices = [(start, end) for start, end in choices if _PREPOSITION_BEFORE.search(earlier, 0, start)]
    closeness = list(similar(phrase, [earlier[start:end] for start, end in choices])) if choices else []
    best = max(range(len(choices)), key=lambda i: closeness[i], default=None)
    if best is None or closeness[best] < threshold:
        return _with_setting(question, leading, earlier)
    return put(choices[best])


# The end of a question as a follow-up may restate it: its closing marks, then the topic it carried in brackets.
_QUESTION_END = re.compile(r"\s*[?.!]*(?:\s*\([^()]*\))?\s*$")
_SENTENCE_INSIDE = re.compile(r"[?.!]\s")


def _with_setting(question: str, leading: re.Match[str] | None, earlier: str) -> str | None:
    """`earlier` with the follow-up's phrase added where it opens with a preposition and nothing of `earlier` is
    what it stands in for: "what about in children?" after "What causes kidney stones?" asks "What causes kidney
    stones in children?" (before a topic carried in brackets: "how is it treated in children? (gout)"). None for
    a phrase without a preposition, which may name what it replaces in a way no rule sees."""
    end = _QUESTION_END.search(earlier)
    start = end.start() if end else len(earlier)
    if leading is None or _SENTENCE_INSIDE.search(earlier, 0, start):
        return None  # in a message of several sentences, where the setting goes is a guess
    setting = question[leading.start("word") :].strip().rstrip("?.! ")
    return f"{earlier[:start]} {setting}{earlier[start:]}"


# What links a kidney-function category to the question before it ("if", "in", "w/ the"), and whom it qualifies
# after it ("ESRD pts").
_CATEGORY_LINK = re.compile(
    rf"\b(?P<word>if|when|{_PREPOSITIONS}|w/?|among)\s+(?:(?:{'|'.join(sorted(_DETERMINERS))})\s+)?$", re.IGNORECASE
)
_CATEGORY_PEOPLE = re.compile(r"\s+(?:patients?|pts?)\b", re.IGNORECASE)


# Words a phrase that names a kidney-function category may hold besides it ("with the eGFR at 50 mL/min"). Not whom
# it qualifies: "a patient with eGFR 45" takes the place of "a patient on hemodialysis" by the rules of
# `substitute`, patient for patient.
_CATEGORY_WORDS = frozenset({*_PREPOSITION_WORDS, *_DETERMINERS, "w", "ml", "min"})


def _names_a_category(phrase: str) -> bool:
    """Whether `phrase` names a kidney-function category (`qa.kidney`), or a value of a measure that grades them,
    and nothing else: "an overdose with normal kidneys" names an overdose too, for `substitute` to place."""
    named = [(c.start, c.end) for c in categories(phrase)] + [m.span() for m in MEASURED.finditer(phrase)]
    if not named:
        return False
    others = _words(_without(phrase, named))
    return all(w.group(0).lower() in _CATEGORY_WORDS or any(c.isdigit() for c in w.group(0)) for w in others)


def _in_place_of_regimen(phrase: str, earlier: str, *, capitals: bool = True) -> str | None:
    """`earlier` with the dose, route and frequency (`qa.regimen`) that `phrase` names and nothing else ("10 mg
    tid", "intrathecal", "twice daily") each in place of the one of its kind ("and 10 mg tid?" after "is baclofen
    5 mg bid safe?"); how often, where `earlier` writes none, right after its dose. Its other words must be
    function words or words `earlier` has ("what about IT baclofen?" after "oral baclofen dose?"). None where the
    phrase names more, or a dose or route where `earlier` writes none: the rules of `substitute` place those.
    `capitals`: whether the question the phrase is cut from is not all capitals (`qa.regimen.regimen`)."""
    typed = regimen(phrase, capitals=capitals)
    parts = [span for span in typed.parts() if span is not None]
    known = FUNCTION_WORDS | _DETERMINERS | {m.group(0).lower() for m in word_matches(earlier)}
    others = [m.group(0) for m in word_matches(_without(phrase, parts)) if m.group(0).lower() not in known]
    if not parts or others:
        return None
    asked = regimen(earlier)
    changes = []
    for now, before in zip(typed.parts(), asked.parts(), strict=True):
        if now is None:
            continue
        if before is not None:
            changes.append((before, phrase[slice(*now)]))
        elif now == typed.frequency and asked.dose is not None:
            changes.append(((asked.dose[1], asked.dose[1]), f" {phrase[slice(*now)]}"))
        else:
            return None
    for (start, end), words in sorted(changes, reverse=True):
        earlier = f"{earlier[:start]}{words}{earlier[end:]}"
    return earlier


def _without(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with the parts at `spans` (which do not overlap) left out, a space in place of each."""
    kept, at = [], 0
    for start, end in sorted(spans):
        kept.append(text[at:start])
        at = max(at, end)
    kept.append(text[at:])
    return " ".join(kept)


def _in_place_of_category(question: str, phrase: str, earlier: str) -> str | None:
    """`earlier` with the follow-up's kidney-function category (`qa.kidney`: "and in ESKD?") in place of the one
    it names, with what links that one to the question where the follow-up types its own preposition ("is HD useful
    if kidneys are normal?" -> "is HD useful in ESKD?"), or added as a setting where it names none, after the
    follow-up's preposition ("with normal kidneys?") or "in" ("what about dialysis patients?": a category is whom
    the question is about, never the drug or the topic it would otherwise replace by meaning). A value of a measure
    the categories grade ("and for eGFR 50?") takes a category's place too. None otherwise, for the rules of
    `substitute` to place it: "what about patients on dialysis?" after "baclofen dosing eGFR 45" stands for the
    measure's value. Meaning cannot place one category for another: "ESKD" and "kidneys are normal" are far apart
    in the model's vectors."""
    typed = _PREPOSITION.match(question)
    named = categories(earlier)
    if not named:
        if MEASURED.search(earlier) or not categories(phrase):
            return None
        if typed is None:  # "what about dialysis patients?": whom the question is about, not a drug or a topic
            return _with_setting(f"in {phrase}", _PREPOSITION.match(f"in {phrase}"), earlier)
        return _with_setting(question, typed, earlier)
    start, end = named[0].start, named[0].end
    people = _CATEGORY_PEOPLE.match(earlier, end)
    end = people.end() if people else end
    link = _CATEGORY_LINK.search(earlier, 0, start)
    if typed is not None and not phrase.lower().startswith(f"{typed.group('word').lower()} "):
        phrase = f"{typed.group('word')} {phrase}"
    if link is not None and (typed is not None or link.group("word").lower() in ("if", "when")):
        # The follow-up's own preposition, or "in" in place of a clause's "if": "if kidneys are normal" -> "in ESKD".
        start = link.start()
        phrase = phrase if typed is not None else f"in {phrase}"
    return f"{earlier[:start]}{phrase}{earlier[end:]}"


def _numbered_alike(subject: str, earlier: str, span: tuple[int, int]) -> tuple[int, int]:
    """`span` (a subject named in `earlier`) widened to the left over the words and numbers that the typed
    `subject` has in the same places: "type 1 diabetes" stands for "type 2 diabetes", not for "diabetes" alone
    ("how is type 2 type 1 diabetes diagnosed?"). A word must be the same, a number may differ."""
    typed = [m.group(0).lower() for m in word_matches(subject)]
    named = [m.group(0).lower() for m in word_matches(earlier[slice(*span)])]
    if not named or typed[-len(named) :] != named:
        return span
    before = list(word_matches(earlier[: span[0]]))
    start = span[0]
    for mine, theirs in zip(reversed(typed[: -len(named)]), reversed(before), strict=False):
        word = theirs.group(0).lower()
        if not (mine == word or (mine[0].isdigit() and word[0].isdigit())):
            break
        start = theirs.start()
    return (start, span[1])


def _with_number(typed: str, earlier: str) -> str | None:
    """`earlier` with the number `typed` alone ("and 20?", "what about <30?") in place of the one number it has
    ("... with an eGFR of 40?"); None where `typed` is more than a number, or `earlier` has none or several (which
    would be a guess)."""
    number = typed.strip()
    if not re.fullmatch(_NUMBER, number):
        return None
    numbers = list(_NUMBER_ALONE.finditer(earlier))
    if len(numbers) != 1:
        return None
    return f"{earlier[: numbers[0].start()]}{number}{earlier[numbers[0].end() :]}"


def _with_preposition(
    word: str,
    phrase: str,
    earlier: str,
    span: tuple[int, int],
    sides: tuple[bool, bool],
    determiner: str | None = None,
) -> str | None:
    """`earlier` with the follow-up's preposition and phrase ("without dialysis") in place of the preposition and
    part they answer ("with dialysis"), where the earlier question puts another preposition right before the part;
    None where it puts the same one or none, for `_put` to place the phrase alone. "and without dialysis?" asks the
    earlier question the other way round. The determiner typed with the phrase (`determiner`) goes with it, else the
    earlier one, made to agree."""
    # The phrase's own number ("within 24 hours") stands for the one the earlier part has ("in 4 hours").
    numbered = any(c.isdigit() for c in phrase)
    start, end = _replaced(earlier, span, (sides[0] or numbered, sides[1]))
    before = _PREPOSITION_BEFORE.search(earlier, 0, start)
    if before is None or before.group("word").lower() == word.lower():
        return None
    # The preposition's whole phrase goes: "on HD?" in place of "renal" takes "in renal failure", not "in renal".
    end = max((e for s, e, _ in _topic_spans(earlier) if s == start and e > end), default=end)
    # A preposition that is no aspect word ("within") is in the phrase already.
    if phrase.lower().startswith(f"{word.lower()} "):
        phrase = phrase[len(word) + 1 :]
    if determiner is None:
        determiner = before.group("determiner")
        if determiner and determiner.lower() in ("a", "an"):
            determiner = _indefinite_article(phrase)
    words = " ".join(part for part in (word, determiner, phrase) if part)
    return f"{earlier[: before.start()]}{words}{earlier[end:]}"


def _with_qualifier(phrase: str, earlier: str, span: tuple[int, int]) -> tuple[int, int]:
    """`span` widened over the qualifier that follows it in `earlier` ("patients" of "in patients with CKD"),
    when `phrase` qualifies the same word ("patients with cirrhosis"): keeping both would ask about a patient with
    cirrhosis and CKD."""
    last = stems([_words(earlier[slice(*span)])[-1].group(0).lower()])[0]
    if not any(stems([m.group(0).lower()])[0] == last and _QUALIFIER.match(phrase, m.end()) for m in _words(phrase)):
        return span
    opening = _QUALIFIER.match(earlier, span[1])
    if opening is None:
        return span
    end = None
    at = opening.end()
    for token in _QUALIFIER_TOKEN.finditer(earlier, at):
        word = token.group(0).lower().rstrip(".")
        gap = earlier[at : token.start()]
        if gap.strip() or (word in ASPECT_WORDS and not (end is None and word in _DETERMINERS)):
            break
        if word not in _DETERMINERS:
            end = token.end()
        at = token.end()
    return (span[0], end) if end is not None else span


def _put(
    phrase: str, earlier: str, span: tuple[int, int], sides: tuple[bool, bool], determiner: str | None = None
) -> str:
    """`earlier` with `phrase` in place of the part at `span`, and of the number typed with that part on each side
    where the phrase has one (`sides`: before, after): "what about 10 mg?" after "is 5 mg ... ?" asks about 10 mg,
    and "what about apixaban?" after "is warfarin 5 mg safe ...?" keeps the 5 mg, which is not what it replaces.

    The determiner before the part agrees with the phrase: the one typed with the phrase (`determiner`) takes its
    place ("what about in a child?" after "... in adults?"), and otherwise "a" or "an" is made to fit the phrase,
    or dropped before a plural ("What about in children?" after "... in a patient with gout?"). A question's
    wording is what the readers read and what the chat shows as searched.

    A letter that tells one of a kind from another ("hepatitis C", "vitamin K") goes with the part it follows where
    the phrase ends with its own ("hep B"): "how is hep B spread?", not "how is hep B C spread?"."""
    designator = _LETTER_AFTER.match(earlier, span[1]) if _LETTER_LAST.search(phrase) else None
    span = (span[0], designator.end()) if designator else span
    start, end = _replaced(earlier, span, sides)
    head = earlier[:start]
    before = _DETERMINER_BEFORE.search(head)
    if determiner is None and before is not None and before.group(0).strip().lower() in ("a", "an"):
        determiner = _indefinite_article(phrase)
    if determiner is not None:
        head = head[: before.start()] if before is not None else head
        phrase = f"{determiner} {phrase}" if determiner else phrase
    return f"{head}{phrase}{earlier[end:]}"


# A lone letter ending a phrase ("hep B"), and one right after a part ("hepatitis C spread"; not the words "a", "i").
_LETTER_LAST = re.compile(r"(?:^|\s)[A-Za-z]\W*$")
_LETTER_AFTER = re.compile(r"\s+(?![ai]\b)[A-Za-z](?![\w'\u2019-])")


def _replaced(earlier: str, span: tuple[int, int], sides: tuple[bool, bool]) -> tuple[int, int]:
    """What of `earlier` a phrase replaces: the part at `span`, with the number typed beside it on each side that
    `sides` (before, after) says the phrase replaces too."""
    widened = _with_numbers(earlier, *span)
    return (widened[0] if sides[0] else span[0], widened[1] if sides[1] else span[1])


def _indefinite_article(phrase: str) -> str:
    """"a" or "an" for a singular phrase, by the sound it opens with ("an adult", "an MRI", "a child"); "" for a
    plural one, which takes none ("children", "adults")."""
    words = phrase.split()
    if not words:
        return ""
    last = words[-1].lower()
    if last in _IRREGULAR_PLURALS or (last.endswith("s") and not last.endswith(("ss", "us", "is"))):
        return ""
    first = words[0]
    if first.isupper() and len(first) > 1:  # an acronym, read letter by letter
        return "an" if first[0] in _VOWEL_SOUND_LETTERS else "a"
    return "an" if first[0].lower() in "aeiou" else "a"


def _with_numbers(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of `text` from `start` to `end` widened over a number right before or after it ("10 mg",
    "eGFR <30"): topic words start with a letter (`_words`), so a part's value would be left behind."""
    before = _NUMBER_BEFORE.search(text, 0, start)
    after = _NUMBER_AFTER.match(text, end)
    return (before.start() if before else start, after.end() if after else end)


def _after_same_preposition(
    question: str, earlier: str, spans: Sequence[tuple[int, int, str]]
) -> tuple[int, int] | None:
    """The longest run of topic words right after the preposition that opens the follow-up's phrase, where the
    earlier question uses that preposition once (a determiner between them is skipped), or None.

    Parallel phrases share their preposition ("removed by HD" and "and by the kidneys?"), and that says which part
    is replaced where meaning cannot: an abbreviation and its stand-in are not close in the model's vectors.
    """
    opening = _PREPOSITION.match(question)
    if opening is None:
        return None
    after_word = rf"\b{opening.group('word')}\s+(?:(?:{'|'.join(sorted(_DETERMINERS))})\s+)?"
    places = [m.end() for m in re.finditer(after_word, earlier, re.IGNORECASE)]
    if len(places) != 1:
        return None
    after = [(start, end) for start, end, _ in spans if start == places[0]]
    return max(after, key=lambda span: span[1]) if after else None


def _subject_spans(text: str, subjects: Container[str]) -> list[tuple[int, int]]:
    """Every part of `text` that names a page's subject and lies in no longer one: runs of up to `_SUBJECT_WORDS`
    words (numbers too: "Type 2 Diabetes") that open and end with a word other than a function word, with the
    function words around them where the whole is a title word for word ("What I need to know about Hepatitis A")."""
    matches = list(word_matches(text))
    spans = []
    for i, first in enumerate(matches):
        if _is_function_word(first):
            continue
        for j in range(i, min(i + _SUBJECT_WORDS, len(matches))):
            last = matches[j]
            if not _is_function_word(last) and text[first.start() : last.end()] in subjects:
                start, end = _titled(text, matches[:i], matches[j + 1 :], (first.start(), last.end()), subjects)
                # The abbreviation in parentheses after a name goes with it: "Von Hippel-Lindau Disease (VHL)".
                abbreviation = _ABBREVIATION_AFTER.match(text, end)
                spans.append((start, abbreviation.end() if abbreviation else end))
    return [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]


def _titled(
    text: str,
    before: Sequence[re.Match[str]],
    after: Sequence[re.Match[str]],
    span: tuple[int, int],
    subjects: Container[str],
) -> tuple[int, int]:
    """A subject's span widened over the function words just before and after it, as far as the whole is a page's
    title word for word: "What I need to know about Hepatitis A" around "need to know about Hepatitis", "glycogen
    storage disease type I" (a Roman one) around "glycogen storage disease type"."""
    if not isinstance(subjects, PageSubjects):
        return span
    starts = [span[0], *(w.start() for w in itertools.takewhile(_is_function_word, reversed(before)))]
    ends = [span[1], *(w.end() for w in itertools.takewhile(_is_function_word, after))]
    widened = [(s, e) for s in starts for e in ends if (s, e) != span and subjects.titled(text[s:e])]
    return max(widened, key=lambda s: s[1] - s[0], default=span)


def _is_function_word(word: re.Match[str]) -> bool:
    return folded(word.group(0)) in FUNCTION_WORDS


def _closest_subject(
    subject: str, text: str, spans: Sequence[tuple[int, int]], similar: Similar | None
) -> tuple[int, int]:
    """Of the subjects `text` names, the one `subject` stands in for: the closest in meaning ("tizanidine" for
    "baclofen" in "can seizures be caused by baclofen?"), then the longest, then the first."""
    closeness = list(similar(subject, [text[slice(*s)] for s in spans])) if similar and len(spans) > 1 else []
    best = max(range(len(spans)), key=lambda i: (closeness[i] if closeness else 0.0, spans[i][1] - spans[i][0], -i))
    return spans[best]


# The longest subject looked for in an earlier question, in words: MedQuAD's page titles run to 17 with a subtitle
# ("Monogenic Forms of Diabetes: Neonatal Diabetes Mellitus and Maturity-onset Diabetes of the Young"), most to 1-4.
_SUBJECT_WORDS = 20
# An abbreviation in parentheses is another name of what precedes it; after a colon, a title names its kind of page.
_PARENTHESES = re.compile(r"\([^)]*\)")
_ABBREVIATION_AFTER = re.compile(r"\s*\([^()]*\)")


def subject_key(text: str) -> tuple[str, ...]:
    """What a subject is compared by: its words in order, lower case, with neither function words ("the") nor an
    abbreviation in parentheses ("Von Hippel-Lindau Disease (VHL)")."""
    return tuple(w for w in _title_words(text) if w not in FUNCTION_WORDS)


def _title_words(text: str) -> tuple[str, ...]:
    """A title's words in order, lower case, function words included, less an abbreviation in parentheses: what
    `PageSubjects.titled` compares."""
    return tuple(folded(m.group(0)) for m in word_matches(_PARENTHESES.sub(" ", text)))


class PageSubjects(Container[str]):
    """The subjects of the corpus's pages: their titles, and a title's part before a colon ("Coumadin: ward handout
    for nurses" is about Coumadin), compared by `subject_key`, or word for word (`titled`) where a phrase holds a
    word that opens a clause or a subject is widened over function words.

    A follow-up that names one ("what about anxiety disorders?") changes the subject, whatever the embedding model
    says of its closeness to the earlier one: a page's subject stands in for another page's subject, and a phrase
    that names no page ("children") is a condition or a population added to the question. The titles are read
    when a follow-up first asks (`titles`, one query of the index's store), not when the assistant loads.
    """

    def __init__(self, titles: Callable[[], Iterable[str]]):
        self._titles = titles
        # Each subject by `subject_key`, and word for word (`_title_words`).
        self._keys: tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]] | None = None
        self._lock = threading.Lock()

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        key = subject_key(text)
        return bool(key) and key in self._read()[0]

    def titled(self, text: str) -> bool:
        """Whether `text` is a page's subject word for word, function words included: a phrase holding a word that
        opens a clause ("if", "can") names a page only so."""
        words = _title_words(text)
        return bool(words) and words in self._read()[1]

    def _read(self) -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
        with self._lock:
            if self._keys is None:
                names = [name for title in self._titles() for name in (title, title.split(":")[0])]
                self._keys = (
                    frozenset(key for key in map(subject_key, names) if key),
                    frozenset(words for words in map(_title_words, names) if words),
                )
            return self._keys


# What between two words parts runs of topic words: a digit (a number) or a mark that ends a phrase.
_RUN_BREAK = re.compile(r"[\d?!.,;:()\[\]]")


def _topic_spans(text: str) -> list[tuple[int, int, str]]:
    """Every run of up to three adjacent topic words of `text` (start, end, stem of its last word). A number ends a
    run: it is the value of the word before it ("give 10 mg" holds the parts "give" and "mg", not "give 10 mg").
    So does punctuation: "in CKD? (baclofen eliminated)", a follow-up read with its carried topic, holds "CKD" and
    "baclofen eliminated", not "CKD? (baclofen"; and a preposition ("warfarin before surgery": the drug, and when)."""
    matches = _words(text)
    runs: list[list[re.Match[str]]] = [[]]
    for m in matches:
        if m.group(0).lower().strip("'-/") in ASPECT_WORDS | _PREPOSITION_WORDS:  # "warfarin | before | surgery"
            runs.append([])
            continue
        if runs[-1] and _RUN_BREAK.search(text, runs[-1][-1].end(), m.start()):
            runs.append([])
        runs[-1].append(m)
    out: list[tuple[int, int, str]] = []
    for run in runs:
        for i in range(len(run)):
            for j in range(i, min(i + 3, len(run))):
                out.append((run[i].start(), run[j].end(), stems([run[j].group(0).lower()])[0]))
    return out


class QueryBuilder:
    """Builds `Query` values with the corpus's vocabulary (for typo fixes) and abbreviations."""

    def __init__(
        self,
        vocabulary: Iterable[str] | Mapping[str, int],
        *,
        known_words: Iterable[str] = (),
        abbreviations: Mapping[str, str] | None = None,
        acronyms: Iterable[str] = (),
        similar: Similar | None = None,
        subjects: Container[str] = frozenset(),
    ):
        """`vocabulary`: the corpus's words (typo fixes aim at these), or a mapping of them to how often the
        corpus uses them (to choose between equally close fixes); `known_words`: real words never "fixed";
        `acronyms`: the capitalised abbreviations the corpus uses ("HELLP"), defined there or not; `similar`: the
        closeness in meaning of phrases, for follow-ups that name a substitute ("what about apixaban?");
        `subjects`: what the corpus's pages are about (`PageSubjects`), for follow-ups that change the subject."""
        self.similar = similar
        self.subjects = subjects
        self._counts = Counter(
            {w.lower(): n for w, n in vocabulary.items()} if isinstance(vocabulary, Mapping) else {}
        )
        self.vocabulary = {w.lower() for w in vocabulary if len(w) > 2}
        # Everyday words ("is", "all", "can"): typed in lower case they are never read as an abbreviation the
        # corpus defined ("infantile spasms (IS)", "acute lymphoblastic leukemia (ALL)").
        self._everyday = frozenset(w.lower() for w in known_words)
        self.known_words = self._everyday | self.vocabulary
        self.abbreviations = {**BUILTIN_ABBREVIATIONS, **(abbreviations or {})}
        self._drug_names = drug_names()
        self.acronyms = frozenset(a for a in acronyms if len(a) >= 3 and a.isalpha() and a.isupper())
        self._by_length: dict[int, list[str]] = {}
        for word in self.vocabulary:
            if word.isalpha():
                self._by_length.setdefault(len(word), []).append(word)
        # The corpus's words in order, for the words a clipped word begins (`unclip`).
        self._alphabetical = sorted(w for w in self.vocabulary if w.isalpha())

    def build(
        self, message: str, history: Sequence[str] = (), *, leaning: bool = False, leaned: Container[int] = frozenset()
    ) -> Query:
        """The message cleaned, resolved against history, split and expanded; `leaning` forces the follow-up
        reading (for a question that only the conversation's topic makes answerable), and `leaned` numbers the
        turns of `history` that were read so (`resolve_followup`)."""
        cleaned = clean_message(message) or message.strip()
        similar = self._similar_spelled_out()
        resolved, used, restated = _resolve(
            cleaned,
            history,
            leaning=leaning,
            similar=similar,
            everyday=self._everyday,
            subjects=self.subjects,
            leaned=leaned,
        )
        if used:
            parts: tuple[str, ...] = (resolved,)
        else:
            # "She was given baclofen. Is this safe? What dose?": a later part that leans on an earlier one is
            # resolved against it, as a follow-up is against earlier turns.
            first, *rest = split_questions(resolved)
            parts = (first,)
            for part in rest:
                parts += (
                    resolve_followup(
                        part,
                        [*history, *parts],
                        similar=similar,
                        everyday=self._everyday,
                        subjects=self.subjects,
                        leaned=leaned,
                    )[0],
                )
        expanded = tuple(self.expand(p) for p in parts)
        return Query(
            original=message,
            text=resolved,
            parts=parts,
            expanded=expanded,
            followup=used,
            focus=cleaned,
            restated=restated,
        )

    def _similar_spelled_out(self) -> Similar | None:
        """`similar` (None without it) measuring a follow-up's phrase and the earlier question's parts each with the
        long forms of its abbreviations after it: the model reads "eGFR" as letters, so "patients on dialysis" was as
        close to "baclofen" as to "eGFR" (0.08 both) and replaced the drug; to "eGFR (estimated glomerular filtration
        rate)" it is 0.25. Only abbreviations: a synonym or a typo fix (`expand`) moves a phrase of everyday words."""
        similar = self.similar
        if similar is None:
            return None

        def spelled(text: str) -> str:
            shouting = text.isupper()
            forms = [f for f in (self._long_form(m.group(0), shouting) for m in _words(text)) if f]
            return f"{text} ({', '.join(forms)})" if forms else text

        def measure(phrase: str, parts: Sequence[str]) -> Sequence[float]:
            return similar(spelled(phrase), [spelled(part) for part in parts])

        return measure

    def _long_form(self, raw: str, shouting: bool) -> str | None:
        """What an abbreviation typed as `raw` stands for, if it reads as one here: written in capitals (unless the
        whole message is, `shouting`), short and no everyday word, or one of the built-in abbreviations."""
        word = raw.lower().strip("'-")
        long_form = self.abbreviations.get(word)
        written_as_one = raw.isupper() and len(raw) > 1 and not shouting
        unknown_short = len(word) <= 4 and word not in self._everyday
        if long_form and (written_as_one or unknown_short or word in BUILTIN_ABBREVIATIONS):
            return long_form
        return None

    def expand(self, text: str) -> str:
        """The text plus corrected spellings and the long forms of abbreviations and brand names."""
        extra: list[str] = []
        shouting = text.isupper()  # in an all-capitals message, capitals say nothing
        for match in _words(text):
            raw = match.group(0)
            word = raw.lower().strip("'-")
            written_as_one = raw.isupper() and len(raw) > 1 and not shouting
            long_form = self._long_form(raw, shouting)
            if long_form:
                extra.append(long_form)
            synonym = BUILTIN_SYNONYMS.get(word)
            if synonym:
                extra.append(synonym)
            fixed = self.correct_acronym(raw) if written_as_one else None
            fixed = fixed or self.correct(word) or self.unclip(word)
            # "antipsychotic" -> "antipsychotics" fixes nothing; appended, it would count the word twice.
            if fixed and fixed.lower() != word and len(set(stems([fixed.lower(), word]))) > 1:
                extra.append(fixed)
        extra.extend(self.typed_apart(text).values())
        extra.extend(self.generic_names(text))
        extra.extend(f"{m.group(1)} year old" for m in _AGE.finditer(text))
        seen: set[str] = set()
        unique = [
            e for e in extra if not (e.lower() in seen or seen.add(e.lower())) and e.lower() not in text.lower()
        ]
        return f"{text} ({', '.join(unique)})" if unique else text

    def typed_apart(self, text: str) -> dict[str, str]:
        """The corpus words `text` types in two pieces ("level iracetam" -> "levetiracetam"), by piece: two words one
        space apart, of three letters or more, one of them unknown to the corpus and the everyday language and no
        typo of a corpus word, that together are a corpus word or one edit from one (`correct`): reading two words
        as one is a guess already, and two edits more let typos join their neighbours ("best tme" -> "bedtime")."""
        found: dict[str, str] = {}
        matches = _words(text)
        for first, second in itertools.pairwise(matches):
            pieces = first.group(0).lower(), second.group(0).lower()
            if text[first.end() : second.start()] != " " or not all(p.isalpha() and len(p) >= 3 for p in pieces):
                continue
            unknown = [p for p in pieces if p not in self.known_words]
            if not unknown or any(self.correct(p) for p in unknown):
                continue
            joined = "".join(pieces)
            whole = joined if joined in self.vocabulary else self.correct(joined, edits=1)
            if whole:
                found.update(dict.fromkeys(pieces, whole))
        return found

    def synonym(self, word: str) -> str | None:
        """What a word brings into the search: its built-in synonym, or the generic name of the drug it names."""
        return BUILTIN_SYNONYMS.get(word) or self._generic_name([word])

    def generic_names(self, text: str) -> list[str]:
        """Generic names of the drugs `text` names by another name ("Eliquis" -> "apixaban"), longest names first
        ("acetylsalicylic acid" before "acid"), each word read once."""
        words = [m.group(0).lower().strip("'-") for m in _words(text)]
        found: list[str] = []
        start = 0
        while start < len(words):
            for size in range(min(MAX_WORDS, len(words) - start), 0, -1):
                generic = self._generic_name(words[start : start + size])
                if generic:
                    found.append(generic)
                    start += size
                    break
            else:
                start += 1
        return found

    def _generic_name(self, words: Sequence[str]) -> str | None:
        # A name made only of everyday words ("caps", "armour", "sits") is not taken for a drug: the vocabulary
        # holds such product names, and reading them as drugs would add a stranger to the question.
        if all(w in self._everyday or w in ASPECT_WORDS for w in words):
            return None
        return self._drug_names.get(" ".join(words))

    def correct_acronym(self, typed: str) -> str | None:
        """The corpus acronym one edit from an unknown one typed in capitals ("HELPP" -> "HELLP"), if unique.

        Capitals say the word is an acronym, so its fix is sought among the corpus's acronyms, not its words
        ("help"). Four letters or fewer are too short to guess.
        """
        if len(typed) < 5 or typed in self.acronyms or typed.lower() in self.abbreviations:
            return None
        from rapidfuzz.distance import DamerauLevenshtein

        close = [a for a in self.acronyms if abs(len(a) - len(typed)) <= 1]
        found = [a for a in close if DamerauLevenshtein.distance(typed, a, score_cutoff=1) <= 1]
        return found[0] if len(found) == 1 else None

    def unclip(self, word: str) -> str | None:
        """The corpus word an unknown word is clipped from ("vit" -> "vitamin", "chemo" -> "chemotherapy").

        People shorten long words by cutting their end: of the corpus words that `word` begins, one (with its other
        forms: "vitamin", "vitamins") must be the clear winner, used `_CLEAR_WINNER` times as often as the next
        ("vitiligo"), as between two equally close typo fixes. A word the corpus or the language knows, an
        abbreviation with its own long form ("tox"), and a word of fewer than three letters are not clippings.
        """
        if len(word) < 3 or not word.isalpha() or word in self.known_words or word in self.abbreviations:
            return None
        if word in ASPECT_WORDS:
            return None
        # The words it begins sit together in alphabetical order, from where it would be inserted.
        at = bisect.bisect_left(self._alphabetical, word)
        begun = []
        while at < len(self._alphabetical) and self._alphabetical[at].startswith(word):
            begun.append(self._alphabetical[at])
            at += 1
        if not begun:
            return None
        uses: Counter[str] = Counter()
        most_used: dict[str, str] = {}
        for longer, stem in zip(begun, stems(begun), strict=True):
            uses[stem] += self._counts[longer]
            if self._counts[longer] >= self._counts[most_used.get(stem, longer)]:
                most_used[stem] = longer
        ranked = uses.most_common(2)
        if not _clear_winner([n for _, n in ranked]):
            return None
        return most_used[ranked[0][0]]

    def correct(self, word: str, *, edits: int | None = None) -> str | None:
        """The corpus word one or two edits away from an unknown word ("dialisys" -> "dialysis"), if unique; else,
        for a word of `_LEFT_OUT_FROM` letters or more, the corpus word it is with up to `_LEFT_OUT` letters left
        out and the same first letter ("metopol" -> "metoprolol", "testerone" -> "testosterone"): people drop a
        syllable of a long name, and those are three edits or more. `edits` caps the edits and leaves no letters
        out (for a guess that is already one, as two pieces read as one word are: `typed_apart`)."""
        if len(word) < 5 or not word.isalpha() or word in self.known_words or word in ASPECT_WORDS:
            return None
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein, Indel

        limit = min(1 if len(word) < 7 else 2, 2 if edits is None else edits)
        choices = [c for size in range(len(word) - limit, len(word) + limit + 1) for c in self._by_length.get(size, ())]
        found = process.extract(word, choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=None)
        if not found and edits is None and len(word) >= _LEFT_OUT_FROM:
            # Only insertions turn the typed word into the corpus word: it is a subsequence of it.
            longer = [
                c
                for size in range(len(word) + 1, len(word) + _LEFT_OUT + 1)
                for c in self._by_length.get(size, ())
                if c[0] == word[0]
            ]
            found = [(c, 0, 0) for c in longer if Indel.distance(word, c) == len(c) - len(word)]
        if not found:
            return None
        closest = min(distance for _, distance, _ in found)
        tied = sorted((w for w, distance, _ in found if distance == closest), key=lambda w: -self._counts[w])
        # Two equally close words: guessing would mislead, unless the corpus uses one far more ("presure" is
        # "pressure", not "presume").
        if not _clear_winner([self._counts[w] for w in tied[:2]]):
            return None
        return tied[0]
