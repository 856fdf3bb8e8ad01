"""The dense (FAISS) index of the chunk vectors: which kind for which corpus size, how it is built and searched.

Small corpora are searched exactly (`flat-ip`: every vector scored). Above `Settings.approximate_above` chunks
the index is approximate, of the kind `DenseSettings.approximate` names:

- `ivf-sq8`: an inverted file (Jegou, Douze & Schmid, "Product quantization for nearest neighbor search", TPAMI
  2011, section IV) of `lists` k-means cells; each vector stored as 8-bit scalar codes (one byte per dimension).
  A query scans its `nprobe` nearest cells.
- `ivf-pq`: the same inverted file with product-quantised codes (`pq_bytes` bytes a vector).
- `hnsw`: a navigable small-world graph over the full float vectors (Malkov & Yashunin, "Efficient and robust
  approximate nearest neighbor search using Hierarchical Navigable Small World graphs", TPAMI 2018).

The quantised kinds return candidates, not final scores: their best `refine * k` rows are scored again exactly
against the float32 vectors (memory-mapped `vectors.npy`), so every score a caller sees is the exact cosine and
the order among the returned rows is exact. The inverted lists are memory-mapped from the index file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from qa.settings import DENSE_KINDS

EXACT = "flat-ip"


@dataclass(frozen=True)
class DenseSettings:
    """How each kind of dense index is built and searched.

    Chosen with `bench/scale_bench.py` on MedQuAD's vectors replicated with noise (bench/README.md, "Scale"): `ivf-sq8`
    with 128 cells probed gave recall@10 against exact search of 0.983 at 30k chunks and 0.990 at 300k; its
    dense index built in 6 s and 58 s where `hnsw` took 32 s at 30k (283 s at 300k in an earlier run, recall@10
    0.959 at efSearch 200), and its codes take a byte a dimension where `hnsw` keeps every float plus a graph.
    `ivf-pq` gave the same recall@10 but worse recall@100 for a slower build.
    """

    approximate: str = "ivf-sq8"
    # Inverted-file cells: lists_per_sqrt * sqrt(chunks), at least one per max_points_per_list chunks
    # (k-means wants tens of points per cell, and a cell too big makes every probe slow).
    lists_per_sqrt: float = 2.0
    max_points_per_list: int = 2048
    min_points_per_list: int = 39
    # Cells scanned per query, and k-means training sample (points per cell). Questions lie far from the chunks
    # they match (cosine ~0.6), so their nearest cells are often not their neighbours' cells: 64 cells gave
    # recall@10 0.975 at 300k chunks (1,095 cells), short of 0.98; 128 costs a few more ms a search.
    nprobe: int = 128
    train_points_per_list: int = 64
    pq_bytes: int = 48
    # Approximate candidates re-scored exactly, as a multiple of the k asked for.
    refine: int = 3
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 96
    # Fewer queries than this are searched on one thread (the caller's): an exact search of one question over
    # MedQuAD's 25,990 vectors took 4.3-5.4 ms on one thread and 6.6-6.9 ms on two on an idle machine (OpenMP's
    # start-up outweighs the split), and the chat already answers two questions at once on two cores.
    # Batches (calibration's pseudo-queries, benchmarks) keep every thread.
    parallel_from: int = 8

    def __post_init__(self) -> None:
        if self.approximate not in DENSE_KINDS or self.approximate == EXACT:
            approximate = ", ".join(k for k in DENSE_KINDS if k != EXACT)
            raise ValueError(f"DenseSettings.approximate must be one of {approximate}, got {self.approximate!r}")
        for name in (
            "nprobe",
            "refine",
            "hnsw_m",
            "hnsw_ef_search",
            "pq_bytes",
            "train_points_per_list",
            "parallel_from",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"DenseSettings.{name} must be positive, got {getattr(self, name)}")

    def lists_for(self, chunks: int) -> int:
        """Number of inverted-file cells for an index of `chunks` vectors (1 for a corpus too small to split)."""
        wanted = max(round(self.lists_per_sqrt * math.sqrt(chunks)), math.ceil(chunks / self.max_points_per_list))
        return max(1, min(wanted, chunks // self.min_points_per_list))


DENSE = DenseSettings()


def choose_kind(chunks: int, approximate_above: int, forced: str = "auto", dense: DenseSettings = DENSE) -> str:
    """The dense index kind for a corpus of `chunks`: `forced` unless "auto", else exact up to `approximate_above`
    chunks and `dense.approximate` above (`Settings.approximate_above` and `Settings.dense_kind`).

    Raises:
        ValueError: `forced` is neither "auto" nor a kind of `DENSE_KINDS`.
    """
    if forced != "auto":
        if forced not in DENSE_KINDS:
            raise ValueError(f"unknown dense index kind {forced!r}; choose auto or one of {', '.join(DENSE_KINDS)}")
        return forced
    return dense.approximate if chunks > approximate_above else EXACT


def build(vectors: np.ndarray, kind: str, dense: DenseSettings = DENSE) -> faiss.Index:
    """A FAISS index of unit `vectors` (float32, C order) searched by inner product.

    Raises:
        ValueError: `kind` is not one of `DENSE_KINDS`.
    """
    n, dim = vectors.shape
    if kind == EXACT:
        index: faiss.Index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, dense.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = dense.hnsw_ef_construction
    elif kind in ("ivf-sq8", "ivf-pq"):
        lists = dense.lists_for(n)
        quantizer = faiss.IndexFlatIP(dim)
        if kind == "ivf-sq8":
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        else:
            # 2^bits centroids per sub-quantiser want tens of training points each: fewer bits on a small corpus.
            bits = max(1, min(8, int(math.log2(max(n / dense.min_points_per_list, 2)))))
            parts = _pq_parts(dim, dense.pq_bytes)
            index = faiss.IndexIVFPQ(quantizer, dim, lists, parts, bits, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = 1234  # a rebuild of the same vectors gives the same cells
        # lists_for keeps tens of points a cell; only a corpus too small to split gets one cell for all.
        index.cp.min_points_per_centroid = 1
        index.train(_training_sample(vectors, lists * dense.train_points_per_list))
    else:
        raise ValueError(f"unknown dense index kind {kind!r}; choose one of {', '.join(DENSE_KINDS)}")
    index.add(vectors)
    return index


def _pq_parts(dim: int, wanted: int) -> int:
    """The largest number of product-quantiser parts, at most `wanted`, that divides `dim`."""
    return next(m for m in range(min(wanted, dim), 0, -1) if dim % m == 0)


def _training_sample(vectors: np.ndarray, size: int) -> np.ndarray:
    """Evenly spaced rows (deterministic, and spread over every source of a corpus ingested in order)."""
    if vectors.shape[0] <= size:
        return np.ascontiguousarray(vectors, dtype=np.float32)
    rows = np.linspace(0, vectors.shape[0] - 1, size).astype(np.int64)
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def write(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def read(path: Path, kind: str) -> faiss.Index:
    """Open a dense index file of `kind` with its vectors or inverted lists memory-mapped, not copied.

    Raises:
        FileNotFoundError: no such file.
        RuntimeError: FAISS cannot read it (damaged or truncated).
        ValueError: the file holds another kind of index.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} is missing")
    # IO_FLAG_MMAP maps an inverted file's lists; IO_FLAG_MMAP_IFC a flat or HNSW index's vectors.
    flag = faiss.IO_FLAG_MMAP if kind.startswith("ivf-") else faiss.IO_FLAG_MMAP_IFC
    index = faiss.read_index(str(path), flag)
    if kind_of(index) != kind:
        raise ValueError(f"{path.name} holds a {kind_of(index)} index, not {kind}")
    return index


def kind_of(index: faiss.Index) -> str:
    """The kind name of a FAISS index this module built (to check a file against its manifest)."""
    index = faiss.downcast_index(index)
    if isinstance(index, faiss.IndexHNSWFlat):
        return "hnsw"
    if isinstance(index, faiss.IndexIVFScalarQuantizer):
        return "ivf-sq8"
    if isinstance(index, faiss.IndexIVFPQ):
        return "ivf-pq"
    if isinstance(index, faiss.IndexFlatIP):
        return EXACT
    return type(index).__name__


def search(
    index: faiss.Index,
    kind: str,
    queries: np.ndarray,
    k: int,
    vectors: np.ndarray,
    dense: DenseSettings = DENSE,
) -> tuple[np.ndarray, np.ndarray]:
    """The best `k` rows for each query (float32, C order, unit length) and their exact cosines.

    `vectors` are the float32 vectors the index was built from (memory-mapped): quantised kinds re-score their
    candidates against them. Fewer than `k` rows found leaves rows -1 and scores -inf at the end.
    """
    n = queries.shape[0]
    take = min(k, index.ntotal)
    scores = np.full((n, k), -np.inf, dtype=np.float32)
    rows = np.full((n, k), -1, dtype=np.int64)
    if n == 0 or take == 0:
        return scores, rows
    with _threads(1 if n < dense.parallel_from else 0):
        found_scores, found_rows = _search(index, kind, queries, take, vectors, dense)
    rows[:, :take] = found_rows
    scores[:, :take] = np.where(found_rows >= 0, found_scores, -np.inf)
    return scores, rows


@contextmanager
def _threads(threads: int) -> Iterator[None]:
    """FAISS's OpenMP threads for this thread's searches inside the block (0: leave them as they are).

    OpenMP's thread count is a per-thread setting, so two answers searching at once do not change each other's.
    """
    if threads <= 0:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _search(
    index: faiss.Index, kind: str, queries: np.ndarray, take: int, vectors: np.ndarray, dense: DenseSettings
) -> tuple[np.ndarray, np.ndarray]:
    if kind == EXACT:
        found_scores, found_rows = index.search(queries, take)
    elif kind == "hnsw":
        # Per-call parameters rather than setting efSearch on the index: searches may run in parallel.
        params = faiss.SearchParametersHNSW(efSearch=max(dense.hnsw_ef_search, 2 * take))
        found_scores, found_rows = index.search(queries, take, params=params)
    else:
        fetch = min(index.ntotal, dense.refine * take)
        params = faiss.SearchParametersIVF(nprobe=min(dense.nprobe, faiss.extract_index_ivf(index).nlist))
        _, candidates = index.search(queries, fetch, params=params)
        found_scores, found_rows = _rescore(candidates, queries, vectors, take)
    return found_scores, found_rows


def _rescore(
    candidates: np.ndarray, queries: np.ndarray, vectors: np.ndarray, take: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each query's candidate rows scored exactly, the best `take` kept, best first (ties by row)."""
    n = queries.shape[0]
    out_scores = np.full((n, take), -np.inf, dtype=np.float32)
    out_rows = np.full((n, take), -1, dtype=np.int64)
    for i in range(n):
        # Sorted rows read the memory-mapped vectors front to back.
        found = np.unique(candidates[i][candidates[i] >= 0])
        if found.size == 0:
            continue
        exact = np.asarray(vectors[found], dtype=np.float32) @ queries[i]
        order = np.lexsort((found, -exact))[:take]
        out_rows[i, : order.size] = found[order]
        out_scores[i, : order.size] = exact[order]
    return out_scores, out_rows
