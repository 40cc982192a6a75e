"""Reading and writing kaldifst FSTs (OpenFst binary; writes are atomic), and small helpers for tests and tools.

The one place FST files are read and written, for lang dirs and decoding graphs alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Tuple, Union

from mtlhybrid.utils.io import atomic_path

PathLike = Union[str, Path]


def write_fst(fst, path: PathLike) -> None:
    """Write ``fst`` in OpenFst binary form, atomically.

    kaldifst writes by file name only, so the temporary name comes from
    :func:`mtlhybrid.utils.io.atomic_path` rather than a file object from ``atomic_write``.
    """
    with atomic_path(path) as tmp:
        if not fst.write(tmp):
            raise OSError(f"kaldifst could not write {tmp}")


def read_fst(path: PathLike):
    """Read an OpenFst binary FST; a missing or unreadable file is a DataError naming it."""
    import kaldifst

    from mtlhybrid.utils.errors import DataError

    if not Path(path).is_file():
        raise DataError("no such FST file", path=path)
    try:
        fst = kaldifst.StdVectorFst.read(str(path))
    except Exception as e:  # kaldifst raises RuntimeError on a bad header
        raise DataError(f"cannot read FST: {e}", path=path)
    if fst is None:
        raise DataError("cannot read FST", path=path)
    return fst


def iter_arcs(fst) -> Iterator[Tuple[int, int, int, float, int]]:
    """Yield ``(state, ilabel, olabel, weight, nextstate)`` for every arc."""
    import kaldifst

    for s in range(fst.num_states):
        for arc in kaldifst.ArcIterator(fst, s):
            yield s, arc.ilabel, arc.olabel, float(arc.weight.value), arc.nextstate
