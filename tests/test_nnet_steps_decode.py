"""steps/nnet/train_mtl.sh + decode.sh end to end on FSDD digits, and the model-dir checks.

The setup is a small real system: FSDD data dirs (4 speakers, 3 accents), fbank features and
CMVN from the step scripts, a digit lang (prepare_lang, bigram G.fst), a monophone tree,
flat-start (equal) alignments, and HCLG from utils/mkgraph.sh. The network is tiny and
trains for a few epochs; decoding must still be far better than chance.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

PRONS = {
    "ZERO": ["Z", "IH", "R", "OW"], "ONE": ["W", "AH", "N"], "TWO": ["T", "UW"], "THREE": ["TH", "R", "IY"],
    "FOUR": ["F", "AO", "R"], "FIVE": ["F", "AY", "V"], "SIX": ["S", "IH", "K", "S"],
    "SEVEN": ["S", "EH", "V", "AH", "N"], "EIGHT": ["EY", "T"], "NINE": ["N", "AY", "N"],
}
SPEAKERS = ["jackson", "lucas", "nicolas", "theo", "yweweler"]
FBANK_CONF = "--sample-frequency=8000\n--num-mel-bins=23\n--dither=0\n"
CONFIG = """
tasks:
  - {name: senone, source: pdf}
  - {name: mono, source: phone, weight: 0.3}
  - {name: accent, source: label, layer: 1, weight: 0.2}
model: {type: mlp, splice: [4, 4], num_layers: 2, hidden_dim: 96, norm: layernorm}
train: {epochs: 6, batch_size: 16, chunk_len: 20, lr: 0.003, seed: 1, num_average: 1}
"""


def run(cmd, cwd, env, ok=True):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if ok and p.returncode != 0:
        raise AssertionError(f"{cmd} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def build_system(s5, fsdd_dir, repo_root, test_utts=20):
    """A recipe-like dir (steps/utils links) with data, features, lang, monophone alignments and a graph.

    Also used by test_transcribe_cli.py. Returns the environment for running the scripts.
    """
    from mtlhybrid.bin import align_equal
    from mtlhybrid.corpora.fsdd import prepare_fsdd
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.hmm.topology import Topology
    from mtlhybrid.hmm.transition_model import TransitionModel
    from mtlhybrid.hmm.tree import monophone_tree
    from mtlhybrid.testing.toy_graph import make_toy_lang

    (s5 / "steps").symlink_to(repo_root / "steps")
    (s5 / "utils").symlink_to(repo_root / "utils")
    env = dict(os.environ)
    env["PATH"] = f"{repo_root / 'utils'}:{Path(os.sys.executable).parent}:{env.get('PATH', '')}"
    env["LC_ALL"] = "C"
    env["OMP_NUM_THREADS"] = "1"
    prepare_fsdd(fsdd_dir, s5 / "data", split="take", test_takes=1, speakers=SPEAKERS, max_takes=3)
    run(["utils/subset_data_dir.sh", "data/test", str(test_utts), "data/test_small"], s5, env)
    (s5 / "conf").mkdir()
    (s5 / "conf/fbank.conf").write_text(FBANK_CONF)
    for part in ("train", "test_small"):
        run(["steps/make_fbank.sh", "--nj", "1", "--fbank-config", "conf/fbank.conf", f"data/{part}"], s5, env)
        run(["steps/compute_cmvn_stats.sh", f"data/{part}"], s5, env)
    lang = make_toy_lang(s5 / "data/local", [[w] for w in PRONS], prons=PRONS)
    (s5 / "data/lang").symlink_to(lang.path)
    topo = Topology.read(lang.topo_path)
    tree = monophone_tree(topo, lang.roots)
    mono = s5 / "exp/mono"
    mono.mkdir(parents=True)
    save_model(mono / "final.mdl", TransitionModel(topo, tree))
    tree.write(mono / "tree")
    (mono / "phones.txt").write_bytes((s5 / "data/lang/phones.txt").read_bytes())
    assert align_equal.main(["--word-symbol-table", str(s5 / "data/lang/words.txt"), str(mono / "tree"), str(mono / "final.mdl"),
                             str(s5 / "data/lang/L.fst"), f"scp:{s5}/data/train/feats.scp", str(s5 / "data/train/text"),
                             f"ark:{mono}/ali.1.gz"]) == 0
    (mono / "num_jobs").write_text("1\n")
    run(["utils/mkgraph.sh", "data/lang", "exp/mono", "exp/mono/graph"], s5, env)
    (s5 / "mtl.yaml").write_text(CONFIG)
    return env


@pytest.fixture(scope="module")
def system(fsdd_dir, tmp_path_factory, repo_root):
    s5 = tmp_path_factory.mktemp("s5")
    return s5, build_system(s5, fsdd_dir, repo_root)


@pytest.fixture(scope="module")
def trained(system):
    s5, env = system
    p = run(["steps/nnet/train_mtl.sh", "--config", "mtl.yaml", "--valid-num-spk", "1", "--set", "train.epochs=6",
             "data/train", "data/lang", "exp/mono", "exp/mtl"], s5, env)
    assert "holding out speakers yweweler" in p.stdout
    assert "selected on held-out data by valid_senone_acc" in (s5 / "exp/mtl/log/train.log").read_text()
    return s5, env


def test_held_out_speakers_by_default(system, tmp_path):
    """Without --valid-num-spk a tenth of the speakers is held out (none, with a warning, below 10)."""
    s5, env = system
    # --stage 4: option checks only, no training
    p = run(["steps/nnet/train_mtl.sh", "--config", "mtl.yaml", "--stage", "4", "data/train", "data/lang", "exp/mono",
             str(tmp_path / "a")], s5, env)
    assert "auto: 0 of 5 speakers" in p.stdout
    assert "fewer than 10 speakers" in p.stderr
    many = tmp_path / "many"
    shutil.copytree(s5 / "data/train", many)
    utts = [line.split()[0] for line in (many / "utt2spk").read_text().splitlines()]
    assert len(utts) >= 20
    (many / "utt2spk").write_text("".join(f"{u} {u}\n" for u in utts))  # one speaker per utterance
    p = run(["steps/nnet/train_mtl.sh", "--config", "mtl.yaml", "--stage", "4", str(many), "data/lang", "exp/mono",
             str(tmp_path / "b")], s5, env)
    assert f"auto: {len(utts) // 10} of {len(utts)} speakers" in p.stdout
    assert "fewer than" not in p.stderr
    p = run(["steps/nnet/train_mtl.sh", "--config", "mtl.yaml", "--valid-num-spk", "x", "--stage", "4", "data/train",
             "data/lang", "exp/mono", str(tmp_path / "c")], s5, env, ok=False)
    assert p.returncode == 1
    assert "must be a number or auto" in p.stderr


def test_train_decode_score(trained):
    s5, env = trained
    d = s5 / "exp/mtl"
    for f in ("final.pt", "final.mdl", "tree", "phones.txt", "ali_train_pdf.counts", "conf/fbank.conf", "cmvn_opts",
              "config.yaml", "log/train.log", "log/info.log", "valid_spk.list"):
        assert (d / f).is_file(), f
    assert (d / "conf/fbank.conf").read_text() == FBANK_CONF
    log = (d / "train_log.csv").read_text().splitlines()
    assert len(log) == 7
    assert "valid_senone_acc" in log[0]

    p = run(["steps/nnet/decode.sh", "--nj", "2", "exp/mono/graph", "data/test_small", "exp/mtl/decode_test"], s5, env)
    dec = d / "decode_test"
    assert (dec / "lat.1.gz").is_file()
    assert (dec / "lat.2.gz").is_file()
    assert (dec / "wer_10_0.0").is_file()
    assert (dec / "scoring_kaldi/best_wer").is_file()
    assert (dec / "scoring_kaldi/wer_details/per_accent").is_file()
    best = (dec / "scoring_kaldi/best_wer").read_text()
    wer = float(best.split()[1])
    assert wer < 50.0, best  # chance is 90% (10 digits)
    acc = (dec / "aux/accent/acc").read_text()
    assert acc.startswith("%ACC ")
    assert "/ 20 ]" in acc
    conf = (dec / "aux/accent/confusion").read_text()
    assert "BEL-French" in conf
    assert "recall" in conf
    assert "%ACC" in p.stdout
    assert "%WER" in p.stdout
    assert not list(dec.glob("scores.*"))


def test_usage_and_mismatch(trained, tmp_path):
    s5, env = trained
    for script in ("steps/nnet/train_mtl.sh", "steps/nnet/decode.sh", "steps/nnet/adapt.sh", "steps/nnet/transcribe.sh"):
        p = run([script, "--help"], s5, env)
        assert "Usage:" in p.stdout
        p = run([script, "a", "b"], s5, env, ok=False)
        assert p.returncode == 1
        assert "Usage:" in p.stderr
    p = run(["steps/nnet/train_mtl.sh", "data/train", "data/lang", "exp/nothing", "exp/x"], s5, env, ok=False)
    assert p.returncode == 1
    assert "no such file exp/nothing/final.mdl" in p.stderr

    # a graph of another lang: refused, naming both
    other = tmp_path / "graph_other"
    shutil.copytree(s5 / "exp/mono/graph", other)
    with open(other / "phones.txt", "a") as f:
        f.write("XX 999\n")
    p = run(["steps/nnet/decode.sh", "--skip-scoring", "true", str(other), "data/test_small", "exp/mtl/decode_other"],
            s5, env, ok=False)
    assert p.returncode != 0
    assert "different phone sets" in p.stderr
    assert str(other) in p.stderr
    assert "exp/mtl" in p.stderr
    assert not (s5 / "exp/mtl/decode_other/lat.1.gz").exists()

    # a model dir whose tree is not the network's: refused, naming both
    from mtlhybrid.testing.toy_graph import left_context_tree
    from mtlhybrid.hmm.topology import Topology
    from mtlhybrid.lang.lang_dir import LangDir

    bad = tmp_path / "mtl_other_tree"
    shutil.copytree(s5 / "exp/mtl", bad, ignore=shutil.ignore_patterns("decode*", "epoch*", "last.pt", "data"))
    lang = LangDir.load(s5 / "data/lang")
    left_context_tree(Topology.read(lang.topo_path), lang).write(bad / "tree")
    p = run(["python3", "-m", "mtlhybrid.bin.nnet_check_dir", str(bad)], s5, env, ok=False)
    assert p.returncode == 1
    assert "MismatchError" not in p.stderr
    assert f"{bad}/final.pt has" in p.stderr
    assert f"{bad}/tree" in p.stderr


def test_rerun_with_another_config_is_refused_unless_overwrite(trained):
    s5, env = trained
    shutil.copytree(s5 / "exp/mtl", s5 / "exp/mtl_rerun")
    d = s5 / "exp/mtl_rerun"
    keep = {f: (d / f).read_bytes() for f in ("final.pt", "config.yaml", "mtl.yaml")}
    args = ["--config", "mtl.yaml", "--valid-num-spk", "1", "--set", "train.epochs=6", "--set", "train.lr=0.05",
            "data/train", "data/lang", "exp/mono", "exp/mtl_rerun"]
    p = run(["steps/nnet/train_mtl.sh", *args], s5, env, ok=False)
    assert p.returncode == 1
    assert "train.lr: 0.003 -> 0.05" in p.stderr
    assert "--overwrite true" in p.stderr
    assert {f: (d / f).read_bytes() for f in keep} == keep  # the dir still describes its model
    args[5] = "train.epochs=1"
    run(["steps/nnet/train_mtl.sh", "--overwrite", "true", *args], s5, env)
    assert "lr: 0.05" in (d / "mtl.yaml").read_text()
    assert len((d / "train_log.csv").read_text().splitlines()) == 2
    assert not (d / "epoch6.pt").exists()
