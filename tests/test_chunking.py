"""Sentence splitting and chunking on tiny inline texts, with fake token counters and sums done by hand."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from qa.chunking import CHUNKER_VERSION, chunk_document, split_sentences
from qa.errors import LoadError
from qa.records import Chunk, Document, Section, chunk_context, stable_hash


def words(texts: Sequence[str]) -> list[int]:
    """One token per whitespace-separated word: additive, like WordPiece."""
    return [len(t.split()) for t in texts]


def chars(texts: Sequence[str]) -> list[int]:
    """One token per character, spaces included: joined texts cost more than their parts."""
    return [len(t) for t in texts]


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def doc_of(*sections: Section, title: str = "Guide", doc_id: str = "d1") -> Document:
    return Document(doc_id=doc_id, title=title, sections=tuple(sections))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- split_sentences: where a sentence must not end ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Use an NSAID, e.g. Ibuprofen, for pain.",
        "Use an NSAID, e.g. ibuprofen, for pain.",
        "Renal drugs, i.e. Baclofen and lithium, accumulate.",
        "Recovery took 2.71 ± 0.42 days vs. 9 days with supportive care.",
        "Recovery was faster vs. Supportive care alone.",
        "Smith et al. Reported the first cases.",
        "Smith et al. (2019) reported the first cases.",
        "Ask Dr. Smith about the dose.",
        "Give approx. 10 mg daily.",
        "Give approx. Ten milligrams daily.",
        "See Fig. 2 for the curve.",
        "Case No. 5 was a child.",
        "She was treated at St. Jude hospital.",
        "The study by J. Smith was small.",
        "The removal rate constant is 0.152 h⁻¹ during dialysis.",
        "Dose for a body surface of 1.73m² is lower.",
        "Clearance is 128 mL/min in healthy adults.",
        "Avoid it if eGFR <30 mL/min/1.73m² or on dialysis.",
        "Recovery was faster (p<0.01) after early dialysis.",
        "Patients on dialysis develop toxicity with 10 mg doses.",
        "It is approved by the U.S. Food and Drug Administration.",
        "Baclofen is excreted by the kidneys (>90% renal elimination), making it risky.",
        "Doses are lower in the elderly (cf. Table 2) and in children.",
        "Infection with H. pylori causes ulcers.",
        "Give it at 8 a.m. and again at night.",
        # A decimal is no reference number, nor is a number a lower-case word follows.
        "Take vitamin B.12 tablets daily.",
        "The level was 4.2 Units per litre.",
    ],
)
def test_does_not_split_inside_abbreviations_numbers_and_units(text: str) -> None:
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dialysis clears it. The lag is hours.", ["Dialysis clears it.", "The lag is hours."]),
        ("Is it dialyzable? Yes! It is.", ["Is it dialyzable?", "Yes!", "It is."]),
        ('He said "stop the drug." She did.', ['He said "stop the drug."', "She did."]),
        (
            "It was cleared (see below.) The next day it rose.",
            ["It was cleared (see below.)", "The next day it rose."],
        ),
        (
            "Recovery was quick (p<0.01). Sessions were daily.",
            ["Recovery was quick (p<0.01).", "Sessions were daily."],
        ),
        ("The dose was 10 mg. 20 patients responded.", ["The dose was 10 mg.", "20 patients responded."]),
        ("Levels fell. mRNA levels rose.", ["Levels fell.", "mRNA levels rose."]),
        ("Renin rose. β-blockers help.", ["Renin rose.", "β-blockers help."]),
        (
            "Hepatitis is common in the U.S. The vaccine helps.",
            ["Hepatitis is common in the U.S.", "The vaccine helps."],
        ),
        ("It is called lamin A. Mutations change it.", ["It is called lamin A.", "Mutations change it."]),
        ("Answer: No. The drug is not safe.", ["Answer: No.", "The drug is not safe."]),
        ("Most cases have MS. The rest vary.", ["Most cases have MS.", "The rest vary."]),
        ("Stop the drug, etc. Then dialyse.", ["Stop the drug, etc.", "Then dialyse."]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ("Signs include\n  • hypotonia\n  • seizures", ["Signs include", "• hypotonia", "• seizures"]),
        (
            "Key Points    - Renal excretion.    - Dialysis clears it",
            ["Key Points", "- Renal excretion.", "- Dialysis clears it"],
        ),
        ("The signs are: - a cough - chest pain", ["The signs are:", "- a cough - chest pain"]),
        ("1. Stop baclofen.\n2. Start dialysis.", ["1. Stop baclofen.", "2. Start dialysis."]),
        ("It is cleared by dialysis. .  Avoid it.", ["It is cleared by dialysis. .", "Avoid it."]),
        # A reference number after the period (NIDDK's pages, Wikipedia's brackets, superscripts) stays with the
        # sentence it cites; the next sentence is not glued to it.
        (
            "It affects 17 percent of the population.1 However, most are benign.",
            ["It affects 17 percent of the population.1", "However, most are benign."],
        ),
        ("It attacks organs.2,3 In Addison's, it is common.", ["It attacks organs.2,3", "In Addison's, it is common."]),
        ("It is rare (under 1%).12 Because of it, few know.", ["It is rare (under 1%).12", "Because of it, few know."]),
        ("It is rare.[4][5] The cause is unknown.", ["It is rare.[4][5]", "The cause is unknown."]),
        ("It is rare.\u00b9\u00b2 The cause is unknown.", ["It is rare.\u00b9\u00b2", "The cause is unknown."]),
    ],
)
def test_splits_at_sentence_ends_line_breaks_and_bullets(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_spans_are_trimmed_and_cover_every_non_space_character_once() -> None:
    text = (
        "  Baclofen is excreted unchanged (>90% renal elimination) 1.\n\n"
        "Hemodialysis clearance is 2.14 mL/s (128 mL/min). The rate constant is 0.152 h⁻¹!\n"
        "  • Early dialysis (<48 hours) shortens recovery (2.71 ± 0.42 days vs. 9 days, p<0.01) 3   \n"
    )
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Baclofen is excreted unchanged (>90% renal elimination) 1.",
        "Hemodialysis clearance is 2.14 mL/s (128 mL/min).",
        "The rate constant is 0.152 h⁻¹!",
        "• Early dialysis (<48 hours) shortens recovery (2.71 ± 0.42 days vs. 9 days, p<0.01) 3",
    ]
    covered = [i for a, b in spans for i in range(a, b) if not text[i].isspace()]
    assert covered == [i for i, ch in enumerate(text) if not ch.isspace()]


def test_blank_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t \n") == []


# --- chunk_document -----------------------------------------------------------------------------------------

S1 = "Baclofen is cleared by the kidneys."  # 6 words
S2 = "Dialysis removes it."  # 3 words
S3 = "Doses must be reduced in renal failure."  # 7 words
S4 = "Avoid it."  # 2 words


def test_packs_sentences_greedily_up_to_the_target_with_the_context_counted() -> None:
    # Context prefix "Guide > Dosing\n" is 3 words: 3+6+3 = 12 fits target 12, adding S3 (19) does not;
    # then 3+7+2 = 12.
    text = f"{S1} {S2} {S3} {S4}"
    doc = doc_of(Section(heading_path=("Guide", "Dosing"), text=text, page=4))
    chunks = chunk_document(doc, words, max_tokens=20, target_tokens=12)
    assert [c.text for c in chunks] == [f"{S1} {S2}", f"{S3} {S4}"]
    assert [c.sentence_texts() for c in chunks] == [[S1, S2], [S3, S4]]
    assert [(c.start, c.end) for c in chunks] == [(0, len(S1) + 1 + len(S2)), (text.index(S3), len(text))]
    for ordinal, chunk in enumerate(chunks):
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.ordinal == ordinal
        assert (chunk.doc_id, chunk.title, chunk.heading_path) == ("d1", "Guide", ("Guide", "Dosing"))
        assert (chunk.section_index, chunk.page) == (0, 4)
        assert chunk.context == f"Guide > Dosing\n{chunk.text}"


def test_a_tiny_remainder_joins_the_previous_chunk_only_if_that_still_fits() -> None:
    # Title "Guide" is 1 word. 1+6+3 = 10 <= 10; S4 (2 words) is left over: 2 < 10/4, and 1+9+2 = 12.
    text = f"{S1} {S2} {S4}"
    doc = doc_of(Section(heading_path=(), text=text))
    merged = chunk_document(doc, words, max_tokens=12, target_tokens=10)
    assert [c.sentence_texts() for c in merged] == [[S1, S2, S4]]
    kept_apart = chunk_document(doc, words, max_tokens=11, target_tokens=10)
    assert [c.sentence_texts() for c in kept_apart] == [[S1, S2], [S4]]


@pytest.mark.parametrize(
    ("lead_in", "item"),
    [
        ("Her symptoms were:", "Coma and seizures"),  # a colon's lead-in, an item that opens with a capital
        ("Some common symptoms are", "fatigue and weight gain"),  # MedQuAD's lead-in, a lower-case item
    ],
)
def test_a_lead_in_is_packed_with_its_first_item_not_left_at_a_chunk_s_end(lead_in: str, item: str) -> None:
    # Title "Guide" is 1 word; target 14. Greedily, 1+6+3+4 = 14 would end the first chunk with the lead-in, and
    # its items would open the next chunk, where neither retrieval nor the answer knows what they list.
    text = f"{S1} {S2}\n{lead_in}\n{item}\n{item}"
    doc = doc_of(Section(heading_path=(), text=text))
    chunks = chunk_document(doc, words, max_tokens=40, target_tokens=14)
    assert [c.sentence_texts() for c in chunks] == [[S1, S2], [lead_in, item, item]]


def test_a_line_that_only_looks_like_a_lead_in_is_packed_greedily() -> None:
    # A heading before a paragraph (a capital follows) and a sentence that ends with a full stop bind nothing.
    for first in ("Treatment options", "Treatment is simple."):
        text = f"{S1} {S2}\n{first}\nThe drug is stopped at once"
        chunks = chunk_document(doc_of(Section(heading_path=(), text=text)), words, max_tokens=40, target_tokens=13)
        assert chunks[0].sentence_texts()[-1] == first


def test_chunks_never_cross_sections_and_empty_sections_give_none() -> None:
    doc = doc_of(
        Section(heading_path=("Renal",), text=f"{S1} {S2}"),
        Section(heading_path=("Empty",), text="  \n "),
        Section(heading_path=("Dialysis",), text=S3, page=2),
    )
    chunks = chunk_document(doc, words, max_tokens=100, target_tokens=100)
    assert [(c.section_index, c.text, c.heading_path, c.page) for c in chunks] == [
        (0, f"{S1} {S2}", ("Renal",), None),
        (2, S3, ("Dialysis",), 2),
    ]
    assert [c.ordinal for c in chunks] == [0, 1]
    assert chunk_document(doc_of(), words, max_tokens=100) == []


def test_a_sentence_longer_than_the_window_is_split_into_pieces_that_fit() -> None:
    # One token per character, spaces included: the context prefix "Note\n" (5 characters) leaves 35.
    long_sentence = " ".join(f"word{i:02d}" for i in range(30)) + "."  # 30 words of 6 characters
    text = f"{S2}\n{long_sentence} {S4}"
    doc = doc_of(Section(heading_path=(), text=text), title="Note")
    chunks = chunk_document(doc, chars, max_tokens=40, target_tokens=30)
    for chunk in chunks:
        assert len(chunk.context) <= 40
        assert chunk.text == text[chunk.start : chunk.end]
        for a, b in chunk.sentences:
            piece = chunk.text[a:b]
            assert piece == piece.strip() and piece
    pieces = [s for c in chunks for s in c.sentence_texts()]
    assert squeeze("".join(pieces)) == squeeze(text)
    assert pieces[0] == S2 and pieces[-1] == S4
    assert len(pieces) > 3
    # Words are never cut: every piece of the long sentence starts and ends on a word boundary.
    assert all(re.fullmatch(r"(word\d\d )*word\d\d\.?", p) for p in pieces[1:-1])


def test_a_single_word_longer_than_the_window_is_cut_into_characters() -> None:
    blob = "ACGT" * 30  # 120 characters, no space
    doc = doc_of(Section(heading_path=(), text=f"Sequence: {blob}"), title="")
    chunks = chunk_document(doc, chars, max_tokens=25, target_tokens=25)
    assert all(len(c.context) <= 25 for c in chunks)
    assert "".join(s for c in chunks for s in c.sentence_texts()) == f"Sequence:{blob}"


def test_every_context_fits_even_when_joined_text_costs_more_than_its_parts() -> None:
    # One token per character: "Guide > Notes\n" (14) + two 20-character sentences is estimated at 54, but the
    # space between them makes the real context 55; the measured context, not the estimate, decides.
    text = " ".join(f"Sentence {i} is here." for i in range(40))
    doc = doc_of(Section(heading_path=("Guide", "Notes"), text=text))
    chunks = chunk_document(doc, chars, max_tokens=54, target_tokens=54)
    assert all(len(c.context) <= 54 for c in chunks)
    assert [s for c in chunks for s in c.sentence_texts()] == [f"Sentence {i} is here." for i in range(40)]


def test_markers_inside_a_chunk_are_rebased_to_it() -> None:
    text = f"{S1} {S2} {S3}"
    cite_s1 = text.index(" kidneys") + len(" kidneys")  # before S1's period
    cite_s2 = text.index("removes it") + len("removes it")
    gap = text.index(S3) - 1  # the space between S2 and S3
    section = Section(
        heading_path=(), text=text, markers=((0, (9,)), (cite_s1, (1,)), (cite_s2, (2, 3)), (gap, (4,)))
    )
    chunks = chunk_document(doc_of(section, title=""), words, max_tokens=7, target_tokens=7)
    assert [c.text for c in chunks] == [S1, S2, S3]
    assert chunks[0].markers == ((0, (9,)), (len("Baclofen is cleared by the kidneys"), (1,)))
    # A marker in the whitespace after a chunk follows the words before it, at the chunk's end.
    assert chunks[1].markers == ((len("Dialysis removes it"), (2, 3)), (len(S2), (4,)))
    assert chunks[2].markers == ()


def test_chunk_ids_are_content_hashes_stable_across_runs() -> None:
    text = f"{S1} {S2} {S3}"
    doc = doc_of(Section(heading_path=(), text=text))
    first = chunk_document(doc, words, max_tokens=8, target_tokens=8)
    again = chunk_document(doc, words, max_tokens=8, target_tokens=8)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert first[1].chunk_id == stable_hash("d1", "0", str(text.index(S2)), S2)
    assert len({c.chunk_id for c in first}) == 3

    edited = doc_of(Section(heading_path=(), text=text.replace("removes", "clears")))
    changed = chunk_document(edited, words, max_tokens=8, target_tokens=8)
    assert changed[0].chunk_id == first[0].chunk_id
    assert changed[1].chunk_id != first[1].chunk_id
    assert changed[2].chunk_id != first[2].chunk_id  # same words, new start offset


def test_the_tokenizer_is_called_in_batches_not_per_sentence() -> None:
    calls: list[int] = []

    def counting(texts: Sequence[str]) -> list[int]:
        calls.append(len(texts))
        return words(texts)

    sections = [Section(heading_path=(f"H{i}",), text=f"{S1} {S2} {S3} {S4}") for i in range(5)]
    chunk_document(doc_of(*sections), counting, max_tokens=30, target_tokens=15)
    # One call for the five headings and twenty sentences, one to measure the finished chunks.
    assert calls[0] == 25
    assert len(calls) == 2


def test_a_document_s_keywords_ride_in_every_chunk_context_and_count_against_the_window() -> None:
    doc = Document(
        doc_id="pubmed/1",
        title="PubMed 1",
        sections=(Section(heading_path=("Results",), text=S1 + " " + S2),),
        keywords=("Renal Dialysis", "Baclofen"),
    )
    chunks = chunk_document(doc, words, max_tokens=40, target_tokens=40)
    assert all(c.keywords == doc.keywords for c in chunks)
    assert all(c.context.startswith("PubMed 1 (Renal Dialysis; Baclofen) > Results\n") for c in chunks)
    assert all(c.context.endswith(c.text) and words([c.context])[0] <= 40 for c in chunks)
    assert chunk_context("", (), "text", ("Baclofen",)) == "Baclofen\ntext"


def test_bad_arguments_and_inputs_are_refused_with_a_reason() -> None:
    doc = doc_of(Section(heading_path=(), text=S1))
    with pytest.raises(ValueError, match="max_tokens must be positive"):
        chunk_document(doc, words, max_tokens=0)
    with pytest.raises(ValueError, match="target_tokens must be positive"):
        chunk_document(doc, words, max_tokens=10, target_tokens=0)
    with pytest.raises(ValueError, match="one per text"):
        chunk_document(doc, lambda texts: [1], max_tokens=10)
    long_title = doc_of(Section(heading_path=(), text=S1), title="A very long title indeed")
    with pytest.raises(LoadError, match="shorten the title"):
        chunk_document(long_title, words, max_tokens=5)


def test_chunker_version_is_a_non_empty_string() -> None:
    assert isinstance(CHUNKER_VERSION, str) and CHUNKER_VERSION


# What the chunker made of PINNED_DOCUMENT under each CHUNKER_VERSION: ids, spans and the embedded context.
# Version 1's contexts left a document's keywords out (commit 22016f3 added them without a bump).
CHUNKS_MADE_BY_VERSION = {
    "1": "bf1c6aadc427a259b10e9d6b6e1405b2",  # computed with qa/ of commit 0415f90
    "2": "deb8482bcfcb79b8f01b6bd33691a34a",
    # Version 3 makes the same chunks; it embeds them with the abbreviations their document defines spelled out.
    "3": "deb8482bcfcb79b8f01b6bd33691a34a",
    # Version 4 splits sentences after a reference number ("population.1 However") and keeps a list's lead-in with
    # its items; this document has neither.
    "4": "deb8482bcfcb79b8f01b6bd33691a34a",
}
PINNED_DOCUMENT = Document(
    doc_id="warfarin.md",
    title="Warfarin reversal",
    sections=(
        Section(("Warfarin reversal", "High INR without bleeding"), f"{S1} {S2} {S3} {S4} {S1}"),
        Section(
            ("Warfarin reversal", "Dr. Smith's notes"), "Give vitamin K 1-2.5 mg p.o. if INR > 10. Recheck in 24 h."
        ),
    ),
    keywords=("Vitamin K", "Anticoagulants"),
)


def chunks_fingerprint(doc: Document) -> str:
    chunks = chunk_document(doc, words, max_tokens=40, target_tokens=24)
    made = [[c.chunk_id, c.section_index, c.start, c.end, [list(s) for s in c.sentences], c.context] for c in chunks]
    return stable_hash(repr(made), length=32)


def test_chunker_version_changes_whenever_the_chunks_do() -> None:
    # The index refuses an index of another chunker version and the ingest re-chunks only changed documents, so a
    # change to what a chunk holds or embeds must come with a new CHUNKER_VERSION (and a new line above).
    made = chunks_fingerprint(PINNED_DOCUMENT)
    assert made in CHUNKS_MADE_BY_VERSION.values(), (
        f"the chunks changed ({made}): bump CHUNKER_VERSION in qa/chunking.py and pin the new fingerprint here"
    )
    assert CHUNKS_MADE_BY_VERSION[CHUNKER_VERSION] == made, (
        f"CHUNKER_VERSION {CHUNKER_VERSION!r} made other chunks; these were made by "
        f"{[v for v, f in CHUNKS_MADE_BY_VERSION.items() if f == made]}"
    )


@pytest.mark.slow
def test_real_tokenizer_contexts_fit_the_model_window() -> None:
    from qa.embedding import Embedder

    embedder = Embedder()
    max_tokens = embedder.max_tokens
    drugs = ["baclofen", "gabapentin", "metformin", "lithium", "vancomycin", "enoxaparin"]
    body = [
        f"{drug.capitalize()} clearance falls to {i % 90 + 10} mL/min/1.73m² in stage {i % 5 + 1} chronic "
        f"kidney disease (eGFR <{30 + i % 30}), e.g. in patients aged >{60 + i % 20} years; reduce the dose "
        f"by {i % 4 + 1}0%."
        for i, drug in enumerate(drugs * 40)
    ]
    huge_sentence = " ".join(f"hemodialysis-{i} removes {i}.{i % 7} mg" for i in range(250)) + "."
    no_spaces = ",".join(str(i) for i in range(600))
    text = "\n".join([*body[:100], huge_sentence, no_spaces, *body[100:]])
    doc = doc_of(Section(heading_path=("Renal dosing", "Dialysis"), text=text), title="Drug dosing in CKD")

    chunks = chunk_document(doc, embedder.count_tokens, max_tokens=max_tokens, target_tokens=128)

    counts = embedder.count_tokens([c.context for c in chunks])
    assert max(counts) <= max_tokens
    assert sum(counts) / len(counts) > 64  # packed towards the target, not one sentence per chunk
    assert squeeze("".join(s for c in chunks for s in c.sentence_texts())) == squeeze(text)
    assert all(
        isinstance(c, Chunk) and c.context == chunk_context(c.title, c.heading_path, c.text) for c in chunks
    )
