"""Opposite claims of two sources on the point asked: different pages, close in meaning, one negated."""

from __future__ import annotations

import dataclasses

import pytest

from qa.answer.disagreement import find, opposite, polarity
from qa.records import Document, Section

from ._fixtures import (
    CLEARED,
    DOCUMENTS,
    ELSEWHERE,
    NOT_REMOVED,
    NOTE,
    NOTE_CONCLUSION,
    PAGE,
    PAGE_DIALYSIS,
    candidate,
    make_chunk,
)


def pair(first_text: str, second_text: str, *, first_score: float = 3.0, second_score: float = 2.5):
    first = Document("a.txt", "Fexolan", (Section(("A",), first_text),))
    second = Document("b.txt", "Fexolan and dialysis", (Section(("B",), second_text),))
    candidates = [
        candidate(make_chunk("a-0", first, 0), 0, first_score, CLEARED),
        candidate(make_chunk("b-0", second, 0), 0, second_score, NOT_REMOVED),
    ]
    return candidates, {"a.txt": first, "b.txt": second}


def test_polarity_marks_the_terms_of_a_negated_clause() -> None:
    signs = polarity("Although this is a single case report, it appears that hemodialysis does not remove fexolan.")
    assert signs["remov"] == {False} and signs["case"] == {True} and signs["hemodialysi"] == {True}
    assert opposite("Hemodialysis removes fexolan.", "Hemodialysis does not remove fexolan.") == {"fexolan", "remov"}
    # The terms that name both pages are what they are about, not a claim.
    named = frozenset({"remov", "fexolan"})
    assert opposite("Hemodialysis removes fexolan.", "Hemodialysis does not remove fexolan.", named) == set()
    # "X is not recommended" negates X; "no bleeding" negates only what follows it.
    guideline = "With an INR of 6 and no bleeding, routine use of vitamin K is not recommended."
    handout = "If the INR is 6 and the patient is not bleeding, give oral vitamin K."
    assert opposite(guideline, handout, frozenset({"inr"})) == {"vitamin"}


def test_disagreement_found_for_opposite_claims_of_two_documents_on_the_point_asked() -> None:
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)
    found = find([cleared, not_removed], DOCUMENTS)
    assert found is not None and found.asked
    assert {claim.text for claim, _ in found.sides} == {cleared.text, not_removed.text}


def test_a_less_likely_disagreement_is_a_note_not_the_bottom_line() -> None:
    best = candidate(PAGE_DIALYSIS, 1, 5.0, ELSEWHERE)
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)
    found = find([best, cleared, not_removed], DOCUMENTS)
    assert found is not None and not found.asked


def test_no_disagreement_when_the_claims_are_not_on_one_point() -> None:
    cleared = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED)
    far = candidate(NOTE_CONCLUSION, 0, 2.5, ELSEWHERE)
    assert find([cleared, far], DOCUMENTS) is None


def test_no_disagreement_when_two_documents_agree() -> None:
    assert find(*pair("Hemodialysis removes fexolan effectively.", "Fexolan is removed by hemodialysis.")) is None


@pytest.mark.parametrize(
    "wording",
    [
        "Hemodialysis not only clears fexolan effectively but also shortens the coma.",
        "Hemodialysis clears fexolan effectively, in no more than four hours.",
    ],
)
def test_no_disagreement_from_words_that_only_look_like_a_negation(wording: str) -> None:
    assert find(*pair("Hemodialysis clears fexolan effectively.", wording)) is None


def test_no_disagreement_when_the_negation_is_about_something_else() -> None:
    candidates, documents = pair(
        "Hemodialysis lowers fexolan in the blood within hours.",
        "With fexolan in the blood, hemodialysis patients do not respond to calcium.",
    )
    assert find(candidates, documents) is None


def test_no_disagreement_when_only_the_topic_both_pages_are_named_after_is_negated() -> None:
    # "Lupus is not contagious" against another page's "Lupus is an autoimmune disease": only the topic is shared.
    first = Document("a.txt", "Lupus", (Section((), "Lupus is an autoimmune disease."),))
    second = Document("b.txt", "Lupus", (Section((), "Lupus is not contagious."),))
    candidates = [
        candidate(make_chunk("a-0", first, 0), 0, 3.0, CLEARED),
        candidate(make_chunk("b-0", second, 0), 0, 2.5, NOT_REMOVED),
    ]
    assert find(candidates, {"a.txt": first, "b.txt": second}) is None


def test_no_disagreement_between_two_documents_of_one_web_page() -> None:
    # MedQuAD indexes each answer of a page as its own document; they share the page's URL.
    url = "https://example.org/x"
    documents = {PAGE.doc_id: dataclasses.replace(PAGE, url=url), NOTE.doc_id: dataclasses.replace(NOTE, url=url)}
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)
    assert find([cleared, not_removed], documents) is None


def test_each_side_carries_its_own_documents_likely_context_in_document_order() -> None:
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)
    context = candidate(NOTE_CONCLUSION, 1, 2.0, ELSEWHERE)
    found = find([cleared, not_removed, context], DOCUMENTS)
    assert found is not None
    sides = {claim.chunk.doc_id: ctx for claim, ctx in found.sides}
    assert [c.text for c in sides["note.txt"]] == [context.text]
    assert sides["page.txt"] == ()
