"""`python -m eval.tune_disagreement`: choose the disagreement settings on the tune splits of the labelled sets.

    .venv/bin/python -m eval.tune_disagreement             # grid on tune, figures for tune and held-out
    .venv/bin/python -m eval.tune_disagreement --sets own --others ""  # one set, no public questions

`qa.answer.disagreement.find` has five numbers (`AnswerSettings.same_point`, `same_claim`, `point_rank`, `point_gap`,
`note_gap`). Every question of the labelled sets that carry "differ" labels, and of public sets where no question is
about a disagreement (`--others`: our long consumer messages over MedQuAD and MedicationQA, and samples of MedQuAD's and
MedicationQA's own questions), is retrieved and scored once, exactly as `Assistant.ask` does; then each setting of the
grid is applied to the same candidates. The chosen setting flags the most "differ" questions among those that wrongly
flag at most `MAX_FALSE_ALARMS` of the other questions, pooled and of each set (issue 11's bound on "the sources differ"
where they do not: a false alarm hides the direct answer the clinician asked for), and among equals the fewest of them;
every set's false alarms are printed. Only the tune split chooses; the held-out split is printed beside it. Write the
chosen numbers into `AnswerSettings` by hand, naming this command.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval import EvalError
from eval.datasets import (
    Query,
    every_medquad_page,
    medquad_queries,
    read_beir,
    read_judged_set,
    read_own_set,
    sample,
    set_corpus,
)
from eval.harness import index_opener
from eval.plan import ANSWER_SETS, MESSAGE_SETS, OWN_SET, answer_set_corpus, default_datasets_dir
from eval.splits import HELD_OUT, TUNE, split_of
from qa.answer.disagreement import Embed, Relate, find
from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Document
from qa.settings import Settings

# The grid: each number's shipped value is in it (same_claim -1: no clause test, as before it existed).
SAME_POINT = (0.6, 0.65, 0.7, 0.75)
SAME_CLAIM = (-1.0, 0.3, 0.35, 0.4, 0.45, 0.5)
POINT_RANK = (1, 2, 3, 4)
POINT_GAP = (0.02, 0.05, 0.1, 0.15, 0.2)
NOTE_GAP = (0.2,)
# The largest share of the other questions a setting may answer with "the sources differ".
MAX_FALSE_ALARMS = 0.03
# Public questions that ask about no disagreement, and how many of each sampled source to ask.
OTHERS = "messages/medquad,messages/medicationqa,medquad,medicationqa"
SAMPLE = 300


@dataclass(frozen=True)
class Scored:
    """One answered question's scored candidates, as `Assistant.ask` builds them."""

    source: str
    query: Query
    candidates: tuple[Candidate, ...]
    documents: Mapping[str, Document]
    relate: Relate | None = None
    embed: Embed | None = None
    # A follow-up restated from the earlier question (`Query.restated`), as `Assistant.ask` hands it on.
    restated: str = ""


def _memo(encode: Callable[[Sequence[str]], np.ndarray]) -> Callable[[Sequence[str]], np.ndarray]:
    """`encode` remembering each text's row: the grid asks for the same clauses once per setting."""
    known: dict[str, np.ndarray] = {}

    def encoded(texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            known.update(zip(todo, encode(todo), strict=True))
        return np.stack([known[t] for t in texts])

    return encoded


def questions(name: str, settings: Settings, datasets_dir: Path) -> tuple[str, Path, Sequence[Query]]:
    """(index name, corpus, questions) of a labelled set or of a public set of other questions."""
    if name == "own":
        return "own", settings.corpus_dir, read_own_set(OWN_SET)
    if name in ANSWER_SETS:
        file = ANSWER_SETS[name]
        index_name, corpus = answer_set_corpus(set_corpus(file), datasets_dir)
        return index_name, corpus or settings.corpus_dir, read_own_set(file)
    messages = {m[0]: m for m in MESSAGE_SETS}
    if name in messages:
        _, file, folder, index_name = messages[name]
        found = [replace(q, split=split_of(q.qid)) for q in read_judged_set(file)]
        return index_name, datasets_dir / folder, found
    if name == "medquad":
        folder = datasets_dir / "medquad"
        pages = every_medquad_page(folder)
        return "medquad/all", folder, sample(medquad_queries(pages), SAMPLE)
    if name == "medicationqa":
        folder = datasets_dir / "medicationqa"
        return "beir/medicationqa", folder, sample(read_beir(folder), SAMPLE)
    raise EvalError(
        f"unknown set {name!r}; choose from own, {', '.join(ANSWER_SETS)}, {', '.join(messages)}, medquad, medicationqa"
    )


def gather(settings: Settings, names: Sequence[str], datasets_dir: Path) -> list[Scored]:
    """Retrieve and score every question of the named sets once (abstentions are left out: no answer to flag)."""
    opener = index_opener(settings, progress=sys.stderr.isatty())
    out: list[Scored] = []
    for name in names:
        index_name, corpus, asked = questions(name, settings, datasets_dir)
        assistant = opener(index_name, corpus)
        for query in asked:
            with assistant.embedder.sharing_queries():
                understood, hits, confidence = assistant.retrieve(query.text, query.history)
                if assistant.abstains(confidence) or not hits:
                    continue
                candidates = tuple(assistant.rank_sentences(understood, hits))
                relate = _memo(assistant.relate(understood))
            embed = _memo(assistant.embedder.encode_uncached)
            restated = understood.text if understood.restated else ""
            out.append(Scored(name, query, candidates, assistant.index.documents, relate, embed, restated))
    return out


def flags(scored: Sequence[Scored], answer_settings: AnswerSettings) -> list[bool]:
    """Per question, whether the answer says the sources differ on the point asked."""
    out = []
    for item in scored:
        found = find(
            item.candidates,
            item.documents,
            answer_settings,
            question=item.query.text,
            relate=item.relate,
            embed=item.embed,
            restated=item.restated,
        )
        out.append(found is not None and found.asked)
    return out


def rates(scored: Sequence[Scored], flagged: Sequence[bool]) -> tuple[float, float, int, int]:
    """(share of "differ" questions flagged, share of the others flagged, how many of each)."""
    differ = [f for s, f in zip(scored, flagged, strict=True) if s.query.differ]
    direct = [f for s, f in zip(scored, flagged, strict=True) if not s.query.differ]
    return (
        sum(differ) / len(differ) if differ else 0.0,
        sum(direct) / len(direct) if direct else 0.0,
        len(differ),
        len(direct),
    )


def false_alarms(scored: Sequence[Scored], flagged: Sequence[bool]) -> dict[str, tuple[int, int]]:
    """Per set: (questions without "differ" flagged, how many there are)."""
    out: dict[str, tuple[int, int]] = {}
    for item, flag in zip(scored, flagged, strict=True):
        if not item.query.differ:
            wrong, total = out.get(item.source, (0, 0))
            out[item.source] = (wrong + flag, total + 1)
    return out


def worth(scored: Sequence[Scored], flagged: Sequence[bool]) -> float:
    """The share of "differ" questions flagged, or -1 when too many others are flagged too: more than
    `MAX_FALSE_ALARMS` of them all, or of one set's (one question of a small set may be).

    The bound holds per set as well as pooled: pooled alone, 6 of 39 long messages said "the sources differ" while
    hidden among 300 MedQuAD and MedicationQA questions (2026-12-03).
    """
    hit, false, _, _ = rates(scored, flagged)
    per_set = all(wrong <= max(MAX_FALSE_ALARMS * total, 1) for wrong, total in false_alarms(scored, flagged).values())
    return hit if false <= MAX_FALSE_ALARMS and per_set else -1.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="own,answers/other-field", help="comma-separated labelled sets")
    parser.add_argument("--others", default=OTHERS, help="comma-separated public sets asking about no disagreement")
    parser.add_argument("--datasets-dir", type=Path, help="folder of the shared data sets")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    names = [n for n in (*args.sets.split(","), *args.others.split(",")) if n]
    try:
        scored = gather(settings, names, datasets_dir)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    parts = {split: [s for s in scored if s.query.split == split] for split in (TUNE, HELD_OUT)}
    shipped = AnswerSettings()
    results = []
    for same, claim, rank, gap, note in itertools.product(SAME_POINT, SAME_CLAIM, POINT_RANK, POINT_GAP, NOTE_GAP):
        if gap > note:
            continue
        candidate = replace(shipped, same_point=same, same_claim=claim, point_rank=rank, point_gap=gap, note_gap=note)
        flagged = flags(parts[TUNE], candidate)
        results.append((worth(parts[TUNE], flagged), rates(parts[TUNE], flagged)[1], candidate))
    # Best on tune; among equals, the one with the fewest false alarms, then the setting closest to flagging
    # nothing (smaller rank and gaps, higher cosines).
    best_worth = max(w for w, _, _ in results)
    _, _, best = min(
        (r for r in results if r[0] == best_worth),
        key=lambda r: (r[1], r[2].point_rank, r[2].point_gap, r[2].note_gap, -r[2].same_claim, -r[2].same_point),
    )
    sets = list(dict.fromkeys(s.source for s in scored))
    print("| setting | split | differ questions flagged | " + " | ".join(f"{n}: others flagged" for n in sets) + " |")
    print("|---|---|---|" + "---|" * len(sets))
    for label, chosen in (("shipped", shipped), ("chosen on tune", best)):
        for split, items in parts.items():
            flagged = flags(items, chosen)
            hit, _, n_differ, _ = rates(items, flagged)
            alarms = false_alarms(items, flagged)
            cells = " | ".join(
                f"{alarms[n][0]} of {alarms[n][1]}" if n in alarms and alarms[n][1] else "n/a" for n in sets
            )
            print(f"| {label} | {split} | {hit:.1%} of {n_differ} | {cells} |")
    print(
        f"\nchosen: same_point={best.same_point} same_claim={best.same_claim} point_rank={best.point_rank} "
        f"point_gap={best.point_gap} note_gap={best.note_gap} (tune worth {best_worth:.3f}; shipped "
        f"{worth(parts[TUNE], flags(parts[TUNE], shipped)):.3f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
