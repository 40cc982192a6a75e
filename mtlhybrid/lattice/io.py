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
import re
from pathlib import Path
from typing import Iterable, Iterator, Tuple, Union

from mtlhybrid.lattice.lattice import StateLattice, _parse_openfst_texts
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
    Lattices are parsed and sorted in batches (up to ``batch_size`` lattices or
    ``batch_lines`` lines: :func:`~mtlhybrid.lattice.lattice._parse_openfst_texts`,
    :meth:`StateLattice.from_arrays_many`), which costs a fraction of doing it one by
    one; each is the same lattice either way.
    """
    s = parse_specifier(str(rspecifier))
    if s.kinds and s.kinds != ("ark",):
        raise DataError(f"lattices are read from archives (ark:...), not {rspecifier!r}")
    path = s.target
    pending: list = []  # (key, where, text, number of lines)

    def flush() -> Iterator[Tuple[str, StateLattice]]:
        parsed = _parse_openfst_texts([e[2] for e in pending])
        # Text the fast parser does not take (weights left out in odd ways, a bad line) goes line by line.
        lats = [p if p is not None else StateLattice._from_text_lines(text, where) for (_, where, text, _), p in zip(pending, parsed)]
        raws = [p for p in lats if not isinstance(p, StateLattice)]
        try:
            sorted_lats = iter(StateLattice.from_arrays_many(raws))
        except ValueError:  # name the lattice
            for (key, where, _, _), p in zip(pending, lats):
                if not isinstance(p, StateLattice):
                    try:
                        StateLattice.from_arrays(*p)
                    except ValueError as e:
                        raise DataError(f"lattice {key}: {e}", path=where) from None
            raise
        for (key, _, _, _), p in zip(pending, lats):
            yield key, (p if isinstance(p, StateLattice) else next(sorted_lats))
        pending.clear()

    with open_input(path) as raw:
        f = io.TextIOWrapper(raw, encoding="utf-8")
        try:
            # Whole entries at a time (a block of text split at blank lines), not line by
            # line: a Python step per line cost a third of reading a hybrid system's lattices.
            buf, buf_line, eof, lines = "", 1, False, 0  # buf_line: the line number of buf[0]
            while not eof:
                chunk = f.read(1 << 22)
                eof = not chunk
                buf += chunk if not eof else "\n\n"  # the last entry ends at the end of the text
                pos = 0
                for m in _BLANK_LINES.finditer(buf):
                    lines += _add_entry(buf[pos:m.start()], buf_line, path, pending)
                    buf_line += buf.count("\n", pos, m.end())
                    pos = m.end()
                    if len(pending) >= batch_size or lines >= batch_lines:
                        yield from flush()
                        lines = 0
                buf = buf[pos:]
        except UnicodeDecodeError as e:
            raise DataError(f"not a text lattice archive: {e}", path=path)
        finally:
            f.detach()
    yield from flush()


_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")  # the end of an entry: one or more blank lines
_LEADING_BLANK = re.compile(r"(?:[^\S\n]*\n)*")


def _add_entry(entry: str, line: int, path: str, pending: list) -> int:
    """Queue one archive entry (``key`` line, then the lattice's lines) as (key, where, text, lines); returns its lines."""
    lead = _LEADING_BLANK.match(entry).end()
    if lead:
        line += entry.count("\n", 0, lead)
        entry = entry[lead:]
    if not entry.strip():
        return 0
    head, _, text = entry.partition("\n")
    fields = head.split()
    if len(fields) != 1:
        raise DataError(f"expected a lattice key on its own line, got {head[:60]!r}", path=path, line=line)
    n = text.count("\n") + 1
    pending.append((fields[0], f"{path}:{line}", text, n))
    return n
