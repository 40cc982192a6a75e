"""Lattice archives (``lat.JOB.gz``) in Kaldi's text archive form.

Each entry is ``<key>`` on its own line, the lattice in OpenFst text form
(``src dst tid word graph_cost,acoustic_cost`` and ``state graph_cost,acoustic_cost``
finals) and an empty line, gzipped: what
``lattice-copy --write-compact=false ark:- "ark,t:|gzip -c >lat.1.gz"`` writes, so Kaldi's
own tools can read these archives (text archives are auto-detected). kaldifst has no
lattice table writer, hence our own. Acoustic costs are unscaled (the decoder's acoustic
scale is undone before writing), as in Kaldi.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Tuple, Union

from mtlhybrid.lattice.lattice import StateLattice
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, open_text

PathLike = Union[str, Path]


def write_lattices(path: PathLike, items: Iterable[Tuple[str, StateLattice]]) -> int:
    """Write ``(key, lattice)`` pairs atomically (gzipped if ``path`` ends in .gz); returns the count."""
    n = 0
    with atomic_write(path) as f:
        for key, lat in items:
            if not key or any(c.isspace() for c in key):
                raise DataError(f"bad lattice key {key!r}", path=path)
            f.write(f"{key} \n")
            f.write(lat.to_text())
            f.write("\n")
            n += 1
    return n


def read_lattices(path: PathLike) -> Iterator[Tuple[str, StateLattice]]:
    """Yield ``(key, lattice)`` from an archive written by :func:`write_lattices` (or Kaldi's ark,t)."""
    if not Path(path).is_file():
        raise DataError("no such lattice archive", path=path)
    key = None
    lines = []
    start_line = 0
    with open_text(path) as f:
        for lineno, raw in enumerate(f, start=1):
            line = raw.rstrip("\n")
            if key is None:
                if not line.strip():
                    continue
                fields = line.split()
                if len(fields) != 1:
                    raise DataError(f"expected a lattice key on its own line, got {line[:60]!r}", path=path, line=lineno)
                key, lines, start_line = fields[0], [], lineno
                continue
            if not line.strip():
                yield key, StateLattice.from_text("\n".join(lines), where=f"{path}:{start_line}")
                key = None
                continue
            lines.append(line)
    if key is not None:
        yield key, StateLattice.from_text("\n".join(lines), where=f"{path}:{start_line}")
