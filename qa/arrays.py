"""Memory-mapped .npy arrays read at random rows: the chunk and sentence vectors, phrase pairs, title groups.

A page fault on a mapped file makes the kernel read ahead the next 128 KB or more, useful when reading on but
wasted when an answer reads three hundred scattered rows of a 1.5 GB file: on a cold start each row then costs
32 pages of disk reads, and the pages stay resident. `MADV_RANDOM` turns read-ahead off for the mapping.
"""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np


def load_rows(path: Path) -> np.ndarray:
    """`np.load` of a .npy file, memory-mapped read-only and advised for random access (no pickle).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a .npy file numpy can read.
    """
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    handle = getattr(array, "_mmap", None)  # absent for an empty array, which numpy does not map
    if handle is not None and hasattr(mmap, "MADV_RANDOM"):
        handle.madvise(mmap.MADV_RANDOM)
    return array
