"""steps/make_fbank.sh, make_mfcc.sh, compute_cmvn_stats.sh and get_utt2dur.sh end to end."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from mtlhybrid.data.audio import read_audio
from mtlhybrid.features.compute import compute_features
from mtlhybrid.features.config import load_feature_config

SPEAKERS = ("jackson", "theo", "nicolas")


def make_data_dir(root: Path, fsdd_dir: Path, n_digits: int = 2, extra: dict | None = None) -> Path:
    """A Kaldi data dir of FSDD recordings (ids <speaker>_<digit>_<take>), built by hand."""
    d = root / "data" / "train"
    d.mkdir(parents=True)
    wav = {}
    for spk in SPEAKERS:
        for digit in range(n_digits):
            wav[f"{spk}_{digit}_0"] = str(fsdd_dir / "recordings" / f"{digit}_{spk}_0.wav")
    wav.update(extra or {})
    utts = sorted(wav)
    (d / "wav.scp").write_text("".join(f"{u} {wav[u]}\n" for u in utts))
    (d / "utt2spk").write_text("".join(f"{u} {u.split('_')[0]}\n" for u in utts))
    spk2utt = {}
    for u in utts:
        spk2utt.setdefault(u.split("_")[0], []).append(u)
    (d / "spk2utt").write_text("".join(f"{s} {' '.join(us)}\n" for s, us in sorted(spk2utt.items())))
    (root / "conf").mkdir(exist_ok=True)
    (root / "conf" / "fbank.conf").write_text("--sample-frequency=8000\n--num-mel-bins=23\n--dither=0  # reproducible (Kaldi's default is 1.0)\n")
    (root / "conf" / "mfcc.conf").write_text("--sample-frequency=8000\n--dither=0\n--frame-shift=20\n--use-energy=false\n")
    return d


def run(cmd, cwd, env):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_make_fbank_nj2_and_cmvn(tmp_path, fsdd_dir, repo_root, script_env):
    import kaldi_native_io as kni
    import kaldiio

    d = make_data_dir(tmp_path, fsdd_dir)
    r = run([str(repo_root / "steps/make_fbank.sh"), "--nj", "2", "data/train"], tmp_path, script_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Succeeded creating fbank features for train" in r.stdout
    utts = [ln.split()[0] for ln in (d / "utt2spk").read_text().splitlines()]
    feats_scp = (d / "feats.scp").read_text().splitlines()
    assert [ln.split()[0] for ln in feats_scp] == utts
    assert {ln.split()[1].rsplit(":", 1)[0] for ln in feats_scp} == {
        str(tmp_path / "data/train/data/raw_fbank_train.1.ark"),
        str(tmp_path / "data/train/data/raw_fbank_train.2.ark"),
    }
    for n in (1, 2):
        log = (d / "log" / f"make_fbank_train.{n}.log").read_text()
        assert log.startswith("# python3 -m mtlhybrid.bin.compute_fbank_feats")
        assert "# Ended (code 0)" in log
    assert (d / "frame_shift").read_text() == "0.01\n"
    assert (d / "conf" / "fbank.conf").is_file()
    cfg = load_feature_config("fbank", tmp_path / "conf/fbank.conf")
    ours = kaldiio.load_scp(str(d / "feats.scp"))
    nframes = dict(ln.split() for ln in (d / "utt2num_frames").read_text().splitlines())
    durs = dict(ln.split() for ln in (d / "utt2dur").read_text().splitlines())
    wavs = dict(ln.split() for ln in (d / "wav.scp").read_text().splitlines())
    reader = kni.SequentialFloatMatrixReader(f"scp:{d / 'feats.scp'}")
    seen = 0
    for key, mat in reader:
        x, rate = read_audio(wavs[key])
        ref = compute_features(x, rate, cfg)
        mat = np.array(mat, copy=True)
        np.testing.assert_allclose(mat, ref, atol=1e-4)
        np.testing.assert_array_equal(np.asarray(ours[key]), np.asarray(mat))
        assert int(nframes[key]) == ref.shape[0]
        assert float(durs[key]) == pytest.approx(len(x) / rate, abs=1e-6)
        seen += 1
    assert seen == len(utts)

    # utils/data/get_utt2dur.sh's tool, from the wav headers this time
    from mtlhybrid.bin.get_utt2dur import main as get_utt2dur

    (d / "utt2dur").unlink()
    (d / "utt2num_frames").unlink()
    assert get_utt2dur([str(d)]) == 0
    assert dict(ln.split() for ln in (d / "utt2dur").read_text().splitlines()) == durs

    r = run([str(repo_root / "steps/compute_cmvn_stats.sh"), "data/train"], tmp_path, script_env)
    assert r.returncode == 0, r.stdout + r.stderr
    cmvn = dict(ln.split() for ln in (d / "cmvn.scp").read_text().splitlines())
    assert sorted(cmvn) == sorted(SPEAKERS)
    cmvn_reader = kni.RandomAccessDoubleMatrixReader(f"scp:{d / 'cmvn.scp'}")
    stats = np.array(cmvn_reader["theo"], copy=True)  # copy: the reader owns the buffer
    np.testing.assert_array_equal(stats, kaldiio.load_mat(cmvn["theo"]))
    theo = np.vstack([np.asarray(ours[u]) for u in utts if u.startswith("theo")]).astype(np.float64)
    assert stats.shape == (2, 24)
    assert stats[0, 23] == theo.shape[0]
    assert stats[1, 23] == 0
    np.testing.assert_allclose(stats[0, :23], theo.sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(stats[1, :23], (theo**2).sum(axis=0), rtol=1e-5)

    from mtlhybrid.features.reader import FeatureReader

    normed = np.vstack([FeatureReader(d)[u] for u in utts if u.startswith("theo")])
    np.testing.assert_allclose(normed.mean(axis=0), 0.0, atol=1e-4)

    r = run([str(repo_root / "steps/compute_cmvn_stats.sh"), "--fake", "data/train", "exp/cmvn", "fakecmvn"], tmp_path, script_env)
    assert r.returncode == 0, r.stdout + r.stderr
    fake = kaldiio.load_mat(dict(ln.split() for ln in (d / "cmvn.scp").read_text().splitlines())["jackson"])
    assert fake[0, -1] == 1
    assert np.all(fake[1, :-1] == 1)
    assert np.all(fake[0, :-1] == 0)


def test_make_mfcc_segments_and_pipes(tmp_path, fsdd_dir, repo_root, script_env, sox):
    d = tmp_path / "data" / "seg"
    d.mkdir(parents=True)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mfcc.conf").write_text("--sample-frequency=8000\n--dither=0\n--frame-shift=20\n")
    a = fsdd_dir / "recordings" / "7_theo_1.wav"
    b = fsdd_dir / "recordings" / "8_jackson_2.wav"
    (d / "wav.scp").write_text(f"recA sox {a} -t wav - |\nrecB {b}\n")
    (d / "segments").write_text("jackson_b1 recB 0.00 0.30\ntheo_a1 recA 0.05 0.25\ntheo_a2 recA 0.20 0.30\n")
    (d / "utt2spk").write_text("jackson_b1 jackson\ntheo_a1 theo\ntheo_a2 theo\n")
    (d / "spk2utt").write_text("jackson jackson_b1\ntheo theo_a1 theo_a2\n")
    r = run([str(repo_root / "steps/make_mfcc.sh"), "--nj", "2", "--mfcc-config", "conf/mfcc.conf", "data/seg", "exp/make_mfcc/seg", "mfcc"], tmp_path, script_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "segments file exists" in r.stdout
    assert (tmp_path / "exp/make_mfcc/seg/make_mfcc_seg.2.log").is_file()
    assert (d / "frame_shift").read_text() == "0.020\n"
    import kaldiio

    feats = kaldiio.load_scp(str(d / "feats.scp"))
    assert list(feats) == ["jackson_b1", "theo_a1", "theo_a2"]
    cfg = load_feature_config("mfcc", tmp_path / "conf/mfcc.conf")
    x, rate = read_audio(str(a))
    seg = x[int(0.05 * rate + 0.5) : int(0.25 * rate + 0.5)]
    np.testing.assert_allclose(np.asarray(feats["theo_a1"]), compute_features(seg, rate, cfg), atol=1e-4)
    durs = dict(ln.split() for ln in (d / "utt2dur").read_text().splitlines())
    assert float(durs["theo_a2"]) == pytest.approx(0.10, abs=1e-3)
    # get_utt2dur.sh from segments (an end of -1 is resolved from the recording)
    (d / "utt2dur").unlink()
    (d / "segments").write_text("jackson_b1 recB 0.00 0.30\ntheo_a1 recA 0.05 0.25\ntheo_a2 recA 0.20 -1\n")
    r = run([str(repo_root / "utils/data/get_utt2dur.sh"), "data/seg"], tmp_path, script_env)
    assert r.returncode == 0, r.stdout + r.stderr
    durs2 = dict(ln.split() for ln in (d / "utt2dur").read_text().splitlines())
    assert float(durs2["jackson_b1"]) == pytest.approx(0.3)
    assert float(durs2["theo_a2"]) == pytest.approx(len(x) / rate - 0.20, abs=1e-3)


def test_failures_are_named_and_counted(tmp_path, fsdd_dir, repo_root, script_env):
    # 22 utterances, one with zero-length audio: under 5% lost, so the step succeeds and
    # says so. (A missing file would already be refused by utils/validate_data_dir.sh.)
    import soundfile as sf

    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype=np.int16), 8000, subtype="PCM_16")
    extra = {"theo_9_missing": str(empty)}
    d = make_data_dir(tmp_path, fsdd_dir, n_digits=7, extra=extra)
    r = run([str(repo_root / "steps/make_fbank.sh"), "--nj", "3", "data/train"], tmp_path, script_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 of 22 utterances were not processed" in r.stdout
    logs = "".join(p.read_text() for p in (d / "log").glob("make_fbank_train.*.log"))
    assert "utterance theo_9_missing: zero-length audio" in logs
    assert "1 utterance(s) not processed: theo_9_missing" in logs
    assert "theo_9_missing" not in (d / "feats.scp").read_text()
    assert (d / ".backup").is_dir() is False


def test_failing_pipe_fails_the_step(tmp_path, fsdd_dir, repo_root, script_env):
    extra = {"theo_9_pipe": "sox /no/such/input.wav -t wav - |"}
    d = make_data_dir(tmp_path, fsdd_dir, n_digits=1, extra=extra)
    r = run([str(repo_root / "steps/make_fbank.sh"), "--nj", "1", "data/train"], tmp_path, script_env)
    assert r.returncode == 1
    assert "Less than 95%" in r.stderr
    log = (d / "log" / "make_fbank_train.1.log").read_text()
    assert "utterance theo_9_pipe: command failed" in log
    assert "sox /no/such/input.wav" in log


def test_bad_config_and_usage(tmp_path, fsdd_dir, repo_root, script_env):
    d = make_data_dir(tmp_path, fsdd_dir, n_digits=1)
    (tmp_path / "conf" / "fbank.conf").write_text("--sample-frequency=8000\n--num-mel-binz=40\n")
    (d / "feats.scp").write_text("old features\n")
    r = run([str(repo_root / "steps/make_fbank.sh"), "--nj", "2", "data/train"], tmp_path, script_env)
    assert r.returncode != 0
    assert (d / ".backup" / "feats.scp").read_text() == "old features\n"  # moved aside, as Kaldi
    log = (d / "log" / "make_fbank_train.1.log").read_text()
    assert "conf/fbank.conf:2: unknown option --num-mel-binz" in log
    r = run([str(repo_root / "steps/make_fbank.sh")], tmp_path, script_env)
    assert r.returncode == 1
    assert "Usage:" in r.stderr
    r = run([str(repo_root / "steps/make_fbank.sh"), "--help"], tmp_path, script_env)
    assert r.returncode == 0
    assert "--fbank-config" in r.stdout
    r = run([str(repo_root / "steps/make_fbank.sh"), "--fbank-config", "conf/none.conf", "data/train"], tmp_path, script_env)
    assert r.returncode == 1
    assert "no such file conf/none.conf" in r.stderr
    r = run([str(repo_root / "steps/compute_cmvn_stats.sh"), "data/train"], tmp_path, script_env)
    assert r.returncode == 1
    assert "no such file data/train/feats.scp" in r.stderr
