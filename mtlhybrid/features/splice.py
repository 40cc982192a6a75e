"""Frame splicing, Kaldi's ``splice-feats``: stack each frame with its neighbours.

Output frame ``t`` is ``[x[t-left], ..., x[t], ..., x[t+right]]``; neighbours beyond the
utterance repeat the first or last frame, so the number of frames is unchanged.
"""

from __future__ import annotations

import numpy as np


def splice_frames(feats: np.ndarray, left: int, right: int) -> np.ndarray:
    """``[frames, dim] -> [frames, dim * (left + 1 + right)]`` float32."""
    x = np.asarray(feats, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected a [frames, dim] matrix, got shape {x.shape}")
    if left < 0 or right < 0:
        raise ValueError(f"contexts must be >= 0, got left={left} right={right}")
    t = x.shape[0]
    if left == 0 and right == 0:
        return x.copy()
    offsets = np.arange(-left, right + 1)
    idx = np.clip(np.arange(t)[:, None] + offsets[None, :], 0, max(t - 1, 0))
    return x[idx].reshape(t, -1)
