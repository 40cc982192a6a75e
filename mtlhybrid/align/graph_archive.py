"""Archives of compiled training graphs (Kaldi's ``fsts.JOB.gz``), written once, read at each realignment.

Kaldi's train_mono.sh and train_deltas.sh run ``compile-train-graphs`` once per system
and hand ``fsts.JOB.gz`` to every later ``gmm-align-compiled``: a training graph depends
only on the tree, the transition model's transition ids and the transcript, none of
which change between EM iterations (transition probabilities are added by the aligner,
see :mod:`mtlhybrid.align.aligner`). The archive is Kaldi's table format of binary
``StdVectorFst``s as kaldifst writes it; a ``.gz`` name is compressed, and the file
appears only when complete (:func:`mtlhybrid.utils.io.atomic_write`).
"""

from __future__ import annotations

import os
import tempfile
from typing import Iterable, Iterator, Tuple

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.kaldi_io import parse_specifier, read_bytes


def write_graphs(wspecifier: str, graphs: Iterable[Tuple[str, object]]) -> int:
    """Write ``(utt, StdVectorFst)`` pairs to ``ark:PATH`` (``PATH.gz`` compressed); returns how many."""
    import kaldifst

    from mtlhybrid.utils.io import atomic_write

    s = parse_specifier(wspecifier)
    if s.kinds != ("ark",) or s.target.strip().endswith("|") or s.target.strip().startswith("|"):
        raise DataError(f"graphs are written to 'ark:<file>' (or <file>.gz), got {wspecifier!r}")
    n = 0
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "fsts.ark")
        writer = kaldifst.VectorFstWriter(f"ark:{tmp}")
        for utt, fst in graphs:
            writer.write(utt, fst)
            n += 1
        writer.close()
        with open(tmp, "rb") as src, atomic_write(s.target, mode="wb", encoding=None) as dst:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                dst.write(block)
    return n


def read_graphs(rspecifier: str) -> Iterator[Tuple[str, object]]:
    """``(utt, StdVectorFst)`` from a file, ``ark:file[.gz]`` or ``ark:cmd |``, in archive order."""
    import kaldifst

    data = read_bytes(rspecifier)
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "fsts.ark")
        with open(tmp, "wb") as f:
            f.write(data)
        reader = kaldifst.SequentialVectorFstReader(f"ark:{tmp}")
        try:
            while not reader.done:
                # copy: the reader's value is freed by next()
                yield reader.key, kaldifst.StdVectorFst(reader.value)
                reader.next()
        except RuntimeError as e:
            raise DataError(f"cannot read training graphs: {e}", path=parse_specifier(rspecifier).target)
        finally:
            reader.close()
