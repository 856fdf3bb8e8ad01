"""The composed answer: one structure (bottom line, sides, warnings, evidence, references), its renderings, and
untrusted document text kept inert in the Markdown while the quotes keep the source's exact characters."""

from __future__ import annotations

import re
from dataclasses import replace

from qa.answer import DISCLAIMER, EMERGENCY_LINE, abstain, compose
from qa.answer.candidates import gather
from qa.answer.render import UNMATCHED, reference_line, render_text
from qa.answer.settings import AnswerSettings
from qa.markup import escape_markdown
from qa.records import Answer, Chunk, Citation, Document, Hit, Section

from ._fixtures import (
    CHUNKS,
    CLEARED,
    DOCUMENTS,
    ELSEWHERE,
    HITS,
    NOT_REMOVED,
    NOTE_CONCLUSION,
    PAGE_DIALYSIS,
    PAGE_SAFETY,
    candidate,
    every_sentence,
)

QUESTION = "Is fexolan cleared by hemodialysis?"


def scored_candidates(disagreeing: bool = True):
    """The page's claim best, the note's opposite claim close behind (when `disagreeing`), the rest lower."""
    out = [
        candidate(PAGE_DIALYSIS, 0, 3.0, CLEARED),
        candidate(PAGE_DIALYSIS, 1, 1.5, ELSEWHERE),
        candidate(PAGE_SAFETY, 0, 1.2, ELSEWHERE),
        candidate(PAGE_SAFETY, 1, 0.5, ELSEWHERE),
        candidate(NOTE_CONCLUSION, 1, 0.8, ELSEWHERE),
    ]
    if disagreeing:
        out.append(candidate(NOTE_CONCLUSION, 0, 2.5, NOT_REMOVED))
    return out


def answer(emergency: bool = False, disagreeing: bool = True) -> Answer:
    return compose(QUESTION, HITS, scored_candidates(disagreeing), DOCUMENTS, confidence=0.6, emergency=emergency)


def test_candidates_are_every_quotable_sentence_of_the_chunks() -> None:
    text = "Ok. Click the table on the right to see the stages. Fexolan is cleared by dialysis."
    chunk = Chunk("c", "d", "T", ("T",), 0, 0, len(text), text, ((0, 3), (4, 51), (52, len(text))))
    found = gather([Hit(chunk, 1.0)])
    # A lone word and an instruction to the web page's reader are never quoted.
    assert [c.text for c in found] == ["Fexolan is cleared by dialysis."]
    assert found[0].sentence == 2


def test_the_bottom_line_is_the_best_scored_sentence_when_no_source_disagrees() -> None:
    result = answer(disagreeing=False)
    assert not result.disagreement and not result.sides
    assert [q.text for q in result.bottom_line] == ["Yes, fexolan is effectively cleared by hemodialysis."]
    assert result.markdown.startswith("**Bottom line:** ")
    assert result.ranked[0].text == result.bottom_line[0].text


def test_a_bottom_line_that_leads_into_a_list_carries_the_list() -> None:
    # "Her symptoms were:" says nothing alone; the items on the lines after it in its passage are what answers.
    text = "Case report. Her symptoms were:\nComa\nTonic-clonic seizure\nTransient hypotension Discharged on day 14."
    spans = ((0, 12), (13, 31), (32, 36), (37, 57), (58, 79), (80, len(text)))
    chunk = Chunk("case-0", "case.txt", "Case", ("Case",), 0, 0, len(text), text, spans)
    document = Document("case.txt", "Case", (Section(("Case",), text),))
    hit = Hit(chunk, 1.0)
    scores = [0.1, 3.0, 2.0, 2.5, 1.0, 0.5]
    candidates = [candidate(chunk, i, score, ELSEWHERE) for i, score in enumerate(scores)]
    result = compose("what were her symptoms?", [hit], candidates, {"case.txt": document}, confidence=0.6)
    # The items in the passage's order, whatever their scores; the list ends where a sentence starts mid-line.
    assert [q.text for q in result.bottom_line] == [
        "Her symptoms were:",
        "Coma",
        "Tonic-clonic seizure",
        "Transient hypotension",
    ]
    lines = result.text.splitlines()
    at = lines.index("Bottom line: Her symptoms were: [1]")
    assert lines[at + 1 : at + 4] == ["- Coma [1]", "- Tonic-clonic seizure [1]", "- Transient hypotension [1]"]
    # Each item is quoted once, and a long list is cut at `max_list_items`.
    assert [q.text for g in result.groups for q in g.quotes].count("Coma") == 0
    short = compose(
        "what were her symptoms?",
        [hit],
        candidates,
        {"case.txt": document},
        confidence=0.6,
        settings=AnswerSettings(max_list_items=2),
    )
    assert [q.text for q in short.bottom_line] == ["Her symptoms were:", "Coma", "Tonic-clonic seizure"]


def test_words_no_source_holds_are_named_right_after_the_bottom_line() -> None:
    # "is fexolan cleared by hemodialysis in pregnancy?": the sources say nothing of pregnancy, and the reader must
    # see that before trusting a confident quote about fexolan and hemodialysis.
    asked = "Is fexolan cleared by hemodialysis in pregnancy?"
    for sides in (False, True):
        result = compose(
            asked, HITS, scored_candidates(sides), DOCUMENTS, confidence=0.6, unmatched=("pregnancy", "*x*")
        )
        assert result.unmatched == ("pregnancy", "*x*")
        text = result.text.splitlines()
        bottom = text.index(next(line for line in text if line.startswith("Bottom line")))
        # Right after the bottom line: its one sentence, or the two sides.
        assert text[bottom + (3 if sides else 1)] == f"{UNMATCHED} “pregnancy”, “*x*”."
        # The words are the user's: in Markdown they are escaped as a document's are.
        assert f"**{UNMATCHED}** “pregnancy”, “{escape_markdown('*x*')}”." in result.markdown
        assert result.to_json()["unmatched"] == ["pregnancy", "*x*"]
    assert UNMATCHED not in answer(disagreeing=False).text


def test_opposite_claims_on_the_point_asked_are_the_bottom_line_with_both_sources_named() -> None:
    result = answer()
    assert result.disagreement and not result.bottom_line
    assert {s.claim.doc_id for s in result.sides} == {"page.txt", "note.txt"}
    assert "the sources differ" in result.markdown
    assert "Q&A page (Dr.Oracle)" in result.text and "Teaching note (UMEM)" in result.text
    assert escape_markdown("Q&A page (Dr.Oracle)") in result.markdown


def test_every_quote_is_verbatim_in_its_cited_chunk_and_in_both_renderings() -> None:
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
    for doc_numbers in by_doc.values():
        assert sorted(doc_numbers) == list(range(min(doc_numbers), max(doc_numbers) + 1))


def test_a_dose_warning_gets_the_safety_group() -> None:
    lines = answer(disagreeing=False).text.splitlines()
    safety = lines[lines.index("Safety") + 1 :]
    assert safety[0].startswith("- Patients on hemodialysis develop fexolan toxicity even with doses as low as 10 mg.")


def test_key_evidence_is_grouped_under_the_section_each_sentence_comes_from() -> None:
    result = answer(disagreeing=False)
    assert result.groups
    by_chunk = {c.chunk_id: c for c in result.citations}
    for group in result.groups:
        for quote in group.quotes:
            assert by_chunk[quote.chunk_id].heading_path[-1] == group.heading
    evidence = result.markdown.split("**Key evidence**", 1)[1].split("**References**", 1)[0]
    bullets = sum(1 for line in evidence.splitlines() if line.startswith("- "))
    assert bullets == sum(len(g.quotes) for g in result.groups)


def test_reference_list_names_what_each_source_gives() -> None:
    result = answer()
    references = result.text.split("\nReferences\n", 1)[1]
    first = "Is fexolan cleared by dialysis? Dr.Oracle, February 4, 2026. Q&A page. https://example.org/x"
    second = "Fexolan clearance: hemodialysis or kidneys? UMEM. A. Author. Teaching note. https://doi.org/10.1000/xyz"
    assert first in references and second in references
    assert f"- {escape_markdown(first)} Passages: " in result.markdown
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
    assert EMERGENCY_LINE not in answer().markdown


def test_the_json_form_carries_the_structure_with_exact_characters() -> None:
    data = answer().to_json()
    assert [s["claim"]["text"] for s in data["sides"]] == [s.claim.text for s in answer().sides]
    assert data["bottom_line"] == [] and data["disagreement"] is True


def test_abstain_says_the_sources_do_not_cover_it_and_lists_the_nearest_topics() -> None:
    nearest = ["Baclofen toxicity: Management", "Baclofen clearance"]
    result = abstain("Who won the 2018 World Cup?", nearest, confidence=0.1)
    assert result.abstained and result.citations == () and result.quotes == ()
    assert "do not cover this question" in result.markdown
    lines = result.markdown.splitlines()
    start = lines.index("The nearest topics they do cover:")
    assert lines[start + 1 : start + 3] == [f"- {escape_markdown(t)}" for t in nearest]
    assert EMERGENCY_LINE not in result.markdown


def test_abstain_in_an_emergency_puts_the_emergency_line_first() -> None:
    result = abstain("my patient took 60 tablets of something", [], confidence=0.0, emergency=True)
    assert result.markdown.splitlines()[0] == f"**{EMERGENCY_LINE}**"
    assert "nearest topics" not in result.markdown


def test_compose_without_any_candidate_abstains() -> None:
    result = compose(QUESTION, HITS, [], DOCUMENTS, confidence=0.6)
    assert result.abstained and result.quotes == () and result.citations == ()


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
    result = compose(QUESTION, hits, every_sentence(hits, 1.0), {HOSTILE.doc_id: HOSTILE}, confidence=0.6)
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


def test_markdown_and_text_differ_only_in_markup() -> None:
    result = answer()
    plain_lines = [re.sub(r"\s+", " ", line) for line in result.text.splitlines() if line.strip()]
    assert plain_lines[0] == "Bottom line: the sources differ on this point."


def test_references_with_the_same_title_name_each_documents_path() -> None:
    # Two folders' dosing.txt, both titled "Dosing": the reference list says which is which.
    from ._fixtures import make_chunk

    docs = {
        f"{ward}/dosing.txt": Document(
            f"{ward}/dosing.txt",
            "Dosing",
            (Section((), f"X is cleared by hemodialysis in {ward} patients. Hemodialysis removes X in {ward}."),),
        )
        for ward in ("cardiology", "nephrology")
    }
    hits = [Hit(make_chunk(f"c{i}", doc, 0), 2.0 - i) for i, doc in enumerate(docs.values())]
    result = compose(QUESTION, hits, every_sentence(hits, 1.0), docs, confidence=0.6, query=QUESTION)
    references = result.text.split("\nReferences\n", 1)[1]
    assert "Dosing (cardiology/dosing.txt).\n" in references
    assert "Dosing (nephrology/dosing.txt).\n" in references
    assert escape_markdown("Dosing (nephrology/dosing.txt).") in result.markdown
    # A title of its own needs no path.
    assert "Is fexolan cleared by dialysis? Dr.Oracle" in answer().text


def test_the_plain_text_carries_no_terminal_control_from_a_document() -> None:
    result = answer(disagreeing=False)
    hostile = replace(result.bottom_line[0], text="Fexolan is cleared\x1b[2J\x1b[1;1H by dialysis\x9b31m.")
    text = render_text(replace(result, bottom_line=(hostile,)))
    assert "Fexolan is cleared by dialysis." in text
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
