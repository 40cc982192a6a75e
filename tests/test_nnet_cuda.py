"""CUDA: training and inference on the GPU agree with the CPU (skipped without a GPU)."""

import numpy as np
import pytest
import torch

from mtlhybrid.nnet.checkpoint import build_model_from_checkpoint, load_checkpoint
from mtlhybrid.nnet.chunks import prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.evaluate import utterance_outputs
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.nnet.trainer import Trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def test_cuda_training_matches_cpu(tmp_path):
    torch.set_num_threads(1)
    torch.backends.cudnn.allow_tf32 = False  # full float32 on the GPU, comparable with the CPU
    torch.backends.cuda.matmul.allow_tf32 = False
    rng = np.random.default_rng(0)
    feats = {f"u{i}": rng.standard_normal((30, 5)).astype(np.float32) for i in range(8)}
    sen = {u: rng.integers(0, 4, 30) for u in feats}
    acc = {u: i % 2 for i, u in enumerate(feats)}
    cfg = config_from_dict({
        "tasks": [{"name": "senone", "source": "pdf"}, {"name": "accent", "source": "label", "layer": 0}],
        "model": {"type": "tdnn", "hidden_dim": 16, "tdnn_contexts": [[-1, 0, 1], [0]], "norm": "batchnorm"},
        "train": {"epochs": 2, "batch_size": 4, "chunk_len": 10, "weighting": "uncertainty"},
    })
    data = prepare_corpus("default", feats, {"senone": sen, "accent": acc}, cfg.tasks)
    idents = {"senone": TaskIdentity(4), "accent": TaskIdentity(2)}
    gpu = Trainer(cfg, [data], idents, tmp_path / "gpu", device="cuda").fit()
    cpu = Trainer(cfg, [data], idents, tmp_path / "cpu", device="cpu").fit()
    a, b = load_checkpoint(gpu.final_path), load_checkpoint(cpu.final_path)
    for k, v in a["model"].items():
        assert v.device.type == "cpu"
        assert torch.allclose(v.float(), b["model"][k].float(), atol=1e-3), k
    model = build_model_from_checkpoint(a).to("cuda")
    out = utterance_outputs(model, feats["u0"], "default", "cuda")
    ref = utterance_outputs(build_model_from_checkpoint(a), feats["u0"], "default", "cpu")
    assert torch.allclose(out["senone"], ref["senone"], atol=1e-4)
