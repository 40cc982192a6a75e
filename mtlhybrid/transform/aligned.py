"""Frames with their pdfs and weights, from features and alignments: the input of every
transform accumulator (acc-lda, gmm-acc-mllt, gmm-est-fmllr).

Kaldi's pipelines write ``ali-to-post | weight-silence-post 0.0 <silence-phones>``: frames
of silence phones get weight ``silence_weight`` (0: ignored), as silence says nothing about
phonetic classes or a speaker's voice. Utterances without features, or whose alignment
length differs from theirs, are skipped and counted, as in the GMM accumulators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence, Tuple

import numpy as np

from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)


@dataclass
class AlignedCounts:
    """How many utterances were used and skipped, for the tool's log and exit status."""

    done: int = 0
    no_feats: int = 0
    bad_length: int = 0
    frames: float = 0.0

    def log_summary(self, what: str) -> None:
        log.info("%s: done %d utterances (%.0f weighted frames); %d without features, %d with mismatched lengths",
                 what, self.done, self.frames, self.no_feats, self.bad_length)


def iter_aligned(
    features: Mapping[str, np.ndarray],
    alignments: Iterator[Tuple[str, np.ndarray]],
    transition_model,
    silence_phones: Sequence[int] = (),
    silence_weight: float = 1.0,
    counts: AlignedCounts = None,
) -> Iterator[Tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(utt, feats [T, D], pdfs [T], weights [T])`` for each usable aligned utterance."""
    counts = counts if counts is not None else AlignedCounts()
    sil = np.asarray(list(silence_phones), dtype=np.int64)
    for utt, ali in alignments:
        if utt not in features:
            counts.no_feats += 1
            log.warning("no features for utterance %s", utt)
            continue
        x = features[utt]
        if x.shape[0] != len(ali):
            counts.bad_length += 1
            log.warning("utterance %s: alignment has %d frames, features %d", utt, len(ali), x.shape[0])
            continue
        ali = np.asarray(ali, dtype=np.int64)
        pdfs = transition_model.tid2pdf[ali].astype(np.int64)
        w = np.ones(len(ali))
        if len(sil):
            w[np.isin(transition_model.tid2phone[ali], sil)] = silence_weight
        counts.done += 1
        counts.frames += float(w.sum())
        yield utt, x, pdfs, w


def gaussian_pairs(am, feats: np.ndarray, pdfs: np.ndarray, weights: np.ndarray = None, min_post: float = 1e-3):
    """The (frame, Gaussian) pairs of an aligned utterance under the GMM ``am``.

    Returns ``(frames [N], gammas [N], means [N, D], variances [N, D])``: each frame's
    Gaussians within its own pdf, weighted by their posterior times the frame weight;
    ``am`` is a NumpyAmDiagGmm (the CPU tools, no torch) or an AmDiagGmm;
    posteriors below ``min_post`` are dropped (Kaldi prunes them at random instead), which
    leaves the statistics nearly unchanged and saves most of the work.
    """
    from mtlhybrid.gmm.numpy_gmm import NumpyAmDiagGmm

    x = np.asarray(feats, dtype=np.float64)
    p = np.asarray(pdfs, dtype=np.int64)
    if isinstance(am, NumpyAmDiagGmm):
        # The CPU tools' model (no torch import): the same float32 scores and softmax as
        # AmDiagGmm.component_posteriors.
        ll = am.component_log_likelihoods(x.astype(np.float32), p)
        e = np.exp(ll - ll.max(axis=-1, keepdims=True))
        post = (e / e.sum(axis=-1, keepdims=True)).astype(np.float64)  # [T, G]
        am_means, am_vars = am.means, am.variances
    else:
        import torch

        with torch.no_grad():
            post = am.component_posteriors(torch.as_tensor(x, dtype=am.dtype), torch.as_tensor(p)).double().cpu().numpy()
        am_means, am_vars = am.means.cpu().numpy(), am.variances.cpu().numpy()
    if weights is not None:
        post = post * np.asarray(weights, dtype=np.float64)[:, None]
    t_idx, g_idx = np.nonzero(post >= min_post)
    pdf_idx = p[t_idx]
    means = am_means[pdf_idx, g_idx].astype(np.float64)
    variances = am_vars[pdf_idx, g_idx].astype(np.float64)
    return t_idx, post[t_idx, g_idx], means, variances
