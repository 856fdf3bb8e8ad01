"""`python -m eval.tune_unmatched`: choose `AnswerSettings.unmatched_below` and `unmatched_frequent` on the tune
splits.

    .venv/bin/python -m eval.tune_unmatched            # the grid on tune, figures for tune and held-out

An answer names the words of the question that no indexed source holds (`Answer.unmatched`) when its confidence is
below `unmatched_below`, but not the `unmatched_frequent` most frequent words of the language ("take", "off":
`qa.confidence.word_ranks`). Questions about an aspect the sources never mention (`eval/sets/near_scope.jsonl`: "is
baclofen safe in pregnancy?" of the two baclofen pages) are close to what the sources say, and most are answered:
for them the notice is the warning. On questions the sources do answer it is noise, though never false (the word is
not in the sources). Every question is retrieved once, as `Assistant.ask` does; each pair of the grid (a number of
frequent words passed over, a gate) is then applied to the same confidences and words. Of the pairs at which the
notice shows on at most `MAX_NOISE` of the answered tune questions of every in-scope set (our labelled sets,
MedicationQA and our long consumer messages), the one that warns the most near-scope tune questions (abstained on,
or answered with a notice) is chosen; of equals, the quietest, then the highest gate, then the most words passed
over. Only the tune split chooses; the held-out split is printed beside it. Write the chosen numbers into
`AnswerSettings` by hand, naming this command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eval import EvalError
from eval.datasets import Query, read_beir, read_judged_set, read_own_set, read_question_set, set_corpus
from eval.harness import index_opener
from eval.plan import ANSWER_SETS, MESSAGE_SETS, NEAR_SCOPE_SET, OWN_SET, answer_set_corpus, default_datasets_dir
from eval.splits import HELD_OUT, TUNE, split_of
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.assistant import Assistant

GATES = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.01)
# How many of the most frequent words the notice passes over (`AnswerSettings.unmatched_frequent`): none, about the
# function words (250), about the words of everyday talk (2,000), and more.
FREQUENT = (0, 250, 500, 1000, 2000, 4000, 8000)
# The largest share of an in-scope set's answered tune questions that may carry the notice: a design choice, not
# tuned. A notice on one answer in ten is still read; one on every other answer would be skimmed past.
MAX_NOISE = 0.10
NEAR = "near_scope.jsonl"


@dataclass(frozen=True)
class Retrieved:
    """One question retrieved as `Assistant.ask` retrieves it: its confidence, whether it is abstained on, and the
    words of it that no source holds, by how many frequent words are passed over (`FREQUENT`)."""

    split: str
    confidence: float
    abstained: bool
    unmatched: Mapping[int, tuple[str, ...]]

    def named(self, gate: float, frequent: int = 0) -> bool:
        return not self.abstained and self.confidence < gate and bool(self.unmatched.get(frequent))


def ask(assistant: Assistant, queries: Sequence[Query]) -> list[Retrieved]:
    """Each question retrieved and judged as `Assistant.ask` does, not answered: the gate needs no answer."""
    out = []
    for query in queries:
        read, hits, confidence = assistant.retrieve(query.text, list(query.history))
        unmatched = {n: assistant.missing_words(read, hits, frequent_below=n) for n in FREQUENT}
        out.append(Retrieved(query.split or split_of(query.qid), confidence, assistant.abstains(confidence), unmatched))
    return out


def shares(asked: Sequence[Retrieved], gate: float, *, near: bool, frequent: int = 0) -> dict[str, float | None]:
    """Per split: of near-scope questions the share warned (abstained on or named); of in-scope ones, the share of
    the answered that are named (`frequent` words passed over)."""
    out: dict[str, float | None] = {}
    for split in (TUNE, HELD_OUT):
        chosen = [a for a in asked if a.split == split]
        if near:
            out[split] = sum(a.abstained or a.named(gate, frequent) for a in chosen) / len(chosen) if chosen else None
        else:
            answered = [a for a in chosen if not a.abstained]
            out[split] = sum(a.named(gate, frequent) for a in answered) / len(answered) if answered else None
    return out


def choose(groups: dict[str, list[Retrieved]]) -> tuple[int, float]:
    """(frequent words passed over, gate): of the pairs at which every in-scope set's answered tune questions carry
    the notice at most `MAX_NOISE` of the time, the one warning the most near-scope tune questions; of equals, the
    quietest (the lowest largest share of an in-scope set noticed), then the highest gate, then the most words
    passed over ((0, 0.0), never, when none qualifies). A notice that warns no more is noise."""
    in_scope = [asked for name, asked in groups.items() if name != NEAR]

    def noise(frequent: int, gate: float) -> float:
        return max((shares(a, gate, near=False, frequent=frequent)[TUNE] or 0.0 for a in in_scope), default=0.0)

    def warned(frequent: int, gate: float) -> float:
        return shares(groups.get(NEAR, []), gate, near=True, frequent=frequent)[TUNE] or 0.0

    fit = [(frequent, gate) for frequent in FREQUENT for gate in GATES if noise(frequent, gate) <= MAX_NOISE]
    return max(fit, key=lambda pair: (warned(*pair), -noise(*pair), pair[1], pair[0]), default=(0, 0.0))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def table(groups: dict[str, list[Retrieved]], chosen: tuple[int, float]) -> str:
    names = [NEAR, *(n for n in groups if n != NEAR)]
    head = "| frequent words passed over | gate | " + " | ".join(f"{n} (tune / held-out)" for n in names) + " |"
    lines = [head, "|" + "---|" * (len(names) + 2)]
    for frequent in FREQUENT:
        for gate in GATES:
            cells = []
            for name in names:
                found = shares(groups[name], gate, near=name == NEAR, frequent=frequent)
                cells.append(f"{_percent(found[TUNE])} / {_percent(found[HELD_OUT])}")
            mark = " (chosen)" if (frequent, gate) == chosen else ""
            lines.append(f"| {frequent} | {gate}{mark} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.tune_unmatched", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets-dir", default=None, help="the shared data sets (default: $MEDCITE_DATASETS)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    open_assistant = index_opener(settings, progress=False)
    try:
        own = open_assistant("own", settings.corpus_dir)
        groups = {NEAR: ask(own, read_question_set(NEAR_SCOPE_SET)), "own": ask(own, read_own_set(OWN_SET))}
        for name, file in ANSWER_SETS.items():
            index_name, corpus = answer_set_corpus(set_corpus(file), datasets_dir)
            assistant = own if corpus is None else open_assistant(index_name, corpus)
            groups[name] = ask(assistant, read_own_set(file))
        medicationqa = datasets_dir / "medicationqa"
        beir = open_assistant("beir/medicationqa", medicationqa)
        groups["medicationqa"] = ask(beir, read_beir(medicationqa))
        for name, file, corpus, index_name in MESSAGE_SETS:
            assistant = beir if index_name == "beir/medicationqa" else open_assistant(index_name, datasets_dir / corpus)
            groups[name] = ask(assistant, read_judged_set(file))
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    chosen = choose(groups)
    print(
        f"Near-scope questions warned (abstained on, or answered naming a word no source holds), and the share of "
        f"answered in-scope questions that name one, by the number of most frequent words passed over "
        f"(AnswerSettings.unmatched_frequent) and gate (AnswerSettings.unmatched_below), %:\n\n"
        f"{table(groups, chosen)}\n\nchosen: unmatched_frequent {chosen[0]}, unmatched_below {chosen[1]} (the most "
        f"near-scope tune questions warned with every in-scope set's tune share at most {MAX_NOISE:.0%}; of equals, "
        f"the quietest)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
