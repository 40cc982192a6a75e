"""Running a trained network over whole utterances: validation accuracy and inference.

Training sees chunks; validation and decoding see each utterance whole, with the
network's context frames repeated at both edges, so every feature frame gets an output.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from mtlhybrid.nnet.chunks import CorpusData, context_window
from mtlhybrid.nnet.losses import IGNORE


@torch.no_grad()
def utterance_outputs(model, feats: np.ndarray, corpus: str, device="cpu",
                      tasks: Optional[Sequence[str]] = None) -> Dict[str, torch.Tensor]:
    """Logits of one whole utterance: frame tasks [T, K], utterance tasks [K] (on CPU)."""
    T = feats.shape[0]
    x = context_window(np.asarray(feats, dtype=np.float32), 0, T, model.left_context, model.right_context)
    out = model(torch.from_numpy(x)[None].to(device), corpus, tasks=tasks)
    return {k: v[0].float().cpu() for k, v in out.items()}


@torch.no_grad()
def evaluate(model, corpora: Sequence[CorpusData], device="cpu") -> Dict[str, Dict[str, float]]:
    """Per-task accuracy and mean loss on held-out utterances (frame or utterance level).

    Returns task -> {"acc", "loss", "count"}; tasks without any labelled held-out data are absent.
    """
    was_training = model.training
    model.eval()
    sums: Dict[str, list] = {}
    try:
        for data in corpora:
            names = [n for n in model.tasks_for(data.name) if n in data.targets]
            for utt in data.utts:
                want = [n for n in names if utt in data.targets[n]]
                if not want:
                    continue
                out = utterance_outputs(model, data.feats[utt], data.name, device, tasks=want)
                for n in want:
                    logits = out[n]
                    tgt = data.targets[n][utt]
                    if logits.dim() == 2:
                        t = torch.as_tensor(np.asarray(tgt), dtype=torch.long)
                        valid = t != IGNORE
                        if not bool(valid.any()):
                            continue
                        loss = F.cross_entropy(logits[valid], t[valid], reduction="sum").item()
                        correct = int((logits[valid].argmax(-1) == t[valid]).sum())
                        count = int(valid.sum())
                    else:
                        t = torch.tensor([int(tgt)])
                        loss = F.cross_entropy(logits[None], t, reduction="sum").item()
                        correct = int(int(logits.argmax()) == int(tgt))
                        count = 1
                    s = sums.setdefault(n, [0.0, 0, 0])
                    s[0] += loss
                    s[1] += correct
                    s[2] += count
    finally:
        model.train(was_training)
    return {n: {"acc": s[1] / s[2], "loss": s[0] / s[2], "count": float(s[2])} for n, s in sums.items() if s[2]}
