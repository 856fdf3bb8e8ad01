"""The scorer's inputs (one feature row per candidate) and its learned linear model, on hand-built candidates."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qa.answer.features import FEATURES, Asked, feature_matrix, interactions
from qa.answer.scoring import Selector, score, shares, shipped_selector
from qa.records import Chunk, Hit

from ._fixtures import candidate, unit


def chunk(chunk_id: str, text: str, spans, title: str = "Fexolan", heading: str = "Dose") -> Chunk:
    return Chunk(chunk_id, f"{chunk_id}.txt", title, (title, heading), 0, 0, len(text), text, spans)


TEXT = "Her symptoms were: Coma and CNS depression. The usual dose is 5 mg."
FIRST = chunk("a", TEXT, ((0, 18), (19, 43), (44, 67)))
OTHER = chunk("b", "Lupus is an autoimmune disease.", ((0, 31),), title="Lupus", heading="Overview")
HITS = [Hit(FIRST, 3.0, dense=0.8), Hit(OTHER, 1.0, dense=0.5)]
CANDIDATES = [
    candidate(FIRST, 0, 0.0, unit(1.0, 0.0), hit_score=3.0),
    candidate(FIRST, 1, 0.0, unit(0.6, 0.8), hit_score=3.0),
    candidate(FIRST, 2, 0.0, unit(0.0, 1.0), hit_score=3.0),
    candidate(OTHER, 0, 0.0, unit(0.8, 0.6), hit_score=1.0),
]


def weigh(terms):
    return np.ones(len(terms), dtype=np.float32)


def column(matrix: np.ndarray, name: str) -> list[float]:
    return [round(float(v), 4) for v in matrix[:, FEATURES.index(name)]]


def test_feature_rows_hold_what_each_candidate_is_known_by() -> None:
    asked = Asked("what is the dose of fexolan?", unit(1.0, 0.0)[None, :])
    matrix = feature_matrix(CANDIDATES, HITS, asked, weigh)
    assert matrix.shape == (4, len(FEATURES))
    assert column(matrix, "cos_question") == [1.0, 0.6, 0.0, 0.8]
    assert column(matrix, "cos_question_gap") == [0.0, -0.4, -1.0, -0.2]
    assert column(matrix, "top_chunk") == [1.0, 1.0, 1.0, 0.0]
    assert column(matrix, "chunk_score_gap") == [0.0, 0.0, 0.0, -1.0]
    assert column(matrix, "has_number") == [0.0, 0.0, 1.0, 0.0]
    # "Her symptoms were:" is a lead-in; the list item after it knows it.
    assert column(matrix, "fragment")[0] == 1.0
    assert column(matrix, "after_lead_in") == [0.0, 1.0, 0.0, 0.0]
    assert column(matrix, "cos_previous") == [0.0, 1.0, 0.6, 0.0]
    # "dose" is shared with the question by the third sentence only (unit term weights: 1 of dose, fexolan).
    assert column(matrix, "overlap") == [0.0, 0.0, 0.5, 0.0]
    # The question names "fexolan", a retrieved page's title; the lupus page does not name it anywhere.
    assert column(matrix, "off_topic") == [0.0, 0.0, 0.0, 1.0]


def test_word_shares_count_what_is_asked_not_the_question_words() -> None:
    """ "how does fexolan work?" asks about fexolan and how it works; a sentence sharing "does" or "how" shares
    nothing asked, however rare those words are in the corpus (idf weighs BM25's terms, function words too)."""
    text = "Dialysis does not remove fexolan. Fexolan blocks the receptor and that is how it works."
    page = chunk("c", text, ((0, 33), (34, len(text))), heading="Mechanism")
    candidates = [candidate(page, 0, 0.0, unit(1.0, 0.0)), candidate(page, 1, 0.0, unit(1.0, 0.0))]
    asked = Asked("how does fexolan work?", unit(1.0, 0.0)[None, :])
    matrix = feature_matrix(candidates, [Hit(page, 1.0)], asked, weigh)
    # Asked: fexolan, work (not "how", "does"). Both name fexolan; only the second says how it works.
    assert column(matrix, "overlap") == [0.5, 1.0]
    # What the first says beyond the question: dialysis and removal, two of its three terms ("does" is not one).
    assert column(matrix, "novelty")[0] == 0.6667


def test_interactions_sum_to_the_cosine() -> None:
    asked = Asked("q", np.vstack([unit(1.0, 0.0), unit(0.0, 1.0)]))
    products = interactions(CANDIDATES, asked)
    assert products.sum(axis=1) == pytest.approx([1.0, 0.8, 1.0, 0.8])


def test_a_selector_scores_standardised_features_by_its_weights_and_round_trips(tmp_path) -> None:
    selector = Selector(("cos_question", "has_number"), (0.5, 0.0), (0.5, 1.0), (2.0, 1.0), trained_on="test")
    matrix = np.zeros((2, len(FEATURES)), dtype=np.float32)
    matrix[:, FEATURES.index("cos_question")] = [1.0, 0.0]
    matrix[:, FEATURES.index("has_number")] = [0.0, 1.0]
    assert selector.scores(matrix) == pytest.approx([2.0, -1.0])
    selector.save(tmp_path / "s.json")
    assert Selector.load(tmp_path / "s.json") == selector
    with pytest.raises(ValueError, match="one mean, scale and weight per feature"):
        Selector(("cos_question",), (), (), ())
    (tmp_path / "bad.json").write_text('{"format": "medcite-selector-1", "features": ["psychic"]}', encoding="utf-8")
    with pytest.raises(ValueError, match="psychic"):
        Selector.load(tmp_path / "bad.json")


def widened(vector: np.ndarray, dim: int) -> np.ndarray:
    out = np.zeros(dim, dtype=np.float32)
    out[: len(vector)] = vector
    return out


def test_the_shipped_selector_loads_and_scores_every_candidate() -> None:
    selector = shipped_selector()
    assert selector.trained_on and set(selector.features) <= set(FEATURES)
    dim = len(selector.interaction) or len(CANDIDATES[0].vector)
    candidates = [replace(c, vector=widened(c.vector, dim)) for c in CANDIDATES]
    asked = Asked("what is the dose of fexolan?", widened(unit(1.0, 0.0), dim)[None, :])
    scored = score(candidates, HITS, asked, weigh, model=selector.model or None)
    assert [c.text for c in scored] == [c.text for c in CANDIDATES]
    assert shares(scored).sum() == pytest.approx(1.0)


def test_the_score_comes_from_the_selector_and_the_relevance_is_the_cosine() -> None:
    by_number = Selector(("has_number",), (0.0,), (1.0,), (1.0,))
    asked = Asked("what is the dose of fexolan?", unit(1.0, 0.0)[None, :])
    scored = score(CANDIDATES, HITS, asked, weigh, by_number)
    assert [c.score for c in scored] == pytest.approx([0.0, 0.0, 1.0, 0.0])
    assert [c.relevance for c in scored] == pytest.approx([1.0, 0.6, 0.0, 0.8])


def test_vector_weights_apply_only_to_the_model_and_dimensions_they_were_learned_on() -> None:
    dim = len(CANDIDATES[0].vector)
    named = Selector(("cos_question",), (0.0,), (1.0,), (1.0,))
    weighted = replace(
        named,
        interaction=(5.0,) + (0.0,) * (dim - 1),
        interaction_mean=(0.0,) * dim,
        interaction_scale=(1.0,) * dim,
        model="minilm",
    )
    asked = Asked("dose", unit(1.0, 0.0)[None, :])
    alone = [c.score for c in score(CANDIDATES, HITS, asked, weigh, named)]
    assert [c.score for c in score(CANDIDATES, HITS, asked, weigh, weighted, model="minilm")] != alone
    # Another model's index, or vectors of another width: the named features score alone, nothing is refused.
    assert [c.score for c in score(CANDIDATES, HITS, asked, weigh, weighted, model="other")] == alone
    wide = [replace(c, vector=widened(c.vector, dim + 4)) for c in CANDIDATES]
    wide_asked = Asked("dose", widened(unit(1.0, 0.0), dim + 4)[None, :])
    assert [c.score for c in score(wide, HITS, wide_asked, weigh, weighted)] == alone


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not valid JSON"),
        ('{"format": "other"}', "not of format"),
        ('{"format": "medcite-selector-1", "features": ["cos_question"], "mean": [0.0]}', "malformed"),
        ('{"format": "medcite-selector-1", "features": ["cos_question"], "mean": [0], "scale": 1}', "malformed"),
    ],
)
def test_a_missing_or_malformed_selector_is_refused_saying_how_to_rebuild_it(tmp_path, content, message) -> None:
    path = tmp_path / "selector.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as raised:
        Selector.load(path)
    assert "python -m eval.train_selector" in str(raised.value) and str(path) in str(raised.value)
