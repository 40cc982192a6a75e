"""Writing kaldifst FSTs atomically (OpenFst binary), and small helpers for tests and tools."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, List, Tuple, Union

PathLike = Union[str, Path]


def write_fst(fst, path: PathLike) -> None:
    """Write ``fst`` in OpenFst binary form to a temp file beside ``path``, then rename it.

    kaldifst writes by file name only, so :func:`mtlhybrid.utils.io.atomic_write` (a file
    object) cannot be used; the same temp-and-rename rule is applied here.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        fst.write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_fst(path: PathLike):
    import kaldifst

    from mtlhybrid.utils.errors import DataError

    if not Path(path).exists():
        raise DataError("FST file does not exist", path=path)
    return kaldifst.StdVectorFst.read(str(path))


def iter_arcs(fst) -> Iterator[Tuple[int, int, int, float, int]]:
    """Yield ``(state, ilabel, olabel, weight, nextstate)`` for every arc."""
    import kaldifst

    for s in range(fst.num_states):
        for arc in kaldifst.ArcIterator(fst, s):
            yield s, arc.ilabel, arc.olabel, float(arc.weight.value), arc.nextstate


def final_weight(fst, s: int) -> float:
    return float(fst.final(s).value)
