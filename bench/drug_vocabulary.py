"""Figures of the drug vocabulary (qa.drugs): its size, and how often real questions name a drug by another name.

Usage: .venv/bin/python bench/drug_vocabulary.py [queries.jsonl ...]
(default: MedicationQA's consumer medicine questions in /work/shared/datasets/medicationqa/queries.jsonl)

For each question it counts the names the query builder turns into a generic name (brands such as "Eliquis",
other names such as "paracetamol"), with the same everyday-word rule the assistant applies, and prints the share
of questions with at least one, and the most frequent names.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from qa.drugs import drug_names
from qa.embedding import Embedder
from qa.query import QueryBuilder

DEFAULT = Path("/work/shared/datasets/medicationqa/queries.jsonl")


def main(paths: list[Path]) -> None:
    names = drug_names()
    print(f"names used: {len(names):,} (one drug each, other than its own name), drugs: {len(set(names.values())):,}")
    everyday = {t for t in Embedder().vocabulary() if t.isalpha()}
    queries = QueryBuilder([], known_words=everyday)
    for path in paths:
        questions = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        found = Counter()
        with_name = 0
        for question in questions:
            generics = queries.generic_names(question)
            with_name += bool(generics)
            found.update(generics)
        share = with_name / len(questions)
        print(f"{path}: {len(questions)} questions, {with_name} ({share:.1%}) name a drug by a brand or other name")
        print(f"  that the vocabulary maps to a generic name; most frequent generics: {found.most_common(8)}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or [DEFAULT])
