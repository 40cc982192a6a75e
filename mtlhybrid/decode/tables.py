"""Kaldi-style r/wspecifiers for the decoding tools (``ark:``, ``ark,t:``, ``scp:``).

The tools take Kaldi's argument shapes. Matrices are read through kaldiio (which handles
``ark:``, ``scp:``, pipes and ``-``); integer vectors (words, alignments) are written as
binary archives (``ark:f``) or text (``ark,t:f``, ``ark,t:-``, or a plain path). A
``.gz`` path is gzipped. Outputs are written atomically.
"""

from __future__ import annotations

import sys
from typing import Iterable, Iterator, Tuple

import numpy as np

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write
from mtlhybrid.utils.kaldi_io import write_int_vectors


def parse_wspecifier(spec: str) -> Tuple[str, bool]:
    """``(path, text)`` for ``ark:p`` / ``ark,t:p`` / plain ``p`` (plain and ``-`` are text)."""
    if ":" in spec and spec.split(":", 1)[0].replace(",", "").isalpha() and spec.split(":", 1)[0].startswith("ark"):
        opts, path = spec.split(":", 1)
        return path, "t" in opts.split(",")[1:]
    return spec, True


def strip_rspecifier(spec: str) -> str:
    """The file of ``ark:f`` / ``ark,t:f`` / a plain path (for our own text formats)."""
    if ":" in spec and spec.split(":", 1)[0].startswith("ark"):
        return spec.split(":", 1)[1]
    return spec


def read_matrices(rspecifier: str) -> Iterator[Tuple[str, np.ndarray]]:
    """``(key, matrix)`` from a Kaldi rspecifier (``scp:feats.scp``, ``ark:loglikes.ark``, ``ark:-``)."""
    import kaldiio

    if not (rspecifier.startswith("ark") or rspecifier.startswith("scp")):
        rspecifier = ("scp:" if rspecifier.endswith(".scp") else "ark:") + rspecifier
    try:
        with kaldiio.ReadHelper(rspecifier) as reader:
            for key, mat in reader:
                yield key, np.asarray(mat)
    except (OSError, ValueError) as e:
        raise DataError(f"cannot read matrices from {rspecifier!r}: {e}")


def write_int_table(spec: str, items: Iterable[Tuple[str, Iterable[int]]]) -> int:
    """Write ``(key, ints)`` to a wspecifier; returns the count."""
    path, text = parse_wspecifier(spec)
    pairs = [(k, np.asarray(list(v), dtype=np.int32)) for k, v in items]
    if not text:
        write_int_vectors(path, pairs)
        return len(pairs)
    lines = "".join(f"{k} {' '.join(str(int(x)) for x in v)}".rstrip() + "\n" for k, v in pairs)
    if path == "-":
        sys.stdout.write(lines)
    else:
        with atomic_write(path) as f:
            f.write(lines)
    return len(pairs)


def write_text_table(path: str, items: Iterable[Tuple[str, str]]) -> int:
    n = 0
    with atomic_write(path) as f:
        for k, v in items:
            f.write(f"{k} {v}".rstrip() + "\n")
            n += 1
    return n
