"""Reading the alignments of several jobs the way recipes name them.

Recipes pass alignments as ``ali.1.gz ali.2.gz``, as a glob ``exp/mono/ali.*.gz``, or as
Kaldi rspecifiers such as ``ark:exp/mono/ali.1.gz`` or ``"ark:gunzip -c exp/mono/ali.*.gz|"``.
Each one is read by :func:`mtlhybrid.utils.kaldi_io.read_int_vectors_rspecifier`; what this
module adds is globs over plain paths and one check across all of them: an utterance
aligned twice (two jobs' archives overlapping) is an error, not a silent overwrite.
"""

from __future__ import annotations

import glob
from typing import Iterator, List, Sequence, Tuple

import numpy as np

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.kaldi_io import parse_specifier, read_int_vectors_rspecifier


def _expand(spec: str) -> List[str]:
    """A plain path or ``ark:path`` with glob characters -> one rspecifier per matching file."""
    s = parse_specifier(spec)
    target = s.target.strip()
    if target.endswith("|") or target == "-" or not any(c in target for c in "*?["):
        return [spec]
    hits = sorted(glob.glob(target))
    if not hits:
        raise DataError(f"no files match {target!r}")
    head = spec[: len(spec) - len(s.target)]  # "ark[,opts]:" or ""
    return [head + h for h in hits]


def read_alignments(specs: Sequence[str]) -> Iterator[Tuple[str, np.ndarray]]:
    """Yield ``(utt, int64 transition ids)`` from every archive named by ``specs``."""
    seen = set()
    for spec in specs:
        for one in _expand(spec):
            where = parse_specifier(one).target
            for utt, v in read_int_vectors_rspecifier(one):
                if utt in seen:
                    raise DataError("utterance appears twice in the alignments", path=where, utt=utt)
                seen.add(utt)
                yield utt, v
