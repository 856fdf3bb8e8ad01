"""A patient a question points at ("was the girl hypotensive?") and the patient a retrieved case describes.

A definite description of one person ("the girl", "the teen's", "the 14yo") presupposes someone the writer and the
reader both know of. With no earlier turn naming one, it is the patient of a case the sources describe ("Case: 14
year old (51 kg) woman ingested 60 tablets ...", "A 67-year-old man presented with ..."). The question's own words
do not say so: "girl" is none of the case report's words, and "was the girl hypotensive?" is at a cosine of 0.20
to its best chunk, so the abstention model, which weighs closeness most, judged such questions out of scope (all
eleven of the own set's in-scope abstentions, eval/EXPERIMENTS.md, "Thirty-fourth session"). Read with the case's
patient in place of the reference ("was the 14 year old woman hypotensive?"), a question is judged on what else
it asks: "was the girl given antibiotics?" stays out of scope, since the sources say nothing of antibiotics.
`Assistant._retrieve` uses that reading only to decide whether to answer.

`PERSON_NOUNS` is a closed class of English, the nouns case reports and clinicians use for one patient, as
`qa.query`'s determiners are: no word of any corpus or question type.

A definite description of a document ("what did the case report conclude?") points the same way: where one document
of those retrieved holds its words as a phrase ("In a recently published case report, ..."), it is that document
(`described_document`), and `Assistant._retrieve` judges the question once more read with the document's title.
Of everyday words only, such a question otherwise reads as out of scope (0.05 for that one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from qa.bm25 import tokenize
from qa.query import spell_out_ages
from qa.text import FUNCTION_WORDS, word_matches

PERSON_NOUNS = frozenset(
    {
        "patient", "pt", "woman", "man", "lady", "gentleman", "girl", "boy", "teen", "teenager", "adolescent",
        "kid", "child", "infant", "baby", "toddler", "newborn", "neonate", "female", "male",
    }
)  # fmt: skip
_NOUN = "|".join(sorted(PERSON_NOUNS))
# An age as case reports write it, in the singular of an attribute ("14 year old", "67-year-old", "3-month-old"):
# "2 years old" says how old someone must be, not who a patient is.
_AGE = r"\d{1,3}[\s-]*(?:year|yr|month|week|day)[\s-]*old"
# A patient described: an age, a bracketed aside ("(51 kg)") if any, then a word (a person noun, checked after).
_DESCRIBED = re.compile(rf"\b(?P<age>{_AGE})\b(?:\s*\([^()]*\))?[\s-]+(?P<noun>[A-Za-z]+)\b", re.IGNORECASE)
# One person pointed at: "the girl", "this patient", "the 14 year old", "the 14 year old woman" (not "the patients",
# not "my patient": a clinician's own patient is not a case in the sources).
_REFERENCE = re.compile(
    rf"\b(?:the|this|that)\s+(?:{_AGE}(?:\s+(?:{_NOUN}))?|(?:{_NOUN}))(?![A-Za-z0-9])", re.IGNORECASE
)


def described_patient(texts: Iterable[str]) -> str | None:
    """The patient the first of `texts` (passages, in retrieval's order) to describe a case introduces, as it
    writes the age and the person ("14 year old woman", "67-year-old man"), or None when none does."""
    for text in texts:
        for match in _DESCRIBED.finditer(text):
            if match.group("noun").lower() in PERSON_NOUNS:
                return f"{match.group('age')} {match.group('noun')}"
    return None


def about_patient(question: str, patient: str) -> str | None:
    """`question` with each definite reference to one person read as `patient` ("was the girl hypotensive?" ->
    "was the 14 year old woman hypotensive?"), or None when it makes none. Ages in shorthand are spelled out
    first ("the 14yo"), as `qa.query` spells them out for search."""
    spelled = spell_out_ages(question)
    reading, count = _REFERENCE.subn(lambda _: f"the {patient}", spelled)  # a function: no escapes read in it
    return reading if count else None


# A definite article, then the words of a description (read up to the first function word or punctuation).
_DEFINITE = re.compile(r"\b(?:the|this|that)\s+(?=[A-Za-z])", re.IGNORECASE)


def _descriptions(question: str) -> list[str]:
    """The definite descriptions of `question` of two words or more, each followed by its openings: "what did the
    case report conclude?" gives "case report conclude", then "case report". One word ("the study") describes too
    little to tell one document."""
    matches = list(word_matches(question))
    found = []
    for article in _DEFINITE.finditer(question):
        taken: list[str] = []
        at = article.end()
        for match in (m for m in matches if m.start() >= article.end()):
            word = match.group(0)
            if question[at : match.start()].strip(" -") or word.lower() in FUNCTION_WORDS or not word[0].isalpha():
                break
            taken.append(word)
            at = match.end()
        # Without a parser the description may run into the verb ("case report conclude"): its openings too,
        # longest first.
        found.extend(" ".join(taken[:size]) for size in range(len(taken), 1, -1))
    return found


def _holds(tokens: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return any(tokens[i : i + size] == phrase for i in range(len(tokens) - size + 1))


def described_document(question: str, passages: Sequence[tuple[str, str]]) -> str | None:
    """The one document of `passages` ((document id, text), in retrieval's order) that holds a definite
    description of `question` as a phrase (BM25's words: stems, stopwords out), or None where none does, or
    more than one: "the case report" of a corpus of case reports names none of them."""
    descriptions = _descriptions(question)
    if not descriptions or not passages:
        return None
    phrases = [p for p in tokenize(descriptions) if len(p) >= 2]
    texts = tokenize([text for _, text in passages])
    for phrase in phrases:
        holding = {doc for (doc, _), tokens in zip(passages, texts, strict=True) if _holds(tokens, phrase)}
        if len(holding) == 1:
            return holding.pop()
    return None
