"""Senone priors for hybrid decoding: the network gives p(pdf | x); the HMM wants p(x | pdf).

Dividing the posterior by the prior p(pdf) (subtracting log priors) turns it into a
scaled likelihood. Priors come from the pdf counts of the training alignments. A pdf
seen never (or less often than the floor) must not be divided by a tiny prior: that
gives it an enormous bonus wherever the network is unsure, and on synth_accents the
unseen spoken-noise pdf of ``<UNK>`` then won whole utterances of new voices. As Kaldi's
nnet1 does, such pdfs get a huge prior instead, which switches them off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Union

import numpy as np

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write

PathLike = Union[str, Path]


def count_pdfs(pdf_alignments: Mapping[str, np.ndarray] | Iterable[np.ndarray], num_pdfs: int) -> np.ndarray:
    """Frame counts per pdf over per-utterance pdf sequences (negative entries, e.g. padding, are skipped)."""
    counts = np.zeros(num_pdfs, dtype=np.float64)
    seqs = pdf_alignments.values() if isinstance(pdf_alignments, Mapping) else pdf_alignments
    for seq in seqs:
        seq = np.asarray(seq)
        seq = seq[seq >= 0]
        if seq.size and seq.max() >= num_pdfs:
            raise DataError(f"pdf id {int(seq.max())} is out of range for {num_pdfs} pdfs")
        counts += np.bincount(seq, minlength=num_pdfs)[:num_pdfs]
    return counts


#: Log prior of a pdf below the floor: its scaled log-likelihood drops by about this much.
DISABLED_LOG_PRIOR = 100.0


def compute_priors(counts: np.ndarray, floor: float = 1e-8) -> np.ndarray:
    """Log priors from pdf counts, float32: ``log(count / total)``, or :data:`DISABLED_LOG_PRIOR`
    where ``count / total < floor`` (see :func:`num_disabled` to report how many)."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        raise DataError("pdf counts are all zero: cannot compute priors")
    prior = counts / total
    low = prior < floor
    out = np.full(prior.shape, DISABLED_LOG_PRIOR, dtype=np.float64)
    out[~low] = np.log(prior[~low])
    return out.astype(np.float32)


def num_disabled(log_priors: np.ndarray) -> int:
    """How many pdfs :func:`compute_priors` switched off."""
    return int((np.asarray(log_priors) >= DISABLED_LOG_PRIOR).sum())


def write_counts(path: PathLike, counts: np.ndarray) -> None:
    """Write counts as a Kaldi text vector ``[ c0 c1 ... ]`` (as ``ali_train_pdf.counts``)."""
    with atomic_write(path) as f:
        f.write("[ " + " ".join(str(int(c)) if float(c).is_integer() else repr(float(c)) for c in counts) + " ]\n")


def read_counts(path: PathLike) -> np.ndarray:
    """Read a Kaldi text vector ``[ c0 c1 ... ]`` (brackets optional)."""
    text = Path(path).read_text(encoding="utf-8").replace("[", " ").replace("]", " ").split()
    try:
        return np.array([float(x) for x in text], dtype=np.float64)
    except ValueError as e:
        raise DataError(f"not a vector of numbers: {e}", path=path)
