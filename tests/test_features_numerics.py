"""Feature values equal kaldi-native-fbank called directly, as Kaldi's compute-*-feats would.

The reference path reads the WAV with kaldi-native-io (Kaldi's own reader: int16-range
samples) and calls kaldi-native-fbank with explicitly set options; ours goes through
read_audio ([-1, 1]), the Kaldi config parser and compute_features.
"""

from __future__ import annotations

import numpy as np
import pytest

from mtlhybrid.data.audio import read_audio
from mtlhybrid.features.compute import compute_features, num_frames
from mtlhybrid.features.config import FeatureConfig, load_feature_config
from mtlhybrid.utils.errors import DataError


def _kaldi_wave(path):
    import kaldi_native_io as kni

    w = kni.read_wave(str(path))
    return w.data.numpy()[0].astype(np.float32), int(w.sample_freq)


def _knf(samples_int16_range, rate, kind, **opts):
    """kaldi-native-fbank on its own, options set by hand (the reference)."""
    import kaldi_native_fbank as knf

    o = knf.FbankOptions() if kind == "fbank" else knf.MfccOptions()
    o.frame_opts.samp_freq = float(rate)
    o.frame_opts.dither = 0.0
    o.frame_opts.snip_edges = opts.get("snip_edges", True)
    o.mel_opts.num_bins = opts.get("num_bins", 23)
    o.mel_opts.low_freq = 20.0
    o.mel_opts.high_freq = opts.get("high_freq", 0.0)
    if kind == "mfcc":
        o.num_ceps = opts.get("num_ceps", 13)
        o.use_energy = True
    else:
        o.use_energy = False
    comp = knf.OnlineFbank(o) if kind == "fbank" else knf.OnlineMfcc(o)
    comp.accept_waveform(float(rate), samples_int16_range)
    comp.input_finished()
    return np.stack([comp.get_frame(i) for i in range(comp.num_frames_ready)])


@pytest.fixture(scope="module")
def speech16k(tmp_path_factory, espeak, sox):
    from mtlhybrid.synth.tts import SynthesisSettings, synthesize

    out = tmp_path_factory.mktemp("tts") / "hello.wav"
    return synthesize("seven two nine", out, SynthesisSettings(voice="en-us", sample_rate=16000))


def test_read_audio_scaling_matches_kaldi_reader(fsdd_dir):
    path = fsdd_dir / "recordings" / "3_theo_7.wav"
    x, rate = read_audio(str(path))
    ref, ref_rate = _kaldi_wave(path)
    assert rate == ref_rate == 8000
    assert x.dtype == np.float32
    assert np.abs(x).max() <= 1.0
    np.testing.assert_array_equal(x * 32768.0, ref)


@pytest.mark.parametrize("kind", ["fbank", "mfcc"])
def test_fsdd_8k_matches_knf(fsdd_dir, kind):
    path = fsdd_dir / "recordings" / "0_jackson_0.wav"
    cfg = load_feature_config(kind, extra_options=["--sample-frequency=8000", "--dither=0", "--num-mel-bins=40" if kind == "fbank" else "--num-ceps=13"])
    x, rate = read_audio(str(path))
    ours = compute_features(x, rate, cfg)
    ref_x, _ = _kaldi_wave(path)
    ref = _knf(ref_x, 8000, kind, num_bins=40 if kind == "fbank" else 23)
    assert ours.shape == ref.shape == (num_frames(len(x), cfg), cfg.dim)
    np.testing.assert_allclose(ours, ref, atol=1e-4, rtol=0)


@pytest.mark.parametrize("kind", ["fbank", "mfcc"])
def test_espeak_16k_matches_knf_with_config_file(tmp_path, speech16k, kind):
    conf = tmp_path / f"{kind}.conf"
    conf.write_text("# 16 kHz speech\n--sample-frequency=16000\n--dither=0   # reproducible\n--snip-edges=false\n--high-freq=-400\n")
    cfg = load_feature_config(kind, conf)
    assert cfg.snip_edges is False
    assert cfg.high_freq == -400.0
    x, rate = read_audio(str(speech16k))
    ours = compute_features(x, rate, cfg)
    ref_x, _ = _kaldi_wave(speech16k)
    ref = _knf(ref_x, 16000, kind, snip_edges=False, high_freq=-400.0)
    assert ours.shape == ref.shape
    assert ours.shape[0] > 50
    np.testing.assert_allclose(ours, ref, atol=1e-4, rtol=0)


def test_resampling_8k_to_16k(fsdd_dir):
    from scipy.signal import resample_poly

    path = fsdd_dir / "recordings" / "5_nicolas_1.wav"
    x, rate = read_audio(str(path))
    strict = load_feature_config("fbank", extra_options=["--dither=0"])  # 16 kHz, no upsampling allowed
    with pytest.raises(DataError, match="allow-upsample"):
        compute_features(x, rate, strict, utt="u1")
    cfg = load_feature_config("fbank", extra_options=["--dither=0", "--allow-upsample=true"])
    ours = compute_features(x, rate, cfg)
    up = resample_poly(x.astype(np.float64), 2, 1).astype(np.float32) * 32768.0
    ref = _knf(up, 16000, "fbank")
    np.testing.assert_allclose(ours, ref, atol=1e-4, rtol=0)
    # read_audio's target_rate gives the same resampled waveform
    y, r2 = read_audio(str(path), target_rate=16000)
    assert r2 == 16000
    assert len(y) == 2 * len(x)


def test_unknown_option_names_config_line(tmp_path):
    conf = tmp_path / "fbank.conf"
    conf.write_text("--sample-frequency=8000\n\n--num-mel-bins=40\n--num-ceps=13\n")
    with pytest.raises(DataError) as e:
        load_feature_config("fbank", conf)
    assert f"{conf}:4:" in str(e.value)
    assert "--num-ceps" in str(e.value)
    conf.write_text("sample-frequency=8000\n")
    with pytest.raises(DataError, match=":1:.*--name=value"):
        load_feature_config("fbank", conf)
    conf.write_text("--use-energy=maybe\n")
    with pytest.raises(DataError, match=":1:.*true or false"):
        load_feature_config("fbank", conf)


def test_config_defaults_are_kaldis_and_roundtrip():
    cfg = FeatureConfig(kind="mfcc")
    assert cfg.dither == 1.0
    assert cfg.use_energy is True
    assert cfg.num_mel_bins == 23
    assert cfg.dim == 13
    fb = load_feature_config("fbank", extra_options=["--num-mel-bins=80", "--use-energy=true", "--frame-shift=20"])
    assert fb.dim == 81
    assert fb.frame_shift_seconds == 0.02
    assert FeatureConfig.from_dict(fb.to_dict()) == fb
    assert sorted(fb.to_kaldi_options()) == ["--frame-shift=20.0", "--num-mel-bins=80", "--use-energy=true"]


def test_too_short_audio_names_utterance():
    cfg = load_feature_config("fbank", extra_options=["--dither=0"])
    with pytest.raises(DataError, match="utterance tiny: audio too short"):
        compute_features(np.zeros(100, dtype=np.float32), 16000, cfg, utt="tiny")
