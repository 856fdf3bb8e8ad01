"""Opposite claims of two sources on the point asked: different pages, close in meaning, one negated."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from qa.answer.disagreement import asks_whether, find, opposite, polarity, predicate
from qa.answer.settings import AnswerSettings
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
    PAGE_SAFETY,
    candidate,
    make_chunk,
    unit,
)

# A question about the point the two fixture sources dispute.
ASKED = "Is fexolan cleared by hemodialysis?"


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
    found = find([cleared, not_removed], DOCUMENTS, question=ASKED)
    assert found is not None and found.asked
    assert {claim.text for claim, _ in found.sides} == {cleared.text, not_removed.text}


def test_a_disagreement_less_close_to_the_question_is_a_note_not_the_bottom_line() -> None:
    best = dataclasses.replace(candidate(PAGE_DIALYSIS, 1, 5.0, ELSEWHERE), relevance=0.9)
    cleared = dataclasses.replace(candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), relevance=0.85)
    not_removed = dataclasses.replace(candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED), relevance=0.8)
    # Only the sentence closest to the question leads.
    found = find([best, cleared, not_removed], DOCUMENTS, AnswerSettings(point_rank=1), question=ASKED)
    assert found is not None and not found.asked
    found = find([best, cleared, not_removed], DOCUMENTS, AnswerSettings(point_rank=2), question=ASKED)
    assert found is not None and found.asked


def test_closeness_to_the_question_not_the_answer_score_decides_what_leads() -> None:
    best = dataclasses.replace(candidate(PAGE_DIALYSIS, 1, 5.0, ELSEWHERE), relevance=0.9)
    cleared = dataclasses.replace(candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), relevance=0.85)
    not_removed = dataclasses.replace(candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED), relevance=0.8)
    one = AnswerSettings(point_rank=1)
    # The answer scorer puts the claim first (a "Yes, ..." sentence answers any whether-question for a scorer):
    # it does not lead.
    claim_scored_first = [dataclasses.replace(best, score=1.0), dataclasses.replace(cleared, score=9.0), not_removed]
    found = find(claim_scored_first, DOCUMENTS, one, question=ASKED)
    assert found is not None and not found.asked
    # The claim closest to the question leads, whatever its score.
    claim_closest = [best, dataclasses.replace(cleared, score=1.0, relevance=0.95), not_removed]
    found = find(claim_closest, DOCUMENTS, one, question=ASKED)
    assert found is not None and found.asked


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("Is fexolan cleared by dialysis in patients with impaired renal function?", "Is fexolan cleared by dialysis"),
        ("will dialysis clear fexolan after an overdose?", "will dialysis clear fexolan"),
        # A qualifier needs something asked before it; "by" names who clears, which is asked.
        ("so in ESRD pts does HD get it out?", "so in ESRD pts does HD get it out"),
        ("fexolan dialysable in HD pts", "fexolan dialysable in HD pts"),
        ("Is fexolan cleared by hemodialysis?", "Is fexolan cleared by hemodialysis"),
        ("fexolan dose? is fexolan cleared by dialysis in ESRD?", "fexolan dose is fexolan cleared by dialysis"),
        # Fewer than three terms before it: too little is asked to leave anything out.
        ("is it cleared by dialysis in ESRD?", "is it cleared by dialysis in ESRD"),
    ],
)
def test_the_predicate_of_a_question_leaves_out_whom_and_when_it_asks_about(question: str, head: str) -> None:
    assert predicate(question) == head


def test_a_claim_close_to_the_questions_predicate_leads_though_its_qualifier_pulls_others_closer() -> None:
    # "in patients with impaired renal function" pulls the two sentences about renal impairment closer to the
    # question than the claim; without the qualifier, the claim is the closest.
    kidneys = dataclasses.replace(candidate(PAGE_SAFETY, 0, 5.0, ELSEWHERE), relevance=0.9)
    renal = dataclasses.replace(candidate(PAGE_SAFETY, 1, 4.0, ELSEWHERE), relevance=0.88)
    cleared = dataclasses.replace(candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), relevance=0.8)
    not_removed = dataclasses.replace(candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED), relevance=0.78)
    qualified = "Is fexolan cleared by hemodialysis in patients with impaired renal function?"

    def embed(texts):
        return np.stack([CLEARED if "cleared" in t or "remove" in t else ELSEWHERE for t in texts])

    two = AnswerSettings(point_rank=2)
    candidates = [kidneys, renal, cleared, not_removed]
    found = find(candidates, DOCUMENTS, two, question=qualified, embed=embed)
    assert found is not None and found.asked
    # Without the predicate's reading (no encoder), the qualifier decides and the disagreement is only a note.
    found = find(candidates, DOCUMENTS, two, question=qualified)
    assert found is not None and not found.asked


def test_no_disagreement_when_the_claims_are_not_on_one_point() -> None:
    cleared = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED)
    far = candidate(NOTE_CONCLUSION, 0, 2.5, ELSEWHERE)
    assert find([cleared, far], DOCUMENTS, question=ASKED) is None


def test_no_disagreement_when_two_documents_agree() -> None:
    agreeing = pair("Hemodialysis removes fexolan effectively.", "Fexolan is removed by hemodialysis.")
    assert find(*agreeing, question=ASKED) is None


@pytest.mark.parametrize(
    "wording",
    [
        "Hemodialysis not only clears fexolan effectively but also shortens the coma.",
        # "Not every" grants that some do.
        "Not every hemodialysis clears fexolan effectively.",
        "Hemodialysis clears fexolan effectively, in no more than four hours.",
        # "with or without" and "whether or not" name both.
        "Hemodialysis with or without fexolan clears fexolan effectively.",
        "Hemodialysis clears fexolan effectively whether or not fexolan is bound.",
    ],
)
def test_no_disagreement_from_words_that_only_look_like_a_negation(wording: str) -> None:
    assert find(*pair("Hemodialysis clears fexolan effectively.", wording), question=ASKED) is None


@pytest.mark.parametrize(
    "partial",
    [
        "In a small number of cases, hemodialysis does not remove fexolan effectively.",
        "Some patients: hemodialysis does not remove fexolan effectively.",
        "Hemodialysis may not remove fexolan effectively.",
        "In 10% of patients hemodialysis does not remove fexolan effectively.",
        "Hemodialysis rarely fails to remove fexolan effectively.",
    ],
)
def test_no_disagreement_with_a_claim_about_part_of_a_group_or_what_may_happen(partial: str) -> None:
    # "Most improve" and "a few do not" are both true; so are "may" and "may not". The categorical claim and its
    # negation still disagree.
    assert find(*pair("Hemodialysis removes fexolan effectively.", partial), question=ASKED) is None
    assert find(*pair("Most hemodialysis removes fexolan effectively.", partial), question=ASKED) is None
    categorical = find(
        *pair("Hemodialysis removes fexolan effectively.", "Hemodialysis does not remove fexolan effectively."),
        question=ASKED,
    )
    assert categorical is not None and categorical.asked
    # Words that only look like a share: a half-life, a rare disease, general anaesthesia, a 5% solution.
    for categorical_claim in (
        "In a rare disease with a long half-life, hemodialysis does not remove fexolan effectively.",
        "Under general anaesthesia in 5% dextrose, hemodialysis does not remove fexolan effectively.",
    ):
        assert find(*pair("Hemodialysis removes fexolan effectively.", categorical_claim), question=ASKED) is not None


@pytest.mark.parametrize(
    "referring", ["It is removed by hemodialysis.", "This drug is removed by hemodialysis.", "They are removed by it."]
)
def test_a_sentence_about_what_another_sentence_names_is_no_side(referring: str) -> None:
    # "It has been associated with an increased risk of colon cancer." follows "Ulcerative colitis is ..." on its page:
    # what it claims something of is named elsewhere, so it cannot be shown to deny "microscopic colitis does not
    # increase a persons risk of getting colon cancer" (MedQuAD).
    assert find(*pair("Hemodialysis does not remove fexolan.", referring), question=ASKED) is None
    named = find(*pair("Hemodialysis does not remove fexolan.", "Fexolan is removed by hemodialysis."), question=ASKED)
    assert named is not None


def test_a_condition_asserts_nothing_of_its_own() -> None:
    # What an "if" clause denies is only supposed: no term of it is affirmed or negated.
    signs = polarity("If people do not get chickenpox, they cannot get shingles.")
    assert "chickenpox" not in signs and signs["shingl"] == {False}
    # A condition after the claim ends the negation's reach: "not recommended if you have shingles" denies the
    # recommendation, not the shingles.
    signs = polarity("The vaccine is not recommended if you have active shingles.")
    assert signs["recommend"] == {False} and "shingl" not in signs
    assert opposite("The vaccine is not recommended if you have active shingles.", "Shingles is painful.") == set()
    assert (
        find(
            *pair("If hemodialysis does not remove fexolan, the coma lasts.", "Hemodialysis removes fexolan."),
            question=ASKED,
        )
        is None
    )


@pytest.mark.parametrize(
    "bound", ["The fexolan dose should not exceed 400 mg daily.", "Give fexolan daily, not to exceed 400 mg daily."]
)
def test_an_upper_bound_is_not_a_negation(bound: str) -> None:
    # "should not exceed 400 mg" bounds the dose, as "no more than 400 mg" does: it denies no 400 mg.
    assert find(*pair("The fexolan dose is 400 mg daily.", bound), question="Is 400 mg of fexolan daily safe?") is None


@pytest.mark.parametrize(
    "unknown",
    [
        "It is unclear why hemodialysis removes fexolan effectively.",
        "It is not known how hemodialysis removes fexolan effectively.",
        "Doctors don't fully understand why hemodialysis removes fexolan effectively.",
    ],
)
def test_not_knowing_why_or_how_denies_nothing(unknown: str) -> None:
    # "It is unclear why X" takes X as given and asks its reason: X is not denied. "Unclear whether X" doubts X
    # itself, and still opposes "X" as before.
    assert False not in set().union(*polarity(unknown).values())
    assert find(*pair("Hemodialysis removes fexolan effectively.", unknown), question=ASKED) is None
    assert polarity("It is unclear whether hemodialysis removes fexolan.")["remov"] == {False}
    # Without a word of knowing, "not" before a question word still denies: "not when fasting".
    assert polarity("Take fexolan with food, not when fasting.")["fast"] == {False}


def test_a_relative_clause_says_whom_a_claim_is_about_and_asserts_nothing_of_its_own() -> None:
    # "adults who have not received a dose" names who; it does not deny the dose the sentence gives.
    signs = polarity("Give a dose of the vaccine to adults who have not previously received a dose.")
    assert signs["dose"] == {True} and "receiv" not in signs
    assert opposite("Give a dose to adults who have not received a dose.", "Give infants a dose at 2 months.") == set()


def test_what_a_which_clause_says_of_something_is_not_the_sentences_claim() -> None:
    # "This condition, which is not an autoimmune disorder, is called ...": the clause describes what the sentence
    # names (not at issue, as an aside is); its "not" opposes no source saying the page's disease is autoimmune.
    aside = "This condition, which is not an autoimmune disorder, is called congenital myasthenic syndrome."
    assert "autoimmun" not in polarity(aside)
    assert opposite("Myasthenia gravis is an autoimmune disease.", aside) == set()
    # Said as the sentence's own claim, it still is one; and a "which" clause that ends the sentence carries it on.
    assert polarity("This condition is not an autoimmune disorder.")["autoimmun"] == {False}
    carried = polarity("The organ is not essential, which means a person can live normally without a gallbladder.")
    assert carried["gallbladd"] == {False}


def test_no_disagreement_when_the_negation_is_about_something_else() -> None:
    candidates, documents = pair(
        "Hemodialysis lowers fexolan in the blood within hours.",
        "With fexolan in the blood, hemodialysis patients do not respond to calcium.",
    )
    assert find(candidates, documents, question=ASKED) is None


def test_no_disagreement_when_only_the_topic_both_pages_are_named_after_is_negated() -> None:
    # "Lupus is not contagious" against another page's "Lupus is an autoimmune disease": only the topic is shared.
    first = Document("a.txt", "Lupus", (Section((), "Lupus is an autoimmune disease."),))
    second = Document("b.txt", "Lupus", (Section((), "Lupus is not contagious."),))
    candidates = [
        candidate(make_chunk("a-0", first, 0), 0, 3.0, CLEARED),
        candidate(make_chunk("b-0", second, 0), 0, 2.5, NOT_REMOVED),
    ]
    assert find(candidates, {"a.txt": first, "b.txt": second}, question="Is lupus contagious?") is None


def test_no_disagreement_between_two_documents_of_one_web_page() -> None:
    # MedQuAD indexes each answer of a page as its own document; they share the page's URL.
    url = "https://example.org/x"
    documents = {PAGE.doc_id: dataclasses.replace(PAGE, url=url), NOTE.doc_id: dataclasses.replace(NOTE, url=url)}
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)
    assert find([cleared, not_removed], documents, question=ASKED) is None


def test_each_side_carries_its_own_documents_likely_context_in_document_order() -> None:
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)
    context = candidate(NOTE_CONCLUSION, 1, 2.0, ELSEWHERE)
    found = find([cleared, not_removed, context], DOCUMENTS, question=ASKED)
    assert found is not None
    sides = {claim.chunk.doc_id: ctx for claim, ctx in found.sides}
    assert [c.text for c in sides["note.txt"]] == [context.text]
    assert sides["page.txt"] == ()


def test_a_negated_verb_negates_its_object_not_what_a_preposition_adds() -> None:
    # "cannot compensate through alternative elimination pathways" does not deny elimination.
    signs = polarity("Patients with kidney dysfunction cannot compensate through alternative elimination pathways.")
    assert signs["compens"] == {False} and signs["elimin"] == {True}
    assert (
        opposite(
            "Patients with kidney dysfunction cannot compensate through alternative elimination pathways.",
            "Fexolan is primarily eliminated by the kidney.",
        )
        == set()
    )
    # The object and its adverb stay negated: "does not remove fexolan effectively".
    assert polarity("Hemodialysis does not remove fexolan effectively.")["effect"] == {False}
    assert polarity("It is unclear whether there is a benefit of using HD in patients.")["use"] == {True}


def test_a_negated_activity_does_not_negate_who_does_it() -> None:
    # "the patient is not bleeding" denies the bleeding, not the patient nor the INR range before it; "vitamin K is
    # not recommended" still denies what is recommended.
    signs = polarity("The INR is between 4.5 and 10 and the patient is not bleeding; give oral vitamin K.")
    assert signs["bleed"] == {False} and signs["patient"] == {True} and signs["10"] == {True}
    handout = "If the INR is between 4.5 and 10 and the patient is not bleeding, give oral vitamin K."
    guideline = (
        "For patients with an INR between 4.5 and 10 and no bleeding, routine use of vitamin K is not recommended."
    )
    assert opposite(guideline, handout, frozenset({"inr"})) == {"vitamin"}


@pytest.mark.parametrize(
    ("question", "whether"),
    [
        ("is fexolan cleared by dialysis?", True),
        ("Does hemodialysis remove fexolan?", True),
        ("so is it dialyzable or not?", True),
        ("are you sure HD removes it?", True),
        ("warfarin pt, INR 4.5-10, not bleeding: vit K or not?", True),
        ("fexolan dose? and is it dialyzable?", True),
        # A clinician's shorthand names no question word: it asks whether when it says something of its subject (a
        # verb, an adjective of what can be done or of worth), and for a thing or a value when it only names one.
        ("fexolan dialyzable?", True),
        ("HD removes it then?", True),
        ("so in ESRD pts does HD get it out?", True),
        ("fexolan safe in ESRD?", True),
        ("fexolan removed by HD?", True),
        ("fexolan HD clearance mL/min", False),
        ("fexolan removal rate constant on HD", False),
        ("fexolan % renal elimination? HD clearance?", False),
        ("sx of fexolan tox in dialysis pts", False),
        ("what is the hemodialysis clearance of fexolan?", False),
        ("how is fexolan eliminated", False),
        ("fexolan dose? how much in ESRD?", False),
        ("Tell me about fexolan and dialysis", False),
        # Shorthand with the question word last.
        ("fexolan 40mcg what is it for", False),
        ("fexolan injection is good for how long?", False),
        # The earlier question again, for a new condition: answered by the sources that speak of it.
        ("and if the kidneys are normal?", False),
        # A request to the assistant asks for information, not whether; "are you sure ...?" still asks whether.
        ("Do you have information about fexolan", False),
        ("can you tell me the fexolan dose?", False),
    ],
)
def test_a_question_asks_whether_when_it_opens_with_an_auxiliary_offers_yes_or_no_or_asks_for_nothing_else(
    question: str, whether: bool
) -> None:
    assert asks_whether(question) is whether


def test_opposite_claims_answer_the_point_asked_only_when_the_question_asks_whether() -> None:
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)
    asked = find([cleared, not_removed], DOCUMENTS, question="is fexolan cleared by dialysis?")
    assert asked is not None and asked.asked
    # Asked for a value, the sources' values are the answer; their conflict is a note.
    note = find([cleared, not_removed], DOCUMENTS, question="what is the hemodialysis clearance of fexolan?")
    assert note is not None and not note.asked


def test_a_claim_is_about_the_question_as_much_as_its_clause_that_carries_the_opposed_term() -> None:
    # The page's claim is one clause of a long sentence about something else too: whole, it is further from the
    # question than the note's claim; its clause "fexolan is removed effectively by hemodialysis" is not.
    page = Document(
        "long.txt",
        "Fexolan",
        (Section(("A",), "Yes, fexolan is removed effectively by hemodialysis, and its dose is halved in cirrhosis."),),
    )
    documents = {"long.txt": page, NOTE.doc_id: NOTE}
    long_claim = dataclasses.replace(candidate(make_chunk("long-0", page, 0), 0, 3.0, CLEARED), relevance=0.62)
    not_removed = dataclasses.replace(candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED), relevance=0.8)
    seen: list[str] = []

    def relate(texts):
        seen.extend(texts)
        return np.array([0.8 if "removed" in t else 0.1 for t in texts])

    within = AnswerSettings(point_gap=0.1, note_gap=0.2)
    alone = find([long_claim, not_removed], documents, within, question=ASKED)
    assert alone is not None and not alone.asked
    found = find([long_claim, not_removed], documents, within, question=ASKED, relate=relate)
    assert found is not None and found.asked
    # Only the clause that carries the opposed term is embedded, not the whole sentence nor the other clauses.
    assert seen == [" fexolan is removed effectively by hemodialysis"]


def test_a_negation_reaches_no_further_than_its_phrase() -> None:
    # "no history of the disorder": the history is denied, not the disorder that a preposition adds.
    signs = polarity("Most cases occur in people with no history of the disorder in their family.")
    assert signs["histori"] == {False} and signs["disord"] == {True}
    # A negated predicate denies its subject's last few words, not the whole clause before it.
    signs = polarity("In most cases mutations occur spontaneously and are not inherited from parents.")
    assert signs["inherit"] == {False} and signs["case"] == {True} and signs["mutat"] == {False}


def test_opposite_claims_must_say_the_same_thing_but_for_the_negation() -> None:
    # One shared term of opposite sign ("no known cause" against "a condition that causes an urge") is not a
    # disagreement: the clauses that carry it say different things.
    page = Document("rls.txt", "Restless legs", (Section(("A",), "RLS is a condition that causes an urge to move."),))
    other = Document("rls2.txt", "RLS", (Section(("B",), "Sadly, there is no known cause for RLS."),))
    documents = {"rls.txt": page, "rls2.txt": other}
    causes = candidate(make_chunk("rls-0", page, 0), 0, 3.0, CLEARED)
    unknown = candidate(make_chunk("rls2-0", other, 0), 0, 2.5, NOT_REMOVED)
    seen: list[list[str]] = []

    def embed(texts):
        seen.append(list(texts))
        return np.stack([unit(1.0) if "urge" in t else unit(0.0, 1.0) for t in texts])

    settings = AnswerSettings(same_claim=0.4)
    assert find([causes, unknown], documents, settings, question="Is RLS curable?") is not None
    assert find([causes, unknown], documents, settings, question="Is RLS curable?", embed=embed) is None
    # Only the clauses that carry the opposed term are embedded, both in one call.
    assert seen == [["RLS is a condition that causes an urge to move.", " there is no known cause for RLS."]]


def test_one_claim_and_its_negation_are_a_disagreement_whatever_the_clause_test() -> None:
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)

    def embed(texts):
        return np.stack([unit(1.0, 0.1) for _ in texts])

    found = find([cleared, not_removed], DOCUMENTS, AnswerSettings(same_claim=0.9), question=ASKED, embed=embed)
    assert found is not None and found.asked


def test_only_the_pairs_tried_strongest_first_are_embedded() -> None:
    # Two pairs on trial: the stronger (higher scores) says one claim and its negation, so the weaker is never
    # embedded; when the stronger fails the clause test, the weaker is tried next.
    cleared, not_removed = candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED), candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED)
    page = Document("rls.txt", "Restless legs", (Section(("A",), "RLS is a condition that causes an urge to move."),))
    other = Document("rls2.txt", "RLS", (Section(("B",), "Sadly, there is no known cause for RLS."),))
    documents = {**DOCUMENTS, "rls.txt": page, "rls2.txt": other}
    causes = candidate(make_chunk("rls-0", page, 0), 0, 1.0, CLEARED)
    unknown = candidate(make_chunk("rls2-0", other, 0), 0, 0.9, NOT_REMOVED)
    seen: list[str] = []

    def embed_with(close: bool):  # type: ignore[no-untyped-def]
        """The dialysis clauses close (or apart, when not `close`); the two RLS clauses the same."""

        def embed(texts):  # type: ignore[no-untyped-def]
            seen.extend(texts)
            rows = []
            for text in texts:
                if "fexolan" not in text:
                    rows.append(unit(0.0, 0.0, 1.0))
                else:
                    rows.append(unit(1.0) if close or "cleared" in text else unit(0.0, 1.0))
            return np.stack(rows)

        return embed

    candidates = [cleared, not_removed, causes, unknown]
    found = find(candidates, documents, AnswerSettings(same_claim=0.4), question=ASKED, embed=embed_with(True))
    assert found is not None and {c.text for c, _ in found.sides} == {cleared.text, not_removed.text}
    assert not any("RLS" in t for t in seen)
    seen.clear()
    found = find(candidates, documents, AnswerSettings(same_claim=0.4), question=ASKED, embed=embed_with(False))
    assert found is not None and {c.text for c, _ in found.sides} == {causes.text, unknown.text}
    assert any("RLS" in t for t in seen)
