"""Reading and writing Kaldi's text tables safely.

Two rules hold across the toolkit:

* Outputs are written to a temporary file beside the target and renamed into place
  (:func:`atomic_write`), so an interrupted or failed step never leaves a half-written
  file that a later stage would trust.
* Input errors name the file and line (:class:`~mtlhybrid.utils.errors.DataError`).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import tempfile
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from mtlhybrid.utils.errors import DataError, DiskFullError, is_disk_full

PathLike = Union[str, Path]


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[str]:
    """A temporary file name beside ``path``, renamed to ``path`` only if the block succeeds.

    For writers that take a file name rather than a file object (kaldifst, kaldilm); on an
    exception the temporary file is removed and ``path`` is left exactly as it was. A full
    disk becomes :class:`DiskFullError` naming ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except PermissionError as e:  # name the file asked for, not the temporary one
        raise PermissionError(e.errno, e.strerror, str(path)) from e
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if is_disk_full(e):
            raise DiskFullError(path) from e
        raise


@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = "w", encoding: Optional[str] = "utf-8"):
    """Open a temporary file beside ``path``; rename it to ``path`` only on success.

    A ``.gz`` suffix on ``path`` compresses the output, at ``gzip -c``'s level 6 (what
    Kaldi's ``"ark:| gzip -c > lat.1.gz"`` does; Python's default 9 took twice the CPU
    time on lattice archives for 0.3% smaller files). On an exception the temporary
    file is removed and ``path`` is left exactly as it was.
    """
    binary = "b" in mode
    with atomic_path(path) as tmp:
        if Path(path).suffix == ".gz":
            raw = gzip.open(tmp, "wb", compresslevel=6)
            f = raw if binary else io.TextIOWrapper(raw, encoding=encoding)
        else:
            f = open(tmp, mode, encoding=None if binary else encoding)
        with f:
            yield f


def read_json(path: PathLike, what: str):
    """The JSON value in ``path``; an unreadable, non-UTF-8 or truncated file is a DataError naming ``what``."""
    import json

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise DataError(f"cannot read {what}: {e.strerror}", path=path)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(f"{what} file is not valid JSON (truncated?): {e}", path=path)


def iter_lines(path: PathLike) -> Iterator[Tuple[int, str]]:
    """Yield ``(line_number, line_without_newline)``; non-UTF-8 bytes raise DataError naming the line."""
    with open(path, "rb") as f:
        raw = f.read()
    if path_is_gz(path):
        raw = gzip.decompress(raw)
    yield from iter_text_bytes(raw, path)


def iter_text_bytes(raw: bytes, path: PathLike) -> Iterator[Tuple[int, str]]:
    """:func:`iter_lines` over bytes already read (from a pipe, stdin, ...); ``path`` names them in errors."""
    blines = raw.split(b"\n")
    if blines and blines[-1] == b"":
        blines.pop()  # the newline that ends the last line
    for lineno, bline in enumerate(blines, start=1):
        try:
            line = bline.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DataError(f"not valid UTF-8 (byte {e.start}): {bline[:60]!r}", path=path, line=lineno)
        yield lineno, line.rstrip("\r")


def parse_csl(s: str) -> List[int]:
    """Kaldi's colon-separated integer list (``1:2:3``, as in ``phones/*.csl``); commas work too."""
    if not s:
        return []
    try:
        return [int(x) for x in s.replace(",", ":").split(":") if x]
    except ValueError:
        raise DataError(f"expected a colon-separated list of integers, got {s!r}")


def path_is_gz(path: PathLike) -> bool:
    return str(path).endswith(".gz")


def read_table(path: PathLike, min_fields: int = 2, allow_empty_value: bool = False) -> Dict[str, str]:
    """Read a Kaldi text table ``<key> <value...>`` into an ordered dict (key -> rest of line).

    Duplicated keys and lines with too few fields raise :class:`DataError` naming the line.
    Blank lines are errors too, as in Kaldi's validators.
    """
    table: Dict[str, str] = {}
    for lineno, line in iter_lines(path):
        if not line.strip():
            raise DataError("empty line", path=path, line=lineno)
        fields = line.split(maxsplit=1)
        key = fields[0]
        value = fields[1].strip() if len(fields) > 1 else ""
        nfields = 1 + len(value.split()) if value else 1
        if nfields < min_fields and not (allow_empty_value and nfields == 1):
            raise DataError(f"expected at least {min_fields} fields, got {nfields}: {line!r}", path=path, line=lineno)
        if key in table:
            raise DataError(f"duplicated key {key!r}", path=path, line=lineno)
        table[key] = value
    return table


def write_table(path: PathLike, table: Mapping[str, object], sort: bool = True) -> None:
    """Write ``key value`` lines atomically, sorted in Kaldi's ``LC_ALL=C`` order by default.

    A value that is a list or tuple is joined with spaces.
    """
    keys: Iterable[str] = kaldi_sorted(table.keys()) if sort else table.keys()
    with atomic_write(path) as f:
        for k in keys:
            v = table[k]
            if isinstance(v, (list, tuple)):
                v = " ".join(str(x) for x in v)
            f.write(f"{k} {v}\n" if str(v) != "" else f"{k}\n")


def kaldi_sort_key(s: str) -> bytes:
    """Sort key matching ``LC_ALL=C sort``: byte order of the UTF-8 encoding."""
    return s.encode("utf-8")


def kaldi_sorted(items: Iterable[str]) -> List[str]:
    return sorted(items, key=kaldi_sort_key)


def read_symbol_table(path: PathLike) -> Dict[str, int]:
    """Read ``words.txt``/``phones.txt`` (``<symbol> <int>``) into symbol -> id."""
    table: Dict[str, int] = {}
    ids = set()
    for lineno, line in iter_lines(path):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2:
            raise DataError(f"expected '<symbol> <id>', got {line!r}", path=path, line=lineno)
        sym, idx = fields
        try:
            i = int(idx)
        except ValueError:
            raise DataError(f"id {idx!r} is not an integer", path=path, line=lineno)
        if sym in table:
            raise DataError(f"duplicated symbol {sym!r}", path=path, line=lineno)
        if i in ids:
            raise DataError(f"duplicated id {i}", path=path, line=lineno)
        table[sym] = i
        ids.add(i)
    return table


def write_symbol_table(path: PathLike, symbols: Sequence[Tuple[str, int]]) -> None:
    with atomic_write(path) as f:
        for sym, i in symbols:
            f.write(f"{sym} {i}\n")
