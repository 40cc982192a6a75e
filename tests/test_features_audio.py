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
