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

import io
from pathlib import Path
from typing import Iterable, Iterator, Tuple, Union

from mtlhybrid.lattice.lattice import StateLattice, _parse_openfst_text
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.kaldi_io import open_input, open_output, parse_specifier

PathLike = Union[str, Path]


def write_lattices(wspecifier: PathLike, items: Iterable[Tuple[str, Union[StateLattice, str]]]) -> int:
    """Write ``(key, lattice)`` pairs; returns the count.

    A lattice is a :class:`StateLattice` or already its text form (e.g. printed by
    kaldifst: :meth:`mtlhybrid.decode.decoder.DecodeResult.lattice_text`).
    ``wspecifier`` is a path or ``ark[,t]:`` specifier (written atomically, gzipped for
    ``.gz``), ``-`` or ``"ark:| gzip -c > lat.1.gz"``; the archive is always the text form.
    """
    s = parse_specifier(str(wspecifier))
    if s.kinds and s.kinds != ("ark",):
        raise DataError(f"lattices are written to archives (ark:...), not {wspecifier!r}")
    n = 0
    with open_output(s.target) as raw:
        f = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
        try:
            for key, lat in items:
                if not key or any(c.isspace() for c in key):
                    raise DataError(f"bad lattice key {key!r}", path=s.target)
                f.write(f"{key} \n")
                text = lat if isinstance(lat, str) else lat.to_text()
                f.write(text if not text or text.endswith("\n") else text + "\n")
                f.write("\n")
                n += 1
            f.flush()
        finally:
            f.detach()  # the stream belongs to open_output (stdout must stay open)
    return n


def read_lattices(rspecifier: PathLike, batch_lines: int = 200_000, batch_size: int = 256) -> Iterator[Tuple[str, StateLattice]]:
    """Yield ``(key, lattice)`` from an archive written by :func:`write_lattices` (or Kaldi's ark,t).

    ``rspecifier`` is a path or ``ark:`` specifier (gzipped or not), ``-`` or ``"ark:cmd |"``.
    Lattices are parsed as they are read but sorted in batches (up to ``batch_size``
    lattices or ``batch_lines`` lines: :meth:`StateLattice.from_arrays_many`), which
    costs a fraction of sorting them one by one; each is the same lattice either way.
    """
    s = parse_specifier(str(rspecifier))
    if s.kinds and s.kinds != ("ark",):
        raise DataError(f"lattices are read from archives (ark:...), not {rspecifier!r}")
    path = s.target
    pending: list = []  # (key, where, parsed arrays or a finished StateLattice)
    num_lines = 0

    def add(key: str, lines: list, where: str) -> None:
        nonlocal num_lines
        text = "\n".join(lines)
        parsed = _parse_openfst_text(text)
        pending.append((key, where, parsed if parsed is not None else StateLattice._from_text_lines(text, where)))
        num_lines += len(lines)

    def flush() -> Iterator[Tuple[str, StateLattice]]:
        nonlocal num_lines
        raws = [p for _, _, p in pending if not isinstance(p, StateLattice)]
        try:
            sorted_lats = iter(StateLattice.from_arrays_many(raws))
        except ValueError:  # name the lattice
            for key, where, p in pending:
                if not isinstance(p, StateLattice):
                    try:
                        StateLattice.from_arrays(*p)
                    except ValueError as e:
                        raise DataError(f"lattice {key}: {e}", path=where) from None
            raise
        for key, _, p in pending:
            yield key, (p if isinstance(p, StateLattice) else next(sorted_lats))
        pending.clear()
        num_lines = 0

    key = None
    lines = []
    start_line = 0
    with open_input(path) as raw:
        f = io.TextIOWrapper(raw, encoding="utf-8")
        try:
            for lineno, text in enumerate(f, start=1):
                line = text.rstrip("\n")
                if key is None:
                    if not line.strip():
                        continue
                    fields = line.split()
                    if len(fields) != 1:
                        raise DataError(f"expected a lattice key on its own line, got {line[:60]!r}", path=path, line=lineno)
                    key, lines, start_line = fields[0], [], lineno
                    continue
                if not line.strip():
                    add(key, lines, f"{path}:{start_line}")
                    key = None
                    if len(pending) >= batch_size or num_lines >= batch_lines:
                        yield from flush()
                    continue
                lines.append(line)
        except UnicodeDecodeError as e:
            raise DataError(f"not a text lattice archive: {e}", path=path)
        finally:
            f.detach()
    if key is not None:
        add(key, lines, f"{path}:{start_line}")
    yield from flush()
