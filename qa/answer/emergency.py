"""A learned reader of emergency events: whether a message's words describe one, read from its sentence vector.

The lexicons of `qa.answer.safety` name the warning signs first-aid guidance lists, but people describe an
emergency in more words than any list holds: on batches written after them, they flagged 8 of 16 emergencies, then
8 of 20 (eval/EXPERIMENTS.md, "Fortieth session"). The bundled MiniLM puts "bitten by a snake", "the worst
headache of his life" and "won't stop shaking" near the emergencies it was shown, away from questions about them.
So a logistic regression over the message's normalised vector (one weight per dimension) gives the probability
that it describes an emergency event; `safety.is_emergency` reads it as one more event, behind the same checks of
person and tense as the lexicons, so a textbook question or a past case is still never flagged.

It is trained on the tune splits of `eval/sets/emergency.jsonl` and, as calm messages, of real consumer and
clinician questions (`python -m eval.train_emergency`), and ships as `emergency.json` beside this module with its
threshold, the data and command that chose it, and its figures: the settings record of this reader. It reads
vectors of the model it was trained with; for an index of another model (or width) medcite keeps the lexicons
alone.

The lexicons of tense and person read the words that place a message in a lesson, a publication or the past ("case
report", "simulation", "two years ago"), but a calm message places it in words of its own: "for my nephrology
boards: K 7.5 with peaked T waves", "running a sim tomorrow", "in the NEJM case I was reading", a fear of a seizure
that has not happened. A check batch written by a helper found 5 such false alarms in 20 calm messages
(eval/EXPERIMENTS.md, "Fortieth session"). So a second reader of the same kind, the situation reader
(`emergency-now.json`), gives the probability that a message in which an event was found tells of a situation now;
`safety.is_emergency` takes the event away below its threshold. It is trained on the labelled messages alone
(emergencies against calm messages that name the same events), and its threshold lies below every tune emergency
out of fold, halfway down to the next calm message: it may take away a calm message's flag, and was chosen to take
away no emergency's.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa import learned

MODEL_FILE = Path(__file__).with_name("emergency.json")
# The situation reader: does a message in which an event was found tell of a situation now.
NOW_FILE = Path(__file__).with_name("emergency-now.json")
FORMAT = "medcite-emergency-1"
RETRAIN = "python -m eval.train_emergency"


@dataclass(frozen=True)
class EmergencyModel:
    """p = sigmoid(bias + vector . weights), for normalised vectors of `model`; likely when p >= threshold. The
    event reader's p is that of an emergency event, the situation reader's that of a situation now."""

    model: str
    weights: tuple[float, ...]
    bias: float
    threshold: float
    # What trained it and chose the threshold, and how it did there: free-form, kept with the weights.
    trained_on: str = ""
    command: str = ""
    figures: dict[str, float] = dataclasses.field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.weights:
            raise ValueError("EmergencyModel needs one weight per vector dimension, got none")
        if not all(math.isfinite(v) for v in (*self.weights, self.bias, self.threshold)):
            raise ValueError("EmergencyModel: every weight, the bias and the threshold must be finite")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"EmergencyModel.threshold is a probability (0 to 1), got {self.threshold}")

    @property
    def dim(self) -> int:
        return len(self.weights)

    def applies_to(self, model: str, dim: int) -> bool:
        """Whether it reads vectors of `model` with `dim` dimensions."""
        return model == self.model and dim == self.dim

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """The probability of an emergency event for each row of `vectors` (normalised, `dim` wide)."""
        rows = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
        if rows.shape[1] != self.dim:
            raise ValueError(f"the emergency model reads {self.dim}-dimensional vectors, got {rows.shape[1]}")
        z = rows @ np.asarray(self.weights, dtype=np.float64) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))

    def likely(self, vector: np.ndarray) -> bool:
        """Whether the message of this vector is what the reader reads for (its probability reaches the
        threshold)."""
        return bool(self.probabilities(vector)[0] >= self.threshold)

    def reading(self, encode: Callable[[str], np.ndarray]) -> Callable[[str], bool]:
        """What `safety.is_emergency` asks as `likely` (or `present`): this reader on the vector `encode` makes of
        a message."""
        return lambda message: self.likely(encode(message))

    def save(self, path: Path) -> None:
        """Write the model as JSON (what `load` reads)."""
        learned.save(path, FORMAT, dataclasses.asdict(self))

    @classmethod
    def load(cls, path: Path) -> EmergencyModel:
        """Read a model written by `save`.

        Raises:
            ValueError: the file is missing, not JSON, not of this format, or holds values a model cannot have;
                the message names the file and the command that writes it.
        """
        return learned.load(path, what="the emergency model", fmt=FORMAT, retrain=RETRAIN, build=cls._from_fields)

    @classmethod
    def _from_fields(cls, data: dict) -> EmergencyModel:
        return cls(
            model=str(data["model"]),
            weights=tuple(float(v) for v in data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            trained_on=str(data.get("trained_on", "")),
            command=str(data.get("command", "")),
            figures={str(k): float(v) for k, v in data.get("figures", {}).items()},
        )


@lru_cache(maxsize=2)
def shipped_emergency_model(path: Path = MODEL_FILE) -> EmergencyModel | None:
    """A reader that ships with medcite: the event reader (`emergency.json` beside this module) or, given
    `NOW_FILE`, the situation reader; None when there is none (the lexicons alone then decide)."""
    return EmergencyModel.load(path) if path.exists() else None


def shipped_readers() -> tuple[EmergencyModel | None, EmergencyModel | None]:
    """The event reader and the situation reader that ship with medcite (None where one does not)."""
    return shipped_emergency_model(), shipped_emergency_model(NOW_FILE)


def readings(
    model: str, dim: int, encode: Callable[[str], np.ndarray]
) -> tuple[Callable[[str], bool] | None, Callable[[str], bool] | None]:
    """What `safety.is_emergency` asks as `likely` and `present`: the shipped readers on the vectors `encode` makes,
    each None where it does not read vectors of `model` with `dim` dimensions (the lexicons alone then decide)."""
    likely, present = (
        reader.reading(encode) if reader is not None and reader.applies_to(model, dim) else None
        for reader in shipped_readers()
    )
    return likely, present
