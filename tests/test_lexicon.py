"""The lexicon a build stores: word counts, stems, acronyms and abbreviations of the chunks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import qa.lexicon as lexicon_module
from qa.abbreviations import learn_abbreviations
from qa.bm25 import stems
from qa.confidence import corpus_words
from qa.lexicon import Lexicon

TEXTS = [
    "End-stage renal disease (ESRD) needs dialysis. ESRD patients: bradycardia/hypotension.",
    "Acute kidney injury (AKI) and AKI-related CKD. HELLP syndrome; HELLP.",
    "Nothing here but words, and a-b-a parts, e.g. 5 mg/kg/day and and/or/.",
    "",
]
CONTEXTS = [f"Kidney Failure > Part {i}\n{t}" for i, t in enumerate(TEXTS)]


def reference(texts: list[str], contexts: list[str]) -> Lexicon:
    """What the assistant computed at every load before the lexicon was stored: one chunk at a time."""
    counts = corpus_words(contexts)
    acronyms: set[str] = set()
    for text in texts:
        acronyms.update(re.findall(r"\b[A-Z]{3,6}\b", text))
    return Lexicon(counts, frozenset(stems(sorted(counts))), frozenset(acronyms), learn_abbreviations(texts))


def test_build_equals_counting_one_chunk_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexicon_module, "_BLOCK", 3)  # blocks joined and counted together, across a boundary
    built = Lexicon.build(TEXTS, CONTEXTS)
    assert built == reference(TEXTS, CONTEXTS)
    # Worked out by hand: "a-b-a" gives "a" twice; the compound and its parts all count.
    assert built.counts["a"] == 2 and built.counts["bradycardia/hypotension"] == 1 and built.counts["hypotension"] == 1
    assert built.acronyms == {"ESRD", "AKI", "CKD", "HELLP"}
    assert built.abbreviations == {"esrd": "end-stage renal disease", "aki": "acute kidney injury"}


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    built = Lexicon.build(TEXTS, CONTEXTS)
    built.save(tmp_path)
    assert Lexicon.load(tmp_path) == built


@pytest.mark.parametrize("content", ["[]", '{"counts": {"a": "1"}, "stems": [], "acronyms": [], "abbreviations": {}}'])
def test_load_refuses_what_is_not_a_lexicon(tmp_path: Path, content: str) -> None:
    (tmp_path / lexicon_module.LEXICON).write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"lexicon\.json"):
        Lexicon.load(tmp_path)
