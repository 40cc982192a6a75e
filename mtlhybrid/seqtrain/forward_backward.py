"""Forward-backward over :class:`~mtlhybrid.seqtrain.lattice_arrays.LatticeArrays` in PyTorch.

Two passes in the log semiring give the forward (``alpha``) and backward (``beta``) log
scores of every state, the total log score and every arc's posterior. For the MBR
criteria (sMBR, MPFE) a second pair of passes in ordinary arithmetic gives the expected
accuracy of the paths reaching a state (``alpha_acc``) and leaving it (``beta_acc``), as
Kaldi's ``LatticeForwardBackwardMpeVariants`` does state by state. Here each pass is one
vectorised scatter per lattice level (see :mod:`.lattice_arrays`), in float64, on the
device of the tensors (CPU or CUDA alike). Nothing here is differentiated by autograd:
:mod:`.criteria` turns the statistics into gradients itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mtlhybrid.seqtrain.lattice_arrays import LatticeArrays

NEG_INF = float("-inf")


def _log_accumulate(acc: torch.Tensor, states: torch.Tensor, inverse: torch.Tensor, vals: torch.Tensor) -> None:
    """``acc[states[i]] = logaddexp(acc[states[i]], logsumexp(vals[inverse == i]))`` for all i, in place."""
    cur = acc[states]
    mx = torch.full_like(cur, NEG_INF).scatter_reduce(0, inverse, vals, reduce="amax", include_self=True)
    mx = torch.maximum(mx, cur)
    safe = torch.where(torch.isfinite(mx), mx, torch.zeros_like(mx))
    s = torch.exp(cur - safe).index_add(0, inverse, torch.exp(vals - safe[inverse]))
    acc[states] = torch.log(s) + safe


@dataclass
class ForwardBackward:
    alpha: torch.Tensor  # [num_states]
    beta: torch.Tensor  # [num_states]
    log_total: float
    arc_post: torch.Tensor  # [num_arcs] posterior of each arc


@torch.no_grad()
def log_forward_backward(lat: LatticeArrays, arc_score: torch.Tensor) -> ForwardBackward:
    """Forward and backward log scores, the total log score and the arc posteriors.

    ``arc_score`` [num_arcs]: log score (negated cost) of each arc. Final scores come
    from ``lat.final_score``. Raises ValueError when no path has a finite score.
    """
    score = arc_score.double()
    dev = score.device
    alpha = torch.full((lat.num_states,), NEG_INF, dtype=torch.float64, device=dev)
    alpha[0] = 0.0
    for g in lat.groups:
        _log_accumulate(alpha, g.fwd_states, g.fwd_inverse, alpha[lat.src[g.arcs]] + score[g.arcs])
    beta = lat.final_score.to(dev).clone()
    for g in reversed(lat.groups):
        _log_accumulate(beta, g.bwd_states, g.bwd_inverse, beta[lat.dst[g.arcs]] + score[g.arcs])
    log_total = float(torch.logsumexp(alpha + lat.final_score, 0))
    if not (log_total > NEG_INF and log_total < float("inf")):
        raise ValueError(f"lattice total log score is {log_total}: no finite path")
    post = torch.exp(alpha[lat.src] + score + beta[lat.dst] - log_total)
    return ForwardBackward(alpha, beta, log_total, post)


@dataclass
class ExpectedAccuracy:
    average: float  # expected accuracy of a path (sum over its frames)
    alpha_acc: torch.Tensor
    beta_acc: torch.Tensor
    arc_acc: torch.Tensor  # expected accuracy of the paths through each arc


@torch.no_grad()
def expected_accuracy(lat: LatticeArrays, arc_score: torch.Tensor, arc_accuracy: torch.Tensor,
                      fb: ForwardBackward) -> ExpectedAccuracy:
    """Expected path accuracy, and per arc the expected accuracy of the paths through it.

    ``arc_accuracy`` [num_arcs]: each arc's own (frame) accuracy, 0 on epsilon arcs.
    ``alpha_acc[s]`` is the average accuracy of the partial paths from the start to
    ``s`` (weighted by their probability), ``beta_acc[s]`` of those from ``s`` to the end.
    """
    score = arc_score.double()
    acc = arc_accuracy.double()
    dev = score.device
    alpha_acc = torch.zeros(lat.num_states, dtype=torch.float64, device=dev)
    for g in lat.groups:
        a = g.arcs
        s, d = lat.src[a], lat.dst[a]
        w = torch.nan_to_num(torch.exp(fb.alpha[s] + score[a] - fb.alpha[d]), nan=0.0)
        alpha_acc.index_add_(0, d, w * (alpha_acc[s] + acc[a]))
    beta_acc = torch.zeros(lat.num_states, dtype=torch.float64, device=dev)
    for g in reversed(lat.groups):
        a = g.arcs
        s, d = lat.src[a], lat.dst[a]
        w = torch.nan_to_num(torch.exp(score[a] + fb.beta[d] - fb.beta[s]), nan=0.0)
        beta_acc.index_add_(0, s, w * (beta_acc[d] + acc[a]))
    fin_w = torch.nan_to_num(torch.exp(fb.alpha + lat.final_score - fb.log_total), nan=0.0)
    average = float((fin_w * alpha_acc).sum())
    arc_acc = alpha_acc[lat.src] + acc + beta_acc[lat.dst]
    return ExpectedAccuracy(average, alpha_acc, beta_acc, arc_acc)


def frame_posteriors(lat: LatticeArrays, arc_weight: torch.Tensor, num_pdfs: int) -> torch.Tensor:
    """Sum ``arc_weight`` of emitting arcs into a ``[num_frames, num_pdfs]`` matrix (occupancies)."""
    em = lat.emitting
    out = torch.zeros(lat.num_frames * num_pdfs, dtype=torch.float64, device=arc_weight.device)
    out.index_add_(0, lat.frame[em] * num_pdfs + lat.pdf[em], arc_weight.double()[em])
    return out.view(lat.num_frames, num_pdfs)
