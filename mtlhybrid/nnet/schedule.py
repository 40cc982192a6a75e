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


def grl_ramp(progress: float) -> float:
    """Gradient-reversal factor at training ``progress`` p in [0, 1]: 2 / (1 + exp(-10 p)) - 1.

    Ganin et al. (2015, 2016) ramp the reversal up from 0 so that the domain (here accent
    or speaker) classifier's noisy early gradients do not disturb the shared layers while
    they are still learning the main task; it reaches 0.987 at p = 0.5 and 0.99991 at p = 1.
    """
    p = min(max(float(progress), 0.0), 1.0)
    return 2.0 / (1.0 + math.exp(-10.0 * p)) - 1.0
