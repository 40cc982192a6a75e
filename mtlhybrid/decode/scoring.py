"""The lattice side of Kaldi's score_kaldi.sh: 1-best texts for each LM weight and penalty.

For LM weight ``lmwt`` (Kaldi: 7..17) and word insertion penalty ``wip`` (0.0, 0.5,
1.0), the best path of every lattice under ``graph + acoustic/lmwt + wip*words`` (which
is ``lattice-scale --inv-acoustic-scale=lmwt | lattice-add-penalty | lattice-best-path``)
is written as words to ``<decode>/scoring_kaldi/penalty_<wip>/<lmwt>.txt``. WERs are
computed from those files by :func:`mtlhybrid.score.kaldi_scoring.score_decode_dir`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple, Union

from mtlhybrid.lattice.functions import best_paths_many
from mtlhybrid.lattice.lattice import StateLattice
from mtlhybrid.utils.io import atomic_write, kaldi_sorted
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]


def format_penalty(wip: float) -> str:
    """Kaldi names penalty dirs as the script got them: 0.0, 0.5, 1.0."""
    s = f"{wip:g}"
    return s + ".0" if "." not in s and "e" not in s else s


def sweep_best_paths(
    lattices: Iterable[Tuple[str, StateLattice]],
    lmwts: Sequence[int],
    penalties: Sequence[float],
    batch_arcs: int = 100_000,
) -> Dict[Tuple[int, float], Dict[str, List[int]]]:
    """``(lmwt, wip) -> utt -> word ids`` for every lattice; empty lattices give empty hypotheses (logged).

    Lattices are searched in batches of up to ``batch_arcs`` arcs (:func:`best_paths_many`:
    one pass over their union, the same answers as one lattice at a time).
    """
    out: Dict[Tuple[int, float], Dict[str, List[int]]] = {(l, p): {} for l in lmwts for p in penalties}
    empty = []
    grid = [(l, p) for l in lmwts for p in penalties]
    settings = [(1.0, 1.0 / float(l), float(p)) for l, p in grid]
    batch: List[Tuple[str, StateLattice]] = []
    arcs = 0

    def flush() -> None:
        for (utt, _), paths in zip(batch, best_paths_many([lat for _, lat in batch], settings)):
            if paths[0] is None:
                empty.append(utt)
            for key, bp in zip(grid, paths):
                out[key][utt] = [] if bp is None else bp.words
        batch.clear()

    for utt, lat in lattices:
        batch.append((utt, lat))
        arcs += lat.num_arcs
        if arcs >= batch_arcs:
            flush()
            arcs = 0
    flush()
    if empty:
        logger.warning("%d empty lattices (empty hypotheses): %s%s", len(empty), " ".join(empty[:10]), " ..." if len(empty) > 10 else "")
    return out


def write_scoring_texts(
    decode_dir: PathLike,
    lattices: Iterable[Tuple[str, StateLattice]],
    word_symbols: Mapping[int, str],
    min_lmwt: int = 7,
    max_lmwt: int = 17,
    penalties: Sequence[float] = (0.0, 0.5, 1.0),
) -> List[Path]:
    """Write ``scoring_kaldi/penalty_<wip>/<lmwt>.txt`` under ``decode_dir``; returns the files."""
    lmwts = list(range(int(min_lmwt), int(max_lmwt) + 1))
    res = sweep_best_paths(lattices, lmwts, list(penalties))
    files = []
    for (l, p), hyps in res.items():
        path = Path(decode_dir) / "scoring_kaldi" / f"penalty_{format_penalty(p)}" / f"{l}.txt"
        with atomic_write(path) as f:
            for utt in kaldi_sorted(hyps):
                words = " ".join(word_symbols.get(w, f"<{w}>") for w in hyps[utt])
                f.write(f"{utt} {words}".rstrip() + "\n")
        files.append(path)
    return files
