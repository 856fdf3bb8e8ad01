"""`python -m eval.tune_disagreement`: choose the disagreement settings on the tune splits of the labelled sets.

    .venv/bin/python -m eval.tune_disagreement             # grid on tune, figures for tune and held-out
    .venv/bin/python -m eval.tune_disagreement --sets own  # one set

`qa.answer.disagreement.find` has four numbers (`AnswerSettings.same_point`, `point_rank`, `point_gap`,
`note_gap`). Every question of the labelled sets that carry "differ" labels is retrieved and scored once, exactly as
`Assistant.ask` does; then each setting of the grid is applied to the same candidates. The chosen setting flags
the most "differ" questions among those that wrongly flag at most `MAX_FALSE_ALARMS` of the other questions (issue
11's bound on "the sources differ" where they do not: a false alarm hides the direct answer the clinician asked
for). Only the tune split chooses; the held-out split is printed beside it. Write the chosen numbers into
`AnswerSettings` by hand, naming this command.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from eval import EvalError
from eval.datasets import Query, read_own_set, set_corpus
from eval.harness import index_opener
from eval.plan import ANSWER_SETS, OWN_SET, answer_set_corpus, default_datasets_dir
from eval.splits import HELD_OUT, TUNE
from qa.answer.disagreement import Relate, find
from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Document
from qa.settings import Settings

# The grid: each number's shipped value is in it.
SAME_POINT = (0.6, 0.65, 0.7, 0.75)
POINT_RANK = (1, 2, 3, 5)
POINT_GAP = (0.02, 0.05, 0.1, 0.15, 0.2)
NOTE_GAP = (0.2,)
# The largest share of the other questions a setting may answer with "the sources differ".
MAX_FALSE_ALARMS = 0.03


@dataclass(frozen=True)
class Scored:
    """One answered question's scored candidates, as `Assistant.ask` builds them."""

    source: str
    query: Query
    candidates: tuple[Candidate, ...]
    documents: Mapping[str, Document]
    relate: Relate | None = None


def gather(settings: Settings, names: Sequence[str], datasets_dir: Path) -> list[Scored]:
    """Retrieve and score every question of the named sets once (abstentions are left out: no answer to flag)."""
    opener = index_opener(settings, progress=sys.stderr.isatty())
    out: list[Scored] = []
    for name in names:
        if name == "own":
            index_name, corpus, file = "own", settings.corpus_dir, OWN_SET
        elif name in ANSWER_SETS:
            file = ANSWER_SETS[name]
            index_name, corpus = answer_set_corpus(set_corpus(file), datasets_dir)
            corpus = corpus or settings.corpus_dir
        else:
            raise EvalError(f"unknown labelled set {name!r}; choose from own, {', '.join(ANSWER_SETS)}")
        assistant = opener(index_name, corpus)
        for query in read_own_set(file):
            with assistant.embedder.sharing_queries():
                understood, hits, confidence = assistant.retrieve(query.text, query.history)
                if assistant.abstains(confidence) or not hits:
                    continue
                candidates = tuple(assistant.rank_sentences(understood, hits))
                relate = assistant.relate(understood)
            out.append(Scored(name, query, candidates, assistant.index.documents, relate))
    return out


def flags(scored: Sequence[Scored], answer_settings: AnswerSettings) -> list[bool]:
    """Per question, whether the answer says the sources differ on the point asked."""
    out = []
    for item in scored:
        found = find(item.candidates, item.documents, answer_settings, question=item.query.text, relate=item.relate)
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


def worth(scored: Sequence[Scored], flagged: Sequence[bool]) -> float:
    """The share of "differ" questions flagged, or -1 when too many others are flagged too."""
    hit, false, _, _ = rates(scored, flagged)
    return hit if false <= MAX_FALSE_ALARMS else -1.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="own,answers/other-field", help="comma-separated labelled sets")
    parser.add_argument("--datasets-dir", type=Path, help="folder of the shared data sets")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    try:
        scored = gather(settings, args.sets.split(","), datasets_dir)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    parts = {split: [s for s in scored if s.query.split == split] for split in (TUNE, HELD_OUT)}
    shipped = AnswerSettings()
    results = []
    for same, rank, gap, note in itertools.product(SAME_POINT, POINT_RANK, POINT_GAP, NOTE_GAP):
        if gap > note:
            continue
        candidate = replace(shipped, same_point=same, point_rank=rank, point_gap=gap, note_gap=note)
        results.append((worth(parts[TUNE], flags(parts[TUNE], candidate)), candidate))
    # Best on tune; among equals, the setting closest to flagging nothing (smaller rank and gaps, higher cosine).
    best_worth = max(w for w, _ in results)
    best = min(
        (c for w, c in results if w == best_worth),
        key=lambda c: (c.point_rank, c.point_gap, c.note_gap, -c.same_point),
    )
    print("| setting | split | differ questions flagged | others flagged (wrongly) |")
    print("|---|---|---|---|")
    for label, chosen in (("shipped", shipped), ("chosen on tune", best)):
        for split, items in parts.items():
            hit, false, n_differ, n_direct = rates(items, flags(items, chosen))
            print(f"| {label} | {split} | {hit:.1%} of {n_differ} | {false:.1%} of {n_direct} |")
    print(
        f"\nchosen: same_point={best.same_point} point_rank={best.point_rank} point_gap={best.point_gap} "
        f"note_gap={best.note_gap} (tune worth {best_worth:.3f}; shipped "
        f"{worth(parts[TUNE], flags(parts[TUNE], shipped)):.3f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
