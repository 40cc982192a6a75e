"""GMM accumulator files (``N.JOB.acc``) as numpy ``.npz`` archives, read and written without torch.

gmm_acc_stats_ali writes one per job, gmm_sum_accs adds them up and gmm_est reads the sum.
Version 1 of the format was a ``torch.save`` dict, which made every one of those processes
import torch (about 3 CPU seconds each) just to move a few arrays; version 2 is an
uncompressed ``np.savez`` archive with the same fields::

    format ("mtlhybrid.gmm-accs"), version (2), occ [P, G], mean_acc [P, G, D],
    var_acc [P, G, D] (float64), total_log_like, total_frames, transition_counts [T+1] (optional)

Version-1 files are still read (through torch) by :func:`read_acc_file`.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Dict, Iterable, Optional, Union

import numpy as np

from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import atomic_write

ACC_FORMAT = "mtlhybrid.gmm-accs"
ACC_VERSION = 2
_FIELDS = ("occ", "mean_acc", "var_acc")


def acc_bytes(occ, mean_acc, var_acc, total_log_like: float, total_frames: float,
              transition_counts: Optional[np.ndarray] = None) -> bytes:
    """The bytes of an accumulator file (what :func:`write_acc_file` writes)."""
    arrays = {
        "format": np.array(ACC_FORMAT), "version": np.array(ACC_VERSION),
        "occ": np.asarray(occ, dtype=np.float64), "mean_acc": np.asarray(mean_acc, dtype=np.float64),
        "var_acc": np.asarray(var_acc, dtype=np.float64),
        "total_log_like": np.array(float(total_log_like)), "total_frames": np.array(float(total_frames)),
    }
    if transition_counts is not None:
        arrays["transition_counts"] = np.asarray(transition_counts, dtype=np.float64)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def write_acc_file(path: Union[str, Path], occ, mean_acc, var_acc, total_log_like: float, total_frames: float,
                   transition_counts: Optional[np.ndarray] = None) -> None:
    """Write an accumulator file atomically (``-`` writes to stdout)."""
    data = acc_bytes(occ, mean_acc, var_acc, total_log_like, total_frames, transition_counts)
    if str(path) == "-":
        import sys

        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with atomic_write(path, mode="wb", encoding=None) as f:
        f.write(data)


def read_acc_bytes(data: bytes, where: str) -> Dict[str, object]:
    """Parse an accumulator file's bytes: a dict of the fields above (``transition_counts`` may be None)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            names = set(z.files)
            if "format" not in names:
                return _read_torch_accs(data, where)
            if str(z["format"]) != ACC_FORMAT:
                raise DataError(f"not a {ACC_FORMAT} file", path=where)
            if int(z["version"]) > ACC_VERSION:
                raise DataError(f"accumulator version {int(z['version'])} is newer than this code", path=where)
            d: Dict[str, object] = {k: z[k] for k in _FIELDS}
            d["total_log_like"] = float(z["total_log_like"])
            d["total_frames"] = float(z["total_frames"])
            d["transition_counts"] = z["transition_counts"] if "transition_counts" in names else None
    except (ValueError, OSError, zipfile.BadZipFile, KeyError, EOFError) as e:
        raise DataError(f"cannot read accumulator file: {e}", path=where)
    return d


def _read_torch_accs(data: bytes, where: str) -> Dict[str, object]:
    """Version 1 (``torch.save``) files, from before this module."""
    import torch

    try:
        d = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as e:  # unpickling errors, truncated files
        raise DataError(f"cannot read accumulator file: {e}", path=where)
    if not isinstance(d, dict) or d.get("format") != ACC_FORMAT:
        raise DataError(f"not a {ACC_FORMAT} file", path=where)
    g = d["gmm"]
    tc = d.get("transition_counts")
    out: Dict[str, object] = {k: np.asarray(g[k], dtype=np.float64) for k in _FIELDS}
    out["total_log_like"] = float(g["total_log_like"])
    out["total_frames"] = float(g["total_frames"])
    out["transition_counts"] = None if tc is None else np.asarray(tc, dtype=np.float64)
    return out


def read_acc_file(path: Union[str, Path]) -> Dict[str, object]:
    """Read an accumulator file (either version); DataError naming it when missing or unreadable."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError("no such accumulator file", path=path)
    return read_acc_bytes(data, str(path))


def sum_acc_files(paths: Iterable[Union[str, Path]]) -> Dict[str, object]:
    """Add up accumulator files (gmm-sum-accs); transition counts are summed when all have them."""
    total: Optional[Dict[str, object]] = None
    n = n_with_counts = 0
    for p in paths:
        d = read_acc_file(p)
        n += 1
        n_with_counts += d["transition_counts"] is not None
        if total is None:
            total = d
            continue
        for k in _FIELDS:
            if d[k].shape != total[k].shape:
                raise MismatchError(f"{p}: {k} has shape {d[k].shape}, earlier files had {total[k].shape}")
            total[k] = total[k] + d[k]
        total["total_log_like"] += d["total_log_like"]
        total["total_frames"] += d["total_frames"]
        tc = d["transition_counts"]
        if tc is not None and total["transition_counts"] is not None:
            if tc.shape != total["transition_counts"].shape:
                raise MismatchError(f"{p}: {tc.size} transition counts, earlier files had {total['transition_counts'].size}")
            total["transition_counts"] = total["transition_counts"] + tc
    if total is None:
        raise DataError("no accumulator files given")
    if n_with_counts not in (0, n):
        raise MismatchError(f"only {n_with_counts} of {n} accumulator files carry transition counts")
    return total
