"""How sure medcite is that the indexed sources answer a question: the abstention model.

confidence = (closeness of the best evidence) x (share of the question's topic words the corpus holds)^2.
Dense similarity alone is fooled by a question about something the corpus never mentions ("is ondansetron
dialyzable?" is close to the baclofen pages), so every topic word missing from the corpus costs; a missing
everyday word costs little, a missing rare word (a drug or disease name the model's own vocabulary does not hold
whole) costs double: it is usually the very thing asked about. A misspelt everyday word ("whate", "teh") or two
run together ("howmuch", "aday"), common in consumer messages, costs what a missing everyday word does, except
among a follow-up's own words, which name what it asks about.

This formula was the whole abstention model; it is now one input of a learned one (`qa.abstention`), beside the
pieces it is made of (`Signals`): one missing word beside a covered drug ("wean off tegretol?") costs the formula
as much as a missing drug name beside a covered aspect ("vancomycin in kidney failure?"), which the model tells apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from qa.bm25 import stems
from qa.drugs import is_drug_name
from qa.query import Query, QueryBuilder, content_words, spell_out_ages
from qa.text import run_together, words

# The threshold of the hand-made formula alone (`Confidence.of`), calibrated with `medcite eval` before the
# learned model (`qa.abstention`) took its place; kept to report the formula beside the model.
FORMULA_ABSTAIN_BELOW = 0.23
_COMMON_WORD_WEIGHT = 0.3
# A rare word the corpus lacks is usually the very drug or disease asked about: it weighs double.
_MISSING_RARE_WEIGHT = 2.0
_PARTS = re.compile(r"[/-]")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_APOSTROPHE = re.compile(r"['\u2019]")


@dataclass(frozen=True)
class TopicWord:
    """One topic word of a question: `light` when an everyday word, a typo of one or a story's word (it weighs
    little when missing); `covered` when the corpus holds it; `weight` its share in the coverage."""

    text: str
    light: bool
    covered: bool
    weight: float
    # Covered only by a loose match: a stem ("lowe" by "low") or a typo fix ("dialisys"), not the word itself.
    loose: bool = False
    # A typo of an everyday word ("waen", "howmuch"), or a word of the story told around the question (`story`):
    # either is aside, not what the question asks about.
    typo: bool = False
    story: bool = False

    @property
    def aside(self) -> bool:
        return self.typo or self.story


@dataclass(frozen=True)
class Signals:
    """What the abstention model reads of one question (`qa.abstention.FEATURES` are computed from these)."""

    # The best cosine between the question and a retrieved chunk.
    dense: float
    # The least covered reading's coverage (`Confidence.coverage`), and the same over its rare words only.
    coverage: float
    rare_coverage: float
    # Of that reading: rare words the corpus holds and lacks, light words it lacks, missing words naming a drug.
    covered_rare: int
    missing_rare: int
    missing_light: int
    missing_drug: int
    topic_words: int
    followup: bool
    # Rare words covered only by a loose match (`TopicWord.loose`): a typo's fix, or a name read as a stem.
    loose_rare: int = 0
    # Words naming a drug that the corpus holds: a question naming a missing drug beside a covered one
    # ("metamucil with ciprofloxacin") is about the covered one too; beside none, it is about a stranger.
    covered_drug: int = 0

    @property
    def formula(self) -> float:
        """The hand-made confidence: max(0, dense) x coverage^2 (what `Confidence.of` returns)."""
        return max(0.0, self.dense) * self.coverage**2


def corpus_words(texts: Iterable[str]) -> dict[str, int]:
    """How often the corpus uses each word (lower case, letters first), slash and hyphen compounds split too."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in words(text):
            if not word[0].isalpha():
                continue
            word = word.rstrip("/")
            counts[word] = counts.get(word, 0) + 1
            # "bradycardia/hypotension" holds "bradycardia" too.
            if _PARTS.search(word):
                for part in _PARTS.split(word):
                    if part:
                        counts[part] = counts.get(part, 0) + 1
    return counts


def word_ranks(vocabulary: Sequence[str]) -> dict[str, int]:
    """Each whole word of a model's vocabulary (two letters or more, a to z) by its place among them, in the order
    given: a WordPiece vocabulary in id order lists its words most frequent first, after its single characters
    ("the" 0, "take" 188, "protein" 2,815, "teenager" 7,345 of the bundled MiniLM's 21,719), so a word's rank says how
    everyday it is (`Confidence.unmatched`)."""
    ranked = (piece for piece in vocabulary if len(piece) > 1 and piece.isascii() and piece.isalpha())
    return {word: rank for rank, word in enumerate(ranked)}


class Confidence:
    """The abstention model over one corpus: its vocabulary, the model's everyday words, the query builder."""

    def __init__(
        self,
        vocabulary: Mapping[str, int] | Iterable[str],
        common_words: Iterable[str],
        queries: QueryBuilder,
        *,
        vocabulary_stems: Iterable[str] | None = None,
        word_ranks: Mapping[str, int] | None = None,
    ):
        """`vocabulary_stems`: the stems of `vocabulary` when already known (an index stores them, `qa.lexicon`);
        `word_ranks`: how frequent each everyday word is, by rank (`word_ranks`), for the notice (`unmatched`)."""
        self._word_ranks = dict(word_ranks or {})
        self.vocabulary = frozenset(vocabulary)
        # Stems let "hepatically" count as covered by "hepatic".
        self._vocabulary_stems = frozenset(
            stems(sorted(self.vocabulary)) if vocabulary_stems is None else vocabulary_stems
        )
        self._common_words = frozenset(common_words)
        # "prescribing" is as everyday as "prescribed", which the model's vocabulary holds whole.
        self._common_stems = frozenset(stems(sorted(self._common_words)))
        self.queries = queries

    def coverage(self, text: str, *, rare_only: bool = False) -> float:
        """Share of the question's topic words that the corpus contains (after typo fixes and abbreviations).

        With `rare_only`, everyday words do not count at all: a follow-up's own words ("how fast do they wake up
        after?") name no new topic unless they name a rare one.
        """
        return _share(self.topic(text, rare_only=rare_only))

    def topic(self, text: str, *, rare_only: bool = False) -> tuple[TopicWord, ...]:
        """The question's topic words, each with whether the corpus holds it and what it weighs in `coverage`.

        An age in shorthand is read as retrieval searches it (`QueryBuilder.expand`): "y/o" is no word the corpus
        lacks."""
        text = spell_out_ages(text)
        context = self._story_words(text)
        # A piece of a word typed apart ("level iracetam") is covered, loosely, by the word the pieces make.
        apart = self.queries.typed_apart(text)
        found: list[TopicWord] = []
        for word in (w for w in content_words(text) if len(w) > 2 and not w.isdigit()):
            common = self.is_common(word)
            if rare_only and common:
                continue
            if self._covers(word) or word in apart:
                loose = not self._covers(word, exactly=True)
                found.append(TopicWord(word, common, True, _COMMON_WORD_WEIGHT if common else 1.0, loose))
                continue
            # A follow-up's own rare word is what it asks about: there, a near-miss of an everyday word
            # ("statins" of "stations") is not read as a typo. Nor is an everyday word ("protein", one letter
            # from "proteins"): the word typed is the one meant.
            typo = not rare_only and not common and self._misspelt_common(word)
            story = word in context
            light = common or typo or story
            weight = _COMMON_WORD_WEIGHT if light else _MISSING_RARE_WEIGHT
            found.append(TopicWord(word, light, False, weight, typo=typo, story=story))
        return tuple(found)

    def unmatched(self, query: Query, *, frequent_below: int = 0) -> tuple[str, ...]:
        """The words of what a question asks that the corpus lacks, each once, in the question's order: an everyday
        word as well as a rare one ("is baclofen safe in pregnancy?" -> "pregnancy"), a typo of an everyday word or
        a word of the story around the question not, nor one of the `frequent_below` most frequent words
        (`word_ranks`: "take", "off"), whose absence says nothing of what is asked. Two of those run together
        ("howmuch") are a typo; rarer ones ("breastfeeding") make a word.

        Retrieval finds the passages closest to the rest, so the answer can quote a confident sentence about another
        point; naming what no source mentions lets the reader see that (`Answer.unmatched`)."""
        # The whole message, so that its story is told apart from its question; a follow-up's own words too.
        readings = [query.text, query.focus] if query.followup and query.focus else [query.text]
        # A typo is aside, but a compound of rarer words ("breastfeeding") is a word of its own (`_compound`).
        found = [
            w
            for text in readings
            for w in self.topic(text)
            if not w.aside or (not w.story and self._compound(w.text, frequent_below))
        ]
        words = dict.fromkeys(
            w.text
            for w in found
            if (not w.covered and not self._frequent(w.text, frequent_below)) or self._only_abbreviated(w.text)
        )
        return tuple(_as_written(word, (query.original, query.text)) for word in words)

    def _frequent(self, word: str, below: int) -> bool:
        """Whether `word` is one of the `below` most frequent words (`word_ranks`); a word without a rank is not."""
        return self._word_ranks.get(word, below) < below

    def _only_abbreviated(self, word: str) -> bool:
        """A clinician's abbreviation ("CRRT", "PD") that the corpus holds neither as written nor spelt out: covered
        for search and scope, which expand it, but not mentioned by any source."""
        if word in self.vocabulary or word.rstrip("s") in self.vocabulary or word not in self.queries.abbreviations:
            return False
        spelt = [w for w in _PARTS.sub(" ", self.queries.abbreviations[word]).split() if len(w) > 2]
        return not all(w in self.vocabulary for w in spelt)

    def of(self, best_dense: float, query: Query) -> float:
        """The confidence of a question whose nearest evidence has cosine `best_dense` (the hand-made formula,
        one input of the learned model: `qa.abstention`)."""
        return float(max(0.0, best_dense) * self._bottleneck(query)[0] ** 2)

    def signals(self, best_dense: float, query: Query) -> Signals:
        """What the learned abstention model reads of a question whose nearest evidence has cosine `best_dense`.

        The counts are of the reading that limits coverage (a part of the question, or a follow-up's own words),
        the one the formula squares.
        """
        coverage, words = self._bottleneck(query)
        missing = [w for w in words if not w.covered]
        return Signals(
            dense=float(best_dense),
            coverage=coverage,
            rare_coverage=_share(tuple(w for w in words if not w.light)),
            covered_rare=sum(1 for w in words if w.covered and not w.light),
            missing_rare=sum(1 for w in missing if not w.light),
            missing_light=sum(1 for w in missing if w.light),
            missing_drug=sum(1 for w in missing if is_drug_name(w.text)),
            topic_words=len(words),
            followup=query.followup,
            loose_rare=sum(1 for w in words if w.loose and not w.light),
            covered_drug=sum(1 for w in words if w.covered and is_drug_name(w.text)),
        )

    def _bottleneck(self, query: Query) -> tuple[float, tuple[TopicWord, ...]]:
        """The least covered reading of a question: each part, and the focus (a follow-up's own words, where only
        rare words count), as (coverage, topic words)."""
        # A follow-up's own words count too: "what about peritoneal dialysis?" is not covered by baclofen pages.
        readings = [self.topic(text) for text in query.parts]
        readings.append(self.topic(query.focus or query.text, rare_only=query.followup))
        return min(((_share(words), words) for words in readings), key=lambda pair: pair[0])

    def in_everyday_words(self, text: str) -> bool:
        """Whether every topic word of `text` is an everyday word, or everyday words joined by a hyphen or a slash
        ("follow-up", "half-life"): a question that names no topic of its own ("how long was follow-up?")."""
        return all(
            word.light or all(self.is_common(part) for part in _PARTS.split(word.text) if part)
            for word in self.topic(text)
        )

    def is_common(self, word: str) -> bool:
        """An everyday word: the model's vocabulary holds it, or another form of it, whole; or it contracts everyday
        words ("we're", "don't"), which the vocabulary holds apart."""
        if word in self._common_words or stems([word])[0] in self._common_stems:
            return True
        parts = [p for p in _APOSTROPHE.split(word) if p]
        return len(parts) > 1 and all(p in self._common_words for p in parts)

    def _misspelt_common(self, word: str) -> bool:
        """One edit from an everyday word ("whate"), or two everyday words run together ("howmuch", "aday").

        A run-together part is a word of three letters or more, or "a". A three-letter word counts only with two
        letters swapped ("teh"): most three-letter strings are one edit from some everyday word, abbreviations
        ("mda") too.
        """
        if len(word) < 3 or not word.isalpha():
            return False
        if self._run_together(word):
            return True
        return self._one_edit_from_common(word)

    def _run_together(self, word: str) -> list[tuple[str, str]]:
        """Every way `word` splits into two everyday words (`_misspelt_common`'s parts)."""
        return run_together(word, self._common_words)

    def _compound(self, word: str, frequent_below: int) -> bool:
        """Whether a word that `_misspelt_common` reads as two everyday words run together is rather a word of its
        own, for the notice: none of its splits is of two of the `frequent_below` most frequent words ("a" counts
        as one), and it is no edit of an everyday word. "howmuch" and "aday" are typos; "breastfeeding",
        "hypertension" and "grapefruit" are words, which the scope judgement reads as light all the same."""
        splits = self._run_together(word)
        if not splits or self._one_edit_from_common(word):
            return False

        def frequent(part: str) -> bool:
            return part == "a" or self._frequent(part, frequent_below)

        return not any(frequent(a) and frequent(b) for a, b in splits)

    def _one_edit_from_common(self, word: str) -> bool:
        """One edit from an everyday word; for three letters, two letters swapped only (`_misspelt_common`)."""
        common = self._common_words
        if len(word) == 3:
            return any(word[:i] + word[i + 1] + word[i] + word[i + 2 :] in common for i in range(2))
        return any(edit in common for edit in _one_edit(word))

    def _covers(self, word: str, *, exactly: bool = False) -> bool:
        """The corpus holds the word, or each part of a slash or hyphen compound; `exactly`: without stems or
        typo fixes."""
        known = self._exactly_known if exactly else self._known
        parts = [p for p in _PARTS.split(word) if p]
        return known(word) or (len(parts) > 1 and all(known(p) for p in parts))

    def _story_words(self, text: str) -> frozenset[str]:
        """Words that only tell the story around a question, not what it asks about.

        "My pt is on HD MWF, started on baclofen by ortho. Could this be baclofen toxicity?": the question
        restates a topic the sources cover (baclofen), so the story's other words (MWF, ortho) are context, and
        missing from the sources they cost no more than an everyday word. Without that restatement ("Pt on
        ondansetron. Dialysis clearance?") the story names the topic, and nothing is discounted.
        """
        sentences = _SENTENCE_END.split(text)
        asked = {w for s in sentences if s.rstrip().endswith("?") for w in content_words(s)}
        told = {w for s in sentences if not s.rstrip().endswith("?") for w in content_words(s)}
        restated = any(not self.is_common(w) and self._covers(w) for w in asked & told)
        return frozenset(told - asked) if restated else frozenset()

    def _known(self, word: str) -> bool:
        """The corpus holds the word, its singular, its long form or generic name, its stem, a word one typo
        away, or the word it is clipped from ("vit": "vitamin")."""
        return (
            self._exactly_known(word)
            or stems([word])[0] in self._vocabulary_stems
            or self.queries.correct(word) is not None
            or self.queries.unclip(word) is not None
        )

    def _exactly_known(self, word: str) -> bool:
        """The corpus holds the word, its singular, its long form or its generic name."""
        return (
            word in self.vocabulary
            or word.rstrip("s") in self.vocabulary
            or word in self.queries.abbreviations
            or self._synonym_known(word)
        )

    def _synonym_known(self, word: str) -> bool:
        """The corpus holds every word of the word's synonym ("obtunded": "decreased level of consciousness") or of
        the generic name of the drug it names ("eliquis": "apixaban")."""
        synonym = [w for w in (self.queries.synonym(word) or "").split() if len(w) > 2]
        return bool(synonym) and all(w in self.vocabulary for w in synonym)


def _as_written(word: str, texts: Iterable[str]) -> str:
    """`word` as the first of `texts` that holds it writes it ("CRRT" for "crrt"), else as it is."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
    for text in texts:
        found = pattern.search(text)
        if found:
            return found.group(0)
    return word


def _share(words: tuple[TopicWord, ...]) -> float:
    """1 - (weight of the missing words) / (weight of all): 1 for a question with no topic word."""
    total = sum(w.weight for w in words)
    missing = sum(w.weight for w in words if not w.covered)
    return 1.0 - missing / total if total else 1.0


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion of a letter away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts) - {word}
