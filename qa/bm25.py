"""Lexical retrieval: a BM25 index over chunk texts, built and saved with bm25s.

Dense vectors miss exact terms (drug names, doses, gene symbols) that a clinician types; BM25 catches them.
Corpus and queries go through one tokeniser (lower-case words of two or more characters, English stopwords
removed, Snowball English stems), so a query word matches the same stem it had in the corpus.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

# bm25s's own English list; the same list for the corpus and the query is what matters.
STOPWORDS = "en"


# One stemmer for the whole project, so a word has one stem everywhere; PyStemmer objects are not thread-safe,
# and the chat answers several sessions at once.
_STEMMER = Stemmer.Stemmer("english")
_STEM_LOCK = threading.Lock()


def stems(words: Sequence[str]) -> list[str]:
    """Snowball English stems of lower-case words."""
    with _STEM_LOCK:
        return _STEMMER.stemWords(list(words))


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """The BM25 tokens of each text, in order: lower-case words, stopwords out, Snowball English stems."""
    if not texts:
        return []
    with _STEM_LOCK:
        return bm25s.tokenize(list(texts), stopwords=STOPWORDS, stemmer=_STEMMER, return_ids=False, show_progress=False)


class BM25Index:
    """Okapi BM25 (Lucene variant, k1=1.5, b=0.75) over a fixed list of texts; row i is `texts[i]`.

    Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009; scoring by bm25s
    (Lù, "BM25S: Orders of magnitude faster lexical search via eager sparse scoring", 2024).
    """

    def __init__(self, retriever: bm25s.BM25):
        self._retriever = retriever

    @property
    def rows(self) -> int:
        """How many texts the index holds."""
        return int(self._retriever.scores["num_docs"])

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        """Index `texts`; an empty text is allowed (it simply never matches)."""
        if len(texts) == 0:
            raise ValueError("BM25Index.build needs at least one text; there is nothing to search otherwise")
        stemmer = Stemmer.Stemmer("english")
        tokens = bm25s.tokenize(list(texts), stopwords=STOPWORDS, stemmer=stemmer, show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever)

    def save(self, directory: Path) -> None:
        """Write the index as plain .npy/.json files (no pickle) into `directory`, creating it."""
        self._retriever.save(str(directory), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> BM25Index:
        """Read an index written by `save`; `mmap` keeps the score matrix on disk until touched.

        Raises:
            FileNotFoundError: a file of the index is missing.
            ValueError: a file is unreadable or the parts disagree in size.
        """
        directory = Path(directory)
        if not (directory / "params.index.json").is_file():
            raise FileNotFoundError(f"no BM25 index in {directory} (params.index.json is missing)")
        retriever = bm25s.BM25.load(str(directory), mmap=mmap, allow_pickle=False, show_progress=False)
        scores = retriever.scores
        # A truncated file would otherwise surface later as a wrong score or an IndexError mid-search.
        # (bm25s adds an empty token to the vocabulary that has no column; real tokens all have one.)
        columns = len(scores["indptr"]) - 1
        top_id = max((i for t, i in retriever.vocab_dict.items() if t), default=-1)
        entries = int(scores["indptr"][-1])
        if top_id >= columns or entries != len(scores["data"]) or entries != len(scores["indices"]):
            raise ValueError(f"BM25 index in {directory} is inconsistent (vocabulary and scores differ)")
        if retriever.scores["num_docs"] is None:
            raise ValueError(f"BM25 index in {directory} does not record its number of documents")
        return cls(retriever)

    def _token_ids(self, query: str) -> list[int]:
        tokens = tokenize([query])[0]
        vocab = self._retriever.vocab_dict
        # A repeated query word counts once per occurrence, as BM25 sums over query terms.
        return [vocab[t] for t in tokens if t in vocab]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for `query` (float32, zeros when no query word is in the index)."""
        ids = self._token_ids(query)
        if not ids:
            return np.zeros(self.rows, dtype=np.float32)
        return np.asarray(self._retriever.get_scores_from_ids(ids), dtype=np.float32)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The best `k` rows that share a word with `query`, best first, ties by row.

        Returns:
            (rows, scores): int64 row positions and their float32 scores; both empty when no query word is
            in the index, shorter than `k` when fewer rows match.
        """
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        scores = self.scores(query)
        matching = np.flatnonzero(scores > 0)
        if matching.size > k:
            # argpartition first: sorting only the k best keeps a 30k-row search well under a millisecond.
            part = np.argpartition(-scores[matching], k - 1)[:k]
            cutoff = scores[matching[part]].min()
            # Keep every row tied with the k-th score, so the tie-break by row below is deterministic.
            matching = matching[scores[matching] >= cutoff]
        order = np.lexsort((matching, -scores[matching]))[:k]
        rows = matching[order].astype(np.int64)
        return rows, scores[rows]
