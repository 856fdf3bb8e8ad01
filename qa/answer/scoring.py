"""Stage 2b of an answer: the scorer, a linear model over `qa.answer.features` learned on labelled questions.

The model is a conditional logit (McFadden 1974; the listwise softmax of Cao et al., "Learning to rank: from
pairwise approach to listwise approach", ICML 2007): the candidates of one question compete, and training makes
the labelled answer sentences (or, with document-level labels, the relevant document's sentences) the likely
ones. It ships as a small JSON file beside this module, with the command and the data that trained it, and loads
without numpy pickles or network.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa import learned
from qa.answer.features import FEATURES, Asked, Weigh, feature_matrix, interactions
from qa.records import Candidate, Hit

SELECTOR_FILE = Path(__file__).with_name("selector.json")
FORMAT = "medcite-selector-1"
RETRAIN = "python -m eval.train_selector"


@dataclass(frozen=True)
class Selector:
    """Weights of the scorer: score = ((x - mean) / scale) . weights, per candidate row x."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    # Weights of the question-sentence vector products (`features.interactions`), standardised by their own
    # mean and scale; empty: no interaction term.
    interaction: tuple[float, ...] = ()
    interaction_mean: tuple[float, ...] = ()
    interaction_scale: tuple[float, ...] = ()
    # The embedding model whose vectors the interaction weights were learned on ("": not recorded). They weigh
    # that model's dimensions, which mean nothing in another model's vectors.
    model: str = ""
    # What trained it, and how well it did: free-form, kept with the weights.
    trained_on: str = ""
    command: str = ""
    figures: dict[str, float] = dataclasses.field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        n = len(self.features)
        if not (len(self.mean) == len(self.scale) == len(self.weights) == n):
            raise ValueError("Selector needs one mean, scale and weight per feature")
        if any(s <= 0 for s in (*self.scale, *self.interaction_scale)):
            raise ValueError("Selector scales must be positive")
        if not len(self.interaction) == len(self.interaction_mean) == len(self.interaction_scale):
            raise ValueError("Selector needs one mean and scale per interaction weight")

    def scores(self, matrix: np.ndarray, products: np.ndarray | None = None) -> np.ndarray:
        """The score of each row of a `feature_matrix` whose columns are `FEATURES` (and of its `interactions`,
        which a selector with interaction weights needs)."""
        columns = [FEATURES.index(f) for f in self.features]
        x = (matrix[:, columns] - np.asarray(self.mean, dtype=np.float32)) / np.asarray(self.scale, dtype=np.float32)
        values = x @ np.asarray(self.weights, dtype=np.float32)
        if self.interaction:
            if products is None:
                raise ValueError("this selector weighs question-sentence vector products: pass `interactions`")
            mean = np.asarray(self.interaction_mean, dtype=np.float32)
            scale = np.asarray(self.interaction_scale, dtype=np.float32)
            values = values + ((products - mean) / scale) @ np.asarray(self.interaction, dtype=np.float32)
        return values

    def weighs_vectors_of(self, model: str | None, dim: int) -> bool:
        """Whether the interaction weights apply to vectors of `model` (None: the selector's own) with `dim`
        dimensions."""
        same_model = model is None or not self.model or model == self.model
        return bool(self.interaction) and same_model and dim == len(self.interaction)

    def save(self, path: Path) -> None:
        """Write the selector as JSON (what `load` reads)."""
        learned.save(path, FORMAT, dataclasses.asdict(self))

    @classmethod
    def load(cls, path: Path) -> Selector:
        """Read a selector written by `save`.

        Raises:
            ValueError: the file is missing, not JSON, not a selector of this format, malformed, or names a
                feature this code does not compute; the message names the file and the command that writes it.
        """
        return learned.load(path, what="the answer selector", fmt=FORMAT, retrain=RETRAIN, build=cls._from_fields)

    @classmethod
    def _from_fields(cls, data: dict) -> Selector:
        unknown = [f for f in data["features"] if f not in FEATURES]
        if unknown:
            raise ValueError(f"it uses features this medcite does not compute: {', '.join(map(str, unknown))}")
        return cls(
            features=tuple(data["features"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            weights=tuple(float(v) for v in data["weights"]),
            interaction=tuple(float(v) for v in data.get("interaction", ())),
            interaction_mean=tuple(float(v) for v in data.get("interaction_mean", ())),
            interaction_scale=tuple(float(v) for v in data.get("interaction_scale", ())),
            model=str(data.get("model", "")),
            trained_on=str(data.get("trained_on", "")),
            command=str(data.get("command", "")),
            figures=dict(data.get("figures", {})),
        )


@lru_cache(maxsize=1)
def shipped_selector() -> Selector:
    """The selector that ships with medcite (`selector.json` beside this module)."""
    return Selector.load(SELECTOR_FILE)


def score(
    candidates: Sequence[Candidate],
    hits: Sequence[Hit],
    asked: Asked,
    weigh: Weigh,
    selector: Selector | None = None,
    model: str | None = None,
) -> list[Candidate]:
    """The candidates with their scores set, in the order given (each must carry its sentence vector): `score`
    by `selector` (default: the shipped one), `relevance` their cosine to the question, from one feature matrix.

    `model` names the embedding model of the vectors (None: the selector's own). The interaction weights belong
    to the model they were learned on; for an index of another model the named features score alone, so an index
    built with another model is answered rather than refused.
    """
    if not candidates:
        return []
    dim = len(np.asarray(candidates[0].vector))
    chosen = _for_vectors(selector or shipped_selector(), model, dim)
    products = interactions(candidates, asked) if chosen.interaction else None
    matrix = feature_matrix(candidates, hits, asked, weigh)
    values = chosen.scores(matrix, products)
    relevance = matrix[:, FEATURES.index("cos_question")]
    return [
        dataclasses.replace(c, score=float(v), relevance=float(r))
        for c, v, r in zip(candidates, values, relevance, strict=True)
    ]


def _for_vectors(selector: Selector, model: str | None, dim: int) -> Selector:
    """`selector`, less its interaction weights when they do not weigh vectors of `model` with `dim` dimensions."""
    if selector.interaction and not selector.weighs_vectors_of(model, dim):
        return dataclasses.replace(selector, interaction=(), interaction_mean=(), interaction_scale=())
    return selector


def shares(candidates: Sequence[Candidate]) -> np.ndarray:
    """Each candidate's softmax share of the scores: how likely the scorer thinks it is the answer."""
    if not candidates:
        return np.zeros(0)
    values = np.array([c.score for c in candidates], dtype=np.float64)
    values = np.exp(values - values.max())
    return values / values.sum()
