"""The model run by ONNX Runtime, exported offline: the `onnx-int8` backend, and the float32 backend's fast runtime.

Why int8: on a CPU with AVX-512 VNNI, int8 matrix products run about twice as fast as PyTorch's float32 ones,
and a MiniLM encoder is almost all matrix products. The vectors differ from float32 ones by a cosine of about
0.99 (measured on MedQuAD chunks), which is why an index records its backend and its queries must be encoded
by the same one.

Why float32 too: the same export without quantisation computes the `torch` backend's vectors (within 3e-7 of
PyTorch's on the bundled model; `tests/test_embedding.py` holds them to 1e-5), and ONNX Runtime runs a short
question through it in 12 ms where PyTorch's eager operators take 30 (one thread, this machine): answering encodes
only questions, several per answer, so the chat answers with it when the export is in the cache (`medcite
ingest` writes it).

The export runs once per model, from the weights already on disk (nothing is downloaded), and is cached under
`<cache_dir>/onnx/<key>/`: `torch.onnx` traces the model with eager attention (so that ONNX Runtime's
transformer optimiser can fuse each layer's attention into one operator), the optimiser fuses attention, layer
norms and GELU, and `onnxruntime.quantization.quantize_dynamic` stores every weight matrix as int8 per output
channel; activations are quantised on the fly. The folder is written beside its final name and renamed into
place, so a killed export leaves nothing that a later run would trust.

(sentence-transformers' own `backend="onnx"` needs `optimum-onnx`, whose only release pins transformers below
5, which the installed sentence-transformers needs: hence this module. It also returns the token embeddings
that late chunking pools sentence vectors from, which the library's ONNX path does not expose per text.)

Answering with this backend needs neither torch nor transformers: the tokenizer is the `tokenizers` library
and the model an ONNX Runtime session, so a fresh chat or `medcite ask` starts without importing torch.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.embedding import Forward
from qa.errors import ModelLoadError

BACKEND = "onnx-int8"
# Bump when the exported files change meaning (another opset, fusion or quantisation recipe).
EXPORT_VERSION = "1"
# The weights an export stores: int8 (the onnx-int8 backend) or float32 (the torch backend's vectors).
PRECISIONS = ("int8", "float32")
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_POOLING = ("mean", "cls")
_EXPORT_LOCK = threading.Lock()


def install_hint() -> str:
    return "onnxruntime and onnx come with medcite: reinstall it (pip install medcite), or use --backend torch"


@dataclass(frozen=True)
class EncoderConfig:
    """What running the exported graph needs besides the graph: read from the sentence-transformers model."""

    max_seq_length: int
    dim: int
    pooling: str  # "mean" or "cls", as the model's Pooling module
    normalize: bool  # the model ends with a Normalize module
    do_lower_case: bool  # sentence-transformers lowercases before tokenizing
    inputs: tuple[str, ...]  # the graph's inputs, a subset of _INPUTS
    precision: str = "int8"  # of PRECISIONS; exports written before float32 ones existed are int8

    @property
    def backend(self) -> str:
        """The embedding backend whose vectors this export computes."""
        return BACKEND if self.precision == "int8" else "torch"

    def to_dict(self) -> dict:
        return {**self.__dict__, "inputs": list(self.inputs)}

    @classmethod
    def from_dict(cls, data: dict) -> EncoderConfig:
        return cls(
            max_seq_length=int(data["max_seq_length"]),
            dim=int(data["dim"]),
            pooling=str(data["pooling"]),
            normalize=bool(data["normalize"]),
            do_lower_case=bool(data["do_lower_case"]),
            inputs=tuple(data["inputs"]),
            precision=str(data.get("precision", "int8")),
        )


def weights_digest(model_path: str) -> str:
    """A digest of the model's files, so an export is redone when the weights change (not just the name).

    Reading 92 MB takes about 0.1 s, and answering's start and an up-to-date ingest each look the export up, so
    the digest is remembered for the files' names, sizes and modification times.
    """
    root = Path(model_path)
    files = sorted(p for p in root.rglob("*") if p.is_file() and "onnx" not in p.parts) if root.is_dir() else []
    stamp = tuple((str(p.relative_to(root)), s.st_size, s.st_mtime_ns) for p in files for s in (p.stat(),))
    return _digest_of(model_path, stamp)


@functools.lru_cache(maxsize=8)
def _digest_of(model_path: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256(model_path.encode())
    root = Path(model_path)
    for name, _, _ in stamp:
        digest.update(name.encode())
        with (root / name).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:20]


def export_dir(model_path: str, cache_dir: Path, precision: str = "int8") -> Path:
    """Where the export of the model at `model_path` with `precision` weights lives in the cache (whether or not
    it exists yet)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown export precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    suffix = "" if precision == "int8" else f"-{precision}"  # int8 exports keep the folder names they had
    return Path(cache_dir) / "onnx" / f"{EXPORT_VERSION}-{weights_digest(model_path)}{suffix}"


def has_export(model_path: str, cache_dir: Path, precision: str = "int8") -> bool:
    """Whether the export is in the cache, finished (its config is written last, and the folder renamed)."""
    return (export_dir(model_path, cache_dir, precision) / CONFIG_FILE).is_file()


def ensure_export(model_path: str, cache_dir: Path, precision: str = "int8") -> Path:
    """The cached export of the model at `model_path`, exporting it first if it is not there.

    Raises:
        ModelLoadError: onnxruntime or onnx is not installed, the model cannot be loaded offline, or its
            architecture is not one this exporter handles (a Transformer followed by mean or CLS pooling).
    """
    return write_once(
        export_dir(model_path, cache_dir, precision), CONFIG_FILE, lambda into: _export(model_path, into, precision)
    )


def write_once(final: Path, last_file: str, write: Callable[[Path], None]) -> Path:
    """The folder `final`, made by `write` first if it is not there: `write` fills a temporary folder beside it,
    ending with `last_file`, which is renamed into place, so a killed export leaves nothing a later run trusts.
    One export at a time per process; of two processes racing, the first to rename wins and the other uses it.
    A link at `final` that holds no finished export (its target gone) is replaced."""
    if (final / last_file).is_file():
        return final
    with _EXPORT_LOCK:
        if (final / last_file).is_file():
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".tmp-{final.name}-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            with warnings.catch_warnings():
                # The tracer's notes about Python conditions it froze concern decoder models, not these.
                warnings.simplefilter("ignore")
                write(tmp)
            if final.is_symlink():  # a link to an export that is gone (a copied cache): not an export, replace it
                final.unlink()
            try:
                os.rename(tmp, final)
            except OSError:
                if not (final / last_file).is_file():  # another process won the race: use its export
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _export(model_path: str, into: Path, precision: str) -> None:
    """Trace, fuse and (for int8) quantise the model into `into` (model.onnx, tokenizer.json, encoder.json)."""
    try:
        import onnx  # noqa: F401 -- the exporter and quantize_dynamic need it; fail here with the install hint
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelLoadError(f"exporting to ONNX needs onnxruntime and onnx ({exc}); {install_hint()}") from exc
    import torch
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(model_path, device="cpu")
    except Exception as exc:  # the library raises many types; all mean the same to a user
        raise ModelLoadError(f"cannot load embedding model {model_path!r} offline to export it ({exc})") from exc
    config, transformer = _describe(model, model_path)
    config = replace(config, precision=precision)
    transformer.set_attn_implementation("eager")
    transformer.eval()
    tokenizer = model.tokenizer
    if not getattr(tokenizer, "is_fast", False) or getattr(tokenizer, "backend_tokenizer", None) is None:
        raise ModelLoadError(f"the {BACKEND} backend needs a fast (Rust) tokenizer; {model_path!r} has none")

    class Graph(torch.nn.Module):
        """The transformer with positional inputs in a fixed order, returning its token embeddings."""

        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.transformer(**dict(zip(config.inputs, tensors, strict=True))).last_hidden_state

    sample = tokenizer(["a short text", "and a somewhat longer second text"], padding=True, return_tensors="pt")
    traced = into / "model-fp32.onnx"
    axes = {name: {0: "batch", 1: "tokens"} for name in (*config.inputs, "token_embeddings")}
    with torch.no_grad():
        torch.onnx.export(
            Graph(),
            tuple(sample[name] for name in config.inputs),
            str(traced),
            input_names=list(config.inputs),
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,  # the TorchScript exporter needs no onnxscript and traces BERT-like models reliably
        )
    fused = _fuse(traced, transformer.config, into / "model-fused.onnx")
    if precision == "float32":
        os.replace(fused, into / MODEL_FILE)
    else:
        quantize_dynamic(
            str(fused),
            str(into / MODEL_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,  # per output channel: cosine 0.993 to float32 against 0.954 per tensor (MedQuAD)
            op_types_to_quantize=["MatMul", "Attention"],
            extra_options={"DefaultTensorType": 1},  # float, for outputs of fused operators shape inference skips
        )
    traced.unlink(missing_ok=True)
    fused.unlink(missing_ok=True)
    tokenizer.backend_tokenizer.save(str(into / TOKENIZER_FILE))
    (into / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2) + "\n", encoding="utf-8")


def _describe(model, model_path: str):  # type: ignore[no-untyped-def]
    """The encoder config of a sentence-transformers model and its Hugging Face transformer, or refuse."""
    modules = list(model)
    names = [type(m).__name__ for m in modules]
    if (
        len(modules) < 2
        or names[0] != "Transformer"
        or names[1] != "Pooling"
        or any(n != "Normalize" for n in names[2:])
    ):
        raise ModelLoadError(
            f"the {BACKEND} backend handles a Transformer followed by Pooling (and Normalize); {model_path!r} is "
            f"{' -> '.join(names)}; use --backend torch"
        )
    pooling_config = modules[1].get_config_dict()
    mode = pooling_config.get("pooling_mode") or next(
        (m for m in _POOLING if pooling_config.get(f"pooling_mode_{m}_tokens")), None
    )
    if mode not in _POOLING:
        raise ModelLoadError(f"the {BACKEND} backend pools by mean or CLS; {model_path!r} pools by {mode!r}")
    transformer = modules[0].auto_model
    inputs = tuple(name for name in _INPUTS if name in model.tokenizer.model_input_names)
    config = EncoderConfig(
        max_seq_length=int(model.max_seq_length),
        dim=int(transformer.config.hidden_size),
        pooling=mode,
        normalize=len(names) > 2,
        do_lower_case=bool(getattr(modules[0], "do_lower_case", False)),
        inputs=inputs,
    )
    return config, transformer


def _fuse(traced: Path, config, into: Path) -> Path:  # type: ignore[no-untyped-def]
    """ONNX Runtime's transformer fusions for BERT-like graphs; the traced graph as it is for others."""
    if getattr(config, "model_type", "") not in {"bert", "roberta", "xlm-roberta", "distilbert", "mpnet"}:
        return traced
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(traced),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
    )
    fused.save_model_to_file(str(into))
    return into


def cpu_session(model_file: Path, threads: int):  # type: ignore[no-untyped-def]
    """An ONNX Runtime session on the CPU with `threads` intra-op threads (0: one per core) that do not spin."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Busy-waiting threads steal the cores that other processes (and other chat answers) need.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """Runs an exported model: vectors as the sentence-transformers model would pool them."""

    runtime = "onnxruntime"

    def __init__(self, folder: Path, *, threads: int = 0):
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelLoadError(f"the {BACKEND} backend needs onnxruntime ({exc}); {install_hint()}") from exc
        self.folder = Path(folder)
        self.config = EncoderConfig.from_dict(json.loads((self.folder / CONFIG_FILE).read_text(encoding="utf-8")))
        self.backend = self.config.backend
        # Two copies: one reads at most the model's window (special tokens included), one counts whole texts.
        self.tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.config.max_seq_length)
        self._counting = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self._counting.no_padding()
        self._counting.no_truncation()
        self._runtime = onnxruntime
        self._threads = -1
        self._lock = threading.Lock()
        self.set_threads(threads)

    @property
    def dim(self) -> int:
        return self.config.dim

    @property
    def max_seq_length(self) -> int:
        return self.config.max_seq_length

    def set_threads(self, threads: int) -> None:
        """Intra-op threads of the session (0: one per core); a new session is made only when this changes."""
        with self._lock:
            if threads == self._threads:
                return
            self._session = cpu_session(self.folder / MODEL_FILE, threads)
            self._threads = threads

    def vocabulary(self) -> list[str]:
        vocabulary = self.tokenizer.get_vocab()
        return sorted(vocabulary, key=vocabulary.__getitem__)

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        return [t.lower() for t in texts] if self.config.do_lower_case else list(texts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without special tokens and without truncation."""
        encoded = self._counting.encode_batch(self._prepare(texts), add_special_tokens=False)
        return [len(e.ids) for e in encoded]

    def forward(self, texts: Sequence[str]) -> list[Forward]:
        """One batch through the model; each text truncated to the model's window, as sentence-transformers does."""
        if not texts:
            return []
        rows = [_arrays(e) for e in self.tokenizer.encode_batch(self._prepare(texts), add_special_tokens=True)]
        width = max(len(ids) for ids, _, _ in rows)
        feeds = {name: np.zeros((len(rows), width), dtype=np.int64) for name in self.config.inputs}
        for i, (ids, types, _) in enumerate(rows):
            feeds["input_ids"][i, : len(ids)] = ids
            if "attention_mask" in feeds:
                feeds["attention_mask"][i, : len(ids)] = 1
            if "token_type_ids" in feeds:
                feeds["token_type_ids"][i, : len(ids)] = types
        session = self._session
        (hidden,) = session.run(["token_embeddings"], feeds)
        out: list[Forward] = []
        for i, (ids, _, offsets) in enumerate(rows):
            tokens = np.ascontiguousarray(hidden[i, : len(ids)], dtype=np.float32)
            vector = tokens.mean(axis=0) if self.config.pooling == "mean" else tokens[0].copy()
            if self.config.normalize:
                vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
            # Lowercasing can change a text's length (rarely, e.g. 'İ'): offsets then do not fit the text.
            fits = not self.config.do_lower_case or len(texts[i]) == len(texts[i].lower())
            out.append(Forward(vector.astype(np.float32), tokens, offsets if fits else None))
        return out

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Normalised vectors of `texts`, batched by length; shape (len(texts), dim)."""
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for first in range(0, len(order), batch_size):
            batch = order[first : first + batch_size]
            for i, result in zip(batch, self.forward([texts[i] for i in batch]), strict=True):
                vectors[i] = result.vector
        if not self.config.normalize:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.maximum(norms, 1e-12)
        return vectors


def _arrays(encoding):  # type: ignore[no-untyped-def]
    """(ids, type ids, offsets) of one encoded text; special tokens get the offsets (0, 0)."""
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2).copy()
    offsets[np.asarray(encoding.special_tokens_mask, dtype=bool)] = 0
    return np.asarray(encoding.ids, dtype=np.int64), np.asarray(encoding.type_ids, dtype=np.int64), offsets
