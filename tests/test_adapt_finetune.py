"""Fine-tuning a trained network on a corpus with another tree: heads, frozen layers, L2-SP and KL."""

import json

import numpy as np
import pytest
import torch

from mtlhybrid.adapt import AdaptOptions, adapt_network
from mtlhybrid.bin import nnet_adapt, nnet_forward, nnet_train
from mtlhybrid.nnet.checkpoint import build_model_from_checkpoint, checkpoint_identities, load_checkpoint
from mtlhybrid.nnet.evaluate import utterance_outputs
from mtlhybrid.nnet.inputs import FeatureOptions, read_features
from mtlhybrid.testing.toy_nnet_data import fsdd_fbank, write_toy_alignments
from mtlhybrid.utils.io import write_table
from mtlhybrid.utils.kaldi_io import write_matrices_ark_scp

torch.set_num_threads(1)
ACCENT = {"jackson": "USA", "nicolas": "BEL-French", "lucas": "DEU-German", "theo": "USA", "yweweler": "DEU-German"}
CONFIG = """
tasks:
  - {name: senone, source: pdf}
  - {name: mono, source: phone, weight: 0.3}
  - {name: accent, source: label, layer: 1, weight: 0.3}
model: {type: mlp, splice: [2, 2], num_layers: 3, hidden_dim: 32, norm: batchnorm}
train: {epochs: 4, batch_size: 8, chunk_len: 15, lr: 0.005, seed: 1, num_average: 1}
"""


def make_data_dir(d, feats):
    d.mkdir(parents=True)
    write_matrices_ark_scp(d / "feats.ark", d / "feats.scp", sorted(feats.items()))
    utt2spk = {u: u.split("_")[1] for u in feats}
    write_table(d / "utt2spk", utt2spk)
    write_table(d / "utt2accent", {u: ACCENT[s] for u, s in utt2spk.items()})
    stats = {}
    for u, x in feats.items():
        s = stats.setdefault(utt2spk[u], np.zeros((2, x.shape[1] + 1)))
        s[0, :-1] += x.sum(0)
        s[0, -1] += len(x)
        s[1, :-1] += (x.astype(np.float64) ** 2).sum(0)
    write_matrices_ark_scp(d / "cmvn.ark", d / "cmvn.scp", sorted(stats.items()))


@pytest.fixture(scope="module")
def setup(fsdd_dir, tmp_path_factory):
    """A source network on 3 speakers (10 one-phone digits: 30 senones) and a new corpus of 2
    other speakers whose 'tree' has 4 phones (12 senones) and another phones.txt."""
    root = tmp_path_factory.mktemp("adapt")
    src_utts = [f"{dg}_{s}_{k}" for dg in range(3) for s in ("jackson", "nicolas", "lucas") for k in range(3)]
    new_utts = [f"{dg}_{s}_{k}" for dg in range(4) for s in ("theo", "yweweler") for k in range(3)]
    feats = fsdd_fbank(fsdd_dir, src_utts + new_utts)
    make_data_dir(root / "data/src", {u: feats[u] for u in src_utts})
    make_data_dir(root / "data/new", {u: feats[u] for u in new_utts})
    write_toy_alignments(root / "exp/src_ali", {u: len(feats[u]) for u in src_utts}, {u: int(u[0]) + 1 for u in src_utts},
                         [f"d{i}" for i in range(10)])
    write_toy_alignments(root / "exp/new_ali", {u: len(feats[u]) for u in new_utts}, {u: int(u[0]) + 1 for u in new_utts},
                         ["zero", "one", "two", "three"])
    for name in ("src", "new"):
        (root / f"lang_{name}").mkdir()
        (root / f"lang_{name}/phones.txt").write_bytes((root / f"exp/{name}_ali/phones.txt").read_bytes())
    (root / "mtl.yaml").write_text(CONFIG)
    rc = nnet_train.main([str(root / "mtl.yaml"), str(root / "exp/src"), "--data", str(root / "data/src"),
                          "--ali", str(root / "exp/src_ali"), "--lang", str(root / "lang_src")])
    assert rc == 0
    return root


def _adapt(root, name, **kw):
    opts = AdaptOptions(overrides=["train.epochs=3"], **kw)
    res = adapt_network(root / "exp/src/final.pt", root / "exp" / name, root / "data/new", {"ali": root / "exp/new_ali"},
                        root / "lang_new", opts=opts)
    return load_checkpoint(res.final_path)


def _trunk_distance(a, b):
    return sum(float(((a[k].double() - b[k].double()) ** 2).sum()) for k in a
               if k.startswith("towers.") and k.endswith((".weight", ".bias")))


def test_new_heads_frozen_layers_and_identity(setup, capsys):
    r = setup
    src = load_checkpoint(r / "exp/src/final.pt")
    out = _adapt(r, "frozen", freeze_layers=2)
    ids = checkpoint_identities(out)
    assert ids["senone"].num_classes == 12
    assert out["model"]["heads.senone.out.net.weight"].shape[0] == 12
    assert ids["senone"].tree_hash != checkpoint_identities(src)["senone"].tree_hash
    assert ids["accent"].class_names == ["BEL-French", "DEU-German", "USA"]  # the source's classes, head reused
    plan = {d["task"]: d["action"] for d in json.loads((r / "exp/frozen/adapt.json").read_text())["plan"]["decisions"]}
    assert plan == {"senone": "new", "mono": "new", "accent": "copied"}
    # the first two layers (weights and batchnorm statistics) are exactly the source's; the third moved
    for k, v in out["model"].items():
        if k.startswith(("towers.shared.layers.0.", "towers.shared.layers.1.")):
            assert torch.equal(v, src["model"][k]), k
    assert not torch.equal(out["model"]["towers.shared.layers.2.conv.weight"], src["model"]["towers.shared.layers.2.conv.weight"])
    # the adapted model decodes with the new tree, and refuses the source's, naming both
    d = r / "exp/frozen"
    assert nnet_forward.main([str(d / "final.pt"), str(r / "data/new"), f"ark,scp:{d}/s.ark,{d}/s.scp",
                              "--tree", str(r / "exp/new_ali/tree"), "--lang", str(r / "lang_new")]) == 0
    capsys.readouterr()
    rc = nnet_forward.main([str(d / "final.pt"), str(r / "data/new"), f"ark,scp:{d}/s.ark,{d}/s.scp",
                            "--tree", str(r / "exp/src_ali/tree")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "frozen/final.pt has 12 classes" in err
    assert "src_ali/tree" in err


def test_l2sp_and_kl_keep_the_network_near_its_source(setup):
    r = setup
    src = load_checkpoint(r / "exp/src/final.pt")
    plain = _adapt(r, "plain")
    l2 = _adapt(r, "l2", l2_weight=1.0)
    kl = _adapt(r, "kl", kl_weight=2.0)
    assert _trunk_distance(l2["model"], src["model"]) < 0.5 * _trunk_distance(plain["model"], src["model"])
    assert not torch.equal(kl["model"]["towers.shared.layers.0.conv.weight"], plain["model"]["towers.shared.layers.0.conv.weight"])

    # KL toward the source's accent posteriors on the adaptation data: smaller with the KL term
    feats = read_features(str(r / "data/new"), FeatureOptions())
    src_net = build_model_from_checkpoint(src)

    def kl_to_src(ckpt):
        net = build_model_from_checkpoint(ckpt)
        tot = 0.0
        for utt in feats:
            p = torch.log_softmax(utterance_outputs(src_net, feats[utt], "default", tasks=["accent"])["accent"].double(), -1)
            q = torch.log_softmax(utterance_outputs(net, feats[utt], "default", tasks=["accent"])["accent"].double(), -1)
            tot += float((p.exp() * (p - q)).sum())
        return tot / len(feats)

    assert kl_to_src(kl) < kl_to_src(plain)


def test_tool_drops_label_task_without_labels(setup, tmp_path, capsys, caplog):
    r = setup
    data = tmp_path / "nolabels"
    data.mkdir()
    for f in ("feats.scp", "utt2spk", "cmvn.scp"):
        (data / f).write_bytes((r / "data/new" / f).read_bytes())
    rc = nnet_adapt.main([str(r / "exp/src/final.pt"), str(tmp_path / "exp"), "--data", str(data), "--ali", str(r / "exp/new_ali"),
                          "--lang", str(r / "lang_new"), "--set", "train.epochs=1", "--lr", "0.001", "--kl-weight", "1"])
    assert rc == 0
    ckpt = load_checkpoint(tmp_path / "exp/final.pt")
    assert sorted(ckpt["identities"]) == ["mono", "senone"]
    assert ckpt["config"]["train"]["lr"] == 0.001
    plan = {d["task"]: d for d in json.loads((tmp_path / "exp/adapt.json").read_text())["plan"]["decisions"]}
    assert plan["accent"]["action"] == "dropped"
    assert "utt2accent" in plan["accent"]["reason"]
    assert "no task has the same classes" in caplog.text  # KL asked for, nothing to apply it to
    capsys.readouterr()
    # freezing more layers than the trunk has is an error naming the count
    rc = nnet_adapt.main([str(r / "exp/src/final.pt"), str(tmp_path / "exp2"), "--data", str(r / "data/new"),
                          "--ali", str(r / "exp/new_ali"), "--freeze-layers", "7"])
    assert rc == 1
    assert "the trunk has 3" in capsys.readouterr().err


def test_adapt_script(setup, repo_root, tmp_path):
    """steps/nnet/adapt.sh: a self-contained dir with the new tree, a per-speaker subset, frozen first layer."""
    import os
    import subprocess
    from pathlib import Path

    r = setup
    env = dict(os.environ, LC_ALL="C", OMP_NUM_THREADS="1")
    env["PATH"] = f"{repo_root / 'utils'}:{Path(os.sys.executable).parent}:{env.get('PATH', '')}"
    d = tmp_path / "mtl_adapt"
    p = subprocess.run([str(repo_root / "steps/nnet/adapt.sh"), "--num-utts-per-spk", "3", "--freeze-layers", "1",
                        "--l2-weight", "0.1", "--set", "train.epochs=1", str(r / "exp/src"), str(r / "data/new"),
                        str(r / "lang_new"), str(r / "exp/new_ali"), str(d)], cwd=repo_root, env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    for f in ("final.pt", "final.mdl", "tree", "phones.txt", "ali_train_pdf.counts", "cmvn_opts", "adapt.json", "log/info.log"):
        assert (d / f).is_file(), f
    assert (d / "tree").read_bytes() == (r / "exp/new_ali/tree").read_bytes()
    assert len((d / "data/train/utt2spk").read_text().splitlines()) == 6  # 3 per speaker, 2 speakers
    src = load_checkpoint(r / "exp/src/final.pt")["model"]
    new = load_checkpoint(d / "final.pt")["model"]
    assert torch.equal(src["towers.shared.layers.0.conv.weight"], new["towers.shared.layers.0.conv.weight"])
    assert new["heads.senone.out.net.weight"].shape[0] == 12
    # usage on a wrong argument count
    p = subprocess.run([str(repo_root / "steps/nnet/adapt.sh"), "a", "b"], cwd=repo_root, env=env, capture_output=True, text=True)
    assert p.returncode == 1
    assert "Usage:" in p.stderr


def test_readapting_a_dir_with_other_options_is_refused(setup):
    from mtlhybrid.utils.rerun import ChangedRequestError

    r = setup
    _adapt(r, "rerun", freeze_layers=1)
    before = (r / "exp/rerun/final.pt").read_bytes()
    with pytest.raises(ChangedRequestError, match=r"freeze_layers: 1 -> 2"):
        _adapt(r, "rerun", freeze_layers=2)
    with pytest.raises(ChangedRequestError, match=r"overrides: \['train.epochs=3'\] -> \['train.epochs=4'\]"):
        opts = AdaptOptions(overrides=["train.epochs=4"], freeze_layers=1)
        adapt_network(r / "exp/src/final.pt", r / "exp/rerun", r / "data/new", {"ali": r / "exp/new_ali"},
                      r / "lang_new", opts=opts)
    assert (r / "exp/rerun/final.pt").read_bytes() == before
    assert json.loads((r / "exp/rerun/adapt.json").read_text())["options"]["freeze_layers"] == 1
