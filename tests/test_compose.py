"""The extractive composer on hand-built chunks and hits, with sentence vectors made to a chosen cosine."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np
import pytest

from qa.compose import (
    DISCLAIMER,
    EMERGENCY_LINE,
    Sentence,
    abstain,
    candidate_sentences,
    compose,
    find_disagreement,
    is_emergency,
    reference_line,
    score_sentences,
    select,
)
from qa.markup import escape_markdown
from qa.records import Answer, Chunk, Citation, Document, Hit, Section

DIM = 16
QUESTION = "Is X cleared by hemodialysis?"


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Half-open spans of the sentences of `text` (each ends at . ? or !)."""
    return tuple((m.start(), m.end()) for m in re.finditer(r"\S[^.?!]*[.?!]", text))


def text_chunk(text: str) -> Chunk:
    """A one-section chunk of `text`, split into sentences."""
    return Chunk("c", "d", "T", ("T",), 0, 0, len(text), text, sentence_spans(text))


def make_chunk(chunk_id: str, doc: Document, section: int, ordinal: int = 0) -> Chunk:
    """The whole of one section of `doc` as a chunk."""
    text = doc.sections[section].text
    heading = doc.sections[section].heading_path
    return Chunk(chunk_id, doc.doc_id, doc.title, heading, section, 0, len(text), text, sentence_spans(text), ordinal)


def vectors_at(cosines: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """A query vector and one unit vector per sentence whose cosine with it is exactly the given value."""
    query = np.zeros(DIM, dtype=np.float32)
    query[0] = 1.0
    out = np.zeros((len(cosines), DIM), dtype=np.float32)
    for i, cosine in enumerate(cosines):
        out[i, 0] = cosine
        out[i, i + 1] = np.sqrt(1.0 - cosine**2)
    return out, query


# A Q&A page with two sections (two chunks) and a teaching note that disagrees with it on one point.
PAGE = Document(
    doc_id="page.txt",
    title="Is X cleared by dialysis?",
    sections=(
        Section(
            ("Dialyzability",),
            "Yes, X is effectively cleared by hemodialysis. Hemodialysis clearance of X is 128 mL/min.",
        ),
        Section(
            ("Safety warnings",),
            "Patients on hemodialysis develop X toxicity even with doses as low as 10 mg. "
            "X is excreted mainly by the kidneys.",
        ),
    ),
    kind="Q&A page",
    publisher="Dr.Oracle",
    date="February 4, 2026",
    url="https://example.org/x",
)
NOTE = Document(
    doc_id="note.txt",
    title="X clearance: hemodialysis or kidneys?",
    sections=(
        Section(
            ("Conclusion",),
            "In a case of X overdose in a patient with normal kidney function, hemodialysis does not remove X "
            "effectively. Urine excretion of X was ten times the amount removed by hemodialysis.",
        ),
    ),
    kind="teaching note",
    publisher="UMEM",
    author="A. Author",
    doi="10.1000/xyz",
)
DOCUMENTS = {PAGE.doc_id: PAGE, NOTE.doc_id: NOTE}
PAGE_DIALYSIS = make_chunk("page-0", PAGE, 0)
PAGE_SAFETY = make_chunk("page-1", PAGE, 1, ordinal=1)
NOTE_CONCLUSION = make_chunk("note-0", NOTE, 0)
CHUNKS = {c.chunk_id: c for c in (PAGE_DIALYSIS, PAGE_SAFETY, NOTE_CONCLUSION)}
# The note's passage ranks between the page's two, so the order quoted interleaves the documents.
HITS = [Hit(PAGE_DIALYSIS, 3.0, dense=0.8), Hit(NOTE_CONCLUSION, 2.5, dense=0.7), Hit(PAGE_SAFETY, 2.0, dense=0.6)]


def scored(hits: Sequence[Hit], question: str = QUESTION, cosine: float = 0.6) -> list[Sentence]:
    """Every candidate sentence of `hits`, scored against a query each sentence is `cosine` close to."""
    spans = candidate_sentences(hits, question, max_chunks=12, max_sentences=40)
    vectors, query = vectors_at([cosine] * len(spans))
    return score_sentences(spans, vectors, query, question)


def sentence(chunk: Chunk, index: int, score: float, doc_score: float = 1.0) -> Sentence:
    start, end = chunk.sentences[index]
    return Sentence(Hit(chunk, doc_score), start, end, score)


def answer(emergency: bool = False) -> Answer:
    return compose(
        QUESTION, HITS, scored(HITS), DOCUMENTS, confidence=0.6, emergency=emergency, query=QUESTION, focus=QUESTION
    )


# --- sentence candidates, scores and selection -----------------------------------------------------------


def test_candidate_sentences_are_spans_of_their_chunk_and_skip_fragments() -> None:
    chunk = text_chunk("Ok. X is cleared by dialysis.")
    spans = candidate_sentences([Hit(chunk, 1.0)], QUESTION, max_chunks=12, max_sentences=40)
    # "Ok." has one word: too little to quote on its own.
    assert [(h.chunk.chunk_id, s, e) for h, s, e in spans] == [("c", 4, 29)]


def test_candidate_sentences_skip_instructions_for_the_web_page() -> None:
    chunk = text_chunk("Click the table on the right to see the stages of X. X is cleared by dialysis.")
    spans = candidate_sentences([Hit(chunk, 1.0)], QUESTION, max_chunks=12, max_sentences=40)
    assert [chunk.text[s:e] for _, s, e in spans] == ["X is cleared by dialysis."]


def test_candidate_sentences_keep_those_sharing_most_words_with_the_question() -> None:
    spans = candidate_sentences(HITS, "Is X effectively cleared by hemodialysis?", max_chunks=12, max_sentences=2)
    # Both kept sentences share four stems with the question (x, effect, clear, dialysi), and come in chunk
    # order; "Hemodialysis clearance of X is 128 mL/min." shares three and loses, though its chunk ranks first.
    assert [hit.chunk.text[start:end] for hit, start, end in spans] == [
        "Yes, X is effectively cleared by hemodialysis.",
        "In a case of X overdose in a patient with normal kidney function, hemodialysis does not remove X effectively.",
    ]


def test_score_sentences_follows_the_cosine_when_all_else_is_equal() -> None:
    chunk = text_chunk("Alpha beta gamma. Alpha beta gamma.")
    spans = [(Hit(chunk, 1.0), start, end) for start, end in chunk.sentences]
    vectors, query = vectors_at([0.2, 0.7])
    low, high = score_sentences(spans, vectors, query, "delta?")
    # Same words, same chunk: only the cosine differs.
    assert high.score > low.score


def test_score_sentences_sink_a_sentence_about_another_topic_than_the_one_asked() -> None:
    # "is lupus contagious": the rheumatoid arthritis page says "not contagious" and is closer to the question,
    # but neither it nor its page names lupus, which a retrieved page's title does.
    arthritis_text = "Rheumatoid arthritis is not contagious."
    lupus_text = "Lupus is a disorder of the immune system."
    arthritis = Chunk("ra", "ra", "Rheumatoid Arthritis", (), 0, 0, 39, arthritis_text, sentence_spans(arthritis_text))
    lupus = Chunk("sle", "sle", "Lupus", (), 0, 0, 41, lupus_text, sentence_spans(lupus_text))
    spans = [(Hit(arthritis, 1.0), 0, 39), (Hit(lupus, 1.0), 0, 41)]
    vectors, query = vectors_at([0.7, 0.5])
    off_topic, on_topic = score_sentences(spans, vectors, query, "is lupus contagious")
    assert on_topic.score > off_topic.score
    # When no retrieved page is titled with a word of the question, nothing is off topic; nor does a word name a
    # topic because a section is headed with it as a part of a paper ("Patients and methods").
    first, second = score_sentences(spans, vectors, query, "is it contagious")
    assert first.score > second.score
    methods = Chunk("m", "m", "PubMed 1", ("Patients and Methods",), 0, 0, 39, arthritis_text, ((0, 39),))
    plain = Chunk("p", "p", "PubMed 2", ("Results",), 0, 0, 41, lupus_text, ((0, 41),))
    pair = [(Hit(methods, 1.0), 0, 39), (Hit(plain, 1.0), 0, 41)]
    first, second = score_sentences(pair, vectors, query, "patients?")
    assert first.score - second.score == pytest.approx(0.2, abs=1e-5)
    # A document's keywords name its topic as a title does.
    tagged = Chunk("k", "k", "PubMed 3", ("Results",), 0, 0, 41, lupus_text, ((0, 41),), keywords=("Arthritis",))
    pair = [(Hit(tagged, 1.0), 0, 41), (Hit(plain, 1.0), 0, 41)]
    on_topic, off_topic = score_sentences(pair, vectors[::-1], query, "arthritis?")
    assert on_topic.score > off_topic.score


def test_score_sentences_weights_the_followups_own_words() -> None:
    chunk = text_chunk("The usual dose is 5 mg. The drug is cleared by the kidneys.")
    spans = [(Hit(chunk, 1.0), start, end) for start, end in chunk.sentences]
    vectors, query = vectors_at([0.5, 0.5])
    resolved = "and the dose? (baclofen cleared kidneys)"
    without = score_sentences(spans, vectors, query, resolved)
    with_focus = score_sentences(spans, vectors, query, resolved, focus="and the dose?")
    assert with_focus[0].score > without[0].score  # the dosing sentence gains from the turn's own word
    assert with_focus[1].score == pytest.approx(without[1].score)
    assert with_focus[0].score > with_focus[1].score


def test_select_drops_near_duplicates_and_scores_below_the_floor() -> None:
    chunk = text_chunk(
        "X is cleared by hemodialysis. X is cleared by hemodialysis quickly. Doses must be reduced in renal "
        "failure. Tea is a drink."
    )
    first, duplicate, other, weak = (sentence(chunk, i, s) for i, s in enumerate((0.9, 0.8, 0.7, 0.1)))
    # {x, clear, dialysi} against {x, clear, dialysi, quick}: Jaccard 3/4, above 0.6.
    assert select([first, duplicate, other, weak], 5, floor=0.5) == [first, other]
    # A sentence already used (or a near-duplicate of it) is not chosen again.
    assert select([first, duplicate, other], 5, floor=0.5, taken=[first]) == [other]
    assert select([first, duplicate, other], 1, floor=0.5) == [first]


def test_select_with_require_and_prefer() -> None:
    chunk = PAGE_SAFETY
    toxic, plain = sentence(chunk, 0, 0.5), sentence(chunk, 1, 0.9)
    warning = re.compile(r"toxicity")
    assert select([toxic, plain], 5, floor=0.0, require=warning) == [toxic]
    assert select([plain, toxic], 5, floor=0.0, prefer=re.compile(r"\d+ mg")) == [toxic, plain]


# --- disagreement ----------------------------------------------------------------------------------------


def test_disagreement_found_for_opposite_claims_of_two_documents() -> None:
    cleared, not_removed = sentence(PAGE_DIALYSIS, 0, 0.9), sentence(NOTE_CONCLUSION, 0, 0.8)
    found = find_disagreement([cleared, not_removed], DOCUMENTS, QUESTION)
    assert found is not None
    assert {claim.text for claim, _ in found.sides} == {
        "Yes, X is effectively cleared by hemodialysis.",
        "In a case of X overdose in a patient with normal kidney function, hemodialysis does not remove X effectively.",
    }


def test_no_disagreement_when_two_documents_agree() -> None:
    agreeing = Document("agree.txt", "X and dialysis", (Section(("X",), "Hemodialysis removes X effectively."),))
    cleared = sentence(PAGE_DIALYSIS, 0, 0.9)
    also_cleared = sentence(make_chunk("agree-0", agreeing, 0), 0, 0.8)
    assert find_disagreement([cleared, also_cleared], {**DOCUMENTS, "agree.txt": agreeing}, QUESTION) is None


@pytest.mark.parametrize(
    "wording",
    [
        "Hemodialysis not only clears X effectively but also shortens the coma.",
        "Hemodialysis clears X effectively, in no more than four hours.",
    ],
)
def test_no_disagreement_from_words_that_only_look_like_a_negation(wording: str) -> None:
    agreeing = Document("agree.txt", "X and dialysis", (Section(("X",), wording),))
    cleared = sentence(PAGE_DIALYSIS, 0, 0.9)
    also_cleared = sentence(make_chunk("agree-0", agreeing, 0), 0, 0.8)
    assert find_disagreement([cleared, also_cleared], {**DOCUMENTS, "agree.txt": agreeing}, QUESTION) is None


def test_no_disagreement_when_the_negation_is_about_something_else() -> None:
    # Both are about X, hemodialysis and the blood; "not" negates "respond to calcium", which the other never says.
    other = Document(
        "other.txt",
        "X and dialysis",
        (Section(("X",), "With X in the blood, hemodialysis patients do not respond to calcium."),),
    )
    first = Document("first.txt", "X", (Section(("X",), "Hemodialysis lowers X in the blood within hours."),))
    one = sentence(make_chunk("first-0", first, 0), 0, 0.9)
    two = sentence(make_chunk("other-0", other, 0), 0, 0.8)
    documents = {**DOCUMENTS, "first.txt": first, "other.txt": other}
    assert find_disagreement([one, two], documents, "Does hemodialysis lower X in the blood?") is None


def test_no_disagreement_between_two_documents_of_one_web_page() -> None:
    # MedQuAD indexes each answer of a page as its own document; they share the page's URL.
    url = "https://example.org/x"
    first = dataclasses.replace(PAGE, url=url)
    second = dataclasses.replace(NOTE, url=url)
    cleared, not_removed = sentence(PAGE_DIALYSIS, 0, 0.9), sentence(NOTE_CONCLUSION, 0, 0.8)
    documents = {first.doc_id: first, second.doc_id: second}
    assert find_disagreement([cleared, not_removed], documents, QUESTION) is None
    assert find_disagreement([cleared, not_removed], DOCUMENTS, QUESTION) is not None


def test_no_disagreement_when_only_the_topic_both_pages_are_named_after_is_negated() -> None:
    # "not ... X" negates the subject of both titles, not a claim about it.
    first = Document("a.txt", "X", (Section(("X",), "Hemodialysis removes X from the blood."),))
    second = Document("b.txt", "X", (Section(("X",), "Hemodialysis of the blood is done in units, not X clinics."),))
    one = sentence(make_chunk("a-0", first, 0), 0, 0.9)
    two = sentence(make_chunk("b-0", second, 0), 0, 0.8)
    documents = {"a.txt": first, "b.txt": second}
    assert find_disagreement([one, two], documents, "Does hemodialysis remove X from the blood?") is None


def test_no_disagreement_between_sentences_of_one_document() -> None:
    same = Document(
        "page.txt",
        PAGE.title,
        (Section(("Other view",), "Some say hemodialysis does not remove X effectively."),),
    )
    cleared = sentence(PAGE_DIALYSIS, 0, 0.9)
    contrary = sentence(make_chunk("page-9", same, 0), 0, 0.8)
    assert find_disagreement([cleared, contrary], DOCUMENTS, QUESTION) is None


def test_no_disagreement_on_a_point_the_question_does_not_ask() -> None:
    cleared, not_removed = sentence(PAGE_DIALYSIS, 0, 0.9), sentence(NOTE_CONCLUSION, 0, 0.8)
    assert find_disagreement([cleared, not_removed], DOCUMENTS, "What does X cost?") is None


# --- the composed answer ---------------------------------------------------------------------------------


def test_every_quote_is_verbatim_in_its_cited_chunk_and_in_the_markdown() -> None:
    result = answer()
    by_number = {c.number: c for c in result.citations}
    assert result.quotes
    for text, number in result.quotes:
        citation = by_number[number]
        assert text in CHUNKS[citation.chunk_id].text
        assert citation.chunk_text == CHUNKS[citation.chunk_id].text
        assert f"{escape_markdown(text)} [{number}]" in result.markdown
        assert f"{text} [{number}]" in result.text
        assert text in citation.quote


def test_citations_are_numbered_from_one_and_consecutively_per_document() -> None:
    result = answer()
    numbers = [c.number for c in result.citations]
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    by_doc: dict[str, list[int]] = {}
    for citation in result.citations:
        by_doc.setdefault(citation.doc_id, []).append(citation.number)
    assert set(by_doc) == {"page.txt", "note.txt"}
    for doc_numbers in by_doc.values():
        assert sorted(doc_numbers) == list(range(min(doc_numbers), max(doc_numbers) + 1))
    # Page passages were quoted before and after the note's, yet the page keeps 1 and 2.
    assert sorted(by_doc["page.txt"]) == [1, 2] and by_doc["note.txt"] == [3]


def test_answer_states_the_disagreement_and_names_both_sources() -> None:
    result = answer()
    assert result.disagreement and not result.abstained
    assert "the sources differ" in result.markdown
    assert "Q&A page (Dr.Oracle)" in result.text and "Teaching note (UMEM)" in result.text
    assert escape_markdown("Q&A page (Dr.Oracle)") in result.markdown


def test_answer_puts_a_dose_warning_in_the_safety_group() -> None:
    lines = answer().text.splitlines()
    safety = lines[lines.index("Safety") + 1 :]
    assert safety[0].startswith("- Patients on hemodialysis develop X toxicity even with doses as low as 10 mg.")


def test_key_evidence_is_grouped_under_the_section_each_sentence_comes_from() -> None:
    result = answer()
    by_number = {c.number: c for c in result.citations}
    evidence = result.markdown.split("**Key evidence**", 1)[1].split("**References**", 1)[0]
    heading = None
    bullets = 0
    for line in evidence.splitlines():
        if line.startswith("*") and line.endswith("*"):
            heading = line.strip("*")
        elif line.startswith("- "):
            number = int(re.search(r"\[(\d+)\]$", line).group(1))  # type: ignore[union-attr]
            assert by_number[number].heading_path[-1] == heading
            bullets += 1
    assert bullets >= 2


def test_reference_list_names_what_each_source_gives() -> None:
    result = answer()
    references = result.text.split("\nReferences\n", 1)[1]
    first = "Is X cleared by dialysis? Dr.Oracle, February 4, 2026. Q&A page. https://example.org/x"
    second = "X clearance: hemodialysis or kidneys? UMEM. A. Author. Teaching note. https://doi.org/10.1000/xyz"
    assert f"{first}\n  Passages: [1] Dialyzability; [2] Safety warnings" in references
    assert f"{second}\n  Passages: [3] Conclusion" in references
    # The Markdown shows the same, escaped: a document's stated address is never made a live link.
    assert f"- {escape_markdown(first)} Passages: [1] Dialyzability; [2] Safety warnings" in result.markdown
    assert result.markdown.endswith(f"_{DISCLAIMER}_")


def test_reference_line_uses_only_the_fields_given() -> None:
    bare = Citation(1, "d", "c", "Baclofen toxicity", "q", 1.0)
    assert reference_line(bare) == "Baclofen toxicity."
    full = Citation(
        1, "d", "c", "Baclofen toxicity", "q", 1.0, kind="review", publisher="AJKD", date="2018", url="https://u.org"
    )
    assert reference_line(full) == "Baclofen toxicity. AJKD, 2018. Review. https://u.org"


def test_emergency_line_comes_first_only_when_asked() -> None:
    urgent = answer(emergency=True)
    assert urgent.emergency
    assert urgent.markdown.splitlines()[0] == f"**{EMERGENCY_LINE}**"
    assert urgent.text.splitlines()[0] == EMERGENCY_LINE
    calm = answer()
    assert EMERGENCY_LINE not in calm.markdown and not calm.emergency


def test_answer_without_disagreement_has_one_bottom_line() -> None:
    hits = [Hit(PAGE_DIALYSIS, 3.0), Hit(PAGE_SAFETY, 2.0)]
    result = compose(QUESTION, hits, scored(hits), DOCUMENTS, confidence=0.6, query=QUESTION)
    assert not result.disagreement
    assert result.markdown.startswith("**Bottom line:** ")
    assert {c.doc_id for c in result.citations} == {"page.txt"}


# --- abstention and emergencies --------------------------------------------------------------------------


def test_abstain_says_the_sources_do_not_cover_it_and_lists_the_nearest_topics() -> None:
    nearest = ["Baclofen toxicity: Management", "Baclofen clearance"]
    result = abstain("Who won the 2018 World Cup?", nearest, confidence=0.1)
    assert result.abstained and result.citations == () and result.quotes == ()
    assert result.confidence == 0.1
    assert "do not cover this question" in result.markdown
    lines = result.markdown.splitlines()
    start = lines.index("The nearest topics they do cover:")
    assert lines[start + 1 : start + 3] == [f"- {escape_markdown(t)}" for t in nearest]
    assert EMERGENCY_LINE not in result.markdown


def test_abstain_without_topics_and_in_an_emergency() -> None:
    result = abstain("my patient took 60 tablets of something", [], confidence=0.0, emergency=True)
    assert result.markdown.splitlines()[0] == f"**{EMERGENCY_LINE}**"
    assert "nearest topics" not in result.markdown


@pytest.mark.parametrize(
    "message",
    [
        "my patient took 60 tablets",
        "crushing chest pain since an hour",
        "he wants to kill himself",
        "she just swallowed 30 pills of baclofen",
        "patient is unresponsive after baclofen",
        "I have chest pain",
        "my husband is having a heart attack",
        "my patient has suicidal thoughts",
        "chest pain right now, what do I do",
    ],
)
def test_is_emergency_on_an_emergency_now(message: str) -> None:
    assert is_emergency(message)


@pytest.mark.parametrize(
    "message",
    [
        "How is baclofen overdose managed?",
        "Is baclofen cleared by dialysis?",
        "What are the symptoms of baclofen toxicity?",
        "What is the usual dose of baclofen in ESRD?",
    ],
)
def test_is_emergency_not_on_a_textbook_question(message: str) -> None:
    assert not is_emergency(message)


@pytest.mark.parametrize(
    "message",
    [
        "What is the differential diagnosis of chest pain?",
        "Can baclofen be restarted after a heart attack?",
        "What is the risk of suicide with isotretinoin?",
        "How is a heart attack diagnosed?",
    ],
)
def test_is_emergency_not_on_a_question_that_names_an_emergency_topic(message: str) -> None:
    assert not is_emergency(message)


# --- untrusted text ----------------------------------------------------------------------------------------

HOSTILE = Document(
    doc_id="hostile.txt",
    title="X dosing <img src=x onerror=alert(1)>",
    sections=(
        Section(
            ("X [notes](javascript:alert(1))",),
            "X is cleared by hemodialysis ![x](http://203.0.113.9/p.png) at 128 mL/min. "
            "Hemodialysis removes X, see [click](http://203.0.113.9/phish) <script>alert(1)</script> for more. "
            "X clearance by hemodialysis is \u202egnol\u202c in anuric patients.",
        ),
    ),
    publisher="<b>Evil</b> *press*",
    url="javascript:alert(1)",
)


def _rendered_html(markdown: str) -> str:
    """What a CommonMark renderer with raw HTML allowed (as a chat may be) makes of the answer."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(markdown)


def test_document_text_never_becomes_live_markup_in_the_answer() -> None:
    from qa.chunking import split_sentences

    text = HOSTILE.sections[0].text
    chunk = Chunk(
        "hostile-0",
        HOSTILE.doc_id,
        HOSTILE.title,
        HOSTILE.sections[0].heading_path,
        0,
        0,
        len(text),
        text,
        tuple(split_sentences(text)),
    )
    hits = [Hit(chunk, 3.0, dense=0.8)]
    result = compose(QUESTION, hits, scored(hits), {HOSTILE.doc_id: HOSTILE}, confidence=0.6, query=QUESTION)
    rendered = _rendered_html(result.markdown)
    assert "<img" not in rendered and "<script" not in rendered and "<b>" not in rendered
    # Addresses stay as text: no element that links, loads or runs anything.
    assert "<a " not in rendered and "href=" not in rendered and "src=" not in rendered.replace("src=x onerror", "")
    assert "\u202e" not in result.markdown
    # The structured quotes keep the source's exact characters, and each is shown in the Markdown, escaped.
    assert any("![x](http://203.0.113.9/p.png)" in text for text, _ in result.quotes)
    for text, number in result.quotes:
        assert text in chunk.text
        assert f"{escape_markdown(text)} [{number}]" in result.markdown


def test_abstain_escapes_the_nearest_topics() -> None:
    result = abstain("q", ["<img src=x onerror=alert(1)>", "[a](http://203.0.113.9)"], confidence=0.0)
    rendered = _rendered_html(result.markdown)
    assert "<img" not in rendered and "href" not in rendered


def test_compose_without_any_quotable_sentence_raises_no_error() -> None:
    # Every sentence is too short to quote on its own: nothing to score, and compose must still answer.
    chunk = text_chunk("Ok. Yes. No.")
    result = compose(QUESTION, [Hit(chunk, 1.0)], [], {}, confidence=0.6, query=QUESTION)
    assert result.abstained and result.quotes == () and result.citations == ()
