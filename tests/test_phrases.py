import itertools
import math
import random

import numpy as np
import pytest

import qa.phrases as phrases_module
from qa.bm25 import tokenize
from qa.phrases import PhraseIndex

TEXTS = [
    "The tibial component was aligned. Mechanical alignment improved.",
    "Knee replacement with a new tibial component.",
    "Component tibial, in that order only.",
    "",
]


def idf(df: int, n: int = 4) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def test_coverage_is_the_share_of_the_question_pair_weight_a_chunk_holds_side_by_side() -> None:
    index = PhraseIndex.build(TEXTS)
    # Pairs of the question: (tibial, compon) and (mechan, align); the semicolon ends the first phrase.
    coverage = index.coverage("tibial component; mechanical alignment?", np.arange(4))
    # df: tibial 3, compon 3, mechan 1, align 1 (aligned and alignment share the stem).
    tibial_component = idf(3) + idf(3)
    mechanical_alignment = idf(1) + idf(1)
    total = tibial_component + mechanical_alignment
    assert coverage[0] == pytest.approx(1.0)
    assert coverage[1] == pytest.approx(tibial_component / total)
    # The same words in another order, or split by a comma, are no phrase; an empty chunk holds none.
    assert coverage[2] == 0.0 and coverage[3] == 0.0


def test_a_pair_never_spans_punctuation_in_the_corpus_or_the_question() -> None:
    index = PhraseIndex.build(["The tibial component. Mechanical alignment."])
    assert index.coverage("component mechanical", np.array([0])).tolist() == [0.0]
    assert index.query_pairs("tibial. component")[0].size == 0


def test_a_question_with_no_pair_the_corpus_can_hold_scores_zero_everywhere() -> None:
    index = PhraseIndex.build(TEXTS)
    assert index.coverage("tibial", np.arange(4)).tolist() == [0.0] * 4
    assert index.coverage("zebra crossing", np.arange(4)).tolist() == [0.0] * 4
    assert index.coverage("tibial component", np.zeros(0, dtype=np.int64)).size == 0


def test_save_and_load_round_trip(tmp_path) -> None:
    index = PhraseIndex.build(TEXTS)
    index.save(tmp_path / "phrases")
    loaded = PhraseIndex.load(tmp_path / "phrases")
    rows = np.array([2, 0, 1])
    assert loaded.rows == 4
    question = "new tibial component"
    assert loaded.coverage(question, rows).tolist() == index.coverage(question, rows).tolist()


def test_load_refuses_parts_that_disagree(tmp_path) -> None:
    PhraseIndex.build(TEXTS).save(tmp_path)
    np.save(tmp_path / "df.npy", np.zeros(1, dtype=np.int32))
    with pytest.raises(ValueError, match="inconsistent"):
        PhraseIndex.load(tmp_path)


def reference_build(texts: list[str]) -> PhraseIndex:
    """The plain loop the index was first built with: each text's pieces, words and pairs, one at a time."""
    pieces, owner = [], []
    for row, text in enumerate(texts):
        for piece in phrases_module._BREAK.split(text):
            if piece.strip():
                pieces.append(piece)
                owner.append(row)
    tokens = tokenize(pieces)
    vocab: dict[str, int] = {}
    for words in tokens:
        for word in words:
            vocab.setdefault(word, len(vocab))
    size = max(len(vocab), 1)
    df = np.zeros(len(vocab), dtype=np.int32)
    per_row: list[set[int]] = [set() for _ in texts]
    words_of_row: list[set[int]] = [set() for _ in texts]
    for row, words in zip(owner, tokens, strict=True):
        ids = [vocab[w] for w in words]
        words_of_row[row].update(ids)
        per_row[row].update(a * size + b for a, b in itertools.pairwise(ids))
    for seen in words_of_row:
        df[list(seen)] += 1
    codes = [sorted(p) for p in per_row]
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in codes])]).astype(np.int64)
    pairs = np.array([c for row in codes for c in row], dtype=np.int64)
    return PhraseIndex(vocab, df, pairs, offsets)


def test_build_equals_a_plain_loop_over_the_words(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small blocks, so pairs and word counts are merged across blocks as in a million-chunk build.
    monkeypatch.setattr(phrases_module, "_BUILD_BLOCK", 7)
    rng = random.Random(11)
    words = ["tibial", "component", "knee", "the", "of", "aligned", "alignment", "end-stage", "Crohn's", "renal"]
    texts = [
        " ".join(rng.choice([*words, ".", ",", ";", "(", "\n"]) for _ in range(rng.randint(0, 30))) for _ in range(60)
    ]
    built, expected = PhraseIndex.build(texts), reference_build(texts)
    assert built._vocab == expected._vocab
    np.testing.assert_array_equal(built._df, expected._df)
    np.testing.assert_array_equal(built._offsets, expected._offsets)
    np.testing.assert_array_equal(built._pairs, expected._pairs)
    assert built.rows == 60 and len(built._pairs) > 50
