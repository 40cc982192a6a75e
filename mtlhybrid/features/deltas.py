"""Delta and delta-delta features, Kaldi's ``add-deltas`` formula.

Order-k deltas are the order-(k-1) deltas filtered with the regression window
``sum_j j * x[t+j] / sum_j j^2`` over ``j = -window..window``; frames outside the
utterance repeat the first/last frame. The output is ``[x, d1, ..., d_order]`` along the
feature axis.
"""

from __future__ import annotations

from typing import List

import numpy as np


def delta_scales(order: int, window: int = 2) -> List[np.ndarray]:
    """The filter for each order (index 0 is the identity), as Kaldi's DeltaFeatures."""
    if order < 0 or window <= 0:
        raise ValueError(f"need order >= 0 and window > 0, got order={order} window={window}")
    scales = [np.ones(1, dtype=np.float64)]
    normalizer = float(sum(j * j for j in range(-window, window + 1)))
    for _ in range(order):
        prev = scales[-1]
        prev_off = (prev.shape[0] - 1) // 2
        cur = np.zeros(prev.shape[0] + 2 * window)
        cur_off = prev_off + window
        for j in range(-window, window + 1):
            for k in range(-prev_off, prev_off + 1):
                cur[j + k + cur_off] += j * prev[k + prev_off]
        scales.append(cur / normalizer)
    return scales


def add_deltas(feats: np.ndarray, order: int = 2, window: int = 2) -> np.ndarray:
    """``[frames, dim] -> [frames, dim * (order + 1)]`` float32 (Kaldi's defaults: 2, 2)."""
    x = np.asarray(feats, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected a [frames, dim] matrix, got shape {x.shape}")
    if order == 0:
        return x.copy()
    t = x.shape[0]
    out = [x]
    for scales in delta_scales(order, window)[1:]:
        half = (scales.shape[0] - 1) // 2
        idx = np.clip(np.arange(-half, t + half), 0, max(t - 1, 0))
        padded = x[idx].astype(np.float64)
        acc = np.zeros(x.shape, dtype=np.float64)
        for j, s in enumerate(scales):
            if s != 0.0:
                acc += s * padded[j : j + t]
        out.append(acc.astype(np.float32))
    return np.concatenate(out, axis=1)
