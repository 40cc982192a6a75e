"""Distributed data parallel (2 processes, gloo on CPU) matches one process on the same global batches."""

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mtlhybrid.nnet.checkpoint import load_checkpoint
from mtlhybrid.nnet.chunks import prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.nnet.trainer import Trainer


def build(batch_size):
    rng = np.random.default_rng(2)
    # 16 utterances of 20 frames, chunks of 10: every global batch splits evenly over 2 processes.
    feats = {f"u{i:02d}": rng.standard_normal((20, 6)).astype(np.float32) for i in range(16)}
    sen = {u: rng.integers(0, 5, 20) for u in feats}
    acc = {u: i % 3 for i, u in enumerate(feats)}
    cfg = config_from_dict({
        "tasks": [{"name": "senone", "source": "pdf"}, {"name": "accent", "source": "label", "layer": 1}],
        "model": {"type": "tdnn", "hidden_dim": 12, "tdnn_contexts": [[-1, 0, 1], [-2, 0, 2], [0]], "norm": "layernorm"},
        "train": {"epochs": 2, "batch_size": batch_size, "chunk_len": 10, "weighting": "uncertainty", "lr": 0.01, "seed": 4},
    })
    data = prepare_corpus("default", feats, {"senone": sen, "accent": acc}, cfg.tasks)
    return cfg, data, {"senone": TaskIdentity(5), "accent": TaskIdentity(3)}


def _worker(rank, world, rdzv, out_dir):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{rdzv}", rank=rank, world_size=world)
    try:
        cfg, data, idents = build(batch_size=4)
        Trainer(cfg, [data], idents, out_dir).fit()
        dist.barrier()
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
def test_two_process_ddp_matches_single_process(tmp_path):
    torch.set_num_threads(1)
    cfg, data, idents = build(batch_size=8)
    single = Trainer(cfg, [data], idents, tmp_path / "single").fit()
    mp.spawn(_worker, args=(2, str(tmp_path / "rdzv"), str(tmp_path / "ddp")), nprocs=2, join=True)
    a = load_checkpoint(single.final_path)
    b = load_checkpoint(tmp_path / "ddp" / "final.pt")
    assert a["train_state"]["step"] == b["train_state"]["step"] == 8
    for k, v in a["model"].items():
        assert torch.allclose(v, b["model"][k], atol=2e-5), k
    la, lb = load_checkpoint(tmp_path / "single" / "last.pt"), load_checkpoint(tmp_path / "ddp" / "last.pt")
    for k, v in la["weighting"].items():
        assert torch.allclose(v, lb["weighting"][k], atol=2e-5), k
    # The runs trained: weights moved away from their initialisation.
    assert float(la["weighting"]["log_vars.senone"]) != 0.0


TORCHRUN_CONFIG = """
tasks:
  - {name: senone, source: pdf}
model: {type: tdnn, hidden_dim: 12, tdnn_contexts: [[-1, 0, 1], [-2, 0, 2], [0]], norm: layernorm}
train: {epochs: 2, batch_size: 8, chunk_len: 10, lr: 0.01, seed: 4}
"""


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
def test_torchrun_two_processes_match_one_through_nnet_train(tmp_path):
    """What steps/nnet/train_mtl.sh --nj-torchrun 2 runs: torchrun (gloo, CPU) over the real tool.

    The same tool with --device cuda and --nproc_per_node = number of GPUs is the multi-GPU
    command (each process takes the GPU of its LOCAL_RANK); see BENCHMARKS.md.
    """
    import os
    import subprocess
    import sys

    from mtlhybrid.testing.toy_nnet_data import write_toy_alignments
    from mtlhybrid.utils.io import write_table
    from mtlhybrid.utils.kaldi_io import write_matrices_ark_scp

    rng = np.random.default_rng(2)
    feats = {f"u{i:02d}": rng.standard_normal((20, 6)).astype(np.float32) for i in range(16)}
    d = tmp_path / "data"
    d.mkdir()
    write_matrices_ark_scp(d / "feats.ark", d / "feats.scp", sorted(feats.items()))
    write_table(d / "utt2spk", {u: u for u in feats})
    write_toy_alignments(tmp_path / "ali", {u: 20 for u in feats}, {u: 1 + i % 3 for i, u in enumerate(feats)}, ["a", "b", "c"])
    (tmp_path / "lang").mkdir()
    (tmp_path / "lang" / "phones.txt").write_bytes((tmp_path / "ali" / "phones.txt").read_bytes())
    cfg = tmp_path / "mtl.yaml"
    cfg.write_text(TORCHRUN_CONFIG)
    common = ["--data", str(d), "--ali", str(tmp_path / "ali"), "--lang", str(tmp_path / "lang"), "--apply-cmvn", "false"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    one = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.nnet_train", str(cfg), str(tmp_path / "one")] + common,
                         env=env, capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr[-3000:]
    # per-process batch 4: the same global batches of 8 as the single process
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          "-m", "mtlhybrid.bin.nnet_train", str(cfg), str(tmp_path / "two"), "--set", "train.batch_size=4"] + common,
                         env=env, capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    a = load_checkpoint(tmp_path / "one" / "final.pt")
    b = load_checkpoint(tmp_path / "two" / "final.pt")
    assert a["train_state"]["step"] == b["train_state"]["step"] > 0
    for k, v in a["model"].items():
        assert torch.allclose(v, b["model"][k], atol=2e-5), k
    # the second epoch changed the weights (the comparison is not between two untrained models)
    e1 = load_checkpoint(tmp_path / "one" / "epoch1.pt")["model"]
    assert any(not torch.equal(v, a["model"][k]) for k, v in e1.items())
