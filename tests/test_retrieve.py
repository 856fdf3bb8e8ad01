"""Retrieval modes over a small real index: two pages split into aspect passages, and one unrelated note.

The passages are written the way MedQuAD splits a page: every passage of a page carries the page's title, and
the symptoms and inheritance passages repeat the condition's name while the treatment passage does not. On
this fixture BM25 alone ranks a name-heavy passage first for "What are the treatments for ...?", which is the
trap the hybrid's topic and aspect signals exist to avoid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.embedding import Embedder
from qa.fusion import SIGNALS, FusionWeights
from qa.index import Index
from qa.ingest import ingest
from qa.retrieve import MODES, Retriever, check_mode, strip_title
from qa.settings import Settings

PAGES = {
    "harlow_treatment.txt": "Harlow syndrome\n\nThere is no cure. Physical therapy and stretching keep the joints "
    "moving, and medicines such as baclofen ease the muscle stiffness. A cardiologist checks the heart rhythm once "
    "a year, and a pacemaker is fitted when the heartbeat becomes too slow.\n",
    "harlow_symptoms.txt": "Harlow syndrome\n\nHarlow syndrome usually begins in early childhood. Children with "
    "Harlow syndrome have stiff leg muscles, frequent falls, a curved spine and a slow heartbeat. Harlow syndrome "
    "can also cause drooping eyelids.\n",
    "harlow_inheritance.txt": "Harlow syndrome\n\nHarlow syndrome is inherited in an autosomal recessive pattern: "
    "both copies of the gene in each cell have variants. The parents of a child with Harlow syndrome each carry "
    "one altered copy but usually show no signs of Harlow syndrome.\n",
    "morrow_treatment.txt": "Morrow anemia\n\nMost people need regular red blood cell transfusions. Iron chelation "
    "removes the iron that builds up from transfusions, and a stem cell transplant from a matched sibling can "
    "cure the disease.\n",
    "morrow_symptoms.txt": "Morrow anemia\n\nBabies with Morrow anemia become pale and tired within the first "
    "months of life. They feed poorly, grow slowly and are short of breath, and the spleen may be enlarged.\n",
    "morrow_inheritance.txt": "Morrow anemia\n\nMorrow anemia follows an autosomal dominant pattern: one altered "
    "copy of the gene is enough. A new variant causes many cases of Morrow anemia in families with no history of "
    "the disorder.\n",
    "handwashing.txt": "Hand hygiene in hospitals\n\nWash hands with soap and water or rub them with an "
    "alcohol-based sanitizer before and after touching a patient. Gloves do not replace hand hygiene.\n",
}
QUESTIONS = [
    "What are the treatments for Harlow syndrome?",
    "What are the symptoms of Morrow anemia?",
    "Is Harlow syndrome inherited?",
    "hand hygiene gloves",
]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    root = tmp_path_factory.mktemp("retrieve")
    docs = root / "docs"
    docs.mkdir()
    for name, text in PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = Settings(index_dir=root / "index", cache_dir=root / "cache")
    report = ingest([docs], settings)
    assert report.documents == len(PAGES) and not report.skipped
    index = Index.load(Path(settings.index_dir), model=settings.model)
    return Retriever(index, Embedder(settings.model))


def top_doc(retriever: Retriever, question: str, mode: str = "hybrid") -> str:
    return retriever.search([question], mode=mode, k=5)[0].chunk.doc_id


# --- ranking ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_every_mode_returns_distinct_hits_sorted_by_score(retriever: Retriever, mode: str) -> None:
    for question in QUESTIONS:
        hits = retriever.search([question], mode=mode, k=4)
        assert 1 <= len(hits) <= 4
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        assert len({h.chunk.chunk_id for h in hits}) == len(hits)


@pytest.mark.slow
def test_each_mode_fills_the_signals_it_computes(retriever: Retriever) -> None:
    question = "What are the symptoms of Morrow anemia?"
    bm25_hit = retriever.search([question], mode="bm25", k=1)[0]
    assert bm25_hit.dense is None and bm25_hit.bm25 == bm25_hit.score
    dense_hit = retriever.search([question], mode="dense", k=1)[0]
    assert dense_hit.bm25 is None and dense_hit.dense == dense_hit.score
    # A cosine between normalised vectors.
    assert 0.0 < dense_hit.dense <= 1.0 + 1e-5
    for mode in ("hybrid", "rrf"):
        hit = retriever.search([question], mode=mode, k=1)[0]
        assert hit.dense is not None and hit.bm25 is not None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What are the treatments for Harlow syndrome?", "harlow_treatment.txt"),
        ("What are the symptoms of Harlow syndrome?", "harlow_symptoms.txt"),
        ("What are the treatments for Morrow anemia?", "morrow_treatment.txt"),
        ("What are the symptoms of Morrow anemia?", "morrow_symptoms.txt"),
        ("Is Harlow syndrome inherited?", "harlow_inheritance.txt"),
    ],
)
def test_hybrid_puts_the_passage_about_the_asked_aspect_first(
    retriever: Retriever, question: str, expected: str
) -> None:
    assert top_doc(retriever, question) == expected


@pytest.mark.slow
def test_sentence_signal_is_the_best_sentence_of_each_chunk(retriever: Retriever) -> None:
    index = retriever.index
    rows = np.arange(len(index.chunks))[::-1]  # any order
    vector = retriever.embedder.encode_query("What are the treatments for Harlow syndrome?")
    best = retriever._best_sentence(rows, vector)
    for i, row in enumerate(rows):
        own = index.sentence_vectors_of([int(row)]) @ vector
        assert len(own) == len(index.chunks[row].sentences) >= 1
        assert best[i] == pytest.approx(own.max(), abs=1e-5)


@pytest.mark.slow
def test_the_hybrid_score_is_the_weighted_mean_of_the_candidates_scaled_signals(retriever: Retriever) -> None:
    question = "a stem cell transplant from a matched sibling"
    weighted = Retriever(retriever.index, retriever.embedder, FusionWeights(dense=3.0, phrase=1.0))
    found = weighted.candidates([question])
    dense, phrase = found.signals[:, SIGNALS.index("dense")], found.signals[:, SIGNALS.index("phrase")]
    scaled = (dense - dense.min()) / (dense.max() - dense.min())
    expected = dict(zip(found.rows.tolist(), 0.75 * scaled + 0.25 * phrase / phrase.max(), strict=True))
    for hit in weighted.search([question], k=len(PAGES)):
        assert hit.score == pytest.approx(expected[retriever.index.row_of(hit.chunk.chunk_id)], abs=1e-5)
    # Only the transfusion passage says the phrase, and it says all of it.
    shares = {retriever.index.chunks[r].doc_id: v for r, v in zip(found.rows.tolist(), phrase, strict=True)}
    assert shares.pop("morrow_treatment.txt") == pytest.approx(1.0)
    assert max(shares.values()) == 0.0


@pytest.mark.slow
def test_hybrid_candidates_take_each_signal_at_its_best_over_the_sub_queries(retriever: Retriever) -> None:
    one, other = "What are the symptoms of Morrow anemia?", "hand hygiene gloves"
    both = retriever.candidates([one, other])
    vectors = retriever.index.vectors[both.rows]
    best = np.maximum(vectors @ retriever.embedder.encode_query(one), vectors @ retriever.embedder.encode_query(other))
    assert both.signals[:, SIGNALS.index("dense")] == pytest.approx(best, abs=1e-5)
    hits = retriever.search([one, other], k=7)
    assert {h.chunk.doc_id for h in hits[:2]} == {"morrow_symptoms.txt", "handwashing.txt"}


@pytest.mark.slow
def test_excluded_rows_are_searched_as_if_they_were_not_indexed(retriever: Retriever) -> None:
    question = "What are the symptoms of Morrow anemia?"
    top = retriever.search([question], k=1)[0]
    hidden = retriever.index.row_of(top.chunk.chunk_id)
    found = retriever.candidates([question], exclude=[hidden])
    assert hidden not in found.rows.tolist() and found.rows.size > 0
    assert retriever.aspect_query(question, exclude=[hidden]) is not None


def test_hybrid_ranks_the_whole_page_above_an_unrelated_document(retriever: Retriever) -> None:
    hits = retriever.search(["What are the treatments for Harlow syndrome?"], mode="hybrid", k=4)
    assert [h.chunk.title for h in hits[:3]] == ["Harlow syndrome"] * 3


@pytest.mark.slow
def test_sub_queries_are_merged_by_their_best_score(retriever: Retriever) -> None:
    one = retriever.search(["What are the symptoms of Morrow anemia?"], mode="dense", k=7)
    other = retriever.search(["hand hygiene gloves"], mode="dense", k=7)
    both = retriever.search(["What are the symptoms of Morrow anemia?", "hand hygiene gloves"], mode="dense", k=7)
    best = {h.chunk.chunk_id: h.score for h in one}
    for hit in other:
        best[hit.chunk.chunk_id] = max(best.get(hit.chunk.chunk_id, -1.0), hit.score)
    assert {h.chunk.chunk_id: h.score for h in both} == pytest.approx(best)
    assert {h.chunk.doc_id for h in both[:2]} == {"morrow_symptoms.txt", "handwashing.txt"}


@pytest.mark.slow
def test_best_dense_is_the_cosine_of_the_nearest_hit_in_any_mode(retriever: Retriever) -> None:
    question = "What are the symptoms of Morrow anemia?"
    dense_hits = retriever.search([question], mode="dense", k=3)
    bm25_hits = retriever.search([question], mode="bm25", k=3)
    assert retriever.best_dense([question], dense_hits) == pytest.approx(dense_hits[0].score)
    # BM25 hits carry no cosine: it is computed, and cannot exceed the best over the whole index.
    from_bm25 = retriever.best_dense([question], bm25_hits)
    assert 0.0 < from_bm25 <= dense_hits[0].score + 1e-5
    assert retriever.best_dense([question], []) == 0.0


# --- bad and empty input ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_query_of_unknown_words_in_bm25_mode_returns_nothing(retriever: Retriever) -> None:
    assert retriever.search(["zzqx qqvv"], mode="bm25", k=5) == []
    # The dense side still finds its nearest chunks, so the fused modes answer without raising.
    assert len(retriever.search(["zzqx qqvv"], mode="hybrid", k=5)) == 5


@pytest.mark.slow
def test_unknown_mode_and_bad_k_are_refused(retriever: Retriever) -> None:
    with pytest.raises(ValueError, match="unknown retrieval mode 'sparse'") as raised:
        retriever.search(["anything"], mode="sparse")
    for mode in MODES:
        assert mode in str(raised.value)
    with pytest.raises(ValueError, match="k must be positive"):
        retriever.search(["anything"], mode="dense", k=0)


def test_check_mode_names_the_valid_modes() -> None:
    assert check_mode("rrf") == "rrf"
    with pytest.raises(ValueError) as raised:
        check_mode("Hybrid")
    assert str(raised.value) == "unknown retrieval mode 'Hybrid'; choose one of hybrid, dense, bm25, rrf"


# --- strip_title -----------------------------------------------------------------------------------------


def test_strip_title_removes_the_titles_words_and_keeps_the_aspect() -> None:
    assert strip_title("What are the treatments for Harlow syndrome?", "Harlow syndrome") == (
        "What are the treatments for ?"
    )
    assert strip_title("What are the symptoms of harlow SYNDROME?", "Harlow Syndrome") == ("What are the symptoms of ?")


def test_strip_title_drops_an_emptied_bracket() -> None:
    # A follow-up's carried topic "(harlow syndrome)" would otherwise leave "()" behind.
    assert strip_title("and the dose? (harlow syndrome)", "Harlow syndrome") == "and the dose?"


def test_strip_title_takes_a_hyphenated_word_whole() -> None:
    # Words as `qa.text` reads them: "end-stage" is one word, so no stray hyphen is left of it.
    assert strip_title("diet in end-stage renal disease?", "End-stage renal disease") == "diet in ?"
    assert strip_title("what is end-stage?", "End stage renal disease") is None
    # A page's typographic apostrophe matches a typed one, as the old letters-and-digits split matched them.
    assert strip_title("diet in Crohn's disease?", "Crohn\u2019s disease") == "diet in ?"


def test_strip_title_returns_none_when_nothing_or_everything_is_removed() -> None:
    assert strip_title("What is baclofen?", "Harlow syndrome") is None
    assert strip_title("Harlow syndrome", "Harlow syndrome") is None
    assert strip_title("What is it?", "") is None
