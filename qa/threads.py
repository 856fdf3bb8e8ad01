"""Answering on one BLAS thread: numpy's OpenBLAS otherwise spends a second core waiting for work.

numpy's products while answering (the sentence vectors against the question, the scorer's features) are too
small for OpenBLAS's splitting over every core to gain anything, and its worker threads then busy-wait for the
next product. Measured on two cores (the 20 chat-load questions and their follow-ups over all six MedQuAD
sources, three passes, `Assistant.ask` one at a time, 2026-12-02; a throw-away timing script): 104 ms of CPU
per answer with OpenBLAS's default threads, 50 ms with one. One answer alone finishes as fast either way (the
waiting thread takes the idle core), but two at once (two chat users) each ran at half speed:
`bench/load_chat.py --users 20`, run alternately from the code before and after, went from a p95 of 1.95-2.00 s
to 1.35-1.36 s.

The limit is for the whole process and stays: OpenBLAS's thread count is global, and a limit set and lifted
around each answer did not hold (once lifted from one thread, a later limit set from another thread was
ignored: 0.69 s of CPU for a loop that took 0.22 s under a limit that held). A process that answers questions
is a server or an evaluation, whose other numpy work is small. Only a BLAS threaded by its own pool (pthreads) is
limited: faiss ships an OpenBLAS threaded by OpenMP, whose count is the calling thread's OpenMP setting, shared
with FAISS's own loops (limiting it left the main thread's FAISS on one thread for index training and batch
searches); FAISS's threads for an answer are set by `DenseSettings.parallel_from`.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_done = False


def limit_blas_to_one_thread() -> None:
    """numpy's BLAS on one thread from now on, for the whole process (idempotent, cheap after the first call)."""
    global _done
    with _lock:
        if _done:
            return
        from threadpoolctl import ThreadpoolController

        for library in ThreadpoolController().lib_controllers:
            if library.user_api == "blas" and getattr(library, "threading_layer", None) != "openmp":
                library.set_num_threads(1)
        _done = True
