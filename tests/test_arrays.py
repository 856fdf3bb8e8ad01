"""Memory-mapped arrays advised for random reads."""

from pathlib import Path

import numpy as np

from qa.arrays import load_rows


def test_rows_read_back_equal_and_read_only(tmp_path: Path) -> None:
    rows = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.save(tmp_path / "a.npy", rows)
    loaded = load_rows(tmp_path / "a.npy")
    np.testing.assert_array_equal(loaded[[3, 0]], rows[[3, 0]])
    assert isinstance(loaded, np.memmap) and not loaded.flags.writeable


def test_an_empty_array_loads(tmp_path: Path) -> None:
    np.save(tmp_path / "e.npy", np.zeros(0, dtype=np.int64))
    assert load_rows(tmp_path / "e.npy").shape == (0,)
