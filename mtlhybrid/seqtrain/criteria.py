"""Sequence criteria and their gradients w.r.t. the network's acoustic log-likelihoods.

The input of every criterion is one utterance's ``loglik`` ``[T, num_pdfs]`` (senone
log-posteriors minus log-priors, unscaled), its denominator lattice and its numerator
(reference) alignment. Arc scores are ``lm_scale * graph + kappa * loglik[t, pdf]``
(``kappa`` = ``acoustic_scale``). All objectives are *maximised*; the loss handed to
autograd is their negative (:func:`surrogate_loss`).

- ``mmi``: ``kappa * sum_t loglik[t, ref_pdf[t]] - log sum_paths exp(score)`` (the
  numerator's graph score is a constant and left out, as in Kaldi's nnet1). Gradient:
  ``kappa * (numerator occupancy - denominator occupancy)`` per frame and pdf.
- ``bmmi``: boosted MMI (Povey et al. 2008): the denominator's arcs get
  ``+ boost * frame_error`` (0 where the arc's phone is the reference phone at that frame,
  ``max_silence_error`` where it is a wrong silence phone, 1 otherwise), so paths with more
  errors weigh more in the denominator.
- ``smbr`` / ``mpfe``: expected frame accuracy of the lattice's paths (state level: the
  arc's pdf equals the reference pdf; phone level: its phone equals the reference phone;
  silence handled as Kaldi's ``one_silence_class``). Gradient:
  ``kappa * sum_arcs(t, p) posterior * (expected accuracy through the arc - average)``.

Frames where the reference pdf has no denominator occupancy (the reference left the
lattice) are dropped from MMI's gradient with ``drop_frames`` (Kaldi nnet1's default),
and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import torch

from mtlhybrid.seqtrain.forward_backward import expected_accuracy, frame_posteriors, log_forward_backward
from mtlhybrid.seqtrain.lattice_arrays import LatticeArrays

CRITERIA = ("mmi", "bmmi", "smbr", "mpfe")


@dataclass
class CriterionOptions:
    criterion: str = "smbr"
    acoustic_scale: float = 0.1
    lm_scale: float = 1.0
    boost: float = 0.0  # bmmi only
    max_silence_error: float = 0.0  # bmmi: the error of a wrong silence frame (Kaldi's lattice-boost-ali default)
    silence_phones: Sequence[int] = field(default_factory=tuple)
    one_silence_class: bool = False  # smbr/mpfe: silence vs silence counts as correct
    drop_frames: bool = True  # mmi/bmmi

    def __post_init__(self):
        if self.criterion not in CRITERIA:
            raise ValueError(f"unknown criterion {self.criterion!r} (expected one of {', '.join(CRITERIA)})")
        if self.acoustic_scale <= 0:
            raise ValueError(f"acoustic scale must be positive, got {self.acoustic_scale}")


@dataclass
class SequenceStats:
    """One utterance's objective (maximised) and its gradient w.r.t. ``loglik``."""

    objective: float
    grad: torch.Tensor  # [T, num_pdfs] d objective / d loglik
    num_frames: int
    den_log_total: float
    dropped_frames: int = 0


def _silence_mask(phones_max: int, silence_phones: Sequence[int], device) -> torch.Tensor:
    m = torch.zeros(max(phones_max, max(silence_phones, default=0)) + 1, dtype=torch.bool, device=device)
    if silence_phones:
        m[torch.as_tensor(list(silence_phones), dtype=torch.long, device=device)] = True
    return m


def arc_frame_accuracy(lat: LatticeArrays, ref_pdf: torch.Tensor, ref_phone: torch.Tensor, level: str,
                       silence_phones: Sequence[int] = (), one_silence_class: bool = False) -> torch.Tensor:
    """Per arc 1.0 where it is right at its frame (``level`` 'smbr': pdf; 'mpfe': phone), else 0."""
    sil = _silence_mask(int(max(lat.phone.max(), ref_phone.max())), silence_phones, lat.phone.device)
    hyp_sil = sil[lat.phone]
    ref_sil = lat.frame_values(sil[ref_phone])
    if level == "smbr":
        match = lat.pdf == lat.frame_values(ref_pdf)
    else:
        match = lat.phone == lat.frame_values(ref_phone)
    ok = (match | (hyp_sil & ref_sil)) if one_silence_class else (match & ~hyp_sil)
    return (ok & lat.emitting).double()


def arc_frame_error(lat: LatticeArrays, ref_phone: torch.Tensor, silence_phones: Sequence[int] = (),
                    max_silence_error: float = 0.0) -> torch.Tensor:
    """Per arc the phone-frame error boosted MMI adds ``boost`` times (Kaldi's LatticeBoost)."""
    sil = _silence_mask(int(max(lat.phone.max(), ref_phone.max())), silence_phones, lat.phone.device)
    wrong = (lat.phone != lat.frame_values(ref_phone)) & lat.emitting
    err = torch.where(sil[lat.phone], torch.full_like(lat.graph_score, max_silence_error), torch.ones_like(lat.graph_score))
    return torch.where(wrong, err, torch.zeros_like(err))


@torch.no_grad()
def sequence_stats(lat: LatticeArrays, loglik: torch.Tensor, ref_pdf: torch.Tensor, ref_phone: torch.Tensor,
                   opts: CriterionOptions) -> SequenceStats:
    """Objective and gradient of one utterance (see the module docstring).

    ``ref_pdf``/``ref_phone`` [T]: the numerator alignment's pdf and phone per frame.
    """
    ll = loglik.detach().double()
    T, P = ll.shape
    if ref_pdf.shape[0] != T or lat.num_frames != T:
        raise ValueError(f"frames disagree: network {T}, alignment {ref_pdf.shape[0]}, lattice {lat.num_frames}")
    kappa = opts.acoustic_scale
    extra = None
    if opts.criterion == "bmmi" and opts.boost:
        extra = opts.boost * arc_frame_error(lat, ref_phone, opts.silence_phones, opts.max_silence_error)
    score = lat.arc_scores(ll, kappa, opts.lm_scale, extra)
    fb = log_forward_backward(lat, score)
    if opts.criterion in ("mmi", "bmmi"):
        den = frame_posteriors(lat, fb.arc_post, P)
        num = torch.zeros_like(den)
        rows = torch.arange(T, device=ll.device)
        num[rows, ref_pdf] = 1.0
        dropped = 0
        if opts.drop_frames:
            bad = den[rows, ref_pdf] < 1e-20
            dropped = int(bad.sum())
            if dropped:
                num[bad] = 0.0
                den[bad] = 0.0
        num_score = kappa * float(ll[rows, ref_pdf].sum())
        return SequenceStats(num_score - fb.log_total, kappa * (num - den), T, fb.log_total, dropped)
    acc = arc_frame_accuracy(lat, ref_pdf, ref_phone, opts.criterion, opts.silence_phones, opts.one_silence_class)
    ea = expected_accuracy(lat, score, acc, fb)
    w = fb.arc_post * (ea.arc_acc - ea.average)
    return SequenceStats(ea.average, kappa * frame_posteriors(lat, w, P), T, fb.log_total)


def surrogate_loss(loglik: torch.Tensor, stats: SequenceStats) -> torch.Tensor:
    """A scalar whose value is ``-objective`` and whose gradient w.r.t. ``loglik`` is ``-grad``."""
    g = stats.grad.to(loglik.device, loglik.dtype)
    return -(stats.objective + ((loglik - loglik.detach()) * g).sum())
