"""``final.mdl``: the transition model with an optional acoustic model, in one file.

Kaldi's ``.mdl`` holds the transition model followed by the acoustic model; alignment
and decoding tools need both and nnet training needs at least the first. Here the file is
``torch.save`` of a plain dict (only strings, numbers, lists and dicts), read back with
``weights_only=True`` so a model file can never run code when loaded::

    {"format": "mtlhybrid.hmm-model", "version": 1,
     "transition_model": TransitionModel.to_dict(),
     "acoustic_model": AmDiagGmm.to_dict() or None}
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Optional, Tuple, Union

from mtlhybrid.hmm.transition_model import TransitionModel
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write

PathLike = Union[str, Path]
MODEL_FORMAT = "mtlhybrid.hmm-model"
MODEL_VERSION = 1


def save_model(path: PathLike, transition_model: TransitionModel, acoustic_model=None) -> None:
    """Write ``final.mdl`` atomically; ``acoustic_model`` is an object with ``to_dict()`` or a dict.

    An acoustic model given as numpy arrays (the CPU GMM tools) is written by
    :func:`mtlhybrid.utils.torch_file.save_torch_file` without importing torch (same
    format, arrays become tensors); one holding torch tensors by ``torch.save``.
    """
    am = acoustic_model
    if am is not None and not isinstance(am, dict):
        am = am.to_dict()
    obj = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "transition_model": transition_model.to_dict(),
        "acoustic_model": am,
    }
    from mtlhybrid.utils.torch_file import save_torch_file

    buf = io.BytesIO()
    try:
        save_torch_file(obj, buf)
    except TypeError:  # torch tensors in it: torch is imported already
        import torch

        buf = io.BytesIO()
        torch.save(obj, buf)
    with atomic_write(path, mode="wb", encoding=None) as f:
        f.write(buf.getvalue())


def load_model(path: PathLike) -> Tuple[TransitionModel, Optional[dict]]:
    """Read ``final.mdl``: ``(TransitionModel, acoustic-model dict or None)``.

    A truncated or foreign file, or one from a newer version, is a DataError naming it.
    """
    import pickle

    from mtlhybrid.utils.torch_file import UnsupportedTorchFile, load_torch_file

    path = Path(path)
    if not path.is_file():
        raise DataError("model file not found", path=path)
    try:
        # Without importing torch (seconds per job); tensors of the acoustic model come back
        # as numpy arrays, which AmDiagGmm.from_dict turns into tensors.
        obj = load_torch_file(path)
    except (UnsupportedTorchFile, OSError):
        import torch

        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, EOFError, pickle.UnpicklingError, ValueError, OSError, AttributeError, ImportError) as e:
            raise DataError(f"cannot read model (truncated or not a model file?): {str(e).splitlines()[0] if str(e) else type(e).__name__}", path=path)
    if not isinstance(obj, dict) or obj.get("format") != MODEL_FORMAT:
        got = obj.get("format") if isinstance(obj, dict) else type(obj).__name__
        raise DataError(f"not an HMM model file (format {got!r}, expected {MODEL_FORMAT!r})", path=path)
    version = obj.get("version")
    if not isinstance(version, int) or version < 1 or version > MODEL_VERSION:
        raise DataError(f"model file version {version!r} is not supported (this code reads up to {MODEL_VERSION})", path=path)
    if "transition_model" not in obj:
        raise DataError("model file has no transition model", path=path)
    tm = TransitionModel.from_dict(obj["transition_model"], source=str(path))
    return tm, obj.get("acoustic_model")
