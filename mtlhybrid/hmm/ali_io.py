"""Reading alignments and writing integer archives the way Kaldi's tools name them.

Recipes pass alignments as ``ali.1.gz ali.2.gz``, as a glob ``exp/mono/ali.*.gz``, or as
Kaldi rspecifiers such as ``"ark:gunzip -c exp/mono/ali.*.gz|"``; all of these are read
here (``gunzip -c`` natively, any other ``cmd |`` through bash). Outputs are text
archives (``utt v1 v2 ...``) unless the file name ends in ``.gz``, which gives a gzipped
binary archive like ``ali.JOB.gz``.
"""

from __future__ import annotations

import glob
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, List, Sequence, Tuple

import numpy as np

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write
from mtlhybrid.utils.kaldi_io import read_int_vectors, write_int_vectors


def _strip_specifier(spec: str) -> str:
    if ":" in spec:
        head, rest = spec.split(":", 1)
        opts = head.split(",")
        if opts and opts[0] in ("ark", "scp"):
            if opts[0] == "scp":
                raise DataError(f"scp: alignment specifiers are not supported, give the archives: {spec!r}")
            return rest
    return spec


def _expand(paths: Iterable[str]) -> List[str]:
    out: List[str] = []
    for p in paths:
        if any(c in p for c in "*?["):
            hits = sorted(glob.glob(p))
            if not hits:
                raise DataError(f"no files match {p!r}")
            out += hits
        else:
            out.append(p)
    return out


def alignment_files(specs: Sequence[str]) -> List[str]:
    """The archive files named by ``specs`` (paths, globs, ``ark:`` or ``ark:gunzip -c ...|``)."""
    files: List[str] = []
    for spec in specs:
        s = _strip_specifier(spec).strip()
        if s.endswith("|"):
            words = shlex.split(s[:-1])
            if words and (words[0] == "zcat" or words[:2] in (["gunzip", "-c"], ["gzip", "-cd"], ["gzip", "-dc"])):
                files += _expand([w for w in words[1:] if not w.startswith("-")])
                continue
            files.append(s)  # another command: run it in read_alignments
        else:
            files += _expand([s])
    return files


def read_alignments(specs: Sequence[str]) -> Iterator[Tuple[str, np.ndarray]]:
    """Yield ``(utt, int64 transition ids)`` from every archive named by ``specs``."""
    seen = set()
    for f in alignment_files(specs):
        if f.endswith("|"):
            with tempfile.NamedTemporaryFile(suffix=".ark") as tmp:
                r = subprocess.run(["bash", "-c", f[:-1]], stdout=tmp, stderr=subprocess.PIPE)
                if r.returncode != 0:
                    raise DataError(f"command failed ({r.returncode}): {r.stderr.decode(errors='replace').strip()[:300]}", path=f)
                tmp.flush()
                items = list(read_int_vectors(tmp.name))
        else:
            if not os.path.isfile(f):
                raise DataError("no such alignment file", path=f)
            try:
                items = list(read_int_vectors(f))
            except (OSError, EOFError, ValueError) as e:
                raise DataError(f"cannot read alignments: {e}", path=f)
        for utt, v in items:
            if utt in seen:
                raise DataError("utterance appears twice in the alignments", path=f, utt=utt)
            seen.add(utt)
            yield utt, v


def output_path(wspec: str) -> str:
    return _strip_specifier(wspec)


def write_int_archive(wspec: str, items: Iterable[Tuple[str, Sequence[int]]]) -> int:
    """Write ``utt ints...``: text to a file or ``-`` (stdout), gzipped binary for ``*.gz``."""
    target = output_path(wspec)
    pairs = [(u, np.asarray(v, dtype=np.int64)) for u, v in items]
    if target.endswith(".gz"):
        write_int_vectors(target, pairs)
        return len(pairs)
    lines = "".join(f"{u} {' '.join(map(str, v.tolist()))}\n".replace(f"{u} \n", f"{u}\n") for u, v in pairs)
    write_text(target, lines)
    return len(pairs)


def write_text(target: str, text: str) -> None:
    """Text to a file (atomically) or to stdout for ``-``."""
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with atomic_write(Path(target)) as f:
        f.write(text)
