"""Word pairs: which adjacent pairs of words each chunk holds, for a phrase signal that BM25's bag of words lacks.

BM25 scores "tibial component" and "mechanical alignment" the same whether a passage says those phrases or only
scatters the four words; a question about one knee implant then loses to a passage about another that repeats
"knee" more. Adjacent query words that a chunk also has side by side are evidence of the phrase itself: the
"ordered" part of the sequential dependence model (Metzler & Croft, "A Markov random field model for term
dependencies", SIGIR 2005), kept here as one number per chunk, the share of the question's phrase weight it holds.

Words go through the BM25 tokeniser (stopwords out, Snowball stems), so "quality of life" is the pair
(qualiti, life) in the question and in the corpus alike. Pairs never span punctuation: "knee replacement. Tibial"
holds no phrase. Stored as plain .npy/.json files (no pickle), memory-mapped on load.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.arrays import load_rows
from qa.bm25 import tokenize

VOCAB = "vocab.json"
PAIRS = "pairs.npy"
OFFSETS = "offsets.npy"
DOCUMENT_FREQUENCY = "df.npy"
# Sentence and clause punctuation ends a phrase; hyphens and apostrophes do not ("end-stage", "Crohn's").
_BREAK = re.compile(r"[^\w\s'-]+")


_BUILD_BLOCK = 20_000


def _block_pairs(texts: Sequence[str], vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For a block of texts: the row (in the block) of each adjacent word pair, the ids of each text's distinct
    words (for document frequency), and the pairs as (first id, second id); `vocab` grows in reading order."""
    pieces: list[str] = []
    owner: list[int] = []
    for row, text in enumerate(texts):
        for piece in _BREAK.split(text):
            if piece.strip():
                pieces.append(piece)
                owner.append(row)
    tokens = tokenize(pieces)
    flat = list(itertools.chain.from_iterable(tokens))
    for word in flat:
        if word not in vocab:
            vocab[word] = len(vocab)
    ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    piece_of = np.repeat(np.arange(len(tokens)), lengths)
    row_of = np.asarray(owner, dtype=np.int64)[piece_of] if len(flat) else np.zeros(0, np.int64)
    # A pair is two neighbouring words of the same piece (punctuation ends a piece).
    same = piece_of[1:] == piece_of[:-1]
    pairs = np.stack([ids[:-1][same], ids[1:][same]], axis=1) if len(flat) > 1 else np.zeros((0, 2), np.int64)
    pair_rows = row_of[1:][same] if len(flat) > 1 else np.zeros(0, np.int64)
    # Each word counts once per text for its document frequency.
    words = np.unique(row_of * max(len(vocab), 1) + ids) % max(len(vocab), 1) if len(flat) else ids
    return pair_rows, words, pairs


class PhraseIndex:
    """The sorted, distinct word-pair codes of every row (a chunk), plus each word's document frequency."""

    def __init__(self, vocab: dict[str, int], document_frequency: np.ndarray, pairs: np.ndarray, offsets: np.ndarray):
        self._vocab = vocab
        self._df = document_frequency
        self._pairs = pairs
        self._offsets = offsets
        self._size = max(len(vocab), 1)

    @property
    def rows(self) -> int:
        return len(self._offsets) - 1

    @classmethod
    def build(cls, texts: Sequence[str]) -> PhraseIndex:
        """Index the adjacent word pairs of each text; row i is `texts[i]`.

        Texts are read a block at a time and their pairs found with array operations, so a million chunks
        take minutes and a few hundred MB beyond the result (`tests/test_phrases.py` checks it against a
        plain loop over the words).
        """
        vocab: dict[str, int] = {}
        blocks: list[tuple[np.ndarray, np.ndarray]] = []
        seen_words: list[np.ndarray] = []
        for start in range(0, len(texts), _BUILD_BLOCK):
            rows, words, pairs = _block_pairs(texts[start : start + _BUILD_BLOCK], vocab)
            blocks.append((rows + start, pairs))
            seen_words.append(words)
        size = max(len(vocab), 1)
        df = np.bincount(np.concatenate(seen_words), minlength=len(vocab)).astype(np.int32)
        # Pair codes need the final vocabulary size: each block kept its pairs as (first, second) word ids.
        pair_rows = np.concatenate([rows for rows, _ in blocks])
        pair_words = np.concatenate([pairs for _, pairs in blocks]) if blocks else np.zeros((0, 2), np.int64)
        codes = pair_words[:, 0] * size + pair_words[:, 1]
        order = np.lexsort((codes, pair_rows))
        pair_rows, codes = pair_rows[order], codes[order]
        distinct = np.ones(len(codes), dtype=bool)
        distinct[1:] = (codes[1:] != codes[:-1]) | (pair_rows[1:] != pair_rows[:-1])
        pair_rows, codes = pair_rows[distinct], codes[distinct]
        offsets = np.searchsorted(pair_rows, np.arange(len(texts) + 1)).astype(np.int64)
        return cls(vocab, df, codes.astype(np.int64), offsets)

    def save(self, directory: Path) -> None:
        """Write the index as .npy/.json files into `directory`, creating it."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / VOCAB).write_text(json.dumps(self._vocab), encoding="utf-8")
        np.save(directory / DOCUMENT_FREQUENCY, self._df, allow_pickle=False)
        np.save(directory / PAIRS, self._pairs, allow_pickle=False)
        np.save(directory / OFFSETS, self._offsets, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> PhraseIndex:
        """Read an index written by `save`.

        Raises:
            FileNotFoundError: a file is missing.
            ValueError: a file is unreadable or the parts disagree in size.
        """
        vocab = json.loads((directory / VOCAB).read_text(encoding="utf-8"))
        if not isinstance(vocab, dict):
            raise ValueError(f"{directory / VOCAB} is not a JSON object")
        df = np.load(directory / DOCUMENT_FREQUENCY, allow_pickle=False)
        pairs = load_rows(directory / PAIRS)
        offsets = np.load(directory / OFFSETS, allow_pickle=False)
        if len(df) != len(vocab) or offsets.ndim != 1 or len(offsets) < 1 or int(offsets[-1]) != len(pairs):
            raise ValueError(f"the phrase index in {directory} is inconsistent (vocabulary, pairs and offsets differ)")
        return cls(vocab, df, pairs, offsets)

    def query_pairs(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """The query's distinct adjacent word pairs that the corpus has words for, and their weights.

        A pair weighs the BM25 idf of its two words, so "tibial component" counts for more than "patients
        undergoing". A pair with a word the corpus never uses cannot be matched, and does not count.
        """
        n = max(self.rows, 1)
        codes: dict[int, float] = {}
        for words in tokenize([p for p in _BREAK.split(query) if p.strip()]):
            ids = [self._vocab.get(w) for w in words]
            for a, b in itertools.pairwise(ids):
                if a is None or b is None:
                    continue
                codes[a * self._size + b] = self._idf(a, n) + self._idf(b, n)
        order = sorted(codes)
        return np.array(order, dtype=np.int64), np.array([codes[c] for c in order], dtype=np.float32)

    def coverage(self, query: str, rows: np.ndarray) -> np.ndarray:
        """Per row: the share of the query's pair weight that the row holds as adjacent words (0 to 1)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.float32)
        codes, weights = self.query_pairs(query)
        if codes.size == 0 or rows.size == 0:
            return out
        starts, ends = self._offsets[rows], self._offsets[rows + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            return out
        shift = np.concatenate([[0], np.cumsum(counts)[:-1]])
        flat = np.repeat(starts - shift, counts) + np.arange(total)
        held = np.asarray(self._pairs[flat])
        at = np.minimum(np.searchsorted(codes, held), codes.size - 1)
        gained = np.where(codes[at] == held, weights[at], 0.0)
        owner = np.repeat(np.arange(len(rows)), counts)
        np.add.at(out, owner, gained)
        return out / float(weights.sum())

    def idf(self, terms: Sequence[str]) -> np.ndarray:
        """The BM25 idf of each term (a BM25 token); a term no chunk holds weighs as one held by a single chunk.

        The answer scorer weighs the words a sentence shares with the question by these (`qa.text.terms` yields
        the same tokens), so "rate constant" counts for more than "patients".
        """
        n = max(self.rows, 1)
        return np.array(
            [self._idf(self._vocab[t], n) if t in self._vocab else math.log(1 + (n - 0.5) / 1.5) for t in terms],
            dtype=np.float32,
        )

    def _idf(self, word: int, n: int) -> float:
        df = int(self._df[word])
        return math.log(1 + (n - df + 0.5) / (df + 0.5))
