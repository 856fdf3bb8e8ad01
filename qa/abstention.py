"""Whether the sources answer a question: a logistic model over `qa.confidence.Signals`, learned on labelled data.

The hand-made confidence (`Confidence.of`: closeness of the best evidence x coverage^2) is one feature; the pieces
it multiplies are others, beside counts it cannot see: how many rare words the corpus holds and lacks, whether a
missing word names a drug, the question's length, whether it is a follow-up. The model is a logistic regression
(probability that the question is in scope); medcite abstains below its `threshold`. Both are trained on the tune
splits of in-scope questions asked of their own corpus and out-of-scope questions asked of another
(`python -m eval.train_abstention`), and ship as `abstention.json` beside this module, with that command and the
data it used: the one settings record of this stage.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qa import learned
from qa.confidence import FORMULA_ABSTAIN_BELOW, Signals

MODEL_FILE = Path(__file__).with_name("abstention.json")
FORMAT = "medcite-abstention-1"
RETRAIN = "python -m eval.train_abstention"

# Each feature from the signals of one question. Counts are capped where a fourth missing word says nothing a
# third does not.
FEATURES: Mapping[str, Callable[[Signals], float]] = {
    "formula": lambda s: s.formula,
    "dense": lambda s: max(0.0, s.dense),
    "coverage": lambda s: s.coverage,
    "rare_coverage": lambda s: s.rare_coverage,
    "covered_rare": lambda s: float(min(s.covered_rare, 3)),
    "missing_rare": lambda s: float(min(s.missing_rare, 3)),
    "missing_light": lambda s: float(min(s.missing_light, 3)),
    "missing_drug": lambda s: float(min(s.missing_drug, 2)),
    "nothing_rare_covered": lambda s: float(s.missing_rare > 0 and s.covered_rare == 0),
    "log_topic_words": lambda s: math.log1p(s.topic_words),
    "followup": lambda s: float(s.followup),
    "loose_rare": lambda s: float(min(s.loose_rare, 2)),
    # The question names a drug, and none of the drugs it names is in the corpus.
    "drug_unknown": lambda s: float(s.missing_drug > 0 and s.covered_drug == 0),
}


def feature_values(signals: Signals, names: tuple[str, ...] = tuple(FEATURES)) -> list[float]:
    """The named features of one question, in order."""
    return [FEATURES[name](signals) for name in names]


@dataclass(frozen=True)
class AbstentionModel:
    """p(in scope) = sigmoid(bias + ((x - mean) / scale) . weights); abstain when p < threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    # What trained it and chose the threshold, and how it did there: free-form, kept with the weights.
    trained_on: str = ""
    command: str = ""
    figures: dict[str, float] = dataclasses.field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        n = len(self.features)
        if n == 0 or not (len(self.mean) == len(self.scale) == len(self.weights) == n):
            raise ValueError("AbstentionModel needs at least one feature, and one mean, scale and weight for each")
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown:
            raise ValueError(f"AbstentionModel: features this medcite does not compute: {', '.join(unknown)}")
        numbers = (*self.mean, *self.scale, *self.weights, self.bias, self.threshold)
        if not all(math.isfinite(v) for v in numbers):
            raise ValueError("AbstentionModel: every mean, scale, weight, the bias and the threshold must be finite")
        if any(s <= 0 for s in self.scale):
            raise ValueError("AbstentionModel: scales must be positive")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"AbstentionModel.threshold is a probability (0 to 1), got {self.threshold}")

    @classmethod
    def formula(cls, threshold: float = FORMULA_ABSTAIN_BELOW) -> AbstentionModel:
        """The hand-made rule as a model: the formula alone, abstaining where it is below `threshold` (what medcite
        shipped before the learned model; the baseline `eval.train_abstention` reports)."""
        return cls(("formula",), (0.0,), (1.0,), (1.0,), 0.0, _sigmoid(threshold), trained_on="hand-made formula")

    def probability(self, signals: Signals) -> float:
        """The probability that the sources answer the question (what an answer shows as its confidence)."""
        return self.probability_of(feature_values(signals, self.features))

    def probability_of(self, values: list[float]) -> float:
        """`probability` from the feature values (in `features` order)."""
        z = self.bias + sum(
            (v - m) / s * w for v, m, s, w in zip(values, self.mean, self.scale, self.weights, strict=True)
        )
        return _sigmoid(z)

    def save(self, path: Path) -> None:
        """Write the model as JSON (what `load` reads)."""
        learned.save(path, FORMAT, dataclasses.asdict(self))

    @classmethod
    def load(cls, path: Path) -> AbstentionModel:
        """Read a model written by `save`.

        Raises:
            ValueError: the file is missing, not JSON, not of this format, or holds values a model cannot have;
                the message names the file and the command that writes it.
        """
        return learned.load(path, what="the abstention model", fmt=FORMAT, retrain=RETRAIN, build=cls._from_fields)

    @classmethod
    def _from_fields(cls, data: dict) -> AbstentionModel:
        return cls(
            features=tuple(str(f) for f in data["features"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            weights=tuple(float(v) for v in data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            trained_on=str(data.get("trained_on", "")),
            command=str(data.get("command", "")),
            figures={str(k): float(v) for k, v in data.get("figures", {}).items()},
        )


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@lru_cache(maxsize=1)
def shipped_model() -> AbstentionModel:
    """The abstention model that ships with medcite (`abstention.json` beside this module)."""
    return AbstentionModel.load(MODEL_FILE)
