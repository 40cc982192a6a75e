"""Kaldi's log-mel filterbank computed for many frames at once (numpy), equal to kaldi-native-fbank.

kaldi-native-fbank computes one frame per call (``get_frame(i)``): a C++ call, a copy and
a small FFT per 10 ms. Here every frame of one or many waveforms is cut out with one
index array, and DC removal, pre-emphasis, the window, the FFT, the power spectrum, the
mel matrix product and the log are each one numpy operation over all of them. The
arithmetic is Kaldi's (``feature-window.cc``, ``feature-fbank.cc``, ``mel-computations.cc``):

* frames: ``snip_edges`` (whole windows only) or Kaldi's centred frames with the
  signal reflected at both ends;
* per frame: minus its mean (``remove_dc_offset``), ``x[i] -= k x[i-1]`` (``x[0] -= k x[0]``),
  times the window (povey, hamming, hanning, rectangular, blackman), zero-padded to the
  FFT size;
* ``|FFT|^2`` (or its square root without ``use_power``), the triangular mel bins over FFT
  bins ``0 .. N/2 - 1`` (Kaldi leaves out the Nyquist bin), floored at float epsilon,
  log.

Only what this path implements is accepted (:func:`supported`): fbank, no dither (the
random noise could not match), no energy column, no VTLN warping, no HTK compatibility;
anything else goes to kaldi-native-fbank. ``tests/test_features_fbank_batch.py`` checks
it against kaldi-native-fbank on real recordings to 1e-4.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import List, Sequence, Tuple

import numpy as np

from mtlhybrid.features.config import FeatureConfig

_FLT_EPSILON = float(np.finfo(np.float32).eps)


def supported(config: FeatureConfig) -> bool:
    """Whether :func:`fbank_many` computes exactly what kaldi-native-fbank does for ``config``."""
    return (config.kind == "fbank" and config.dither == 0.0 and not config.use_energy and not config.htk_compat
            and getattr(config, "vtln_warp", 1.0) == 1.0 and config.use_log_fbank
            and config.window_type in ("povey", "hamming", "hanning", "rectangular", "blackman"))


def _sizes(config: FeatureConfig) -> Tuple[int, int, int]:
    shift = int(config.sample_frequency * 0.001 * config.frame_shift)
    size = int(config.sample_frequency * 0.001 * config.frame_length)
    fft = 1 << (size - 1).bit_length() if config.round_to_power_of_two else size
    return shift, size, fft


def _num_frames(n: int, shift: int, size: int, snip_edges: bool) -> int:
    if snip_edges:
        return 0 if n < size else 1 + (n - size) // shift
    return (n + shift // 2) // shift


@lru_cache(maxsize=8)
def _window(kind: str, size: int, blackman_coeff: float) -> np.ndarray:
    a = 2.0 * math.pi / (size - 1)
    i = np.arange(size, dtype=np.float64)
    if kind == "hanning":
        w = 0.5 - 0.5 * np.cos(a * i)
    elif kind == "hamming":
        w = 0.54 - 0.46 * np.cos(a * i)
    elif kind == "povey":
        w = (0.5 - 0.5 * np.cos(a * i)) ** 0.85
    elif kind == "rectangular":
        w = np.ones(size)
    else:  # blackman
        w = blackman_coeff - 0.5 * np.cos(a * i) + (0.5 - blackman_coeff) * np.cos(2 * a * i)
    return w


def _mel(f):
    """Kaldi's ``MelScale`` in single precision, as Kaldi and kaldi-native-fbank compute it."""
    f = np.asarray(f, dtype=np.float32)
    return np.float32(1127.0) * np.log(np.float32(1.0) + f / np.float32(700.0))


@lru_cache(maxsize=8)
def _mel_matrix(num_bins: int, fft: int, rate: float, low: float, high: float) -> np.ndarray:
    """``[fft/2 + 1, num_bins]`` triangular weights (the Nyquist row zero, as Kaldi uses N/2 bins).

    In float32 like Kaldi's ``MelBanks``: a bin's edge weights come from differences of
    nearly equal mel values, which single and double precision round differently.
    """
    f32 = np.float32
    nyquist = 0.5 * rate
    high = high if high > 0 else nyquist + high
    n_fft_bins = fft // 2
    ml, mh = _mel(low), _mel(high)
    delta = (mh - ml) / f32(num_bins + 1)
    mel = _mel(f32(rate / fft) * np.arange(n_fft_bins, dtype=np.float32))[:, None]
    b = np.arange(num_bins, dtype=np.float32)
    left, center, right = ml + b * delta, ml + (b + f32(1)) * delta, ml + (b + f32(2)) * delta
    with np.errstate(divide="ignore", invalid="ignore"):
        up = (mel - left) / (center - left)
        down = (right - mel) / (right - center)
    w = np.where((mel > left) & (mel < right), np.where(mel <= center, up, down), f32(0))
    return np.concatenate([w, np.zeros((1, num_bins), dtype=np.float32)], axis=0)


def _frame_index(n: int, shift: int, size: int, snip_edges: bool) -> np.ndarray:
    """``[frames, size]`` sample indices of each frame (Kaldi's reflection at the edges)."""
    t = _num_frames(n, shift, size, snip_edges)
    start = np.arange(t) * shift
    if not snip_edges:
        start = start + shift // 2 - size // 2
    idx = start[:, None] + np.arange(size)[None, :]
    if not snip_edges:
        # Reflect until inside (a short signal may need more than one reflection).
        while True:
            low, high = idx < 0, idx >= n
            if not (low.any() or high.any()):
                break
            idx = np.where(low, -idx - 1, np.where(high, 2 * n - 1 - idx, idx))
    return idx


def fbank_many(waveforms: Sequence[np.ndarray], config: FeatureConfig) -> List[np.ndarray]:
    """Log-mel features ``[frames, num_mel_bins]`` (float32) of each waveform.

    Waveforms are at ``config.sample_frequency`` and scaled as kaldi-native-fbank gets
    them (the int16 range: see :mod:`mtlhybrid.features.compute`). A waveform too short
    for a frame gives a ``[0, num_mel_bins]`` array.
    """
    if not supported(config):
        raise ValueError("configuration not supported by the batched fbank (use kaldi-native-fbank)")
    shift, size, fft = _sizes(config)
    idx, counts, offset = [], [], 0
    for x in waveforms:
        i = _frame_index(int(x.shape[0]), shift, size, config.snip_edges)
        idx.append(i + offset)
        counts.append(i.shape[0])
        offset += int(x.shape[0])
    if not waveforms:
        return []
    signal = np.concatenate([np.asarray(x, dtype=np.float32) for x in waveforms])
    frames = signal[np.concatenate(idx)] if sum(counts) else np.zeros((0, size), dtype=np.float32)
    if config.remove_dc_offset:
        frames -= frames.mean(axis=1, keepdims=True)
    k = config.preemphasis_coefficient
    if k != 0.0:
        frames[:, 1:] -= np.float32(k) * frames[:, :-1]
        frames[:, 0] -= np.float32(k) * frames[:, 0]
    frames *= _window(config.window_type, size, float(config.blackman_coeff)).astype(np.float32)
    spec = np.fft.rfft(frames, n=fft, axis=1)
    power = spec.real ** 2 + spec.imag ** 2
    if not config.use_power:
        power = np.sqrt(power)
    mel = power @ _mel_matrix(int(config.num_mel_bins), fft, float(config.sample_frequency), float(config.low_freq), float(config.high_freq))
    feats = np.log(np.maximum(mel, _FLT_EPSILON)).astype(np.float32)
    return np.split(feats, np.cumsum(counts)[:-1]) if len(counts) > 1 else [feats]
