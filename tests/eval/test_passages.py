"""Relevance by quoted passage: locating quotes in chunks, and runs turned into passage rankings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from eval import EvalError
from eval.datasets import Passage, Query
from eval.passages import PassageJudge


def _passage_corpus(make: SimpleNamespace) -> tuple:
    text = "Alpha one. Beta two. Gamma three."
    doc = make.document("d.txt", text)
    # Chunks split between "Beta" and "two": a quote of "Beta two" straddles c1 and c2.
    chunks = [make.chunk(doc, 0, 0, 16, "c1"), make.chunk(doc, 0, 16, len(text), "c2")]
    return doc, chunks


def test_judge_finds_holders_even_across_a_chunk_boundary(make: SimpleNamespace) -> None:
    doc, chunks = _passage_corpus(make)
    index = SimpleNamespace(chunks=chunks, documents={doc.doc_id: doc})
    query = Query("q", "?", passages=(Passage("d.txt", "Alpha one."), Passage("d.txt", "Beta two")))
    judge = PassageJudge(index, [query])
    assert judge.holders == {"d.txt::Alpha one.": {"c1"}, "d.txt::Beta two": {"c1", "c2"}}
    # c1 holds both passages: they take ranks 1 and 2, and c2 then stands for itself.
    assert judge.ranking(query, ["c1", "c2"]) == ["d.txt::Alpha one.", "d.txt::Beta two", "c2"]
    assert judge.ranking(query, ["c2", "c1"]) == ["d.txt::Beta two", "d.txt::Alpha one."]


@pytest.mark.parametrize(
    ("passage", "message"),
    [
        (Passage("other.txt", "Alpha"), "not in the index"),
        (Passage("d.txt", "Alpha one 1."), "is not in the loaded text"),
    ],
)
def test_judge_rejects_passages_that_are_not_in_the_corpus(
    make: SimpleNamespace, passage: Passage, message: str
) -> None:
    doc, chunks = _passage_corpus(make)
    index = SimpleNamespace(chunks=chunks, documents={doc.doc_id: doc})
    with pytest.raises(EvalError, match=message):
        PassageJudge(index, [Query("q", "?", passages=(passage,))])
