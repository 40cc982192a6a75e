"""Kaldi data dir <-> lhotse manifests on real FSDD audio: labels ride along, round trips are byte-identical."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mtlhybrid.corpora.fsdd import prepare_fsdd
from mtlhybrid.data.datadir import DataDir
from mtlhybrid.data.lhotse_bridge import datadir_to_cuts, datadir_to_lhotse, lhotse_to_datadir
from mtlhybrid.data.subset import subset_data_dir
from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError


@pytest.fixture
def small(tmp_path, fsdd_dir) -> Path:
    """20 utterances of two speakers (lucas, theo), takes 0-1 of each digit."""
    prepare_fsdd(fsdd_dir, tmp_path / "d", split="speaker", max_takes=2)
    return tmp_path / "d" / "test"


def assert_same_files(a: Path, b: Path, skip=()):
    names = sorted(p.name for p in a.iterdir() if p.is_file() and p.name not in skip)
    assert names == sorted(p.name for p in b.iterdir() if p.is_file() and p.name not in skip)
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), f"{n} differs"


def test_supervisions_carry_labels(small):
    rec, sup = datadir_to_lhotse(small)
    assert len(rec) == 40
    assert len(sup) == 40
    s = sup["lucas_3_1"]
    assert (s.text, s.speaker, s.gender, s.custom) == ("THREE", "lucas", "m", {"accent": "DEU-German"})
    r = rec["lucas_3_1"]
    assert r.sampling_rate == 8000
    assert r.sources[0].type == "file"
    assert abs(s.duration - DataDir.load(small).utt2dur["lucas_3_1"]) < 1e-5
    audio = r.load_audio()  # lhotse reads the FSDD file itself
    assert audio.shape == (1, r.num_samples)


def test_cuts_round_trip_identical(small, tmp_path):
    cuts = datadir_to_cuts(small)
    assert cuts["theo_9_0"].supervisions[0].custom["accent"] == "USA"
    lhotse_to_datadir(tmp_path / "back", cuts=cuts)
    assert_same_files(small, tmp_path / "back")
    validate_data_dir(tmp_path / "back", no_feats=True)


def test_manifests_round_trip_with_segments_and_pipes(small, tmp_path, sox):
    # a segments dir whose audio comes through a sox pipe, with partial labels
    d = tmp_path / "seg"
    d.mkdir()
    src = DataDir.load(small)
    wav = {u: f"sox {p} -t wav - |" for u, p in list(src.wav_scp.items())[:2]}
    (d / "wav.scp").write_text("".join(f"{k} {v}\n" for k, v in wav.items()))
    r1, r2 = list(wav)
    (d / "segments").write_text(f"a1 {r1} 0.00 0.20\na2 {r1} 0.20 0.45\nb1 {r2} 0.05 0.30\n")
    (d / "text").write_text("a1 ZERO\na2 ZERO ONE\nb1 TWO\n")
    (d / "utt2spk").write_text("a1 a\na2 a\nb1 b\n")
    (d / "spk2utt").write_text("a a1 a2\nb b1\n")
    (d / "spk2gender").write_text("a f\nb m\n")
    (d / "utt2accent").write_text("a1 USA\nb1 DEU-German\n")
    (d / "utt2dur").write_text("a1 0.2\na2 0.25\nb1 0.25\n")
    validate_data_dir(d, no_feats=True)
    rec, sup = datadir_to_lhotse(d)
    assert rec[r1].sources[0].type == "command"
    assert "accent" not in (sup["a2"].custom or {})
    lhotse_to_datadir(tmp_path / "back", recordings=rec, supervisions=sup)
    assert_same_files(d, tmp_path / "back")
    lhotse_to_datadir(tmp_path / "back2", cuts=datadir_to_cuts(d))
    assert_same_files(d, tmp_path / "back2")


def test_scripts_write_and_read_manifests(small, tmp_path, script_env, repo_root):
    sub = tmp_path / "sub"
    subset_data_dir(small, sub, per_spk=3)
    m = tmp_path / "manifests"
    r = subprocess.run([str(repo_root / "utils/data/kaldi_to_lhotse.sh"), str(sub), str(m)], env=script_env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in m.iterdir()) == ["cuts.jsonl.gz", "recordings.jsonl.gz", "supervisions.jsonl.gz"]
    from mtlhybrid.bin.lhotse_to_kaldi import main as lhotse_to_kaldi  # in-process: lhotse is slow to import

    assert lhotse_to_kaldi(["--cuts", str(m / "cuts.jsonl.gz"), str(tmp_path / "b1")]) == 0
    assert_same_files(sub, tmp_path / "b1")
    assert lhotse_to_kaldi(["--recordings", str(m / "recordings.jsonl.gz"), "--supervisions",
                            str(m / "supervisions.jsonl.gz"), str(tmp_path / "b2")]) == 0
    assert_same_files(sub, tmp_path / "b2")
    r = subprocess.run([str(repo_root / "utils/data/lhotse_to_kaldi.sh"), str(m / "cuts.jsonl.gz")], env=script_env,
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "Usage" in r.stderr


def test_bad_inputs(small, tmp_path):
    wav = small / "wav.scp"
    lines = wav.read_text().splitlines()
    lines[3] = lines[3].split()[0] + " /nonexistent/x.wav"
    wav.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="recording lucas_1_1"):
        datadir_to_lhotse(small)
    from lhotse import Recording, RecordingSet, SupervisionSegment, SupervisionSet
    from lhotse.audio import AudioSource

    rec = Recording(id="r", sources=[AudioSource(type="url", channels=[0], source="http://x/y.wav")],
                    sampling_rate=8000, num_samples=8000, duration=1.0)
    sup = SupervisionSegment(id="u", recording_id="r", start=0, duration=1.0, speaker="s", gender="other")
    with pytest.raises(DataError, match="url"):
        lhotse_to_datadir(tmp_path / "x", recordings=RecordingSet.from_recordings([rec]), supervisions=SupervisionSet.from_segments([sup]))


def test_probe_audio_pipe_fails_when_any_command_fails(small):
    from mtlhybrid.data.lhotse_bridge import probe_audio

    good = small / "wav.scp"
    path = good.read_text().splitlines()[0].split()[1]
    assert probe_audio(f"cat {path} |").sampling_rate == 8000
    # The last command writes valid audio but the first failed: pipefail, as the feature extractor.
    with pytest.raises(DataError, match=r"recording r1: command failed \(exit 3\)"):
        probe_audio(f"(cat {path}; exit 3) | cat |", reco="r1")
