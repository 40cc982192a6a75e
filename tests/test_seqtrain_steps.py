"""steps/nnet/align.sh, make_denlats.sh and train_mpe.sh end to end on FSDD digits.

The system is the one test_nnet_steps_decode.py builds (FSDD data dirs, fbank + CMVN, a
digit lang, monophone flat-start alignments, HCLG); a tiny multi-task network (senone,
phone and accent heads) trains for two epochs of cross-entropy, then a subset of the
training set is aligned with it, gets denominator lattices from a unigram graph, and is
sequence-trained with every criterion.
"""

import json
import os
import shutil

import pytest
import torch

import subprocess

from test_nnet_steps_decode import build_system

torch.set_num_threads(1)


def run(cmd, cwd, env, ok=True):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if ok and p.returncode != 0:
        raise AssertionError(f"{cmd} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p

SEQ_UTTS = 16


def dev_wers(summary):
    """The ``dev %WER <x>`` of each log/summary line, in order."""
    return [float(line.split("dev %WER")[1].split()[0]) for line in summary]


@pytest.fixture(scope="module")
def seq_system(fsdd_dir, tmp_path_factory, repo_root):
    s5 = tmp_path_factory.mktemp("s5seq")
    env = build_system(s5, fsdd_dir, repo_root, test_utts=8)
    env["OMP_NUM_THREADS"] = "1"
    run(["steps/nnet/train_mtl.sh", "--config", "mtl.yaml", "--set", "train.epochs=2", "data/train", "data/lang",
         "exp/mono", "exp/mtl"], s5, env)
    run(["utils/subset_data_dir.sh", "data/train", str(SEQ_UTTS), "data/train_seq"], s5, env)
    p = run(["steps/nnet/align.sh", "--nj", "1", "data/train_seq", "data/lang", "exp/mtl", "exp/mtl_ali"], s5, env)
    assert f"{SEQ_UTTS} utterances aligned, 0 failed" in p.stdout
    run(["steps/nnet/make_denlats.sh", "--nj", "1", "data/train_seq", "data/lang", "exp/mtl", "exp/mtl_denlats"], s5, env)
    return s5, env


def test_align_and_denlats_outputs(seq_system):
    from mtlhybrid.lattice.io import read_lattices
    from mtlhybrid.nnet.targets import read_alignments

    s5, env = seq_system
    ali = s5 / "exp/mtl_ali"
    for f in ("ali.1.gz", "final.mdl", "tree", "phones.txt", "num_jobs", "cmvn_opts", "delta_opts", "log/align.1.log"):
        assert (ali / f).is_file(), f
    alis = read_alignments(ali)
    assert len(alis) == SEQ_UTTS
    den = s5 / "exp/mtl_denlats"
    assert (den / "dengraph/HCLG.fst").is_file()
    assert (den / "lang/G.fst").is_file()
    # the weak LM is a unigram of the training words: no bigram section
    lats = dict(read_lattices(den / "lat.1.gz"))
    assert sorted(lats) == sorted(alis)
    # the lattice has as many frames as the alignment, and alternatives to it
    for utt, lat in lats.items():
        assert lat.num_frames == len(alis[utt])
    assert sum(lat.num_arcs for lat in lats.values()) > 10 * sum(len(a) for a in alis.values())


def test_train_mpe_smbr_objective_improves_and_decodes(seq_system):
    s5, env = seq_system
    run(["steps/nnet/train_mpe.sh", "--criterion", "smbr", "--num-iters", "2", "--lr", "0.001", "--utts-per-step", "2",
         "data/train_seq", "data/lang", "exp/mtl", "exp/mtl_ali", "exp/mtl_denlats", "exp/mtl_smbr"], s5, env)
    d = s5 / "exp/mtl_smbr"
    for f in ("final.pt", "1.pt", "2.pt", "final.mdl", "tree", "phones.txt", "ali_train_pdf.counts", "cmvn_opts",
              "conf/fbank.conf", "log/mpe.1.log", "log/mpe.2.log", "log/summary", "log/summary.2"):
        assert (d / f).is_file(), f
    summary = (d / "log/summary").read_text().splitlines()
    assert [line.split(":")[0] for line in summary] == ["epoch 1", "epoch 2"], summary
    stats = [json.loads((d / f"log/stats.{i}.json").read_text()) for i in (1, 2)]
    assert [s["utterances"] for s in stats] == [SEQ_UTTS, SEQ_UTTS]
    # expected frame accuracy (sMBR's objective) rises from epoch to epoch
    assert stats[1]["objective_per_frame"] > stats[0]["objective_per_frame"], stats
    assert "aux_accent_loss" in stats[0]
    assert "aux_mono_loss" in stats[0]
    # the output dir decodes with steps/nnet/decode.sh unchanged
    run(["steps/nnet/decode.sh", "--nj", "1", "exp/mono/graph", "data/test_small", "exp/mtl_smbr/decode_test"], s5, env)
    assert (d / "decode_test/scoring_kaldi/best_wer").is_file()
    # rerunning keeps finished epochs
    p = run(["steps/nnet/train_mpe.sh", "--criterion", "smbr", "--num-iters", "2", "--stage", "1", "data/train_seq",
             "data/lang", "exp/mtl", "exp/mtl_ali", "exp/mtl_denlats", "exp/mtl_smbr"], s5, env)
    assert "epoch 1 done" in p.stdout
    assert "epoch 2 done" in p.stdout


@pytest.mark.parametrize("criterion", ["mmi", "bmmi", "mpfe", "smbr"])
def test_train_mpe_every_criterion_runs(seq_system, criterion):
    s5, env = seq_system
    out = f"exp/mtl_{criterion}_1"
    # two of them with a dev set: its WER before and after the epoch in log/summary. At the default
    # learning rate the epoch lowers it or, at worst, leaves it; 10x that rate for 2 epochs (the test
    # above, chosen to see the objective move on 16 utterances) took this dev set from 50% to 62.5%.
    dev = ["--dev-data", "data/test_small", "--dev-graph", "exp/mono/graph", "--decode-opts", "--nj 1"] \
        if criterion in ("mpfe", "smbr") else []
    run(["steps/nnet/train_mpe.sh", "--criterion", criterion, "--num-iters", "1", "--boost", "0.2", *dev,
         "data/train_seq", "data/lang", "exp/mtl", "exp/mtl_ali", "exp/mtl_denlats", out], s5, env)
    summary = (s5 / out / "log/summary").read_text().splitlines()
    if dev:
        assert [line.split(":")[0].split()[:2] for line in summary] == [["epoch", "0"], ["epoch", "1"]], summary
        assert all("dev %WER" in line for line in summary), summary
        # sequence training lowers the dev WER of its cross-entropy start or, at worst, leaves it
        assert dev_wers(summary)[1] <= dev_wers(summary)[0], summary
        assert (s5 / out / "dev_decode/it1/scoring_kaldi/best_wer").is_file()
        assert not list((s5 / out).glob("decode_*"))  # make_results would take those for test sets
    else:
        assert len(summary) == 1
        assert summary[0].startswith(f"epoch 1: {criterion} objective/frame")
    assert summary[-1].startswith(f"epoch 1: {criterion} objective/frame")
    st = json.loads((s5 / out / "log/stats.1.json").read_text())
    assert st["criterion"] == criterion
    assert st["utterances"] == SEQ_UTTS
    if criterion in ("mmi", "bmmi"):
        assert st["objective_per_frame"] < 0  # kappa * log p(num) - log sum over the lattice (which holds num)
    else:
        assert 0 < st["objective_per_frame"] < 1  # expected phone-frame accuracy
    ck = torch.load(s5 / out / "final.pt", weights_only=True)
    assert ck["sequence_training"][-1]["criterion"] == criterion


def test_keep_aux_tasks_switch(seq_system, tmp_path):
    """With --keep-aux-tasks false the accent head (only trained by its own CE) stays as it was."""
    from mtlhybrid.bin import nnet_train_mpe

    s5, env = seq_system
    common = ["--criterion", "mmi", "--learn-rate", "0.001", "--class-frame-counts", str(s5 / "exp/mtl/ali_train_pdf.counts"),
              "--lang", str(s5 / "data/lang"), str(s5 / "exp/mtl/final.pt"), str(s5 / "data/train_seq"),
              str(s5 / "exp/mtl_ali"), str(s5 / "exp/mtl_denlats")]
    cwd = os.getcwd()
    try:
        os.chdir(s5)
        assert nnet_train_mpe.main(["--keep-aux-tasks", "false", *common, str(tmp_path / "off.pt")]) == 0
        assert nnet_train_mpe.main(["--keep-aux-tasks", "true", *common, str(tmp_path / "on.pt")]) == 0
    finally:
        os.chdir(cwd)
    src = torch.load(s5 / "exp/mtl/final.pt", weights_only=True)["model"]
    off = torch.load(tmp_path / "off.pt", weights_only=True)
    on = torch.load(tmp_path / "on.pt", weights_only=True)["model"]
    acc = [k for k in src if k.startswith("heads.accent.")]
    sen = [k for k in src if k.startswith("heads.senone.")]
    assert acc
    assert sen
    assert all(torch.equal(src[k], off["model"][k]) for k in acc)
    assert any(not torch.equal(src[k], on[k]) for k in acc)
    assert any(not torch.equal(src[k], off["model"][k]) for k in sen)
    assert "aux_accent_loss" not in off["sequence_training"][-1]


def test_usage_and_bad_input(seq_system, tmp_path):
    s5, env = seq_system
    for script in ("steps/nnet/align.sh", "steps/nnet/make_denlats.sh", "steps/nnet/train_mpe.sh"):
        p = run([script, "--help"], s5, env)
        assert "Usage:" in p.stdout
        p = run([script, "a", "b"], s5, env, ok=False)
        assert p.returncode == 1
        assert "Usage:" in p.stderr
    p = run(["steps/nnet/train_mpe.sh", "--criterion", "xent", "data/train_seq", "data/lang", "exp/mtl", "exp/mtl_ali",
             "exp/mtl_denlats", "exp/x"], s5, env, ok=False)
    assert p.returncode == 1
    assert "--criterion must be" in p.stderr
    # lattices of other utterances than the alignments': named and counted, then refused when none is left
    bad = tmp_path / "denlats"
    shutil.copytree(s5 / "exp/mtl_denlats", bad, ignore=shutil.ignore_patterns("dengraph", "lang"))
    import gzip

    text = gzip.open(bad / "lat.1.gz", "rt").read()
    with gzip.open(bad / "lat.1.gz", "wt") as f:
        for line in text.splitlines():
            f.write(("other_" + line if line and len(line.split()) == 1 else line) + "\n")
    p = run(["steps/nnet/train_mpe.sh", "--num-iters", "1", "data/train_seq", "data/lang", "exp/mtl", "exp/mtl_ali",
             str(bad), str(tmp_path / "out")], s5, env, ok=False)
    log = (tmp_path / "out/log/mpe.1.log").read_text()
    assert p.returncode == 1
    assert f"{SEQ_UTTS} of {SEQ_UTTS} utterances have no denominator lattice" in log
    assert "no utterance has features, a numerator alignment and a denominator lattice" in log
    assert not (tmp_path / "out/1.pt").exists()
    assert not (tmp_path / "out/final.pt").exists()
