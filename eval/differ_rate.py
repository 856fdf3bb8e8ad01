"""`python -m eval.differ_rate INDEX [N]`: how often answers say the sources differ on MedQuAD questions.

MedQuAD's pages rarely contradict each other, so on its questions "the sources differ" as the bottom line is
almost always a false alarm (issue 11: at most 3% of answers). Asks a fixed-seed sample of N questions (default
500) of all six MedQuAD sources (`eval.datasets.sample`, the harness's sampling) of INDEX, an index of those
sources (`medcite ingest ../shared/datasets/medquad --index INDEX`), prints each answer that says the sources
differ with its two claims, then per split (tune / held-out) the questions asked, abstained on, and answered with
"the sources differ".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.datasets import medquad_sources, read_medquad, sample
from eval.plan import default_datasets_dir
from qa.assistant import Assistant


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.differ_rate", description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="an index of all six MedQuAD sources")
    parser.add_argument("n", type=int, nargs="?", default=500, help="questions to ask (default 500)")
    args = parser.parse_args(argv)
    folder = default_datasets_dir() / "medquad"
    if not folder.is_dir():
        print(f"MedQuAD not found at {folder}; set MEDCITE_DATASETS", file=sys.stderr)
        return 2
    queries = [q for source in medquad_sources(folder) for q in read_medquad(source)]
    assistant = Assistant.load(args.index)
    counts: dict[str, list[int]] = {}
    for query in sample(queries, args.n):
        answer = assistant.ask(query.text, list(query.history))
        asked, abstained, differ = counts.setdefault(query.split, [0, 0, 0])
        counts[query.split] = [asked + 1, abstained + answer.abstained, differ + answer.disagreement]
        if answer.disagreement:
            print(f"differ: {query.text} | " + " | ".join(side.claim.text[:80] for side in answer.sides))
    for split, (asked, abstained, differ) in sorted(counts.items()):
        answered = asked - abstained
        share = differ / answered if answered else 0.0
        said = f"{differ} say the sources differ ({share:.1%} of answers)"
        print(f"{split}: {asked} asked, {abstained} abstained, {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
