"""The one tokeniser of the question and answer sides: words as typed, and the terms that match them.

Two views of the same text, both defined here so that a word is the same word everywhere it is read for meaning
(query clean-up, follow-up resolution, coverage, answer scoring, disagreement, a page title stripped from a query
in retrieval, a pseudo-query's length in calibration, a MedQuAD answer's repeated question):

- `words`: words as typed, with their inner punctuation ("mL/min", "end-stage", "baclofen's", "w/"), lower-cased.
  The question side reads these: abbreviations, typo fixes, topic words.
- `terms`: what a word counts as when texts are compared: lower-case runs of two or more letters or digits,
  English stopwords out, Snowball stems. This is exactly the token stream of medcite's BM25 index (bm25s's
  pattern, its English stopword list and the project's one stemmer), so a term's document frequency in the
  index is its weight here. BM25 and the phrase index keep calling `qa.bm25.tokenize` for their own stream.

What is not read for meaning keeps its own pattern: chunking measures sizes in whitespace-separated spans
(`qa.chunking`), and the phrase index breaks text at punctuation before `qa.bm25.tokenize` reads each piece.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Sequence

from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_EN_PLUS

from qa.bm25 import stems

# A word as typed: letters and digits, joined by an apostrophe, dot, slash or hyphen ("4.5", "mL/min",
# "end-stage"); a trailing slash stays with its word, as in the clinical shorthand "w/".
WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019./-][A-Za-z0-9]+)*/?")
# bm25s's default token pattern: the term boundaries of the BM25 index.
_TERM = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(STOPWORDS_EN)
# English function words (NLTK's list, as bm25s ships it): pronouns, auxiliaries, question words, prepositions.
# BM25 keeps all but the few above, and its idf weighs them; a word-share between a question and one sentence
# must not count "does" or "how" as something asked ("how does X work?" against "... does not remove X ...").
FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS) | STOPWORDS


def word_matches(text: str) -> Iterator[re.Match[str]]:
    """Every word of `text` as typed, with its position (for rewriting a question in place)."""
    return WORD.finditer(text)


def words(text: str) -> list[str]:
    """The words of `text` as typed, lower-cased."""
    return [m.group(0).lower() for m in WORD.finditer(text)]


def run_together(word: str, vocabulary: Container[str]) -> list[tuple[str, str]]:
    """Every way `word` splits into two words of `vocabulary`, each of three letters or more or one of them "a":
    a compound the vocabulary lacks whole ("breastfeeding", "grapefruit") or two words typed without a space
    ("howmuch", "aday")."""
    splits = ((word[:i], word[i:]) for i in range(1, len(word)))
    return [
        (a, b) for a, b in splits if a in vocabulary and b in vocabulary and (min(len(a), len(b)) >= 3 or "a" in (a, b))
    ]


def folded(word: str) -> str:
    """A word to compare by: lower case, a typographic apostrophe as a typed one ("Crohn\u2019s" is "crohn's")."""
    return word.lower().replace("\u2019", "'")


def terms(text: str) -> list[str]:
    """The content terms of `text` in order: BM25's tokens (stopwords out, Snowball stems)."""
    return stems([t for t in _TERM.findall(text.lower()) if t not in STOPWORDS])


def term_sets(texts: Sequence[str], stopwords: frozenset[str] = STOPWORDS) -> list[frozenset[str]]:
    """`terms` of each text as a set, stemming all of them in one call; `stopwords` are left out (BM25's by
    default, `FUNCTION_WORDS` for what a text says rather than how)."""
    tokens = [[t for t in _TERM.findall(text.lower()) if t not in stopwords] for text in texts]
    flat = stems([t for group in tokens for t in group])
    out: list[frozenset[str]] = []
    at = 0
    for group in tokens:
        out.append(frozenset(flat[at : at + len(group)]))
        at += len(group)
    return out
