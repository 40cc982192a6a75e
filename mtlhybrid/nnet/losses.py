"""Per-task masked losses and the ways to weight them into one training loss.

Targets equal to :data:`IGNORE` (-100) are masked: an utterance without a label for a
task (or of a corpus the task does not cover) contributes nothing to that task's loss or
gradient, yet still trains the other tasks. A task with no valid target in a batch gives
a zero loss that stays in the autograd graph, so distributed training sees every
parameter used on every process.

Scale: every task's loss is the mean cross-entropy per target in the step (per frame
for frame tasks, per utterance for utterance tasks), in nats, so ``weight`` says how much
an average frame decision of one task counts against an average decision of another.

Weighting: ``static`` sums ``weight * loss``; ``uncertainty`` (Kendall, Gal and Cipolla,
2018) learns a log-variance ``s = log sigma^2`` per non-adversarial task and, in their
form for a classification likelihood (a softmax scaled by ``1/sigma^2``, whose loss is
``L / sigma^2 + log sigma``), sums ``weight * (exp(-s) * L + s / 2)``. ``s`` is bounded,
``s = b * tanh(r / b)`` with ``b = train.log_var_bound``, so a task whose loss goes to
zero cannot drive its weight to infinity. A task with no target in a step contributes
nothing to ``s``'s gradient, and the trainer leaves ``s`` untouched in that step (no
momentum or weight decay either). Adversarial tasks always keep their static weight:
the gradient reversal layer already turns their loss into a penalty for the shared layers.
"""

from __future__ import annotations

from typing import Dict, Mapping, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from mtlhybrid.nnet.config import TaskConfig

IGNORE = -100


def masked_ce(logits: torch.Tensor, targets: torch.Tensor, label_smoothing: float = 0.0) -> Tuple[torch.Tensor, int, int]:
    """Mean cross-entropy over valid targets; returns (loss, num_correct, num_valid).

    ``logits`` ``[B, T, K]`` with targets ``[B, T]``, or ``[B, K]`` with ``[B]``.
    """
    k = logits.shape[-1]
    flat = logits.reshape(-1, k)
    tgt = targets.reshape(-1)
    valid = tgt != IGNORE
    n = int(valid.sum())
    if n == 0:
        return flat.sum() * 0.0, 0, 0
    loss = F.cross_entropy(flat, tgt, ignore_index=IGNORE, label_smoothing=label_smoothing)
    with torch.no_grad():
        correct = int((flat[valid].argmax(-1) == tgt[valid]).sum())
    return loss, correct, n


class LossWeighting(nn.Module):
    """Combines per-task losses into the training loss (static or uncertainty weights)."""

    def __init__(self, tasks: Sequence[TaskConfig], method: str = "static", log_var_bound: float = 3.0):
        super().__init__()
        self.method = method
        self.bound = float(log_var_bound)
        self.weights = {t.name: float(t.weight) for t in tasks}
        self.adversarial = {t.name for t in tasks if t.adversarial}
        learned = [t.name for t in tasks if not t.adversarial] if method == "uncertainty" else []
        # The raw parameters r; the log-variance is s = b * tanh(r / b) (log_var()).
        self.log_vars = nn.ParameterDict({n: nn.Parameter(torch.zeros(())) for n in learned})

    def log_var(self, name: str) -> torch.Tensor:
        """The bounded log-variance s of a learned task, in (-bound, bound)."""
        r = self.log_vars[name]
        return self.bound * torch.tanh(r / self.bound)

    def forward(self, losses: Mapping[str, torch.Tensor], present: Mapping[str, bool]) -> torch.Tensor:
        total = None
        for name, loss in losses.items():
            w = self.weights[name]
            if name in self.log_vars:
                s = self.log_var(name)
                term = torch.exp(-s) * loss + 0.5 * s
                if not present.get(name, False):
                    term = term * 0.0  # keep s in the graph, but do not pull it when the task is absent
                term = w * term
            else:
                term = w * loss
            total = term if total is None else total + term
        return total

    def current(self) -> Dict[str, float]:
        """Effective weight of each task (static weight times exp(-s) when learned)."""
        out = {}
        for name, w in self.weights.items():
            if name in self.log_vars:
                out[name] = w * float(torch.exp(-self.log_var(name).detach()))
            else:
                out[name] = w
        return out
