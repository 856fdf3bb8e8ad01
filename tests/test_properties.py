"""Property-based tests: random and adversarial text through the loaders, the sentence splitter, chunking, query
clean-up and composition. Each stage raises only its documented errors, offsets stay inside their text, and every
answer sentence is a verbatim span of the chunk it cites.

Bounded (a few dozen examples each, no deadline: the machine is shared) so that they run in every `make test`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.answer import Asked, compose, gather, is_emergency, score
from qa.chunking import chunk_document, split_sentences
from qa.errors import LoadError
from qa.loaders import load_paths
from qa.loaders.html import load_html
from qa.loaders.sniff import sniff
from qa.loaders.text import load_text
from qa.markup import escape_markdown
from qa.query import PageSubjects, QueryBuilder, clean_message, resolve_followup, split_questions
from qa.records import Document, Hit, Section

BOUNDED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

# Pieces that exercise the rules: sentence ends, abbreviations, numbers, bullets, markup, citation markers,
# headings, metadata lines, direction controls and other odd code points.
FRAGMENTS = [
    "Baclofen is cleared by the kidneys.", "Give 10 mg.", "e.g.", "Dr. Smith", "approx. 5", "1.5 mL/min",
    "i.e. the", "No. 5", "U.S. Food", "vs.", "et al. 2019", "? ", "! ", "…", ". .", "\n", "\n\n", "\r\n", "\t",
    "  - item", "• bullet", "* star", "1. first", "# Heading", "## Sub", "Title: X", "Author: Y", "Last updated: 2024",
    "References", "[1]", " 3, 4", "(see above)", "<b>bold</b>", "<p>para</p>", "<script>x</script>", "&amp;",
    "![img](http://203.0.113.9/p.png)", "[link](javascript:alert(1))", "```", "| a | b |", "> quote", "---",
    "\u202e", "\u200b", "\u00a0", "\ufeff", "\x0c", "\x85", "\u2028", "Ω", "µg", "😀", "Ä", "ﬁ", "I.V.", "p<0.01",
    "Click here to print", "Share this article", "© 2024 Example", "Related questions", "Is it safe?",
]  # fmt: skip
text_pieces = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))
texts = st.lists(text_pieces, max_size=40).map(lambda parts: " ".join(parts))


def words(texts: Sequence[str]) -> list[int]:
    """One token per whitespace-separated word (the real tokenizer counts more, never fewer, for words)."""
    return [len(t.split()) for t in texts]


def _check_document(doc: Document) -> None:
    assert doc.doc_id and doc.sections
    for section in doc.sections:
        assert section.text
        for offset, numbers in section.markers:
            assert 0 <= offset <= len(section.text) and numbers


# --- loaders ------------------------------------------------------------------------------------------------


@BOUNDED
@given(st.binary(max_size=400) | texts.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_sniff_names_a_format_or_raises_load_error(data: bytes) -> None:
    try:
        sniffed = sniff(data)
    except LoadError as exc:
        assert str(exc)
        return
    assert sniffed.format in {"pdf", "medquad", "pubmedqa", "beir", "html", "markdown", "text"}


@BOUNDED
@given(texts, st.booleans())
def test_text_and_markdown_load_or_raise_load_error(text: str, markdown: bool) -> None:
    try:
        doc = load_text(text, Path("notes.md" if markdown else "notes.txt"), markdown=markdown)
    except LoadError:
        return
    _check_document(doc)


@BOUNDED
@given(texts.map(lambda t: f"<html><body><h1>{t[:30]}</h1><p>{t}</p><ul><li>{t[::-1]}</li></ul></body></html>"))
def test_html_loads_or_raises_load_error(page: str) -> None:
    try:
        doc = load_html(page, Path("page.html"))
    except LoadError:
        return
    _check_document(doc)


@settings(BOUNDED, max_examples=25)
@given(st.lists(st.binary(max_size=300) | texts.map(str.encode), min_size=1, max_size=4))
def test_load_paths_never_raises_and_accounts_for_every_file(contents: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for i, data in enumerate(contents):
            (root / f"sub{i % 2}").mkdir(exist_ok=True)
            (root / f"sub{i % 2}" / f"doc{i}.txt").write_bytes(data)
        result = load_paths([root])
    sources = {d.source for d in result.documents} | {s.path for s in result.skipped}
    assert len(sources) == len(contents)
    assert len({d.doc_id for d in result.documents}) == len(result.documents)
    for doc in result.documents:
        _check_document(doc)


# --- sentences and chunks -----------------------------------------------------------------------------------


@BOUNDED
@given(texts)
def test_sentences_are_ordered_trimmed_spans_covering_every_visible_character(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end
    covered = {i for start, end in spans for i in range(start, end)}
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@BOUNDED
@given(
    st.lists(texts, min_size=1, max_size=3),
    st.text(max_size=20),
    st.integers(min_value=6, max_value=60),
    st.integers(min_value=1, max_value=80),
)
def test_chunks_are_exact_spans_of_their_section_and_fit_the_window(
    section_texts: list[str], title: str, max_tokens: int, target: int
) -> None:
    doc = Document("d.txt", title, tuple(Section(("Part",), t) for t in section_texts))
    try:
        chunks = chunk_document(doc, words, max_tokens=max_tokens, target_tokens=target)
    except LoadError:
        return  # title and headings alone fill the window: documented
    for chunk in chunks:
        section = doc.sections[chunk.section_index]
        assert 0 <= chunk.start < chunk.end <= len(section.text)
        assert chunk.text == section.text[chunk.start : chunk.end]
        assert all(0 <= a < b <= len(chunk.text) for a, b in chunk.sentences)
        assert words([chunk.context])[0] <= max_tokens
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


# --- query clean-up -----------------------------------------------------------------------------------------


@BOUNDED
@given(texts, st.lists(texts, max_size=3))
def test_query_building_never_raises_and_keeps_each_part_in_its_expansion(message: str, history: list[str]) -> None:
    cleaned = clean_message(message)
    assert "  " not in cleaned
    assert split_questions(cleaned or "x")
    builder = QueryBuilder({"baclofen": 3, "kidneys": 2, "dialysis": 1, "apixaban": 1}, known_words=["the"])
    if not message.strip():
        return
    query = builder.build(message, history)
    assert query.parts and len(query.expanded) == len(query.parts)
    for part, expanded in zip(query.parts, query.expanded, strict=True):
        assert expanded.startswith(part)


# A number as typed in a message: a comparison sign, digits, and decimals, a range or a percent sign.
numbers = st.tuples(
    st.sampled_from(["", "<", ">"]), st.integers(0, 999).map(str), st.sampled_from(["", ".5", "-60", "%"])
).map("".join)


@BOUNDED
@given(numbers, numbers, st.sampled_from(["mg", "mL/min", "eGFR", "units"]))
def test_a_followup_number_replaces_the_earlier_one_and_nothing_else(old: str, new: str, unit: str) -> None:
    before = f"{old} {unit}" if unit != "eGFR" else f"{unit} {old}"
    after = f"{new} {unit}" if unit != "eGFR" else f"{unit} {new}"
    resolved, used = resolve_followup(f"what about {after}?", [f"is {before} of fexolan safe in dialysis?"])
    assert used and resolved == f"is {after} of fexolan safe in dialysis?"


conditions = st.sampled_from(["cirrhosis", "CKD", "heart failure", "eGFR 20", "asthma", "sepsis", "an ileostomy"])


@BOUNDED
@given(
    st.sampled_from(["patients", "children", "adults", "a patient", "women"]),
    st.sampled_from(["with", "on", "after"]),
    conditions,
    st.sampled_from(["with", "on", "after"]),
    conditions,
)
def test_a_followup_qualifier_replaces_the_earlier_qualifier_of_the_same_word(
    person: str, old_word: str, old: str, new_word: str, new: str
) -> None:
    earlier = f"is fexolan safe in {person} {old_word} {old}?"
    resolved, used = resolve_followup(f"what about {person} {new_word} {new}?", [earlier])
    assert used and resolved == f"is fexolan safe in {person} {new_word} {new}?"


@BOUNDED
@given(
    st.sampled_from(["a patient", "an adult", "a child", "patients", "the elderly"]),
    st.sampled_from(["", "a ", "an ", "the "]),
    st.sampled_from(["infant", "adult", "man", "woman", "MRI", "children", "adults", "women", "patients"]),
)
def test_the_article_before_a_substituted_person_agrees_with_it(earlier: str, typed: str, person: str) -> None:
    resolved, used = resolve_followup(f"and in {typed}{person}?", [f"is fexolan safe in {earlier} with gout?"])
    assert used and resolved.endswith(f" {person} with gout?")
    said = resolved.removeprefix("is fexolan safe in ").removesuffix(f"{person} with gout?")
    if typed:
        assert said == typed  # the determiner typed is the one asked with
    elif person[-1] == "s" or person in ("children", "women"):
        assert said == ("the " if earlier.startswith("the ") else "")  # no "a" before a plural
    elif earlier.startswith(("a ", "an ")):
        assert said == ("an " if person[0] in "aeiouM" else "a ")


# Page titles as corpora write them: a subject alone, with an abbreviation, with a subtitle, with a number, opening
# with function words, holding a word that opens a clause.
subject_titles = st.sampled_from(
    ["Anxiety Disorders", "Absence of the Septum Pellucidum", "Von Hippel-Lindau Disease (VHL)", "Type 2 Diabetes",
     "Coumadin: ward handout", "Alzheimer\u2019s Disease", "Gum (Periodontal) Disease", "Holmes-Adie",
     "What I need to know about Gas", "Preparing for Pregnancy if You Have Diabetes"]
)  # fmt: skip


@BOUNDED
@given(subject_titles, subject_titles, st.sampled_from(["What are the symptoms of {} ?", "how is {} treated in adults?",
       "Who is at risk for {}? ?", "{} - any genetic tests?"]), st.booleans(), texts)
def test_a_followup_naming_a_page_subject_replaces_the_earlier_subject_and_nothing_else(
    old: str, new: str, form: str, lower: bool, noise: str
) -> None:
    # Whatever the wording around it, the earlier subject (as its title names it) is replaced by the new one as typed,
    # and every other character of the earlier question stays; other titles and open-ended text never raise.
    subjects = PageSubjects(lambda: ["Anxiety Disorders", "Absence of the Septum Pellucidum", "Type 2 Diabetes",
                                     "Von Hippel-Lindau Disease (VHL)", "Coumadin: ward handout", "Holmes-Adie",
                                     "Alzheimer's Disease", "Gum (Periodontal) Disease",
                                     "What I need to know about Gas", "Preparing for Pregnancy if You Have Diabetes",
                                     noise])  # fmt: skip
    named = old.split(":")[0]
    typed = new.split(":")[0].lower() if lower else new.split(":")[0]
    earlier = form.format(named)
    resolved, used = resolve_followup(
        f"what about {typed}?", [earlier], similar=lambda p, parts: [0.1] * len(parts), subjects=subjects
    )
    assert used and resolved == form.format(typed)
    resolve_followup(f"and {noise}?", [earlier + noise], similar=lambda p, parts: [0.1] * len(parts), subjects=subjects)


CORPUS_WORDS = {"metoprolol": 40, "testosterone": 12, "estrone": 4, "dialysis": 30, "hemodialysis": 9, "baclofen": 20}


@BOUNDED
@given(
    st.one_of(
        st.text(alphabet="abcdefghilmnoprstyz", min_size=1, max_size=14),
        # A corpus word with letters left out, changed or added at random places.
        st.builds(
            lambda word, cuts, extra: "".join(c for i, c in enumerate(word) if i not in cuts) + extra,
            st.sampled_from(sorted(CORPUS_WORDS)),
            st.sets(st.integers(0, 12), max_size=5),
            st.text(alphabet="aeiorst", max_size=2),
        ),
    )
)
def test_a_typo_fix_is_within_two_edits_or_the_word_with_letters_left_out(typed: str) -> None:
    from rapidfuzz.distance import DamerauLevenshtein, Indel

    fixed = QueryBuilder(CORPUS_WORDS).correct(typed)
    if fixed is None:
        return
    assert fixed in CORPUS_WORDS and fixed != typed
    left_out = (
        len(typed) >= 6
        and fixed[0] == typed[0]
        and 0 < len(fixed) - len(typed) <= 3
        and Indel.distance(typed, fixed) == len(fixed) - len(typed)
    )
    assert DamerauLevenshtein.distance(typed, fixed) <= 2 or left_out


# --- composition --------------------------------------------------------------------------------------------


@settings(BOUNDED, max_examples=40)
@given(st.lists(texts, min_size=1, max_size=4), texts, st.randoms(use_true_random=False))
def test_every_answer_sentence_is_a_verbatim_span_of_the_chunk_it_cites(
    bodies: list[str], question: str, rng
) -> None:  # type: ignore[no-untyped-def]
    documents = {
        f"d{i}.txt": Document(f"d{i}.txt", f"Doc {i} {body[:20]}", (Section(("Part",), body),))
        for i, body in enumerate(bodies)
        if body.strip()
    }
    chunks = []
    for doc in documents.values():
        try:
            chunks.extend(chunk_document(doc, words, max_tokens=80, target_tokens=30))
        except LoadError:
            continue
    hits = [Hit(chunk, rng.random()) for chunk in chunks]
    candidates = [
        dataclasses.replace(c, vector=np.array([rng.uniform(-1, 1) for _ in range(8)], dtype=np.float32))
        for c in gather(hits)
    ]
    query_vector = np.array([rng.uniform(-1, 1) for _ in range(8)], dtype=np.float32)
    asked = Asked(question, query_vector[None, :])
    scored = score(candidates, hits, asked, lambda terms: np.ones(len(terms), dtype=np.float32))
    answer = compose(question or "?", hits, scored, documents, confidence=0.5, query=question)

    by_number = {c.number: c for c in answer.citations}
    assert len(by_number) == len(answer.citations)
    chunk_text = {c.chunk_id: c.text for c in chunks}
    for quote, number in answer.quotes:
        citation = by_number[number]
        assert quote and quote in chunk_text[citation.chunk_id] == citation.chunk_text
        assert escape_markdown(quote) in answer.markdown
    assert answer.abstained == (not answer.quotes)


# --- the emergency line ---------------------------------------------------------------------------------------

EMERGENCY_PIECES = [
    "my son", "she is", "pt in bed 4", "I", "right now", "last year", "no", "not", "took 30 tablets", "chest pain",
    "seizing", "HR 190", "BP 70/40", "K 7.9", "if she ever", "what are the signs of", "unresponsive", ",", ".", "?",
    "overdose", "just", "2 years ago", "the girl", "54F", "wants to end it all", "sim scenario", "denies",
]  # fmt: skip
messages = st.lists(st.one_of(st.sampled_from(EMERGENCY_PIECES), st.text(max_size=10)), max_size=30).map(" ".join)


@BOUNDED
@given(messages)
def test_the_reader_only_adds_to_the_lexicons_and_never_overrules_a_publication(message: str) -> None:
    alone = is_emergency(message)
    # Behind the same checks: the reader may add an event, never take one away.
    assert is_emergency(message, lambda _: False) == alone
    assert alone <= is_emergency(message, lambda _: True)
    # Placed in a publication or a simulation, nothing is an emergency now, whatever the reader says.
    assert not is_emergency(f"In the case report, {message}", lambda _: True)
    assert not is_emergency(f"For our sim session: {message}", lambda _: True)


@BOUNDED
@given(messages)
def test_the_situation_reader_only_takes_away(message: str) -> None:
    for likely in (None, lambda _: True, lambda _: False):
        found = is_emergency(message, likely)
        # It is asked only of a message flagged without it, and may only take the flag away.
        assert is_emergency(message, likely, present=lambda _: True) == found
        assert not is_emergency(message, likely, present=lambda _: False)
