"""The one tokeniser: words as typed, and terms exactly as the BM25 index tokenises them."""

from __future__ import annotations

from qa.bm25 import tokenize
from qa.text import FUNCTION_WORDS, STOPWORDS, term_sets, terms, words


def test_words_keep_their_inner_punctuation() -> None:
    assert words("Hi, w/o 10mg baclofen's mL/min end-stage w/") == [
        "hi",
        "w/o",
        "10mg",
        "baclofen's",
        "ml/min",
        "end-stage",
        "w/",
    ]


def test_terms_are_the_bm25_index_tokens() -> None:
    texts = [
        "Is baclofen cleared by dialysis in patients with impaired renal function?",
        "The hemodialysis removal rate constant is 0.152 h⁻¹ (eGFR <30 mL/min/1.73m²).",
    ]
    for text, expected in zip(texts, tokenize(texts), strict=True):
        assert terms(text) == list(expected)
    assert term_sets(texts) == [frozenset(t) for t in tokenize(texts)]


def test_function_words_leave_what_a_text_says() -> None:
    question, sentence = term_sets(
        ["How does it work? What did they do?", "Dialysis does not remove it."], FUNCTION_WORDS
    )
    assert question == frozenset({"work"})
    assert sentence == frozenset({"dialysi", "remov"})
    assert STOPWORDS < FUNCTION_WORDS
