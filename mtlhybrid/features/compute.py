"""Fbank and MFCC features of one waveform, computed by kaldi-native-fbank.

kaldi-native-fbank is a port of Kaldi's feature code, so the same options give Kaldi's
numbers provided it gets what Kaldi's ``compute-fbank-feats`` gets: samples in the int16
range. :func:`mtlhybrid.data.audio.read_audio` returns [-1, 1] floats, so they are
multiplied by 32768 here (for 16-bit audio that restores the exact integers Kaldi reads).
Feeding [-1, 1] instead would shift every log-mel value by log(32768^2) = 20.8 and make
``--energy-floor`` and ``--dither`` mean something else than in Kaldi's configs.

Sample-rate mismatches follow Kaldi: an error unless ``--allow-downsample`` or
``--allow-upsample`` permits resampling (here with scipy's polyphase filter).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from mtlhybrid.data.audio import INT16_SCALE, resample
from mtlhybrid.features.config import FeatureConfig
from mtlhybrid.utils.errors import DataError


def conform_rate(samples: np.ndarray, sample_rate: int, config: FeatureConfig, utt: Optional[str] = None) -> np.ndarray:
    """Return samples at ``config.sample_frequency``, resampling only where the config allows."""
    target = config.sample_frequency
    if float(sample_rate) == float(target):
        return samples
    if target < sample_rate and not config.allow_downsample:
        raise DataError(
            f"audio is {sample_rate} Hz but --sample-frequency={target:g} "
            "(use --allow-downsample=true to downsample)",
            utt=utt,
        )
    if target > sample_rate and not config.allow_upsample:
        raise DataError(
            f"audio is {sample_rate} Hz but --sample-frequency={target:g} "
            "(use --allow-upsample=true to upsample)",
            utt=utt,
        )
    if float(target) != int(target):
        raise DataError(f"cannot resample to a fractional rate {target}", utt=utt)
    return resample(samples, int(sample_rate), int(target))


def compute_features(
    samples: np.ndarray,
    sample_rate: int,
    config: FeatureConfig,
    utt: Optional[str] = None,
) -> np.ndarray:
    """Features of one mono waveform in [-1, 1]: float32 ``[frames, config.dim]``.

    Raises DataError (naming ``utt``) when the audio is too short for a single frame
    or its rate does not match the config.
    """
    import kaldi_native_fbank as knf

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise DataError(f"expected mono audio, got shape {x.shape}", utt=utt)
    x = conform_rate(x, sample_rate, config, utt)
    x = x * np.float32(INT16_SCALE)
    opts = config.to_knf()
    computer = knf.OnlineFbank(opts) if config.kind == "fbank" else knf.OnlineMfcc(opts)
    computer.accept_waveform(float(config.sample_frequency), x)
    computer.input_finished()
    n = computer.num_frames_ready
    if n == 0:
        raise DataError(
            f"audio too short for one frame ({x.shape[0]} samples, frame length {config.frame_length:g} ms)",
            utt=utt,
        )
    feats = np.empty((n, config.dim), dtype=np.float32)
    for i in range(n):
        feats[i] = computer.get_frame(i)
    if config.subtract_mean:
        feats -= feats.mean(axis=0, keepdims=True)
    return feats


def num_frames(num_samples: int, config: FeatureConfig) -> int:
    """Frames Kaldi produces for ``num_samples`` at the config's rate (its ``NumFrames``)."""
    shift = int(config.sample_frequency * 0.001 * config.frame_shift)
    size = int(config.sample_frequency * 0.001 * config.frame_length)
    if config.snip_edges:
        return 0 if num_samples < size else 1 + (num_samples - size) // shift
    return (num_samples + shift // 2) // shift
