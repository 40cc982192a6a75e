"""Learning-rate schedules as pure functions of the step (nothing to save when resuming)."""

from __future__ import annotations

import math

from mtlhybrid.nnet.config import TrainConfig


def learning_rate(cfg: TrainConfig, step: int, steps_per_epoch: int) -> float:
    """Learning rate for optimizer step ``step`` (0-based).

    Linear warmup over ``warmup_steps``, then ``constant``, ``cosine`` (down to ``min_lr``
    at the end of the last epoch) or ``exponential`` (times ``decay`` per epoch, floored at ``min_lr``).
    """
    if cfg.warmup_steps and step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    after = step - cfg.warmup_steps
    if cfg.schedule == "cosine":
        total = max(cfg.epochs * steps_per_epoch - cfg.warmup_steps, 1)
        frac = min(after / total, 1.0)
        return cfg.min_lr + (cfg.lr - cfg.min_lr) * 0.5 * (1.0 + math.cos(math.pi * frac))
    if cfg.schedule == "exponential":
        return max(cfg.lr * cfg.decay ** (after / max(steps_per_epoch, 1)), cfg.min_lr)
    return cfg.lr
