"""`python -m eval.passage_ranks [SET] [--weights ...]`: where hybrid and each signal rank a set's judged passages.

For each question of a labelled answer set (default answers/pubmedqa), over the index `medcite eval` builds for
its corpus: the rank of the first chunk holding the quoted answer among the hybrid's candidates, under the
index's weights (or `--weights`), under each weighted signal alone and with each weight removed; whether the top
chunk is from the judged document; the passage's place among its document's chunks. Then nDCG@10 per part (tune /
held-out) of each weighting, as the harness scores a passage-judged set: what the diagnosis of answers/pubmedqa in
eval/README.md ("Choosing the fusion") rests on.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from eval import EvalError
from eval.datasets import part_of, read_own_set, set_corpus
from eval.harness import index_opener
from eval.passages import PassageJudge
from eval.plan import ANSWER_SETS, answer_set_corpus, default_datasets_dir
from qa.fusion import SIGNALS, FusionWeights, fuse
from qa.settings import Settings

CUTOFF = 10


def rank_of(score: np.ndarray, rows: np.ndarray, wanted: set[int]) -> int:
    """1-based rank of the best-placed wanted row when candidates are ordered by `score` (0: not a candidate)."""
    order = rows[np.argsort(-score, kind="stable")]
    at = [i for i, row in enumerate(order.tolist()) if row in wanted]
    return at[0] + 1 if at else 0


def gain(rank: int) -> float:
    """nDCG@10 of one relevant passage found at `rank`."""
    return 1.0 / math.log2(rank + 1) if 0 < rank <= CUTOFF else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.passage_ranks", description=__doc__.splitlines()[0])
    parser.add_argument("set", nargs="?", default="answers/pubmedqa", choices=sorted(ANSWER_SETS))
    parser.add_argument(
        "--weights", help="the hybrid's weights instead of the index's, e.g. dense=1,bm25=1,lead=1,sentence=1"
    )
    args = parser.parse_args(argv)
    file = ANSWER_SETS[args.set]
    try:
        name, corpus = answer_set_corpus(set_corpus(file), default_datasets_dir())
    except EvalError as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = Settings.from_env()
    assistant = index_opener(settings, progress=False)(name, corpus or settings.corpus_dir)
    index, retriever = assistant.index, assistant.retriever
    queries = read_own_set(file)
    judge = PassageJudge(index, queries)
    row_of = {chunk.chunk_id: row for row, chunk in enumerate(index.chunks)}
    base = retriever.weights
    if args.weights:
        try:
            base = FusionWeights.from_dict({k: float(v) for k, v in (p.split("=") for p in args.weights.split(","))})
        except ValueError as exc:
            print(f"--weights: {exc}; give name=value pairs separated by commas", file=sys.stderr)
            return 2
    used = [s for s in SIGNALS if getattr(base, s) > 0]
    weightings = {"hybrid": base}
    weightings.update({f"{s} alone": FusionWeights.from_dict({s: 1.0}) for s in used})
    weightings.update({f"no {s}": FusionWeights.from_dict({**base.to_dict(), s: 0.0}) for s in used if len(used) > 1})
    print(f"{args.set}: {len(queries)} questions; weights {base.describe()}")
    scores: dict[tuple[str, str], list[float]] = {}
    for query in queries:
        held = {row_of[c] for p in query.passages for c in judge.holders[p.key]}
        found = retriever.candidates(assistant.search_texts(assistant.build_query(query.text, query.history)))
        ranks = {label: rank_of(fuse(found, w), found.rows, held) for label, w in weightings.items()}
        top = int(found.rows[np.argmax(fuse(found, base))]) if found.rows.size else -1
        target = min(held)
        own = index.chunk_rows_of(index.chunks[target].doc_id)
        same = top >= 0 and index.chunks[top].doc_id == index.chunks[target].doc_id
        part = part_of(query.qid)
        for label, rank in ranks.items():
            scores.setdefault((part, label), []).append(gain(rank))
            scores.setdefault(("all", label), []).append(gain(rank))
        shown = " ".join(f"{label}={rank}" for label, rank in ranks.items())
        where = f"passage {own.index(target) + 1} of {len(own)}, top from its document {same}"
        print(f"{query.qid} {part}: {where}; {shown}")
    for part in ("tune", "held-out", "all"):
        figures = [(label, np.mean(scores[(part, label)])) for label in weightings if (part, label) in scores]
        if figures:
            count = len(scores[(part, "hybrid")])
            print(f"nDCG@10 {part} ({count}): " + ", ".join(f"{label} {value:.3f}" for label, value in figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
