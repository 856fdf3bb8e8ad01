"""Title groups: chunks that share a document title form one page, so a passage can inherit its page's evidence.

Hybrid retrieval scores each candidate by the best dense score of its group and pulls a found page's other
passages into the candidates (`qa.retrieve`). Grouping a million chunks by title took seconds at every load;
the groups are made once at build time and stored as three int arrays, memory-mapped on load.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.arrays import load_rows

GROUP_OF_ROW = "group_of_row.npy"
ROWS = "group_rows.npy"
BOUNDS = "group_bounds.npy"


def group_key(title: str, doc_id: str) -> str:
    """Same title (ignoring case and outer spaces) means same page; an untitled document is a page of its own."""
    return title.strip().lower() or f"\x00{doc_id}"


class TitleGroups:
    """Group of every chunk row, and the rows of every group (ascending); `groups[g]` is the rows of group g."""

    def __init__(self, group_of_row: np.ndarray, rows: np.ndarray, bounds: np.ndarray):
        self.of_row = group_of_row
        self._rows = rows
        self._bounds = bounds

    def __len__(self) -> int:
        return len(self._bounds) - 1

    def __getitem__(self, group: int) -> np.ndarray:
        return np.asarray(self._rows[self._bounds[group] : self._bounds[group + 1]])

    def size(self, group: int) -> int:
        return int(self._bounds[group + 1] - self._bounds[group])

    @classmethod
    def build(cls, titles: Sequence[str], doc_ids: Sequence[str]) -> TitleGroups:
        """Groups numbered in order of first appearance; row i has `titles[i]` and `doc_ids[i]`."""
        ids: dict[str, int] = {}
        of_row = np.fromiter(
            (ids.setdefault(group_key(t, d), len(ids)) for t, d in zip(titles, doc_ids, strict=True)),
            dtype=np.int32,
            count=len(titles),
        )
        rows = np.argsort(of_row, kind="stable").astype(np.int32)
        bounds = np.searchsorted(of_row[rows], np.arange(len(ids) + 1)).astype(np.int64)
        return cls(of_row, rows, bounds)

    def save(self, directory: Path) -> None:
        np.save(directory / GROUP_OF_ROW, self.of_row, allow_pickle=False)
        np.save(directory / ROWS, self._rows, allow_pickle=False)
        np.save(directory / BOUNDS, self._bounds, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, rows: int) -> TitleGroups:
        """Read what `save` wrote, memory-mapped, for an index of `rows` chunks.

        Raises:
            FileNotFoundError: a file is missing.
            ValueError: the arrays do not fit together or not `rows`.
        """
        of_row = load_rows(directory / GROUP_OF_ROW)
        order = load_rows(directory / ROWS)
        bounds = np.load(directory / BOUNDS, allow_pickle=False)
        if of_row.shape != (rows,) or order.shape != (rows,) or bounds.ndim != 1 or len(bounds) < 1:
            raise ValueError(f"the title groups hold {of_row.shape[0]} rows, not {rows}")
        if int(bounds[0]) != 0 or int(bounds[-1]) != rows:
            raise ValueError("the title groups' bounds do not cover the rows")
        return cls(of_row, order, bounds)
