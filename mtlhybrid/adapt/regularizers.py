"""Keeping a fine-tuned network near its source: L2-SP on weights, KL divergence on outputs.

With little adaptation data a network forgets what it knew. Two standard remedies, both
added to the training loss through the trainer's regularizer hook:

* **L2-SP** (Li, Grandvalet and Davoine, 2018): ``weight * sum ||w - w_src||^2`` over the
  shared parameters that are trained, pulling them toward the source's values rather
  than toward zero as plain weight decay does.
* **KLD adaptation** (Yu, Yao, Su, Li and Seide, 2013): the source network's output
  distribution serves as a soft target, ``weight * KL(p_src || p_adapted)`` averaged over
  valid frames (utterances for utterance tasks). Yu et al. interpolate the hard and soft
  targets of the senone layer; that needs identical output classes. Here the KL is applied
  to every task whose head was carried over unchanged (identical classes: the senones of
  the same tree, phones of the same phones.txt, the source's accent classes). When the new
  corpus has its own tree the senone head is new and only the shared tasks (e.g. accent,
  monophones of the same phone set) carry the KL term; the trainer is told which in the log.

Neither is an ``nn.Module``: the source network held here must not be registered as
parameters of the trained objective (its optimizer, DDP).
"""

from __future__ import annotations

from typing import Dict, Mapping, Optional, Sequence

import torch
import torch.nn.functional as F

from mtlhybrid.nnet.layers import length_mask


class L2SPRegularizer:
    """``weight * sum ||w - w_src||^2`` over the named parameters (those of the shared layers)."""

    def __init__(self, source: Mapping[str, torch.Tensor], weight: float, device="cpu"):
        self.weight = float(weight)
        self.source = {k: v.detach().to(device).clone() for k, v in source.items()}

    def __call__(self, model, feats, corpus, lengths, logits) -> torch.Tensor:
        total = feats.new_zeros(())
        for name, p in model.named_parameters():
            ref = self.source.get(name)
            if ref is not None and p.requires_grad:
                total = total + ((p - ref) ** 2).sum()
        return self.weight * total


def kl_to_source(new_logits: torch.Tensor, src_logits: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean KL(p_src || p_new): frame logits ``[B, T, K]`` over valid frames, utterance logits ``[B, K]`` over the batch."""
    logp_new = F.log_softmax(new_logits.float(), dim=-1)
    logp_src = F.log_softmax(src_logits.float(), dim=-1)
    kl = (logp_src.exp() * (logp_src - logp_new)).sum(-1)  # [B, T] or [B]
    if kl.dim() == 2:
        m = length_mask(lengths, kl.shape[1])
        return (kl * m).sum() / m.sum().clamp(min=1.0)
    return kl.mean()


class KLDRegularizer:
    """``weight * sum_tasks KL(p_src || p_new)`` with the source network run on the same batch."""

    def __init__(self, source_model, tasks: Sequence[str], weight: float, source_corpus: Optional[str] = None,
                 device="cpu"):
        self.weight = float(weight)
        self.tasks = list(tasks)
        self.source_corpus = source_corpus
        self.source = source_model.to(device).eval()
        for p in self.source.parameters():
            p.requires_grad_(False)

    def __call__(self, model, feats, corpus, lengths, logits) -> torch.Tensor:
        total = feats.new_zeros(())
        if not self.tasks:
            return total
        with torch.no_grad():
            src = self.source(feats, self.source_corpus or corpus, lengths, tasks=self.tasks)
        for name in self.tasks:
            total = total + kl_to_source(logits[name], src[name], lengths)
        return self.weight * total


class CombinedRegularizer:
    """Sum of several regularizers (any may be absent)."""

    def __init__(self, parts: Sequence):
        self.parts = [p for p in parts if p is not None]

    def __call__(self, model, feats, corpus, lengths, logits) -> torch.Tensor:
        total = feats.new_zeros(())
        for p in self.parts:
            total = total + p(model, feats, corpus, lengths, logits)
        return total


def shared_parameters(state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """The trunk's floating-point parameters of a state dict (``towers.*``), the L2-SP anchor."""
    return {k: v for k, v in state.items() if k.startswith("towers.") and torch.is_floating_point(v)
            and not k.endswith(("running_mean", "running_var"))}
