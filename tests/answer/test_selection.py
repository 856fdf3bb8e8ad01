"""Which candidates an answer quotes: a bottom line that is part of a list comes with what makes it readable."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qa.answer.candidates import gather, quotable
from qa.answer.selection import select
from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Chunk, Hit


def line_chunk(marked: str) -> Chunk:
    """A chunk whose sentences are its lines, a line split after each ". " within it and at each " | " (a space in
    the text: where a sentence ends without a full stop and another follows on its line)."""
    text, spans, start = "", [], 0
    for piece in re.split(r"(?<=[.?!]) |\n| \| ", marked):
        start = marked.index(piece, start)
        text = marked[:start].replace(" | ", " ")
        spans.append((len(text), len(text) + len(piece)))
        start += len(piece)
    return Chunk(
        "c-0", "page.txt", "Page", ("Page",), 0, 0, len(text) + len(piece), marked.replace(" | ", " "), tuple(spans)
    )


def bottom_line_of(text: str, best: str, settings: AnswerSettings | None = None) -> list[str]:
    """The bottom line selected when `best` is the best-scored candidate of a chunk of `text` (the others as gathered:
    a lone word is not a candidate)."""
    chunk = line_chunk(text)
    scored = [
        Candidate(c.hit, c.start, c.end, sentence=c.sentence, score=3.0 if c.text == best else -float(c.sentence))
        for c in gather([Hit(chunk, 1.0)])
    ]
    assert best in [c.text for c in scored]
    return [c.text for c in select(scored, settings).bottom_line]


HYPOTHYROIDISM = (
    "Hypothyroidism has many symptoms that can vary from person to person. Some common symptoms of hypothyroidism are\n"
    "fatigue\n"
    "weight gain\n"
    "dry, thinning hair\n"
    "However, hypothyroidism develops slowly, so many people dont notice symptoms of the disease.\n"
    "Symptoms more specific to Hashimotos disease are a goiter and a feeling of fullness in the throat."
)

CASE = (
    "Case: 14 year old woman ingested 60 tablets of baclofen.\n"
    "Her symptoms were:\n"
    "Coma\n"
    "Tonic-clonic seizure\n"
    "Initially intubated for airway protection.\n"
    "Baclofen level: 882 ng/mL"
)


def test_a_lead_in_without_a_colon_carries_its_items_up_to_the_line_that_opens_a_sentence() -> None:
    # The sentence runs on into each line below it ("... are fatigue"); a capitalised line ends the list.
    assert bottom_line_of(HYPOTHYROIDISM, "Some common symptoms of hypothyroidism are") == [
        "Some common symptoms of hypothyroidism are",
        "fatigue",
        "weight gain",
        "dry, thinning hair",
    ]


def test_a_list_keeps_its_one_word_items_though_they_are_not_candidates() -> None:
    # "Coma" is never quoted alone, but it is an item of the list the lead-in announces; a colon's list may hold
    # full sentences, and ends at the next lead-in or at a sentence that does not start a line.
    assert bottom_line_of(CASE, "Her symptoms were:") == [
        "Her symptoms were:",
        "Coma",
        "Tonic-clonic seizure",
        "Initially intubated for airway protection.",
        "Baclofen level: 882 ng/mL",
    ]


@pytest.mark.parametrize(
    ("text", "best", "lead"),
    [
        (HYPOTHYROIDISM, "weight gain", "Some common symptoms of hypothyroidism are"),
        (CASE, "Tonic-clonic seizure", "Her symptoms were:"),
    ],
)
def test_a_list_item_that_says_little_alone_comes_after_its_lead_in(text: str, best: str, lead: str) -> None:
    # "weight gain" alone does not say whose symptom it is; the lead-in does, and the item stays the point.
    assert bottom_line_of(text, best) == [lead, best]


@pytest.mark.parametrize(
    "best",
    [
        "Initially intubated for airway protection.",
        "The hemodialysis removal rate constant is 0.152 per hour during a standard session",
    ],
)
def test_a_list_item_that_is_a_sentence_of_its_own_is_the_bottom_line_alone(best: str) -> None:
    text = "\n".join(["Her symptoms were:", "Coma", best, "Tonic-clonic seizure"])
    assert bottom_line_of(text, best) == [best]


@pytest.mark.parametrize(
    ("text", "best"),
    [
        # A sentence cut without its full stop, followed on the same line: nothing hangs from it.
        (
            "Vertigo may be treated with the drug diazepam | Other drugs help too.",
            "Vertigo may be treated with the drug diazepam",
        ),
        # Bullets side by side, each opening with a capital and without a full stop, are not a lead-in and its items.
        (
            "Do not assume standard doses are safe\nDo not delay dialysis\nDo not expect",
            "Do not assume standard doses are safe",
        ),
        ("Do not assume standard doses are safe\nDo not delay dialysis\nDo not expect", "Do not delay dialysis"),
        # Lines that each end a sentence are not a list.
        ("Rest is advised.\nFluids help recovery.", "Fluids help recovery."),
        # The last line of a chunk.
        ("Rest is advised.\nSome common symptoms are", "Some common symptoms are"),
    ],
)
def test_a_sentence_that_neither_leads_into_nor_belongs_to_a_list_stands_alone(text: str, best: str) -> None:
    assert bottom_line_of(text, best) == [best]


@pytest.mark.parametrize(
    ("text", "best", "body"),
    [
        # A heading above a paragraph: the line after it is a full sentence, not an item, and what the heading names.
        (
            "Autoimmune Disorders\nUp to 80 percent of cases are caused by an autoimmune disorder. TB is rarer.",
            "Autoimmune Disorders",
            "Up to 80 percent of cases are caused by an autoimmune disorder.",
        ),
        # Headings one under another: the first sentence below them.
        (
            "Rest is advised.\nTreatment Options for LCH in Children\nTreatment of Low-Risk Disease\nMany children "
            "need no treatment.",
            "Treatment Options for LCH in Children",
            "Many children need no treatment.",
        ),
    ],
)
def test_a_heading_chosen_as_the_bottom_line_comes_with_the_sentence_it_heads(text: str, best: str, body: str) -> None:
    # "Other Causes of Hypoglycemia" alone answers nothing: what it heads does.
    assert bottom_line_of(text, best) == [best, body]


@pytest.mark.parametrize(
    ("text", "best"),
    [
        # A line in sentence case is a statement or an item, not a heading.
        ("Hemodynamic instability\nDialysis helps.", "Hemodynamic instability"),
        # The last line of its chunk heads nothing there.
        ("Rest is advised.\nOther Causes of Hypoglycemia", "Other Causes of Hypoglycemia"),
        # A sentence on the same line is not headed by it.
        ("Other Causes of Hypoglycemia | Sepsis is one.", "Other Causes of Hypoglycemia"),
    ],
)
def test_a_line_that_heads_nothing_in_its_chunk_stands_alone(text: str, best: str) -> None:
    assert bottom_line_of(text, best) == [best]


def test_a_long_list_is_cut_at_the_limit_and_keeps_the_item_chosen() -> None:
    items = [f"item number {i}" for i in range(1, 7)]
    text = "\n".join(["The options include", *items, "Ask your doctor which one suits you."])
    assert bottom_line_of(text, "The options include", AnswerSettings(max_list_items=2)) == [
        "The options include",
        *items[:2],
    ]
    assert bottom_line_of(text, "item number 5", AnswerSettings(max_list_items=2)) == ["The options include", items[4]]


def test_an_item_that_tells_a_web_page_reader_what_to_do_is_never_quoted() -> None:
    text = "Some common symptoms are\nfatigue\nclick here for more symptoms\nweight gain\nRest helps."
    assert bottom_line_of(text, "Some common symptoms are") == ["Some common symptoms are", "fatigue", "weight gain"]


# Lines as a page writes them: lead-ins with and without a colon, items in lower case and capitalised, sentences.
LINES = st.lists(
    st.sampled_from(
        [
            "Her symptoms were:",
            "Some common symptoms are",
            "fatigue",
            "weight gain",
            "Coma",
            "Tonic-clonic seizure",
            "Initially intubated for airway protection.",
            "Do not delay dialysis",
            "click here for more",
            "Rest is advised. Fluids help too.",
        ]
    ),
    min_size=1,
    max_size=12,
)


@given(lines=LINES, pick=st.integers(min_value=0), limit=st.integers(min_value=1, max_value=4))
@settings(max_examples=300, deadline=None)
def test_a_bottom_line_is_its_sentence_with_distinct_quotable_sentences_of_its_passage_in_order(
    lines: list[str], pick: int, limit: int
) -> None:
    chunk = line_chunk("\n".join(lines))
    candidates = gather([Hit(chunk, 1.0)])
    assume(candidates)
    best = candidates[pick % len(candidates)]
    scored = [
        Candidate(c.hit, c.start, c.end, sentence=c.sentence, score=3.0 if c is best else 0.0) for c in candidates
    ]
    bottom = select(scored, AnswerSettings(max_list_items=limit)).bottom_line
    numbers = [q.sentence for q in bottom]
    # The chosen sentence is quoted, once; the rest are other sentences of its chunk, quoted verbatim and in the
    # passage's order, a lead-in before it or up to `limit` items after it.
    assert numbers.count(best.sentence) == 1
    assert numbers == sorted(set(numbers))
    assert len(bottom) <= limit + 1
    assert all(q.chunk is chunk and q.text == chunk.text[slice(*chunk.sentences[q.sentence])] for q in bottom)
    assert all(quotable(q.text) for q in bottom)
    assert numbers[0] == best.sentence or len(bottom) == 2
