"""read_audio / read_segment on real files, pipes and broken input."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from mtlhybrid.data.audio import audio_duration, read_audio, read_segment
from mtlhybrid.utils.errors import DataError


def test_pipe_equals_file(fsdd_dir, sox):
    path = fsdd_dir / "recordings" / "4_yweweler_2.wav"
    x, rate = read_audio(str(path))
    y, rate2 = read_audio(f"sox {path} -t wav - |", utt="u")
    assert rate == rate2 == 8000
    np.testing.assert_array_equal(x, y)
    assert audio_duration(str(path)) == pytest.approx(len(x) / 8000)
    assert audio_duration(f"cat {path} |") == pytest.approx(len(x) / 8000)


def test_flac_via_soundfile(tmp_path, fsdd_dir):
    x, rate = read_audio(str(fsdd_dir / "recordings" / "1_lucas_3.wav"))
    flac = tmp_path / "a.flac"
    sf.write(flac, x, rate, subtype="PCM_16")
    y, r = read_audio(str(flac))
    assert r == rate
    np.testing.assert_allclose(x, y, atol=1e-6)


def test_missing_file_names_utterance(tmp_path):
    with pytest.raises(DataError) as e:
        read_audio(str(tmp_path / "nope.wav"), utt="spk1_utt3")
    assert "utterance spk1_utt3" in str(e.value)
    assert "nope.wav" in str(e.value)


def test_failing_pipe_names_command_and_stderr():
    with pytest.raises(DataError) as e:
        read_audio("sox /no/such/file.wav -t wav - |", utt="u7")
    msg = str(e.value)
    assert "utterance u7" in msg
    assert "sox /no/such/file.wav" in msg
    assert "exit" in msg
    with pytest.raises(DataError, match="wrote no audio"):
        read_audio("true |", utt="u8")


def test_zero_length_and_garbage(tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype=np.int16), 16000, subtype="PCM_16")
    with pytest.raises(DataError, match="utterance e1: zero-length audio"):
        read_audio(str(empty), utt="e1")
    with pytest.raises(DataError, match="zero-length"):
        audio_duration(str(empty), utt="e1")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not audio")
    with pytest.raises(DataError, match="utterance j1: cannot read audio"):
        read_audio(str(junk), utt="j1")


def test_read_segment_bounds():
    rec = np.arange(16000, dtype=np.float32)
    seg = read_segment(rec, 16000, 0.25, 0.5)
    assert seg.shape == (4000,)
    assert seg[0] == 4000
    assert read_segment(rec, 16000, 0.5, -1).shape == (8000,)
    assert read_segment(rec, 16000, 0.9, 1.05).shape == (1600,)  # small overrun is truncated
    with pytest.raises(DataError, match="utterance s: segment ends"):
        read_segment(rec, 16000, 0.5, 2.0, utt="s")
    with pytest.raises(DataError, match="not after its start"):
        read_segment(rec, 16000, 0.5, 0.4)


def test_stereo_takes_channel_0_with_a_warning_or_the_channel_asked(tmp_path, fsdd_dir, caplog):
    from mtlhybrid.features.config import FeatureConfig
    from mtlhybrid.features.extract import extract_features
    from mtlhybrid.utils.kaldi_io import read_scp_matrices

    left, rate = sf.read(fsdd_dir / "recordings" / "3_theo_0.wav", dtype="int16")
    right = left[::-1].copy()  # another signal, so the channels' features differ
    sf.write(tmp_path / "stereo.wav", np.stack([left, right], axis=1), rate, subtype="PCM_16")
    sf.write(tmp_path / "left.wav", left, rate, subtype="PCM_16")
    sf.write(tmp_path / "right.wav", right, rate, subtype="PCM_16")
    (tmp_path / "wav.scp").write_text(f"a {tmp_path}/stereo.wav\nl {tmp_path}/left.wav\nr {tmp_path}/right.wav\n")
    (tmp_path / "stereo.scp").write_text(f"a {tmp_path}/stereo.wav\n")
    feats = {}
    for ch, wav in ((-1, "wav.scp"), (1, "stereo.scp")):
        cfg = FeatureConfig(kind="fbank", sample_frequency=8000, dither=0.0, channel=ch)
        caplog.clear()
        with caplog.at_level("WARNING"):
            extract_features(tmp_path / wav, tmp_path / f"f{ch}.ark", tmp_path / f"f{ch}.scp", cfg)
        feats[ch] = dict(read_scp_matrices(tmp_path / f"f{ch}.scp"))
        warned = "utterance a: " in caplog.text and "has 2 channels but no --channel was given: using channel 0" in caplog.text
        assert warned == (ch == -1)
    np.testing.assert_array_equal(feats[-1]["a"], feats[-1]["l"])
    np.testing.assert_array_equal(feats[1]["a"], feats[-1]["r"])
    with pytest.raises(DataError, match="has 1 channels, channel 1 requested"):
        read_audio(str(tmp_path / "left.wav"), channel=1)
