"""Read files written by ``torch.save`` without importing torch (tensors come back as numpy arrays).

Why: the GMM-HMM tools that only need a model's transition model or its Gaussians
(latgen, align_mapped, ali_to_pdf, show_transitions, ...) spent about 3 CPU seconds per
job importing torch, most of a short decoding job. ``torch.save`` writes a zip archive:
``<name>/data.pkl`` (a pickle whose tensors refer to storages by key) and
``<name>/data/<key>`` (each storage's raw little-endian bytes). This module unpickles
``data.pkl`` with an allow-list of classes (plain containers, tensor rebuilds and
storage types only, as ``torch.load(weights_only=True)``) and builds each tensor as a
numpy array view of its storage. Anything it does not recognise raises
:class:`UnsupportedTorchFile`, and the caller falls back to ``torch.load``.
"""

from __future__ import annotations

import collections
import pickle
import zipfile
from pathlib import Path
from typing import Any, Dict, Union

import numpy as np

_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class UnsupportedTorchFile(Exception):
    """Not a zip-format torch file, or it holds something beyond plain tensors and containers."""


class _StorageType:
    def __init__(self, name: str):
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


def _rebuild_tensor(storage, offset, size, stride, *_):
    data, itemsize = storage, storage.dtype.itemsize
    if not size:
        return np.array(data[offset], copy=True) if data.size else np.zeros((), data.dtype)
    view = np.lib.stride_tricks.as_strided(data[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride))
    return np.array(view, copy=True)  # writable, contiguous, independent of the archive buffer


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, archive: zipfile.ZipFile, prefix: str):
        super().__init__(f)
        self._archive = archive
        self._prefix = prefix
        self._storages: Dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise UnsupportedTorchFile(f"{module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise UnsupportedTorchFile(f"persistent id {pid!r:.80}")
        dtype, key = pid[1].dtype, str(pid[2])
        if key not in self._storages:
            raw = self._archive.read(f"{self._prefix}data/{key}")
            self._storages[key] = np.frombuffer(raw, dtype=dtype)
        return self._storages[key]


def load_torch_file(path: Union[str, Path]) -> Any:
    """The object in a ``torch.save`` zip file, tensors as numpy arrays (no torch import).

    Raises :class:`UnsupportedTorchFile` for legacy (non-zip) files and for pickles that
    need anything other than containers, tensors and storages; OSError if unreadable.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise UnsupportedTorchFile(str(e))
    with archive:
        pkl = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise UnsupportedTorchFile("no single <name>/data.pkl in the archive")
        prefix = pkl[0][: -len("data.pkl")]
        with archive.open(pkl[0]) as f:
            try:
                return _Unpickler(f, archive, prefix).load()
            except (pickle.UnpicklingError, KeyError, ValueError, EOFError) as e:
                raise UnsupportedTorchFile(f"{type(e).__name__}: {e}")


# ---- writing ---------------------------------------------------------------------------------

_DTYPE_STORAGES = {np.dtype(v): k for k, v in _STORAGE_DTYPES.items()}


class _Global:
    """A reference to ``module.name`` written into the pickle without importing ``module``."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name


class _Tensor:
    def __init__(self, array: np.ndarray, key: str):
        self.array, self.key = array, key


class _Writer(pickle._Pickler):  # the Python pickler: its dispatch table can be extended
    dispatch = dict(pickle._Pickler.dispatch)

    def persistent_id(self, obj):
        if isinstance(obj, _Tensor) and getattr(self, "_storage_arg", None) is obj:
            a = obj.array
            return ("storage", _Global("torch", _DTYPE_STORAGES[a.dtype]), obj.key, "cpu", int(a.size))
        return None

    def _save_global_ref(self, obj: _Global):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))

    def _save_tensor(self, obj: _Tensor):
        a = obj.array
        itemsize = a.dtype.itemsize
        self._save_global_ref(_Global("torch._utils", "_rebuild_tensor_v2"))
        self.write(pickle.MARK)
        self._storage_arg = obj
        self.save(obj)  # the storage, as a persistent id
        self._storage_arg = None
        self.save(0)
        self.save(tuple(int(n) for n in a.shape))
        self.save(tuple(int(s) // itemsize for s in a.strides))
        self.save(False)
        self._save_global_ref(_Global("collections", "OrderedDict"))
        self.write(pickle.EMPTY_TUPLE + pickle.REDUCE)
        self.write(pickle.TUPLE + pickle.REDUCE)

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, _Tensor) and getattr(self, "_storage_arg", None) is obj:
            self.save_pers(self.persistent_id(obj))
            return
        super().save(obj, save_persistent_id=False)

    dispatch[_Global] = _save_global_ref
    dispatch[_Tensor] = _save_tensor


def save_torch_file(obj: Any, f) -> None:
    """Write ``obj`` as ``torch.save`` would, numpy arrays becoming tensors, without importing torch.

    ``obj`` may hold dicts, lists, tuples, strings, numbers, booleans, None and numpy arrays
    of the dtypes torch has storages for; ``torch.load(..., weights_only=True)`` and
    :func:`load_torch_file` read the result. Why: the GMM tools that write a model
    (gmm_est) would otherwise import torch (seconds per process) only to serialise arrays.
    """
    tensors: Dict[str, np.ndarray] = {}

    def convert(x):
        if isinstance(x, np.ndarray):
            if x.dtype not in _DTYPE_STORAGES:
                raise TypeError(f"no torch storage for numpy dtype {x.dtype}")
            key = str(len(tensors))
            a = np.ascontiguousarray(x).astype(x.dtype.newbyteorder("<"), copy=False)
            tensors[key] = a
            return _Tensor(a, key)
        if isinstance(x, np.generic):
            return x.item()
        if isinstance(x, dict):
            return {k: convert(v) for k, v in x.items()}
        if isinstance(x, list):
            return [convert(v) for v in x]
        if isinstance(x, tuple):
            return tuple(convert(v) for v in x)
        if x is None or isinstance(x, (str, bool, int, float)):
            return x
        raise TypeError(f"cannot write a {type(x).__name__} in a torch file without torch")

    import io

    buf = io.BytesIO()
    _Writer(buf, protocol=2).dump(convert(obj))
    def record(z, name, data):  # a fixed timestamp: equal models give equal files
        z.writestr(zipfile.ZipInfo(f"archive/{name}", date_time=(1980, 1, 1, 0, 0, 0)), data)

    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as z:
        record(z, "data.pkl", buf.getvalue())
        record(z, "byteorder", "little")
        for key, a in tensors.items():
            record(z, f"data/{key}", a.tobytes())
        record(z, "version", "3\n")
