"""Learned models that ship beside their modules as small JSON files (or, for arrays, .npz files with a JSON
header): written, and read back with errors that name the file and the command that retrains it.

The answer selector (`qa.answer.scoring`) and the abstention model (`qa.abstention`) are both linear models kept
this way (no pickles, nothing downloaded); a file that is missing, not JSON, of another format or malformed must
be refused as clearly for either.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def save(path: Path, fmt: str, fields: Mapping[str, Any]) -> None:
    """Write a model's fields, tagged with its format, as what `load` reads."""
    Path(path).write_text(json.dumps({"format": fmt, **fields}, indent=1) + "\n", encoding="utf-8")


def load(path: Path, *, what: str, fmt: str, retrain: str, build: Callable[[dict[str, Any]], T]) -> T:
    """The model `build` makes of the file's fields.

    Args:
        what: the model's name in messages ("the abstention model").
        retrain: the command that writes the file again.
        build: makes the model from the parsed file; a KeyError, TypeError or ValueError it raises means the
            file is malformed (a missing field, a wrong type, a value the model refuses).

    Raises:
        ValueError: the file is missing, not JSON, not of format `fmt`, or malformed; the message names the file
            and `retrain`.
    """
    where = f"{what} {path}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {where} ({exc.strerror}); reinstall medcite or run {retrain}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{where} is not valid JSON ({exc}); run {retrain}") from exc
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise ValueError(f"{where} is not of format {fmt}; run {retrain}")
    try:
        return build(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{where} is malformed ({type(exc).__name__}: {exc}); run {retrain}") from exc


def save_arrays(path: Path, fmt: str, header: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """Write arrays (float16) and a JSON header tagged with `fmt` as one compressed .npz (no pickle), atomically.

    Compressed, since the models ship in the repository: the reranker's soup of two fine-tunings is 1.06 MB stored
    plainly and 0.97 MB so; `np.load` reads either."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.npz")
    stored = {name: np.asarray(a, dtype=np.float16) for name, a in arrays.items()}
    np.savez_compressed(tmp, header=np.array(json.dumps({"format": fmt, **header})), **stored)
    tmp.replace(path)


def load_arrays(path: Path, *, what: str, fmt: str, retrain: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and the arrays (float32) that `save_arrays` wrote.

    Raises:
        ValueError: the file is missing, not an .npz with a header of format `fmt`; the message names the file and
            `retrain`.
    """
    where = f"{what} {path}"
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            arrays = {k: data[k].astype(np.float32) for k in data.files if k != "header"}
    except OSError as exc:
        raise ValueError(f"cannot read {where} ({exc}); reinstall medcite or run {retrain}") from exc
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{where} is malformed ({exc}); run {retrain}") from exc
    if not isinstance(header, dict) or header.get("format") != fmt:
        raise ValueError(f"{where} is not of format {fmt}; run {retrain}")
    return header, arrays
