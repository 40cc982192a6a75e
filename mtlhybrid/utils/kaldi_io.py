"""Kaldi binary archives (``.ark``/``.scp``) through kaldiio.

Features are float32 matrices in ``ark,scp`` pairs, exactly what Kaldi's ``copy-feats``
reads. Alignments are int32 vectors in gzipped archives (``ali.JOB.gz``), exactly what
``copy-int-vector "ark:gunzip -c ali.1.gz|" ark,t:-`` reads.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Dict, Iterable, Iterator, Mapping, Tuple, Union

import numpy as np

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, kaldi_sorted

PathLike = Union[str, Path]


def write_matrices_ark_scp(
    ark: PathLike, scp: PathLike, items: Iterable[Tuple[str, np.ndarray]], dtype=np.float32
) -> int:
    """Write ``(key, matrix)`` pairs to ``ark`` and an ``scp`` index; both appear atomically.

    The scp points at the final ark path (absolute), so the pair can be moved only together.
    ``dtype`` float32 gives Kaldi's ``FM`` matrices, float64 ``DM`` (CMVN statistics are
    double in Kaldi). Returns the number written.
    """
    import kaldiio

    ark, scp = Path(ark).absolute(), Path(scp)
    ark.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp_ark = ark.with_name(f".{ark.name}.tmp")
    lines = []
    try:
        with open(tmp_ark, "wb") as f:
            for key, mat in items:
                offset = f.tell()
                kaldiio.save_ark(f, {key: np.asarray(mat, dtype=dtype)})
                # kaldiio writes "key " then the binary payload; the scp offset points past "key ".
                lines.append(f"{key} {ark}:{offset + len(key.encode()) + 1}\n")
                n += 1
        with atomic_write(scp) as f:
            f.writelines(lines)
        os.replace(tmp_ark, ark)
    except BaseException:
        if tmp_ark.exists():
            tmp_ark.unlink()
        raise
    return n


def read_scp_matrices(scp: PathLike) -> Iterator[Tuple[str, np.ndarray]]:
    """Yield ``(key, matrix)`` for each line of an scp, in file order."""
    import kaldiio

    for lineno, line in enumerate(Path(scp).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split(maxsplit=1)
        if len(fields) != 2:
            raise DataError(f"expected '<key> <rxfilename>', got {line!r}", path=scp, line=lineno)
        try:
            yield fields[0], np.asarray(kaldiio.load_mat(fields[1]))
        except (OSError, ValueError) as e:
            raise DataError(f"cannot read {fields[1]!r}: {e}", path=scp, line=lineno, utt=fields[0])


def load_scp_dict(scp: PathLike) -> Dict[str, str]:
    """key -> rxfilename, for random access with :func:`load_matrix`."""
    from mtlhybrid.utils.io import read_table

    return read_table(scp)


def load_matrix(rxfilename: str) -> np.ndarray:
    import kaldiio

    return np.asarray(kaldiio.load_mat(rxfilename))


def write_int_vectors(path: PathLike, items: Mapping[str, np.ndarray] | Iterable[Tuple[str, np.ndarray]]) -> None:
    """Write int32 vectors as a Kaldi binary archive; gzipped when ``path`` ends in ``.gz``."""
    import io

    import kaldiio

    pairs = items.items() if isinstance(items, Mapping) else items
    buf = io.BytesIO()
    for key, vec in pairs:
        kaldiio.save_ark(buf, {key: np.asarray(vec, dtype=np.int32)})
    with atomic_write(path, mode="wb", encoding=None) as f:
        f.write(buf.getvalue())


def read_int_vectors(path: PathLike) -> Iterator[Tuple[str, np.ndarray]]:
    """Read a (possibly gzipped) Kaldi archive of int32 vectors (binary or text form)."""
    import io

    import kaldiio

    raw = Path(path).read_bytes()
    if str(path).endswith(".gz"):
        raw = gzip.decompress(raw)
    if not raw:
        return
    space = raw.find(b" ")
    if raw[space + 1 : space + 3] == b"\x00B":  # Kaldi's binary marker after "key "
        for key, vec in kaldiio.load_ark(io.BytesIO(raw)):
            yield key, np.asarray(vec, dtype=np.int64)
        return
    for lineno, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        fields = line.split()
        if fields:
            try:
                yield fields[0], np.array([int(x) for x in fields[1:]], dtype=np.int64)
            except ValueError:
                raise DataError(f"non-integer value in {line[:60]!r}", path=path, line=lineno)


class MatrixWriter:
    """Write ``(key, matrix)`` pairs to a Kaldi wspecifier, as a binary archive.

    ``ark:-`` (or ``-``) streams to stdout, so one tool's scores pipe into the next as in
    Kaldi's pipelines; ``ark:file.ark`` writes a file atomically; ``ark,scp:a.ark,a.scp``
    writes an archive and its index together.
    """

    def __init__(self, wspecifier: str, dtype=np.float32):
        self.spec = wspecifier
        self.dtype = dtype
        head, sep, rest = wspecifier.partition(":")
        opts = head.split(",") if sep else []
        if not sep or opts[0] != "ark":
            rest = wspecifier
            opts = ["ark"]
        self._scp_path = None
        if "scp" in opts:
            parts = rest.split(",")
            if len(parts) != 2:
                raise DataError(f"'ark,scp:' needs '<ark>,<scp>', got {wspecifier!r}")
            rest, self._scp_path = parts
        self._path = rest
        self._items = []
        self._stdout = rest == "-"
        self._ctx = None
        self._file = None

    def __enter__(self) -> "MatrixWriter":
        import sys

        if self._stdout:
            self._file = sys.stdout.buffer
        elif self._scp_path is None:
            self._ctx = atomic_write(self._path, mode="wb", encoding=None)
            self._file = self._ctx.__enter__()
        return self

    def write(self, key: str, mat: np.ndarray) -> None:
        import kaldiio

        if self._scp_path is not None:
            self._items.append((key, np.asarray(mat, dtype=self.dtype)))
            return
        kaldiio.save_ark(self._file, {key: np.asarray(mat, dtype=self.dtype)})
        if self._stdout:
            self._file.flush()

    def __exit__(self, exc_type, exc, tb):
        if self._scp_path is not None:
            if exc_type is None:
                write_matrices_ark_scp(self._path, self._scp_path, self._items, dtype=self.dtype)
            return False
        if self._ctx is not None:
            return self._ctx.__exit__(exc_type, exc, tb)
        return False
