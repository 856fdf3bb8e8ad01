"""Answer figures against labelled sentences and document judgements, worked out by hand on tiny answers."""

from __future__ import annotations

from eval.answers import (
    answer_rank,
    bottom_line_correct,
    bottom_line_relevant,
    document_figures,
    labelled_figures,
    matches,
    reciprocal_rank,
)
from eval.datasets import Passage, Query
from qa.records import Answer, Quote, Ranked, Side

LABEL = (Passage("note.txt", "does not remove fexolan"),)


def quote(text: str, doc: str = "note.txt") -> Quote:
    return Quote(text, 1, doc, "c", 0, len(text))


def answer(bottom: str = "", *, sides: tuple[str, ...] = (), ranked: tuple[str, ...] = (), abstained=False) -> Answer:
    return Answer(
        "q",
        "",
        "",
        (),
        0.5,
        abstained,
        bottom_line=(quote(bottom),) if bottom else (),
        sides=tuple(Side("s", quote(t, d)) for t, d in zip(sides, ("page.txt", "note.txt"), strict=False)),
        ranked=tuple(Ranked(t, "note.txt", "c", 0.0) for t in ranked),
    )


def test_a_sentence_matches_a_label_it_holds_or_is_part_of_in_the_same_document() -> None:
    assert matches("Hemodialysis does not remove fexolan effectively.", "note.txt", LABEL)
    assert matches("does not remove", "note.txt", LABEL)
    assert not matches("Hemodialysis does not remove fexolan effectively.", "page.txt", LABEL)
    # A file named by its name matches the index's id of it under a folder.
    assert matches("It does not remove fexolan.", "notes/note.txt", LABEL)


def test_the_same_words_of_a_specific_label_match_in_any_document() -> None:
    # MedQuAD repeats a page across its sources: the labelled sentence, word for word, on another page answers too.
    label = (Passage("a.txt", "Rotarix is given in two doses."),)
    assert matches("Rotarix is given in two doses.", "b.txt", label)
    assert matches("In short, Rotarix is given in two doses.", "b.txt", label)
    # Part of it, or a short label (a list item), counts only in the labelled document.
    assert not matches("Rotarix is given", "b.txt", label)
    assert not matches("Avoid baclofen entirely in dialysis.", "b.txt", (Passage("a.txt", "Avoid baclofen entirely"),))


def test_bottom_line_correct_and_reciprocal_rank() -> None:
    direct = Query("q1", "q", answers=LABEL)
    differ = Query("q2", "q", answers=LABEL, differ=True)
    right = "Hemodialysis does not remove fexolan effectively."
    assert bottom_line_correct(direct, answer(right))
    assert not bottom_line_correct(direct, answer("Fexolan is a drug."))
    assert not bottom_line_correct(direct, answer(sides=("Yes, it is cleared.", right)))
    assert bottom_line_correct(differ, answer(sides=("Yes, it is cleared.", right)))
    assert not bottom_line_correct(differ, answer(right))
    assert not bottom_line_correct(direct, answer(right, abstained=True))
    assert reciprocal_rank(direct, answer(ranked=("Other.", "Another.", right))) == 1 / 3
    assert reciprocal_rank(direct, answer(ranked=("Other.",))) == 0.0


def test_labelled_figures_per_split() -> None:
    right = "Hemodialysis does not remove fexolan effectively."
    items = [
        (Query("a", "q", answers=LABEL, split="tune"), answer(right, ranked=(right,))),
        (Query("b", "q", answers=LABEL, split="tune"), answer("Wrong.", ranked=("Wrong.", right))),
        (Query("c", "q", answers=LABEL, split="heldout", differ=True), answer(sides=("Yes.", right))),
    ]
    assert [answer_rank(q, a) for q, a in items] == [1, 2, None]
    figures = labelled_figures(items)
    assert figures["bottom_line_correct"] == 2 / 3
    assert figures["answer_mrr"] == (1 + 0.5 + 0) / 3
    assert (figures["differ_flagged"], figures["differ_false"]) == (1.0, 0.0)
    assert figures["splits"]["tune"]["bottom_line_correct"] == 0.5
    assert figures["splits"]["heldout"]["differ_questions"] == 1


def test_document_figures_set_the_bottom_line_beside_the_top_document() -> None:
    relevant = {"note.txt": 1}
    items = [
        (Query("a", "q", relevant, split="tune"), answer("From the note."), True),
        (Query("b", "q", relevant, split="heldout"), answer("From the note.", abstained=True), False),
    ]
    assert bottom_line_relevant(answer("From the note."), relevant)
    figures = document_figures(items)
    assert (figures["bottom_line_relevant"], figures["top_document_relevant"], figures["abstained"]) == (0.5, 0.5, 0.5)
    assert figures["splits"]["tune"]["bottom_line_relevant"] == 1.0


def test_document_figures_also_compare_the_answered_questions_alone() -> None:
    """An abstention counts against the bottom line and never against the top document; over the answered
    questions alone the two are compared on the same questions, which says whether the choice of sentence (not
    the decision to answer) loses to the first passage."""
    relevant = {"note.txt": 1}
    items = [
        (Query("a", "q", relevant, split="tune"), answer("From the note."), False),
        (Query("b", "q", relevant, split="tune"), answer("From the note.", abstained=True), True),
        (Query("c", "q", relevant, split="heldout"), answer("From the note.", abstained=True), True),
    ]
    figures = document_figures(items)
    assert (figures["bottom_line_relevant"], figures["top_document_relevant"]) == (1 / 3, 2 / 3)
    assert figures["answered"] == 1
    assert (figures["answered_bottom_line_relevant"], figures["answered_top_document_relevant"]) == (1.0, 0.0)
    held_out = figures["splits"]["heldout"]
    assert held_out["answered"] == 0
    assert held_out["answered_bottom_line_relevant"] is None and held_out["answered_top_document_relevant"] is None
