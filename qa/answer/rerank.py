"""Stage 2c of an answer: a cross-encoder reads the question together with each of the scorer's best few sentences.

The scorer (`qa.answer.scoring`) judges a sentence by vectors the bundled MiniLM made of the question and of the
sentence apart: close vectors mean "about the same thing", so on one page it often cannot tell the sentence that
answers ("Baclofen is a presynaptic GABA-B receptor agonist ...") from one about the same drug ("Baclofen is
primarily eliminated by the kidney."). A cross-encoder reads both in one input, attention running across them
(Nogueira and Cho, "Passage re-ranking with BERT", 2019). No cross-encoder installs here, so this one is the
bundled MiniLM itself, fine-tuned by `python -m eval.train_reranker` with low-rank adapters on its attention and
feed-forward layers (LoRA: Hu et al., ICLR 2022) and a linear head on its mean-pooled output. Only the adapters and
the head ship (`reranker.npz` beside this module, float16, about 1 MB, with a header naming what trained it); the
base weights come from the bundled model package, so nothing is downloaded. Two such readers ship, each trained on
from the soup (`soup`) of two fine-tunings, the second with MedicationQA's tune questions kept whole
(`reranker-whole.npz`). `AnswerSettings.readers` names the files read; several are read as one, the mean of their
scores (`Readers`), at the cost of a pass each, run side by side (on two idle cores, in about 60% of the time).

Where `medcite ingest` has left their int8 exports in the cache, answering runs the readers under ONNX Runtime
instead of PyTorch (`qa.answer.onnx_reader`): the same models, to rounding, in about 40% of the time.

Each sentence is read with what names its topic (its chunk's title and headings: "Clinical Presentation of Baclofen
Toxicity: Hemodynamic instability", "PubMed 123 Results: ..."), since a list item alone does not say what it is
about. Each costs a pass of the model, so only the scorer's `AnswerSettings.rerank_top` best are read, and they
are reordered among themselves by their score plus `rerank_weight` times their cross-encoder score. They keep the
scorer's scores, handed out in the new order: how likely the scorer thinks the rest are, against the best (the
share floors of warnings and evidence, `qa.answer.selection`), does not change.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa import learned
from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Chunk

RERANKER_FILE = Path(__file__).with_name("reranker.npz")
# Where the shipped readers (`AnswerSettings.readers`) live: beside this module.
RERANKERS = RERANKER_FILE.parent
FORMAT = "medcite-reranker-1"
RETRAIN = "python -m eval.train_reranker"
# Word pieces of one question-sentence pair the model reads (question and sentence are cut, longest first).
MAX_TOKENS = 96
# The linear layers of each transformer layer that carry adapters, by their attribute path in a BERT layer.
ADAPTED = ("attention.self.query", "attention.self.value", "intermediate.dense", "output.dense")


def sentence_in_context(chunk: Chunk, text: str) -> str:
    """What the cross-encoder reads of a sentence: its chunk's title and every heading above it, then the sentence.

    A heading naming a part of a paper ("Results", "Objective") is read too: what a study found answers a question
    that its aims only restate (eval/EXPERIMENTS.md, "Fifteenth session" and "Sixteenth session")."""
    sections = " ".join(h for h in chunk.heading_path if h != chunk.title)
    names = " ".join(part for part in (chunk.title, sections) if part)
    return f"{names}: {text}" if names else text


@dataclass(frozen=True)
class RerankerWeights:
    """The fine-tuned part of the cross-encoder: per adapted layer its LoRA pair, and the head.

    `adapters` maps "<layer>.<path>" (`ADAPTED`) to (down, up): down is rank x inputs, up is outputs x rank, and
    the layer computes base(x) + scale * x down^T up^T. `head` is (hidden,) and `bias` its offset.
    """

    base: str
    rank: int
    scale: float
    adapters: dict[str, tuple[np.ndarray, np.ndarray]] = field(compare=False)
    head: np.ndarray = field(compare=False)
    bias: float = 0.0
    trained_on: str = ""
    command: str = ""
    figures: dict[str, float] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.rank < 1 or not math.isfinite(self.scale):
            raise ValueError(f"a reranker needs a rank of at least 1 and a finite scale, got {self.rank}, {self.scale}")
        for name, (down, up) in self.adapters.items():
            if down.ndim != 2 or up.ndim != 2 or down.shape[0] != self.rank or up.shape[1] != self.rank:
                raise ValueError(f"adapter {name} is not a rank-{self.rank} pair: {down.shape}, {up.shape}")
        arrays = [self.head, *(a for pair in self.adapters.values() for a in pair)]
        if not all(np.isfinite(a).all() for a in arrays):
            raise ValueError("the reranker holds a value that is not a finite number")

    def save(self, path: Path) -> None:
        """Write the weights (float16) and a JSON header as one .npz (no pickle), atomically."""
        header = {
            **{k: v for k, v in dataclasses.asdict(self).items() if k not in ("adapters", "head")},
            "adapted": sorted(self.adapters),
        }
        arrays = {"head": self.head}
        for name, (down, up) in self.adapters.items():
            arrays[f"{name}|down"] = down
            arrays[f"{name}|up"] = up
        learned.save_arrays(path, FORMAT, header, arrays)

    @classmethod
    def load(cls, path: Path) -> RerankerWeights:
        """Read what `save` wrote.

        Raises:
            ValueError: the file is missing, not an .npz of this format, or malformed; the message names the file
                and the command that writes it.
        """
        where = f"the answer reranker {path}"
        header, arrays = learned.load_arrays(path, what="the answer reranker", fmt=FORMAT, retrain=RETRAIN)
        try:
            adapters = {n: (arrays[f"{n}|down"], arrays[f"{n}|up"]) for n in header["adapted"]}
            return cls(
                base=str(header["base"]),
                rank=int(header["rank"]),
                scale=float(header["scale"]),
                adapters=adapters,
                head=arrays["head"],
                bias=float(header["bias"]),
                trained_on=str(header.get("trained_on", "")),
                command=str(header.get("command", "")),
                figures={str(k): float(v) for k, v in dict(header.get("figures", {})).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where} is malformed ({type(exc).__name__}: {exc}); run {RETRAIN}") from exc


def soup(members: Sequence[RerankerWeights], **header: Any) -> RerankerWeights:
    """One reranker whose every layer changes the base by the mean of what `members` change it by: a model soup
    (Wortsman et al., "Model soups", ICML 2022), for fine-tunings of one base that share its starting point.

    Two fine-tunings on different data err on different sentences (eval/EXPERIMENTS.md, "Sixteenth session");
    averaging their scores needs a pass of each, averaging their weights one pass. Low-rank changes average
    exactly into one of their summed rank: the downs stacked, the ups side by side, each up scaled by its
    member's scale over the soup's (the first member's) and divided by their count. The heads and biases are
    averaged. `header` (trained_on, command, figures) describes the soup.

    Raises:
        ValueError: no members, or members of different bases or adapted layers.
    """
    if not members:
        raise ValueError("a soup needs at least one fine-tuning")
    first = members[0]
    if any(m.base != first.base for m in members):
        raise ValueError(f"a soup's fine-tunings must share the same base, got {sorted({m.base for m in members})}")
    if any(set(m.adapters) != set(first.adapters) for m in members):
        raise ValueError("a soup's fine-tunings must adapt the same layers")
    share = 1.0 / len(members)
    adapters = {
        name: (
            np.concatenate([m.adapters[name][0] for m in members], axis=0).astype(np.float32),
            np.concatenate([m.adapters[name][1] * (m.scale / first.scale * share) for m in members], axis=1).astype(
                np.float32
            ),
        )
        for name in first.adapters
    }
    head = np.mean([m.head.astype(np.float32) for m in members], axis=0)
    bias = float(np.mean([m.bias for m in members]))
    return RerankerWeights(first.base, sum(m.rank for m in members), first.scale, adapters, head, bias, **header)


def lora_model(base: str, rank: int, scale: float) -> Any:
    """The bundled MiniLM (or `base`) as a cross-encoder: frozen base weights, zero-initialised trainable adapters
    on every `ADAPTED` layer, and a trainable head; a torch module mapping a tokenizer's batch to one score per row.
    """
    import torch
    from transformers import AutoModel

    from qa.embedding import resolve_model

    class LoRALinear(torch.nn.Module):
        def __init__(self, inner: torch.nn.Linear):
            super().__init__()
            self.inner = inner
            bound = 1.0 / math.sqrt(inner.in_features)
            self.down = torch.nn.Parameter(torch.empty(rank, inner.in_features).uniform_(-bound, bound))
            self.up = torch.nn.Parameter(torch.zeros(inner.out_features, rank))

        def forward(self, x: Any) -> Any:
            return self.inner(x) + (x @ self.down.T @ self.up.T) * scale

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(resolve_model(base))
            self.bert.requires_grad_(False)
            for layer in self.bert.encoder.layer:
                for path in ADAPTED:
                    owner_path, _, name = path.rpartition(".")
                    owner = layer.get_submodule(owner_path)
                    setattr(owner, name, LoRALinear(getattr(owner, name)))
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, batch: Any) -> Any:
            out = self.bert(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
            return self.head((out * mask).sum(1) / mask.sum(1)).squeeze(-1)

        def adapters(self) -> dict[str, Any]:
            """The LoRA layers by "<layer>.<path>"."""
            return {
                f"{i}.{path}": layer.get_submodule(path)
                for i, layer in enumerate(self.bert.encoder.layer)
                for path in ADAPTED
            }

    return CrossEncoder()


def trainable(weights: RerankerWeights) -> Any:
    """A `lora_model` that starts where `weights` are (adapters unfolded, so training can go on from them).

    Raises:
        ValueError: the weights do not fit their base model's layers.
    """
    import torch

    model = lora_model(weights.base, weights.rank, weights.scale)
    layers = model.adapters()
    if set(layers) != set(weights.adapters):
        raise ValueError(f"the reranker's adapters do not fit {weights.base}; run {RETRAIN}")
    with torch.no_grad():
        for name, (down, up) in weights.adapters.items():
            if layers[name].down.shape != down.shape or layers[name].up.shape != up.shape:
                raise ValueError(f"the reranker's adapter {name} does not fit {weights.base}; run {RETRAIN}")
            layers[name].down.copy_(torch.as_tensor(down))
            layers[name].up.copy_(torch.as_tensor(up))
        model.head.weight.copy_(torch.as_tensor(weights.head)[None, :])
        model.head.bias.fill_(weights.bias)
    return model


def weights_of(model: Any, base: str, rank: int, scale: float, **header: Any) -> RerankerWeights:
    """The trainable part of a `lora_model`, as what ships."""
    adapters = {
        name: (layer.down.detach().numpy().copy(), layer.up.detach().numpy().copy())
        for name, layer in model.adapters().items()
    }
    head = model.head.weight.detach().numpy()[0].copy()
    return RerankerWeights(base, rank, scale, adapters, head, float(model.head.bias.detach()[0]), **header)


class Reranker:
    """The cross-encoder built from shipped weights; scores question-sentence pairs. Shared by every chat session
    of an `Assistant`: one pass at a time, under a lock, as answering runs one thread per request."""

    def __init__(self, weights: RerankerWeights, *, dtype: Any = None):
        """`dtype`: the torch dtype to run in; by default the faster on this CPU (`fastest_dtype`)."""
        import torch
        from transformers import AutoTokenizer

        from qa.embedding import resolve_model

        self.weights = weights
        self.tokenizer = AutoTokenizer.from_pretrained(resolve_model(weights.base))
        model = trainable(weights)
        with torch.no_grad():
            # Each adapter folded into its layer's weights: the same function, without the adapters' extra products.
            for name, layer in model.adapters().items():
                layer.inner.weight += (layer.up @ layer.down) * weights.scale
                index, _, path = name.partition(".")
                owner_path, _, attribute = path.rpartition(".")
                setattr(model.bert.encoder.layer[int(index)].get_submodule(owner_path), attribute, layer.inner)
        dense = model.bert.encoder.layer[0].intermediate.dense
        self.dtype = dtype or fastest_dtype(dense.in_features, dense.out_features)
        self.model = model.to(self.dtype).eval()
        self._lock = threading.Lock()

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One score per text: how well it answers `question` (higher is better; comparable within a call)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        import torch

        batch = self.tokenizer(
            [question] * len(texts),
            list(texts),
            padding=True,
            truncation="longest_first",
            max_length=MAX_TOKENS,
            return_tensors="pt",
        )
        with self._lock, torch.inference_mode():
            return self.model(batch).float().numpy()


class Reader(Protocol):
    """What reads question-sentence pairs: a `Reranker` in PyTorch, or its export in ONNX Runtime
    (`qa.answer.onnx_reader.OnnxReader`)."""

    weights: RerankerWeights

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray: ...


@cache
def fastest_dtype(inputs: int, outputs: int, *, tokens: int = 512, repeats: int = 3) -> Any:
    """float32 or bfloat16, whichever this CPU multiplies faster through a linear layer of this shape (the reader's
    feed-forward layer; `tokens` rows, about 8 sentences), timed once per process and shape, best of `repeats`.

    The CPU's flags do not say which: where bfloat16 is multiplied natively it was 3x faster (4 sentences in 17
    ms against 49 ms on one core of the AMD EPYC of 2026-12-03), but on the Xeon of 2026-12-06, whose flags list
    AVX-512 BF16 and no AMX, a reader's pass over 8 sentences took 136 ms in bfloat16 against 80 ms in float32
    (eval/EXPERIMENTS.md, "Twenty-ninth session"). The two read the same sentences alike, to about 0.05.
    """
    import torch

    timings = {}
    rows = torch.randn(tokens, inputs)
    layer = torch.nn.Linear(inputs, outputs)
    with torch.inference_mode():
        for dtype in (torch.float32, torch.bfloat16):
            typed, x = layer.to(dtype), rows.to(dtype)
            typed(x)  # the first call pays for setting up the kernel
            spent = []
            for _ in range(repeats):
                started = time.perf_counter()
                typed(x)
                spent.append(time.perf_counter() - started)
            timings[dtype] = min(spent)
    return min(timings, key=timings.__getitem__)


class Readers:
    """Several fine-tuned readers read as one: the mean of their scores (an output ensemble).

    Readers trained on different mixes err on different questions, and the mean of their scores can err less than
    either; their weights averaged into one model (`soup`) read in one pass, but do not always keep what each got
    right (eval/EXPERIMENTS.md, "Twenty-first session"). Each member is a pass of its own, and the passes run at
    the same time: the first on the caller's thread, the others on threads of their own (ONNX Runtime and PyTorch
    let go of Python's lock while they compute). Each pass is one thread, so with an idle second core the two
    shipped readers take about 60% of their time one after the other (47-53 against 78-93 ms per question), while
    under load the work, and so the throughput, is the same (bench/README.md, "Performance").
    """

    def __init__(self, members: Sequence[Reader]):
        if not members:
            raise ValueError("Readers needs at least one reader")
        self.members = tuple(members)

    def scores(
        self,
        question: str,
        texts: Sequence[str],
        *,
        base: np.ndarray | None = None,
        weight: float = 1.0,
        margin: float = math.inf,
    ) -> np.ndarray:
        """One score per text: the mean of the members' (each on its own scale, as trained; higher is better).

        With `base`, the scorer's score of each text, the members after the first read only where the first leaves
        the question open: where `base + weight x` its reading puts the best two within `margin` of each other
        (a cascade; `AnswerSettings.second_reading_margin`). Elsewhere the first member's reading is returned alone:
        the order it gives is the one `rerank` keeps, and the other passes are saved."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        if base is None or margin == math.inf:
            return np.mean(_read_at_once(self.members, question, texts), axis=0)
        first = np.asarray(self.members[0].scores(question, texts), dtype=np.float64)
        if settled(np.asarray(base, dtype=np.float64) + weight * first, margin):
            return first
        return np.mean([first, *_read_at_once(self.members[1:], question, texts)], axis=0)


def _read_at_once(members: Sequence[Reader], question: str, texts: Sequence[str]) -> list[np.ndarray]:
    """Each member's scores of `texts` (float64, in `members`' order), the first read on this thread and the others
    each on a thread of its own, started per call (a pool kept between calls would not survive a fork). A member's
    error is raised here."""
    if len(members) < 2:  # none (a one-member cascade left open) or one: nothing to read beside
        return [np.asarray(member.scores(question, texts), dtype=np.float64) for member in members]
    with ThreadPoolExecutor(max_workers=len(members) - 1, thread_name_prefix="medcite-reader") as pool:
        others = [pool.submit(member.scores, question, texts) for member in members[1:]]
        first = members[0].scores(question, texts)
        return [np.asarray(read, dtype=np.float64) for read in (first, *(other.result() for other in others))]


def settled(combined: np.ndarray, margin: float) -> bool:
    """Whether the best of `combined` leads the next best by `margin` or more (always, for fewer than two): then a
    second reader is not read. A margin of 0 never reads one; an infinite margin always does."""
    if len(combined) < 2:
        return True
    best, second = np.sort(combined)[::-1][:2]
    return bool(best - second >= margin)


@lru_cache(maxsize=4)
def shipped_reranker(
    names: tuple[str, ...] = AnswerSettings().readers, export_cache: Path | None = None, runtime: str = "pytorch"
) -> Reader | Readers:
    """The reader that ships with medcite: the files `names` beside this module (`AnswerSettings.readers`), one
    reranker or the mean of several, each run as `runtime` says with its int8 export in `export_cache`
    (`qa.answer.onnx_reader.load_reader`; PyTorch without a cache).

    Raises:
        ValueError: a named file is missing or malformed; the message names it and the command that writes it.
    """
    from qa.answer.onnx_reader import load_reader

    members = [load_reader(RERANKERS / name, export_cache, runtime) for name in names]
    return members[0] if len(members) == 1 else Readers(members)


def rerank(
    candidates: Sequence[Candidate], question: str, reranker: Reader | Readers | None, settings: AnswerSettings
) -> list[Candidate]:
    """The scored candidates (in the order given), the scorer's `rerank_top` best reordered by their score plus
    `rerank_weight` times the cross-encoder's: the best of them by that takes the highest of their scores, and so
    on down."""
    if reranker is None or settings.rerank_top == 0 or settings.rerank_weight == 0 or len(candidates) < 2:
        return list(candidates)
    top = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)[: settings.rerank_top]
    texts = [sentence_in_context(candidates[i].chunk, candidates[i].text) for i in top]
    if isinstance(reranker, Readers):
        base = np.array([candidates[i].score for i in top])
        margin = settings.second_reading_margin
        read = reranker.scores(question, texts, base=base, weight=settings.rerank_weight, margin=margin)
    else:
        read = reranker.scores(question, texts)
    combined = [candidates[i].score + settings.rerank_weight * float(r) for i, r in zip(top, read, strict=True)]
    reordered = [top[k] for k in sorted(range(len(top)), key=lambda k: -combined[k])]
    out = list(candidates)
    for i, j in zip(reordered, top, strict=True):
        out[i] = dataclasses.replace(candidates[i], score=candidates[j].score)
    return out
