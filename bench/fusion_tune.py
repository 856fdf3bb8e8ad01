"""What labelled questions say about the hybrid weights, next to what each index chose from its own pseudo-queries.

For every data set named, the questions of its tune part (never its held-out part) are judged through the shipped
retriever (`Retriever.candidates`, as `qa.calibration.judge` does for pseudo-queries), and `qa.fusion.optimize_fusion`
is run on them. Prints, per set, nDCG@10 of dense, bm25, the fallback weights, the weights the index chose at ingest
(without labels), and the weights the labels would choose; then the weights chosen on all sets' tune parts pooled
(each set counting equally), which is how `qa.calibration.PRIOR` was chosen (its "fallback" column is the prior
less the signals the corpus's shape cannot use, `qa.calibration.start_weights`):

    .venv/bin/python bench/fusion_tune.py medquad/all,pubmedqa,pubmedqa/sentences,medicationqa,messages \\
        --per-set 400

Indexes are the harness's (`medcite eval` builds them under $MEDCITE_HOME/cache/eval, reused when unchanged).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from eval.datasets import part_of  # noqa: E402
from eval.harness import corpus_of, index_name, index_opener, materialise, target_questions  # noqa: E402
from eval.plan import default_datasets_dir, resolve_plan  # noqa: E402
from qa.calibration import Question, judge, shape_of, start_weights  # noqa: E402
from qa.fusion import FusionWeights, Judged, mean_ndcg, optimize_fusion  # noqa: E402
from qa.retrieve import index_weights  # noqa: E402
from qa.settings import Settings  # noqa: E402

# A set needs this many tune questions to take part in choosing the pooled weights.
MIN_POOLED = 100


def tune_part(
    name: str, settings: Settings, datasets: Path, per_set: int
) -> tuple[list[Judged], FusionWeights, FusionWeights]:
    """The judged tune-part questions of one data set (a fixed sample of `per_set`), the weights its index chose,
    and the prior less what its shape cannot use (where calibration started)."""
    (target,) = [materialise(t, settings) for t in resolve_plan(name, None, datasets).targets]
    queries, _ = target_questions(target)
    chosen = [q for q in queries if part_of(q.qid) == "tune" and q.relevant]
    chosen = random.Random(0).sample(chosen, min(per_set, len(chosen)))
    assistant = index_opener(settings, progress=False)(index_name(target), corpus_of(target, settings))
    questions = []
    for query in chosen:
        relevant = {d: float(g) for d, g in query.relevant.items() if d in assistant.index.documents}
        if relevant:
            texts = assistant.build_query(query.text, query.history).expanded
            questions.append(Question(tuple(texts), relevant))
    start = start_weights(shape_of(assistant.index))
    return judge(assistant.retriever, questions), index_weights(assistant.index), start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", help="comma-separated harness data set names (each one target)")
    parser.add_argument("--per-set", type=int, default=400, help="tune-part questions per set (a fixed sample)")
    parser.add_argument("--datasets-dir", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings.from_env()
    datasets = args.datasets_dir or default_datasets_dir()
    pooled: list[Judged] = []
    print("| data set | tune questions | dense | bm25 | fallback | chosen at ingest | labels' choice | its weights |")
    print("|---|---|---|---|---|---|---|---|")
    per_set: list[list[Judged]] = []
    starts: list[FusionWeights] = []
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    for name in names:
        judged, chosen, start = tune_part(name, settings, datasets, args.per_set)
        per_set.append(judged)
        starts.append(start)
        labels = optimize_fusion(judged, start)
        print(
            f"| {name} | {len(judged)} | {labels.single['dense']:.3f} | {labels.single['bm25']:.3f} | "
            f"{mean_ndcg(judged, start):.3f} | {mean_ndcg(judged, chosen):.3f} | {labels.score:.3f} | "
            f"{labels.weights.describe()} |",
            flush=True,
        )
    # The sets large enough to tune on count equally: each is sampled down to the smallest of them. (The message
    # sets, a few dozen questions each, are only checked.)
    large = [j for j in per_set if len(j) >= MIN_POOLED]
    smallest = min(len(j) for j in large)
    for judged in large:
        pooled.extend(random.Random(1).sample(judged, smallest))
    equal = FusionWeights(dense=1, bm25=1, topic=1, lead=1, aspect=1, sentence=1, phrase=1)
    choice = optimize_fusion(pooled, equal, min_gain=0.001)
    print(f"\nPooled ({len(large)} sets x {smallest} questions), from equal weights: {choice.weights.describe()}")
    print(f"nDCG@10 {choice.score:.3f} (equal weights {choice.start_score:.3f})")
    print("steps: " + "; ".join(choice.steps))
    print("\n| data set | pooled choice | fallback | better of dense, bm25 |\n|---|---|---|---|")
    for name, judged, start in zip(names, per_set, starts, strict=True):
        single = max(mean_ndcg(judged, FusionWeights(dense=1)), mean_ndcg(judged, FusionWeights(dense=0, bm25=1)))
        print(f"| {name} | {mean_ndcg(judged, choice.weights):.3f} | {mean_ndcg(judged, start):.3f} | {single:.3f} |")


if __name__ == "__main__":
    main()
