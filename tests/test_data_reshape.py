"""subset / split / copy / combine: Kaldi's semantics, with label files and spk2gender carried along."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from mtlhybrid.corpora.fsdd import prepare_fsdd
from mtlhybrid.data.combine import combine_data
from mtlhybrid.data.copy import copy_data_dir
from mtlhybrid.data.datadir import DataDir
from mtlhybrid.data.split import partition_contiguous, split_data
from mtlhybrid.data.subset import subset_data_dir
from mtlhybrid.data.validate import validate_data_dir
from mtlhybrid.utils.errors import DataError


@pytest.fixture
def fsdd_small(tmp_path, fsdd_dir) -> Path:
    """train: jackson, nicolas, yweweler (60 utts); test: lucas, theo (40 utts)."""
    prepare_fsdd(fsdd_dir, tmp_path / "d", split="speaker", max_takes=2)
    return tmp_path / "d"


def lines(p: Path):
    return p.read_text().splitlines()


def test_subset_modes_carry_labels(fsdd_small, tmp_path):
    src = fsdd_small / "train"
    dd = DataDir.load(src)
    utts = dd.utt_ids
    out = subset_data_dir(src, tmp_path / "first", first=7)
    assert out.utt_ids == utts[:7]
    assert subset_data_dir(src, tmp_path / "last", last=5).utt_ids == utts[-5:]
    even = subset_data_dir(src, tmp_path / "even", num=6).utt_ids
    assert len(even) == 6
    assert {u.split("_")[0] for u in even} == {"jackson", "nicolas", "yweweler"}
    dur = dd.utt2dur
    short = subset_data_dir(src, tmp_path / "short", shortest=4).utt_ids
    assert sorted(dur[u] for u in short) == sorted(dur.values())[:4]
    per = subset_data_dir(src, tmp_path / "per", per_spk=2).utt_ids
    assert len(per) == 6
    spk = subset_data_dir(src, tmp_path / "spk", spk_list=["nicolas"])
    assert spk.speakers == ["nicolas"]
    assert len(spk.utt_ids) == 20
    assert lines(tmp_path / "spk" / "spk2gender") == ["nicolas m"]
    assert set(lines(tmp_path / "spk" / "utt2accent")) == {f"{u} BEL-French" for u in spk.utt_ids}
    ul = subset_data_dir(src, tmp_path / "ul", utt_list=["jackson_3_1", "yweweler_9_0", "unknown_1_1"])
    assert ul.utt_ids == ["jackson_3_1", "yweweler_9_0"]
    for name in ("first", "last", "even", "short", "per", "spk", "ul"):
        rep = validate_data_dir(tmp_path / name, no_feats=True)
        assert rep.labels["accent"] == rep.num_utts
        assert (tmp_path / name / "utt2dur").is_file()
    with pytest.raises(DataError, match="empty"):
        subset_data_dir(src, tmp_path / "none", spk_list=["nobody"])


def test_partition_contiguous_balances():
    assert partition_contiguous([5, 5, 5, 5], 2) == [[0, 1], [2, 3]]
    g = partition_contiguous([10, 1, 1, 1, 1, 10], 3)
    assert [i for grp in g for i in grp] == list(range(6))
    assert len(g) == 3
    assert all(g)
    assert max(sum([10, 1, 1, 1, 1, 10][i] for i in grp) for grp in g) == 10
    assert partition_contiguous([100, 1, 1], 3) == [[0], [1], [2]]


def test_split_by_speaker_and_reuse(fsdd_small, tmp_path):
    # combine train+test to get 5 speakers of 20 utterances
    data = tmp_path / "all"
    combine_data(data, [fsdd_small / "train", fsdd_small / "test"])
    jobs = split_data(data, 3)
    assert [j.name for j in jobs] == ["1", "2", "3"]
    seen = {}
    for j in jobs:
        rep = validate_data_dir(j, no_feats=True)
        assert rep.labels["accent"] == rep.num_utts
        for s in DataDir.load(j).speakers:
            assert s not in seen, "a speaker was split across jobs"
            seen[s] = j.name
        assert (j / "spk2gender").is_file()
    assert len(seen) == 5
    sizes = sorted(len(lines(j / "utt2spk")) for j in jobs)
    assert sizes == [20, 40, 40]
    # up to date: reused (files untouched); after a change to the data dir: redone
    m = (jobs[0] / "utt2spk").stat().st_mtime_ns
    time.sleep(0.01)
    split_data(data, 3)
    assert (jobs[0] / "utt2spk").stat().st_mtime_ns == m
    future = time.time() + 5
    os.utime(data / "text", (future, future))
    split_data(data, 3)
    assert (jobs[0] / "utt2spk").stat().st_mtime_ns != m
    m = (jobs[0] / "utt2spk").stat().st_mtime_ns
    (data / "utt2dur").unlink()  # a table gone from the data dir: the split is redone without it
    split_data(data, 3)
    assert not (jobs[0] / "utt2dur").exists()
    with pytest.raises(DataError, match="5 speakers into 6 jobs"):
        split_data(data, 6)
    utt_jobs = split_data(data, 6, per_utt=True)
    assert utt_jobs[0].parent.name == "split6utt"
    assert sum(len(lines(j / "utt2spk")) for j in utt_jobs) == 100
    assert not [p for p in data.iterdir() if p.name.startswith(".split")], "temporary split folders left behind"


def test_copy_with_prefixes(fsdd_small, tmp_path):
    out = copy_data_dir(fsdd_small / "test", tmp_path / "c", utt_prefix="sp1.1-", spk_prefix="sp1.1-")
    assert out.utt_ids[0] == "sp1.1-lucas_0_0"
    assert lines(tmp_path / "c" / "spk2gender") == ["sp1.1-lucas m", "sp1.1-theo m"]
    assert lines(tmp_path / "c" / "utt2accent")[0] == "sp1.1-lucas_0_0 DEU-German"
    assert lines(tmp_path / "c" / "utt2uniq")[0] == "sp1.1-lucas_0_0 lucas_0_0"
    assert lines(tmp_path / "c" / "wav.scp")[0].startswith("sp1.1-lucas_0_0 /")
    validate_data_dir(tmp_path / "c", no_feats=True)


def test_combine_labels_from_some_sources(fsdd_small, tmp_path):
    unl = tmp_path / "unlabelled"
    copy_data_dir(fsdd_small / "test", unl, utt_prefix="x-", spk_prefix="x-")
    (unl / "utt2accent").unlink()
    (unl / "utt2uniq").unlink()
    out = combine_data(tmp_path / "comb", [fsdd_small / "train", unl])
    assert len(out.utt_ids) == 100
    rep = validate_data_dir(tmp_path / "comb", no_feats=True)
    assert rep.labels == {"accent": 60}
    with pytest.raises(DataError, match="two sources"):
        combine_data(tmp_path / "bad", [fsdd_small / "train", fsdd_small / "train"])


def test_scripts(fsdd_small, tmp_path, script_env, repo_root):
    u = repo_root / "utils"

    def run(*args):
        r = subprocess.run([str(a) for a in args], env=script_env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r

    run(u / "subset_data_dir.sh", "--first", fsdd_small / "train", 10, tmp_path / "s1")
    assert len(lines(tmp_path / "s1" / "utt2accent")) == 10
    run(u / "subset_data_dir.sh", "--spk-list", fsdd_small / "test" / "spk2gender", fsdd_small / "test", tmp_path / "s2")
    assert len(lines(tmp_path / "s2" / "utt2spk")) == 40
    run(u / "copy_data_dir.sh", "--utt-suffix", "-b", "--spk-suffix", "-b", fsdd_small / "train", tmp_path / "c")
    run(u / "combine_data.sh", tmp_path / "comb", fsdd_small / "train", tmp_path / "c")
    assert len(lines(tmp_path / "comb" / "utt2spk")) == 120
    run(u / "split_data.sh", tmp_path / "comb", 4)
    assert sorted(p.name for p in (tmp_path / "comb" / "split4").iterdir()) == ["1", "2", "3", "4"]
    r = subprocess.run([str(u / "split_data.sh"), str(tmp_path / "comb")], env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "Usage" in r.stderr
    r = subprocess.run([str(u / "subset_data_dir.sh"), "--first", str(tmp_path / "nowhere"), "3", str(tmp_path / "x")],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "no such file" in r.stderr



def test_split_keeps_a_split_written_meanwhile_by_another_job(fsdd_small, monkeypatch):
    # Recipes decode two systems of one test set at once, so two jobs may split the same
    # data dir together. Here the other job renames its split into place just before
    # ours does: ours must keep that split (same content) instead of failing.
    data = fsdd_small / "test"
    split_dir = data / "split2"
    real_replace = os.replace
    raced = []

    def replace_after_the_other_job(src, dst):
        if Path(dst) == split_dir and not raced:
            raced.append(True)
            split_data(data, 2)  # the other job, finishing first
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_after_the_other_job)
    jobs = split_data(data, 2)
    assert raced
    assert [j.name for j in jobs] == ["1", "2"]
    assert sorted(len(lines(j / "utt2spk")) for j in jobs) == [20, 20]
    assert not [p.name for p in data.iterdir() if p.name.startswith(".split2")]  # no temp dirs left
