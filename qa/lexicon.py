"""The corpus's own words, counted once at ingest: what query understanding checks a question against.

The assistant fixes typos towards words the corpus uses (preferring the far more frequent one), counts a
question's topic as covered when the corpus holds its words, expands abbreviations the corpus defines
("end-stage renal disease (ESRD)") and fixes a mistyped acronym among the corpus's acronyms. All of that needs
every chunk's words; counting them at each load cost a second per 25k chunks, so a build stores the result.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.abbreviations import learn_abbreviations
from qa.bm25 import stems
from qa.text import WORD

LEXICON = "lexicon.json"
# "bradycardia/hypotension" and "end-stage" hold their parts as words too (as `qa.confidence.corpus_words`).
PARTS = re.compile(r"[/-]")
ACRONYM = re.compile(r"\b[A-Z]{3,6}\b")


_BLOCK = 4096


def _blocks(texts: Iterable[str]) -> Iterator[list[str]]:
    block: list[str] = []
    for text in texts:
        block.append(text)
        if len(block) == _BLOCK:
            yield block
            block = []
    if block:
        yield block


@dataclass(frozen=True)
class Lexicon:
    """Word counts of the chunks' contexts, the Snowball stems of those words, the capitalised acronyms of the
    chunks' texts and the abbreviations their texts define (short form -> long form, lower case)."""

    counts: Mapping[str, int]
    stems: frozenset[str]
    acronyms: frozenset[str]
    abbreviations: Mapping[str, str]

    @classmethod
    def build(cls, texts: Iterable[str], contexts: Iterable[str]) -> Lexicon:
        """Count the words of `contexts` (what is searched: title, headings, text) and learn acronyms and
        abbreviations from `texts` (the chunks' own words, where definitions are written)."""
        counts: Counter[str] = Counter()
        # A block of contexts at a time, joined: one regex scan and one C-level count instead of one per chunk.
        # (No word spans the newline between two contexts.) The words are `qa.confidence.corpus_words`'s: the
        # project's one tokeniser (`qa.text.WORD`), lower case, starting with a letter, a trailing slash dropped.
        for block in _blocks(contexts):
            counts.update(w.lower().rstrip("/") for w in WORD.findall("\n".join(block)) if w[0].isalpha())
        # "bradycardia/hypotension" holds "bradycardia" too, as often as the compound occurs.
        for word, count in [(w, n) for w, n in counts.items() if PARTS.search(w)]:
            for part in PARTS.split(word):
                if part:
                    counts[part] += count
        texts = list(texts)
        acronyms: set[str] = set()
        for block in _blocks(texts):
            acronyms.update(ACRONYM.findall("\n".join(block)))
        return cls(
            counts=dict(counts),
            stems=frozenset(stems(sorted(counts))),
            acronyms=frozenset(acronyms),
            abbreviations=learn_abbreviations(texts),
        )

    def save(self, directory: Path) -> None:
        """Write `lexicon.json` into `directory` (sorted, so equal corpora give equal files)."""
        data = {
            "counts": dict(sorted(self.counts.items())),
            "stems": sorted(self.stems),
            "acronyms": sorted(self.acronyms),
            "abbreviations": dict(sorted(self.abbreviations.items())),
        }
        (directory / LEXICON).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Lexicon:
        """Read what `save` wrote.

        Raises:
            FileNotFoundError: the file is missing.
            ValueError: it is not a lexicon (bad JSON or a field of the wrong shape).
        """
        data = json.loads((directory / LEXICON).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{LEXICON} is not a JSON object")
        counts, stem_list = data.get("counts"), data.get("stems")
        acronyms, abbreviations = data.get("acronyms"), data.get("abbreviations")
        if not (
            isinstance(counts, dict)
            and all(isinstance(n, int) for n in counts.values())
            and isinstance(stem_list, list)
            and isinstance(acronyms, list)
            and isinstance(abbreviations, dict)
        ):
            raise ValueError(f"{LEXICON} lacks counts, stems, acronyms or abbreviations of the right shape")
        return cls(counts, frozenset(stem_list), frozenset(acronyms), abbreviations)
