#!/usr/bin/env bash
# The CI eval gate: fails (exit 1) when a retrieval, answer or abstention figure drops below eval/floors.json.
#
# Runs the fast subset: our own set and the labelled answer sets over small corpora (the other-field fixture,
# PubMedQA facts), one small MedQuAD source (NIDDK) with its follow-up pairs, PubMedQA, PubMedQA's held-out
# sentences (the set where matching words wins, so hybrid is held within a point of BM25 there: the floors' "*"),
# the emergency line and abstention, on a fixed sample (--limit) so it takes minutes, not the hour of a full
# `medcite eval`. Indexes and embeddings are cached under $MEDCITE_CACHE (or ~/.cache/medcite/cache), so a
# second run on the same machine skips the embedding. Called by .ci/run; usable by hand: `bash eval/gate.sh`.
#
# Environment: MEDCITE_DATASETS (default: ../shared/datasets beside the repository), EVAL_GATE_OUT (where the
# report goes, default out/eval-gate), EVAL_GATE_LIMIT (questions per public data set, default 400; `medcite eval`
# asks every question of a labelled answer set whatever the limit: tests/eval/test_harness.py), PYTHON. On a
# machine busy with other jobs, OMP_NUM_THREADS=1 keeps torch from thrashing (about 10x faster queries here).
set -euo pipefail

cd "$(dirname "$0")/.."
datasets="${MEDCITE_DATASETS:-$PWD/../shared/datasets}"
out="${EVAL_GATE_OUT:-out/eval-gate}"
limit="${EVAL_GATE_LIMIT:-400}"
python="${PYTHON:-.venv/bin/python}"

for needed in "$datasets/medquad/5_NIDDK_QA" "$datasets/pubmedqa/ori_pqal.json"; do
    if [ ! -e "$needed" ]; then
        echo "eval gate: $needed is missing; set MEDCITE_DATASETS to the shared data sets folder" >&2
        exit 2
    fi
done

started=$(date +%s)
status=0
"$python" -m medcite eval own,answers/other-field,answers/pubmedqa,medquad/5_NIDDK_QA,followups/5_NIDDK_QA,pubmedqa,pubmedqa/sentences,abstention,emergency \
    --datasets-dir "$datasets" --limit "$limit" --gate eval/floors.json --out "$out" || status=$?
echo "eval gate: exit $status after $(( $(date +%s) - started )) s; report in $out/results.md"
exit "$status"
