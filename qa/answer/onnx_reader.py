"""The readers (`qa.answer.rerank`) run by ONNX Runtime with int8 weights: the same cross-encoders, their passes in
about 40% of PyTorch's float32 time (eval/EXPERIMENTS.md, "Thirtieth session").

Why: the two readers' passes over the scorer's 8 best sentences were about 90% of an answer's time (a profile of
warm `ask()` on all six MedQuAD sources; eval/EXPERIMENTS.md, "Twenty-ninth session"), and a pass is almost all
matrix products, which int8 runs faster than float32 on a CPU with AVX-512 VNNI.

What: each shipped reader, its adapters folded into the base weights as `Reranker` folds them, is traced in float32
(`torch.onnx`, eager attention), and `onnxruntime.quantization.quantize_dynamic` stores every weight matrix as int8
per output channel; activations are quantised on the fly, per batch, so each question-sentence pair is run as a
batch of its own (`OnnxReader.scores`). Not the transformer optimiser's fused graph: quantised, it ran slower than
the plain one here. The export is cached under `<cache_dir>/onnx/reader-<version>-<digest>/`, the digest of the
reader file and of the base model's weights, so a retrained reader is exported again; `medcite ingest` writes it
(`export_readers`), and answering reads it if it is there (`load_reader`), as the question encoder's float32 export
is read (`qa.onnx_encoder`).

int8 reads like float32 to rounding, not exactly: on the own set's 211 questions, each with 8 sentences of the seed
pages, the first reader's best sentence was the same for 92.9% and the rank correlation 0.94 (eval/EXPERIMENTS.md,
"Thirtieth session"), and on the seed questions of tests/answer/test_onnx_reader.py a score moves by up to 1.3 where
the sentences spread over 14. Near ties can go the other way; the answers it gives were measured with the four
commands against PyTorch's (the same entry). `MEDCITE_RUNTIME=pytorch` reads in PyTorch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.answer.rerank import MAX_TOKENS, Reranker, RerankerWeights
from qa.errors import ModelLoadError
from qa.onnx_encoder import cpu_session, install_hint, weights_digest, write_once

# Bump when the exported files change meaning (another opset or quantisation recipe).
EXPORT_VERSION = "1"
MODEL_FILE = "reader.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "reader.json"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_dir(weights_file: Path, cache_dir: Path, base: str | None = None) -> Path:
    """Where the export of the reader stored at `weights_file` lives in the cache (whether or not it exists yet).
    `base`: the reader's base model, if its weights are loaded already (read from the file otherwise)."""
    from qa.embedding import resolve_model

    base = base or RerankerWeights.load(weights_file).base
    digest = hashlib.sha256(Path(weights_file).read_bytes())
    digest.update(weights_digest(resolve_model(base)).encode())
    return Path(cache_dir) / "onnx" / f"reader-{EXPORT_VERSION}-{digest.hexdigest()[:20]}"


def has_export(weights_file: Path, cache_dir: Path) -> bool:
    """Whether the reader's export is in the cache, finished (its config is written last, and the folder renamed)."""
    return (export_dir(weights_file, cache_dir) / CONFIG_FILE).is_file()


def ensure_export(weights_file: Path, cache_dir: Path) -> Path:
    """The cached export of the reader at `weights_file`, exporting it first if it is not there.

    Raises:
        ModelLoadError: onnxruntime or onnx is not installed, or the base model cannot be loaded offline.
        ValueError: the reader file is missing or malformed (the message names the command that writes it).
    """
    return _ensure(weights_file, export_dir(weights_file, cache_dir))


def _ensure(weights_file: Path, folder: Path) -> Path:
    return write_once(folder, CONFIG_FILE, lambda into: _export(weights_file, into))


def _export(weights_file: Path, into: Path) -> None:
    """Trace the folded reader in float32 and quantise it into `into` (reader.onnx, tokenizer.json, reader.json)."""
    try:
        import onnx  # noqa: F401 -- the exporter and quantize_dynamic need it; fail here with the install hint
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelLoadError(
            f"exporting a reader to ONNX needs onnxruntime and onnx ({exc}); {install_hint()}"
        ) from exc
    import torch

    reader = Reranker(RerankerWeights.load(weights_file), dtype=torch.float32)
    model = reader.model
    model.bert.set_attn_implementation("eager")  # traced as plain operators, which ONNX Runtime runs in int8

    class Graph(torch.nn.Module):
        """The reader with positional inputs in `INPUTS` order, returning one score per row."""

        def __init__(self) -> None:
            super().__init__()
            self.reader = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.reader(dict(zip(INPUTS, tensors, strict=True)))

    sample = reader.tokenizer(["a question"] * 2, ["a sentence", "and a longer second sentence"], padding=True,
                              return_tensors="pt")  # fmt: skip
    traced = into / "reader-fp32.onnx"
    axes = {**{name: {0: "batch", 1: "tokens"} for name in INPUTS}, "score": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(
            Graph().eval(),
            tuple(sample[name] for name in INPUTS),
            str(traced),
            input_names=list(INPUTS),
            output_names=["score"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,  # as for the question encoder: no onnxscript needed, BERT traces reliably
        )
    quantize_dynamic(
        str(traced),
        str(into / MODEL_FILE),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
    traced.unlink(missing_ok=True)
    reader.tokenizer.backend_tokenizer.save(str(into / TOKENIZER_FILE))
    config = {"max_tokens": MAX_TOKENS, "inputs": list(INPUTS), "precision": "int8"}
    (into / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


class OnnxReader:
    """A reader's export run by ONNX Runtime: `Reranker.scores`, in int8. Shared by every chat session of an
    `Assistant`, one pass at a time under a lock, as `Reranker` is; one thread, as answering runs one per request."""

    runtime = "onnxruntime"

    def __init__(self, weights: RerankerWeights, folder: Path):
        try:
            import onnxruntime  # noqa: F401 -- `cpu_session` needs it; fail here with the install hint
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelLoadError(f"the readers' ONNX export needs onnxruntime ({exc}); {install_hint()}") from exc
        self.weights = weights
        self.folder = Path(folder)
        config = json.loads((self.folder / CONFIG_FILE).read_text(encoding="utf-8"))
        # The pairs as the reader was trained on them: cut longest first to its window.
        self.tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=int(config["max_tokens"]), strategy="longest_first")
        self.tokenizer.no_padding()  # the file keeps the padding the model was saved with
        self._session = cpu_session(self.folder / MODEL_FILE, threads=1)
        self._lock = threading.Lock()

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One score per text: how well it answers `question` (higher is better; comparable within a call).

        Each pair is its own batch: int8 activations are scaled by the range of the batch they are in, so a
        sentence read beside others (or beside their padding) would score otherwise than read alone (by up to 1.2
        on the seed pages). Alone, a pair scores the same whatever else is read, and no padding is computed."""
        scores = np.zeros(len(texts), dtype=np.float32)
        with self._lock:
            for i, encoded in enumerate(self.tokenizer.encode_batch([(question, text) for text in texts])):
                feeds = {
                    "input_ids": np.array([encoded.ids], dtype=np.int64),
                    "attention_mask": np.array([encoded.attention_mask], dtype=np.int64),
                    "token_type_ids": np.array([encoded.type_ids], dtype=np.int64),
                }
                scores[i] = self._session.run(["score"], feeds)[0][0]
        return scores


def load_reader(weights_file: Path, cache_dir: Path | None, runtime: str) -> Reranker | OnnxReader:
    """The reader stored at `weights_file`, run as `runtime` says (`qa.settings.RUNTIMES`): "auto" runs its int8
    export when it is in `cache_dir` and PyTorch otherwise (answering never waits for an export); "onnxruntime"
    exports it first if needed; "pytorch" never reads the export.

    Raises:
        ValueError: the reader file is missing or malformed.
        ModelLoadError: "onnxruntime" was asked for and the export cannot be made or run.
    """
    weights = RerankerWeights.load(weights_file)
    if cache_dir is None or runtime == "pytorch":
        return Reranker(weights)
    folder = export_dir(weights_file, cache_dir, weights.base)  # the file is not loaded a second time
    runnable = importlib.util.find_spec("onnxruntime") is not None and (folder / CONFIG_FILE).is_file()
    if runtime == "auto" and not runnable:
        return Reranker(weights)
    folder = _ensure(weights_file, folder)
    try:
        return OnnxReader(weights, folder)
    except Exception as exc:  # ONNX Runtime raises its own types for a file it cannot read
        advice = f"delete {folder} (the next `medcite ingest` exports it again)"
        if runtime == "onnxruntime":
            raise ModelLoadError(f"cannot run the reader's ONNX export at {folder} ({exc}); {advice}") from exc
        print(f"medcite: a reader's ONNX export cannot be run ({exc}); it runs in PyTorch; {advice}", file=sys.stderr)
        return Reranker(weights)


def export_readers(names: Sequence[str], cache_dir: Path) -> list[Path]:
    """Write the int8 export of each reader named (files beside `qa.answer.rerank`) into `cache_dir`, if missing."""
    from qa.answer.rerank import RERANKERS

    return [ensure_export(RERANKERS / name, cache_dir) for name in names]
