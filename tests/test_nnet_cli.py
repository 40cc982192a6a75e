"""The nnet_* tools end to end on FSDD features in Kaldi data dirs: train, priors, forward, scoring, info, averaging."""

import numpy as np
import pytest
import torch

from mtlhybrid.bin import nnet_average, nnet_compute_prior, nnet_forward, nnet_info, nnet_score_aux, nnet_train
from mtlhybrid.nnet.priors import compute_priors, read_counts
from mtlhybrid.testing.toy_nnet_data import fsdd_fbank, write_toy_alignments
from mtlhybrid.utils.io import write_table
from mtlhybrid.utils.kaldi_io import read_scp_matrices, write_matrices_ark_scp

torch.set_num_threads(1)
ACCENT = {"jackson": "USA", "nicolas": "BEL-French", "lucas": "DEU-German"}
CONFIG = """
tasks:
  - {name: senone, source: pdf}
  - {name: mono, source: phone, weight: 0.5}
  - {name: accent, source: label, layer: 1, pooling: attention, weight: 0.5}
model: {type: mlp, splice: [3, 3], num_layers: 3, hidden_dim: 48, norm: layernorm}
train: {epochs: 12, batch_size: 8, chunk_len: 15, lr: 0.005, seed: 1, num_average: 2}
"""


def make_data_dir(d, feats, drop_accent=()):
    d.mkdir(parents=True)
    write_matrices_ark_scp(d / "feats.ark", d / "feats.scp", sorted(feats.items()))
    utt2spk = {u: u.split("_")[1] for u in feats}
    write_table(d / "utt2spk", utt2spk)
    write_table(d / "utt2accent", {u: ACCENT[s] for u, s in utt2spk.items() if u not in drop_accent})
    stats = {}
    for u, x in feats.items():
        s = stats.setdefault(utt2spk[u], np.zeros((2, x.shape[1] + 1)))
        s[0, :-1] += x.sum(0)
        s[0, -1] += len(x)
        s[1, :-1] += (x.astype(np.float64) ** 2).sum(0)
    write_matrices_ark_scp(d / "cmvn.ark", d / "cmvn.scp", sorted(stats.items()))


@pytest.fixture(scope="module")
def setup(fsdd_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("nnet_cli")
    train = [f"{dg}_{s}_{k}" for dg in range(3) for s in ACCENT for k in range(3)]
    dev = [f"{dg}_{s}_{k}" for dg in range(3) for s in ACCENT for k in range(3, 4)]
    feats = fsdd_fbank(fsdd_dir, train + dev)
    for name, utts in (("train", train), ("dev", dev)):
        sub = {u: feats[u] for u in utts}
        make_data_dir(root / "data" / name, sub, drop_accent=(train[0],) if name == "train" else ())
        write_toy_alignments(root / "exp" / f"ali_{name}", {u: len(x) for u, x in sub.items()},
                             {u: int(u[0]) + 1 for u in utts}, [f"d{i}" for i in range(10)])
    (root / "lang").mkdir()
    (root / "lang" / "phones.txt").write_bytes((root / "exp" / "ali_train" / "phones.txt").read_bytes())
    (root / "mtl.yaml").write_text(CONFIG)
    return root


def test_train_forward_score(setup, capsys):
    r = setup
    exp = r / "exp" / "mtl"
    rc = nnet_train.main([str(r / "mtl.yaml"), str(exp), "--data", str(r / "data/train"), "--ali", str(r / "exp/ali_train"),
                          "--lang", str(r / "lang"), "--valid-data", str(r / "data/dev"), "--valid-ali", str(r / "exp/ali_dev"),
                          "--set", "train.weighting=uncertainty"])
    assert rc == 0
    assert (exp / "final.pt").exists()
    assert (exp / "mtl.yaml").exists()
    log = (exp / "train_log.csv").read_text().splitlines()
    assert len(log) == 13
    assert "valid_accent_acc" in log[0]
    assert "weight_accent" in log[0]

    assert nnet_compute_prior.main([str(r / "exp/ali_train"), str(exp / "pdf.counts")]) == 0
    counts = read_counts(exp / "pdf.counts")
    assert counts.shape == (30,)
    assert counts[:9].all()
    assert counts[9:].sum() == 0  # digits 0-2: phones 1-3, pdfs 0-8
    ascale = 0.1
    rc = nnet_forward.main([str(exp / "final.pt"), str(r / "data/dev"), f"ark,scp:{exp}/scores.ark,{exp}/scores.scp",
                            "--class-frame-counts", str(exp / "pdf.counts"), "--acoustic-scale", str(ascale),
                            "--aux-dir", str(exp / "aux"), "--lang", str(r / "lang"), "--tree", str(r / "exp/ali_train/tree")])
    assert rc == 0
    mats = dict(read_scp_matrices(exp / "scores.scp"))
    assert len(mats) == 9
    logp = compute_priors(counts)
    for utt, m in mats.items():
        assert m.shape[1] == 30
        assert m.dtype == np.float32
        post = m / ascale + logp  # back to log-posteriors: each frame sums to one
        assert np.allclose(np.exp(post.astype(np.float64)).sum(1), 1.0, atol=1e-3)
    pred = (exp / "aux" / "utt2accent.pred").read_text().splitlines()
    assert len(pred) == 9
    assert all(len(line.split()) == 3 for line in pred)
    capsys.readouterr()
    assert nnet_score_aux.main([str(r / "data/dev/utt2accent"), str(exp / "aux/utt2accent.pred")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("%ACC ")
    assert "/ 9 ]" in out
    assert "DEU-German" in out

    assert nnet_info.main([str(exp / "final.pt")]) == 0
    info = capsys.readouterr().out
    assert "task accent level=utterance" in info
    assert "classes=30" in info
    assert "context=[-3,+3]" in info
    assert nnet_average.main([str(exp / "epoch11.pt"), str(exp / "epoch12.pt"), str(exp / "avg.pt")]) == 0

    # Decoding with another tree is refused, naming both.
    other = r / "other_tree"
    write_toy_alignments(other, {"x": 5}, {"x": 1}, [f"p{i}" for i in range(4)])
    rc = nnet_forward.main([str(exp / "final.pt"), str(r / "data/dev"), f"ark,scp:{exp}/s2.ark,{exp}/s2.scp",
                            "--tree", str(other / "tree")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "final.pt has 30 classes" in err
    assert "other_tree/tree" in err


def test_unknown_label_and_bad_config_are_named(setup, capsys, tmp_path):
    r = setup
    bad = tmp_path / "dev"
    bad.mkdir()
    for f in ("feats.scp", "utt2spk", "cmvn.scp"):
        (bad / f).write_bytes((r / "data/dev" / f).read_bytes())
    lines = (r / "data/dev/utt2accent").read_text().splitlines()
    lines[4] = lines[4].split()[0] + " Martian"
    (bad / "utt2accent").write_text("\n".join(lines) + "\n")
    rc = nnet_train.main([str(r / "mtl.yaml"), str(tmp_path / "exp"), "--data", str(r / "data/train"),
                          "--ali", str(r / "exp/ali_train"), "--valid-data", str(bad)])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"{bad}/utt2accent:5:" in err
    assert "'Martian'" in err
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(CONFIG.replace("lr: 0.005", "lr: 0.005, learning_rate: 1"))
    rc = nnet_train.main([str(cfg), str(tmp_path / "exp"), "--data", str(r / "data/train"), "--ali", str(r / "exp/ali_train")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "train.learning_rate" in err
    assert str(cfg) in err


def test_speaker_adversarial_head_validates_on_held_out_speakers(setup, capsys, tmp_path):
    # The validation speakers are new to a speaker head: an adversarial one leaves them
    # unscored (every other task is still validated on them); any other head refuses them.
    r = setup
    held_out = tmp_path / "dev"
    held_out.mkdir()
    for f in ("feats.scp", "cmvn.scp", "utt2accent"):
        (held_out / f).write_bytes((r / "data/dev" / f).read_bytes())
    (held_out / "utt2spk").write_text("".join(f"{line.split()[0]} new_{line.split()[1]}\n"
                                             for line in (r / "data/dev/utt2spk").read_text().splitlines()))
    (held_out / "cmvn.scp").write_text("".join(f"new_{line}\n" for line in (r / "data/dev/cmvn.scp").read_text().splitlines()))
    speaker = "  - {name: speaker, source: label, label: spk, layer: 1, weight: 0.1, adversarial: true}\nmodel:"
    cfg = tmp_path / "adv.yaml"
    cfg.write_text(CONFIG.replace("model:", speaker, 1).replace("epochs: 12", "epochs: 1"))
    args = [str(cfg), str(tmp_path / "exp"), "--data", str(r / "data/train"), "--ali", str(r / "exp/ali_train"),
            "--lang", str(r / "lang"), "--valid-data", str(held_out), "--valid-ali", str(r / "exp/ali_dev")]
    capsys.readouterr()
    assert nnet_train.main(args) == 0, capsys.readouterr().err
    log = (tmp_path / "exp" / "train_log.csv").read_text().splitlines()
    assert "valid_accent_acc" in log[0]
    assert "valid_speaker_acc" not in log[0]
    cfg.write_text(cfg.read_text().replace("adversarial: true", "adversarial: false"))
    assert nnet_train.main(args[:1] + [str(tmp_path / "exp2")] + args[2:]) == 1
    assert "label 'new_jackson' is not one of" in capsys.readouterr().err
