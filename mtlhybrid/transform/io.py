"""Transform matrices in Kaldi's formats, and applying and composing them.

A global transform (``0.mat``, ``final.mat``) is one Kaldi binary matrix in a file, as
``est-lda`` / ``est-mllt`` write it (``copy-matrix --binary=false final.mat -`` prints it).
Per-speaker fMLLR transforms (``trans.JOB``) are a Kaldi binary archive of float matrices
keyed by speaker, as ``gmm-est-fmllr`` writes them. A ``d x d`` matrix is linear
(``y = A x``); a ``d x (d+1)`` matrix is affine (``y = A[:, :d] x + A[:, d]``), the two
shapes Kaldi's ``transform-feats`` accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, Iterable, Tuple, TypeVar, Union

import numpy as np

from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import atomic_write

PathLike = Union[str, Path]


def read_matrix(path: PathLike) -> np.ndarray:
    """A Kaldi matrix file (binary or text) as float64; DataError naming the file otherwise."""
    import kaldiio

    if not Path(path).is_file():
        raise DataError("no such matrix file", path=path)
    try:
        m = np.asarray(kaldiio.load_mat(str(path)), dtype=np.float64)
    except Exception as e:  # kaldiio raises several types on a bad header
        raise DataError(f"not a Kaldi matrix: {e}", path=path)
    if m.ndim != 2:
        raise DataError(f"expected a matrix, got an array of shape {m.shape}", path=path)
    return m


def write_matrix(path: PathLike, mat: np.ndarray) -> None:
    """Write one matrix as Kaldi's binary float matrix, atomically."""
    import kaldiio

    with atomic_write(path, "wb") as f:
        kaldiio.save_mat(f, np.asarray(mat, dtype=np.float32))


def read_transforms(rspecifier: str) -> Dict[str, np.ndarray]:
    """Per-speaker matrices from a Kaldi archive (``ark:exp/tri3b/trans.1``)."""
    from mtlhybrid.utils.kaldi_io import read_matrices_rspecifier

    return {k: np.asarray(m, dtype=np.float64) for k, m in read_matrices_rspecifier(rspecifier)}


def write_transforms(wspecifier: str, items: Iterable[Tuple[str, np.ndarray]]) -> int:
    """Write per-speaker matrices as a Kaldi binary archive; returns how many."""
    from mtlhybrid.utils.kaldi_io import MatrixWriter

    n = 0
    with MatrixWriter(wspecifier) as w:
        for key, mat in items:
            w.write(key, np.asarray(mat, dtype=np.float32))
            n += 1
    return n


def apply_transform(feats: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Kaldi's ``transform-feats``: ``[T, d] -> [T, rows]`` for a linear or affine matrix."""
    x = np.asarray(feats, dtype=np.float64)
    d = x.shape[1]
    if mat.shape[1] == d:
        y = x @ mat.T
    elif mat.shape[1] == d + 1:
        y = x @ mat[:, :d].T + mat[:, d]
    else:
        raise MismatchError(f"transform of shape {mat.shape} does not fit features of dimension {d}")
    return y.astype(np.float32)


def compose_transforms(a: np.ndarray, b: np.ndarray, b_is_affine: bool = False) -> np.ndarray:
    """Kaldi's ``compose-transforms [--b-is-affine] a b``: apply ``b`` first, then ``a``.

    ``a`` is linear (``a.cols == b.rows``) or affine (``a.cols == b.rows + 1``). With an
    affine ``a``, ``b``'s last column is an offset only when ``b_is_affine`` (as in Kaldi:
    a non-square LDA matrix cannot be told from an affine one by its shape).
    """
    if a.shape[1] == b.shape[0]:
        return a @ b
    if a.shape[1] != b.shape[0] + 1:
        raise MismatchError(f"cannot compose a {a.shape} transform after a {b.shape} one")
    c = a[:, :-1] @ b
    if b_is_affine:
        c[:, -1] += a[:, -1]
        return c
    return np.concatenate([c, a[:, -1:]], axis=1)


Stats = TypeVar("Stats")


def sum_stats_files(load: Callable[[PathLike], Stats], paths: Iterable[PathLike], what: str) -> Stats:
    """Load each job's statistics file and add them up (``stats.add(other)`` in place), as
    Kaldi's ``*-sum-accs`` tools do; no file at all is an error naming ``what``."""
    total = None
    for p in paths:
        st = load(p)
        if total is None:
            total = st
        else:
            total.add(st)
    if total is None:
        raise DataError(f"no {what} statistics files given")
    return total
