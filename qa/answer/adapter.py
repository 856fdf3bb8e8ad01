"""A learned linear map of the question's vector toward the sentences that answer it (not those that share its topic).

The bundled MiniLM puts a question next to sentences about the same thing; on one page, the sentence about
symptoms and the one about treatment are equally close to "what are the symptoms of X?". The adapter W (a square
matrix, I + A) was fitted so that Wq is closest to the answering sentences (`python -m eval.train_adapter`, on
MedQuAD tune questions against their own page's sentences); the stored sentence vectors stay as they are, so it
costs one matrix product per question. The scorer reads the adapted cosine as two more features
(`qa.answer.features`: `cos_adapted`, `cos_adapted_gap`) and learns how far to trust it.

It ships as `adapter.npz` beside this module: the matrix (float16) and a JSON header naming the model whose
vectors it maps, what trained it and how well it did. For an index of another model (or width) it does not apply,
and the adapted cosine is the plain one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa import learned

ADAPTER_FILE = Path(__file__).with_name("adapter.npz")
FORMAT = "medcite-adapter-1"
RETRAIN = "python -m eval.train_adapter"


@dataclass(frozen=True)
class Adapter:
    """A square map of question vectors (dim x dim), for the vectors of `model`."""

    matrix: np.ndarray = field(compare=False)
    model: str = ""
    trained_on: str = ""
    command: str = ""
    figures: dict[str, float] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        m = np.asarray(self.matrix)
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
            raise ValueError(f"an adapter is a square matrix, got shape {m.shape}")
        if not np.isfinite(m).all():
            raise ValueError("the adapter matrix holds a value that is not a finite number")

    @property
    def dim(self) -> int:
        return int(np.asarray(self.matrix).shape[0])

    def applies_to(self, model: str | None, dim: int) -> bool:
        """Whether it maps vectors of `model` (None: its own) with `dim` dimensions."""
        return (model is None or not self.model or model == self.model) and dim == self.dim

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """The adapted question vectors, one row per row of `vectors`, scaled to unit length (so that their dot
        product with a sentence vector is a cosine)."""
        rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32)) @ np.asarray(self.matrix, dtype=np.float32).T
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms > 0, norms, 1.0)

    def save(self, path: Path) -> None:
        """Write the matrix (float16) and its header as one .npz (no pickle)."""
        header = {"model": self.model, "trained_on": self.trained_on, "command": self.command, "figures": self.figures}
        learned.save_arrays(path, FORMAT, header, {"matrix": np.asarray(self.matrix)})

    @classmethod
    def load(cls, path: Path) -> Adapter:
        """Read an adapter written by `save`.

        Raises:
            ValueError: the file is missing, not an .npz of this format, or malformed; the message names the file
                and the command that writes it.
        """
        where = f"the question adapter {path}"
        header, arrays = learned.load_arrays(path, what="the question adapter", fmt=FORMAT, retrain=RETRAIN)
        if "matrix" not in arrays:
            raise ValueError(f"{where} is malformed (no matrix); run {RETRAIN}")
        matrix = arrays["matrix"]
        try:
            return cls(
                matrix,
                model=str(header.get("model", "")),
                trained_on=str(header.get("trained_on", "")),
                command=str(header.get("command", "")),
                figures={str(k): float(v) for k, v in dict(header.get("figures", {})).items()},
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where} is malformed ({exc}); run {RETRAIN}") from exc


@lru_cache(maxsize=1)
def shipped_adapter() -> Adapter | None:
    """The adapter that ships with medcite (`adapter.npz` beside this module), or None when there is none."""
    return Adapter.load(ADAPTER_FILE) if ADAPTER_FILE.exists() else None
