"""Kaldi's tables (``kaldi-table.h``): r/wspecifiers, archives and scripts of matrices and int vectors.

Features are float32 matrices in ``ark,scp`` pairs, exactly what Kaldi's ``copy-feats``
reads. Alignments are int32 vectors in gzipped archives (``ali.JOB.gz``), exactly what
``copy-int-vector "ark:gunzip -c ali.1.gz|" ark,t:-`` reads. Tools take Kaldi's
r/wspecifiers, parsed here (:func:`parse_specifier`) and opened through the byte streams
of :mod:`mtlhybrid.utils.kaldi_streams`.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

import numpy as np

from mtlhybrid.utils.errors import DataError, DiskFullError, is_disk_full
from mtlhybrid.utils.io import atomic_write, iter_text_bytes
from mtlhybrid.utils.kaldi_streams import gunzip_if_needed, output_command, open_input, open_output

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
    except BaseException as e:
        if tmp_ark.exists():
            tmp_ark.unlink()
        if is_disk_full(e):
            raise DiskFullError(ark) from e
        raise
    return n


def read_scp_matrices(scp: PathLike) -> Iterator[Tuple[str, np.ndarray]]:
    """Yield ``(key, matrix)`` for each line of an scp, in file order."""
    yield from _script_matrices(Specifier(("scp",), frozenset(), str(scp)))


def load_scp_dict(scp: PathLike) -> Dict[str, str]:
    """key -> rxfilename, for random access with :func:`load_matrix`."""
    from mtlhybrid.utils.io import read_table

    return read_table(scp)


def load_matrix(rxfilename: str) -> np.ndarray:
    """One matrix (or vector) by its rxfilename, e.g. ``raw_mfcc.1.ark:123`` from an scp line."""
    import kaldiio

    return np.asarray(kaldiio.load_mat(rxfilename))


def write_int_vectors(path: PathLike, items: Mapping[str, np.ndarray] | Iterable[Tuple[str, np.ndarray]]) -> None:
    """Write int32 vectors as a Kaldi binary archive; gzipped when ``path`` ends in ``.gz``."""
    import kaldiio

    pairs = items.items() if isinstance(items, Mapping) else items
    buf = io.BytesIO()
    for key, vec in pairs:
        kaldiio.save_ark(buf, {key: np.asarray(vec, dtype=np.int32)})
    with atomic_write(path, mode="wb", encoding=None) as f:
        f.write(buf.getvalue())


def read_int_vectors(path: PathLike) -> Iterator[Tuple[str, np.ndarray]]:
    """Read a (possibly gzipped) Kaldi archive of int32 vectors (binary or text form)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", path=path)
    yield from _parse_int_vectors(gunzip_if_needed(path.read_bytes()), where=str(path))


def _parse_int_vectors(raw: bytes, where: str) -> Iterator[Tuple[str, np.ndarray]]:
    """Integer-vector archive bytes -> ``(key, int64 vector)``; binary or text, as Kaldi writes them."""
    import kaldiio

    if not raw:
        return
    space = raw.find(b" ")
    if raw[space + 1 : space + 3] == b"\x00B":  # Kaldi's binary marker after "key "
        try:
            for key, vec in kaldiio.load_ark(io.BytesIO(raw)):
                yield key, np.asarray(vec, dtype=np.int64)
        except (ValueError, EOFError, OSError) as e:
            raise DataError(f"cannot read integer vectors: {e}", path=where)
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"not a Kaldi integer-vector archive (byte {e.start} is not UTF-8)", path=where)
    for lineno, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if fields:
            try:
                yield fields[0], np.array([int(x) for x in fields[1:]], dtype=np.int64)
            except ValueError:
                raise DataError(f"non-integer value in {line[:60]!r}", path=where, line=lineno)


# --- Kaldi table specifiers ------------------------------------------------------------
#
# Every tool takes Kaldi's argument shapes, so they are parsed and opened here, once.

_KINDS = ("ark", "scp")
_OPTIONS = frozenset({"t", "b", "p", "o", "s", "cs", "ns", "f", "nf"})


@dataclass(frozen=True)
class Specifier:
    """A Kaldi r/wspecifier split into its kinds, options and target.

    ``ark,t:out.txt`` has kinds ``("ark",)``, options ``{"t"}`` and target ``out.txt``;
    ``ark,scp:a.ark,a.scp`` has both kinds and the target ``a.ark,a.scp``. A name without
    a ``kind[,option...]:`` head (``ali.1.gz``, ``-``, ``feats.scp``, ``cmd |``) has no
    kinds and is its own target: Kaldi would refuse it, but recipes and tests pass plain
    names, and an rxfilename with an offset (``raw.ark:123``) must stay whole.
    """

    kinds: Tuple[str, ...]
    options: FrozenSet[str]
    target: str

    @property
    def is_script(self) -> bool:
        """``scp:...`` alone: a list of ``key rxfilename`` lines."""
        return self.kinds == ("scp",)

    @property
    def is_both(self) -> bool:
        """``ark,scp:<ark>,<scp>``: an archive written together with its index."""
        return len(self.kinds) == 2

    @property
    def text(self) -> bool:
        """The ``t`` option: write the text form instead of Kaldi's binary form."""
        return "t" in self.options

    @property
    def is_stdio(self) -> bool:
        return self.target.strip() == "-"

    def to_dict(self) -> Dict[str, Any]:
        return {"kinds": list(self.kinds), "options": sorted(self.options), "target": self.target}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Specifier":
        return cls(tuple(d["kinds"]), frozenset(d["options"]), d["target"])


def parse_specifier(spec: str) -> Specifier:
    """Split a Kaldi r/wspecifier (or a plain name, see :class:`Specifier`)."""
    head, sep, rest = spec.partition(":")
    words = head.split(",") if sep else []
    if words and any(w in _KINDS for w in words) and all(w in _KINDS or w in _OPTIONS for w in words):
        kinds = tuple(w for w in words if w in _KINDS)
        if len(set(kinds)) != len(kinds):
            raise DataError(f"bad specifier {spec!r}: {head!r} names ark or scp twice")
        return Specifier(kinds, frozenset(w for w in words if w in _OPTIONS), rest)
    return Specifier((), frozenset(), spec)


def ark_scp_paths(wspecifier: str) -> Tuple[str, str]:
    """``ark,scp:<ark>,<scp>`` -> ``(ark, scp)``; ``scp,ark:<scp>,<ark>`` is read in its own order."""
    s = parse_specifier(wspecifier)
    parts = s.target.split(",")
    if not s.is_both or len(parts) != 2 or not all(p.strip() for p in parts):
        raise DataError(f"expected a wspecifier ark,scp:<file.ark>,<file.scp>, got {wspecifier!r}")
    return (parts[0], parts[1]) if s.kinds[0] == "ark" else (parts[1], parts[0])


def read_bytes(rspecifier: str) -> bytes:
    """All bytes of a path, ``ark[,opts]:path``, ``-`` or ``cmd |`` (gzip files decompressed)."""
    s = parse_specifier(rspecifier)
    if s.kinds and s.kinds != ("ark",):
        raise DataError(f"expected a file, 'ark:<file>' or a command ending in '|', got {rspecifier!r}")
    with open_input(s.target) as f:
        return f.read()


def iter_text_lines(rspecifier: str) -> Iterator[Tuple[int, str]]:
    """``(line_number, line)`` of a text table given as a path, ``ark[,t]:path``, ``-`` or ``cmd |``.

    Non-UTF-8 bytes raise DataError naming the line, as :func:`mtlhybrid.utils.io.iter_lines`.
    """
    yield from iter_text_bytes(read_bytes(rspecifier), parse_specifier(rspecifier).target)


def _is_script(s: Specifier) -> bool:
    """``scp:x``, or a plain name ending in ``.scp`` (what a user who forgot ``scp:`` means)."""
    return s.is_script or (not s.kinds and s.target.strip().endswith(".scp"))


def _script_matrices(s: Specifier) -> Iterator[Tuple[str, np.ndarray]]:
    for lineno, line in iter_text_lines(s.target):
        if not line.strip():
            continue
        fields = line.split(maxsplit=1)
        if len(fields) != 2:
            raise DataError(f"expected '<key> <rxfilename>', got {line!r}", path=s.target, line=lineno)
        try:
            yield fields[0], load_matrix(fields[1])
        except (OSError, ValueError, EOFError) as e:
            raise DataError(f"cannot read {fields[1]!r}: {e}", path=s.target, line=lineno, utt=fields[0])


def read_matrices_rspecifier(rspecifier: str) -> Iterator[Tuple[str, np.ndarray]]:
    """``(key, matrix)`` from ``scp:feats.scp``, ``ark:x.ark``, ``ark:-``, ``"ark:cmd |"`` or a plain path.

    A plain path is a script when it ends in ``.scp`` and an archive otherwise. Archives
    are streamed one matrix at a time (score pipes between tools can be large).
    """
    import kaldiio

    s = parse_specifier(rspecifier)
    if s.is_both:
        raise DataError(f"ark,scp: is a wspecifier; read the archive (ark:...) or the index (scp:...): {rspecifier!r}")
    if _is_script(s):
        yield from _script_matrices(s)
        return
    with open_input(s.target) as f:
        try:
            for key, mat in kaldiio.load_ark(f):
                yield key, np.asarray(mat)
        except (OSError, ValueError, EOFError, UnicodeDecodeError) as e:
            raise DataError(f"cannot read matrices: {e}", path=s.target)


def read_int_vectors_rspecifier(rspecifier: str) -> Iterator[Tuple[str, np.ndarray]]:
    """``(key, int64 vector)`` from ``ark:ali.1.gz``, ``ark,t:-``, ``"ark:gunzip -c ali.1.gz|"``, ``scp:x.scp`` or a path.

    Archives may be binary or text, gzipped or not.
    """
    s = parse_specifier(rspecifier)
    if s.is_both:
        raise DataError(f"ark,scp: is a wspecifier; read the archive (ark:...) or the index (scp:...): {rspecifier!r}")
    if _is_script(s):
        for key, vec in _script_matrices(s):
            yield key, np.asarray(vec, dtype=np.int64)
        return
    with open_input(s.target) as f:
        raw = f.read()
    yield from _parse_int_vectors(gunzip_if_needed(raw), where=s.target)


def _check_key(key: str, where: str) -> None:
    if not key or any(c.isspace() for c in key):
        raise DataError(f"bad table key {key!r} (empty or with white space)", path=where)


def write_int_vectors_wspecifier(wspecifier: str, items: Iterable[Tuple[str, Iterable[int]]]) -> int:
    """Write ``(key, ints)`` to a wspecifier; returns the count.

    ``ark:f`` is Kaldi's binary form, ``ark,t:f`` text; ``-`` and ``| cmd`` targets stream.
    A plain name is text, except one ending in ``.gz``, which gets the gzipped binary
    form of ``ali.JOB.gz``. A ``.gz`` file is always gzipped.
    """
    import kaldiio

    s = parse_specifier(wspecifier)
    if s.kinds and s.kinds != ("ark",):
        raise DataError(f"integer vectors are written to archives (ark:... or ark,t:...), not {wspecifier!r}")
    text = s.text if s.kinds else not s.target.strip().endswith(".gz")
    n = 0
    with open_output(s.target) as f:
        for key, vec in items:
            _check_key(key, s.target)
            arr = np.asarray(list(vec) if not isinstance(vec, np.ndarray) else vec)
            if text:
                f.write((f"{key} " + " ".join(str(int(x)) for x in arr.tolist())).rstrip().encode() + b"\n")
            else:
                kaldiio.save_ark(f, {key: arr.astype(np.int32)})
            n += 1
    return n


def write_text_wspecifier(wspecifier: str, lines: Iterable[str]) -> int:
    """Write text lines (newline added) to ``ark,t:f``, ``ark:f``, a path, ``-`` or ``| cmd``; returns the count.

    For tables that only have a text form here (posteriors, lengths, CTM).
    """
    s = parse_specifier(wspecifier)
    if s.kinds and s.kinds != ("ark",):
        raise DataError(f"text tables are written to archives (ark,t:...) or files, not {wspecifier!r}")
    n = 0
    with open_output(s.target) as f:
        for line in lines:
            f.write(line.encode("utf-8") + b"\n")
            n += 1
    return n


class MatrixWriter:
    """Write ``(key, matrix)`` pairs to a Kaldi wspecifier.

    ``ark:-`` (or ``-``) streams to stdout, so one tool's scores pipe into the next as in
    Kaldi's pipelines; ``ark:| cmd`` feeds a command; ``ark:file.ark`` writes a file
    atomically; ``ark,scp:a.ark,a.scp`` writes an archive and its index together;
    ``ark,t:`` gives the text form.
    """

    def __init__(self, wspecifier: str, dtype=np.float32):
        self.spec = wspecifier
        self.dtype = dtype
        s = parse_specifier(wspecifier)
        if s.is_script:
            raise DataError(f"matrices need an archive: ark:<file> or ark,scp:<ark>,<scp>, got {wspecifier!r}")
        self._scp_path: Optional[str] = None
        if s.is_both:
            self._path, self._scp_path = ark_scp_paths(wspecifier)
        else:
            self._path = s.target
        self._text = s.text
        self._stream = s.is_stdio or output_command(s.target) is not None
        self._items: List[Tuple[str, np.ndarray]] = []
        self._ctx = None
        self._file = None

    def __enter__(self) -> "MatrixWriter":
        if self._scp_path is None:
            self._ctx = open_output(self._path)
            self._file = self._ctx.__enter__()
        return self

    def write(self, key: str, mat: np.ndarray) -> None:
        import kaldiio

        _check_key(key, self._path)
        if self._scp_path is not None:
            self._items.append((key, np.asarray(mat, dtype=self.dtype)))
            return
        kaldiio.save_ark(self._file, {key: np.asarray(mat, dtype=self.dtype)}, text=self._text)
        if self._stream:
            self._file.flush()

    def __exit__(self, exc_type, exc, tb):
        if self._scp_path is not None:
            if exc_type is None:
                write_matrices_ark_scp(self._path, self._scp_path, self._items, dtype=self.dtype)
            return False
        return self._ctx.__exit__(exc_type, exc, tb)
