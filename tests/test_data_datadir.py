"""DataDir: lazy tables, typed views, labels, subset with segments, atomic save that drops stale tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtlhybrid.data.datadir import DataDir, file_index, format_duration, format_seconds
from mtlhybrid.utils.errors import DataError


@pytest.fixture
def seg_dir(tmp_path, fsdd_dir) -> Path:
    d = tmp_path / "d"
    d.mkdir()
    rec = fsdd_dir / "recordings"
    (d / "wav.scp").write_text(f"r1 {rec / '0_jackson_0.wav'}\nr2 sox {rec / '1_theo_0.wav'} -t wav - |\nr3 {rec / '2_theo_0.wav'}\n")
    (d / "segments").write_text("a_1 r1 0.00 0.20\na_2 r1 0.20 0.45\nb_1 r2 0.05 0.30\nb_2 r3 0.00 0.10\n")
    (d / "text").write_text("a_1 ZERO\na_2 ZERO ONE\nb_1 TWO\nb_2 THREE\n")
    (d / "utt2spk").write_text("a_1 a\na_2 a\nb_1 b\nb_2 b\n")
    (d / "spk2utt").write_text("a a_1 a_2\nb b_1 b_2\n")
    (d / "spk2gender").write_text("a f\nb m\n")
    (d / "cmvn.scp").write_text("a cmvn.ark:5\nb cmvn.ark:99\n")
    (d / "utt2accent").write_text("a_1 USA\nb_2 DEU-German\n")
    (d / "utt2emotion").write_text("a_2 happy\n")
    (d / "reco2dur").write_text("r1 0.5\nr2 0.4\nr3 0.3\n")
    (d / "frame_shift").write_text("0.01\n")
    return d


def test_views_and_labels(seg_dir):
    dd = DataDir.load(seg_dir)
    assert dd.utt_ids == ["a_1", "a_2", "b_1", "b_2"]
    assert dd.speakers == ["a", "b"]
    assert dd.spk2utt == {"a": ["a_1", "a_2"], "b": ["b_1", "b_2"]}
    assert dd.segments["a_2"].recording_id == "r1"
    assert dd.segments["a_2"].duration == pytest.approx(0.25)
    assert dd.wav_scp["r2"].endswith("-t wav - |")
    assert dd.label_names() == ["accent", "emotion"]
    assert dd.labels("accent") == {"a_1": "USA", "b_2": "DEU-German"}
    assert dd.frame_shift == 0.01
    assert dd.feats_scp is None
    assert dd.utt2dur is None
    with pytest.raises(DataError, match="utt2gender"):
        dd.labels("gender")
    assert file_index("wav.scp", True) == "reco"
    assert file_index("wav.scp", False) == "utt"
    assert file_index("spk2gender", False) == "spk"
    assert file_index("utt2accent", False) == "utt"
    assert file_index("frame_shift", False) is None
    assert format_seconds(0) == "0.00"
    assert format_seconds(1.2345) == "1.234"
    assert format_seconds(0.3) == "0.30"
    assert format_duration(0.532625) == "0.532625"
    with pytest.raises(DataError, match="no such data directory"):
        DataDir.load(seg_dir / "nope")


def test_subset_follows_each_files_index(seg_dir, tmp_path):
    out = DataDir.load(seg_dir).subset(["a_2", "b_2", "zzz"])
    assert out.utt_ids == ["a_2", "b_2"]
    assert out.table("wav.scp").keys() == {"r1", "r3"}  # recordings still referred to
    assert out.table("reco2dur") == {"r1": "0.5", "r3": "0.3"}
    assert out.table("utt2accent") == {"b_2": "DEU-German"}
    assert out.labels("emotion") == {"a_2": "happy"}
    out2 = DataDir.load(seg_dir).subset(["a_1"])
    assert out2.table("spk2gender") == {"a": "f"}
    assert out2.table("cmvn.scp") == {"a": "cmvn.ark:5"}
    again = DataDir.from_dict(out2.to_dict())
    assert again.to_dict() == out2.to_dict()
    assert again.utt_ids == ["a_1"]
    assert "utt2emotion" in out2.table_names()
    assert out2.labels("emotion") == {}


def test_save_is_complete_and_drops_stale_tables(seg_dir, tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "feats.scp").write_text("old 1\n")  # stale: must not survive
    (dest / "notes.md").write_text("kept\n")  # not a data-dir table: left alone
    dd = DataDir.load(seg_dir).subset(["b_1", "b_2"])
    dd.save(dest)
    assert not (dest / "feats.scp").exists()
    assert (dest / "notes.md").exists()
    assert (dest / "spk2utt").read_text() == "b b_1 b_2\n"
    assert (dest / "frame_shift").read_text() == "0.01\n"
    assert not [p for p in dest.iterdir() if p.name.endswith(".tmp")]
    back = DataDir.load(dest)
    assert back.table_names() == ["cmvn.scp", "reco2dur", "segments", "spk2gender", "spk2utt", "text", "utt2accent",
                                  "utt2emotion", "utt2spk", "wav.scp"]
