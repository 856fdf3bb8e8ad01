"""qa.threads: numpy's BLAS runs on one thread in a process that answers questions."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from qa.threads import limit_blas_to_one_thread


def blas_threads() -> set[int]:
    """Threads of each process-wide BLAS (numpy's OpenBLAS); an OpenMP-threaded one (faiss's) counts per thread."""
    np.dot(np.ones(2), np.ones(2))  # make sure numpy's BLAS is loaded
    return {
        lib["num_threads"]
        for lib in threadpool_info()
        if lib["user_api"] == "blas" and lib.get("threading_layer") != "openmp"
    }


def test_the_limit_holds_in_every_thread_and_a_second_call_changes_nothing() -> None:
    limit_blas_to_one_thread()
    limit_blas_to_one_thread()
    seen: list[set[int]] = []
    workers = [threading.Thread(target=lambda: seen.append(blas_threads())) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(5)
    assert blas_threads() == {1}
    assert seen == [{1}, {1}], "the chat answers in Gradio's worker threads"


def test_faiss_keeps_its_openmp_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """faiss's OpenBLAS is threaded by OpenMP, whose count is also FAISS's own: limiting it would leave this
    thread's index training and batch searches on one thread."""
    import faiss

    import qa.threads

    monkeypatch.setattr(qa.threads, "_done", False)  # apply the limit again, whatever ran before
    before = faiss.omp_get_max_threads()
    limit_blas_to_one_thread()
    assert faiss.omp_get_max_threads() == before
