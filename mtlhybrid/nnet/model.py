"""The multi-task acoustic model: shared trunk (or one tower per task) and a head per task.

Hard parameter sharing: one trunk, every head reads one of its layers. Soft parameter
sharing: each task gets its own copy of the trunk (a tower) and the trainer adds a penalty
on the squared distance between corresponding layers of the towers
(:meth:`MtlNet.soft_sharing_distance`).

Several corpora (languages) train together: each corpus may have its own input layer
(different feature types or dimensions) and its own senone head (a task with ``corpus``
set); a batch holds chunks of one corpus, and heads of other corpora are masked out.

Input chunks are ``[B, T + left + right, D]``; frame outputs are ``[B, T, K]`` aligned
with the chunk's central T frames; utterance outputs ``[B, K]`` pool over those T frames.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

import torch
from torch import nn

from mtlhybrid.nnet.config import MtlConfig, ModelConfig, TaskConfig
from mtlhybrid.nnet.layers import MlpHead, TdnnLayer, grad_reverse, make_pooling
from mtlhybrid.nnet.schedule import grl_ramp
from mtlhybrid.utils.errors import MismatchError


class Tower(nn.Module):
    """Input layer(s) and the stack of TDNN layers; returns every layer's output cropped to the output frames."""

    def __init__(self, mcfg: ModelConfig, feat_dims: Mapping[str, int]):
        super().__init__()
        self.corpora = list(feat_dims)
        dims = set(feat_dims.values())
        if mcfg.input_layer == "per_corpus":
            in_dim = mcfg.input_dim or mcfg.layer_dims()[0]
            self.inputs = nn.ModuleDict({c: nn.Conv1d(d, in_dim, 1) for c, d in feat_dims.items()})
        else:
            if len(dims) != 1:
                raise MismatchError(
                    f"corpora have different feature dims ({dict(feat_dims)}); use model.input_layer: per_corpus"
                )
            in_dim = dims.pop()
            self.inputs = nn.ModuleDict()
            if mcfg.input_dim:
                self.inputs["shared"] = nn.Conv1d(in_dim, mcfg.input_dim, 1)
                in_dim = mcfg.input_dim
        self.per_corpus = mcfg.input_layer == "per_corpus"
        layers = []
        for offsets, out_dim in zip(mcfg.layer_contexts(), mcfg.layer_dims()):
            layers.append(TdnnLayer(in_dim, out_dim, offsets, mcfg.norm, mcfg.dropout))
            in_dim = out_dim
        self.layers = nn.ModuleList(layers)
        self.left = sum(layer.left for layer in self.layers)
        self.right = sum(layer.right for layer in self.layers)

    def forward(self, x: torch.Tensor, corpus: str) -> List[torch.Tensor]:
        h = x.transpose(1, 2)  # [B, D, T]
        if self.per_corpus:
            h = self.inputs[corpus](h)
        elif "shared" in self.inputs:
            h = self.inputs["shared"](h)
        outs = []
        done_left = done_right = 0
        for layer in self.layers:
            h = layer(h)
            done_left += layer.left
            done_right += layer.right
            cl, cr = self.left - done_left, self.right - done_right
            outs.append(h[:, :, cl : h.shape[-1] - cr] if (cl or cr) else h)
        return outs

    def trunk_parameters(self) -> Dict[str, torch.Tensor]:
        return {n: p for n, p in self.layers.named_parameters()}


class TaskHead(nn.Module):
    """One task's output: a frame classifier, or pooling plus an utterance classifier."""

    def __init__(self, tcfg: TaskConfig, in_dim: int, num_classes: int):
        super().__init__()
        self.level = tcfg.level
        self.adversarial = tcfg.adversarial
        self.grl_scale = float(tcfg.grl_scale)
        self.grl_schedule = tcfg.grl_schedule
        self.grl_factor = 1.0  # set by MtlNet.set_progress (the Ganin ramp)
        if self.level == "utterance":
            self.pool = make_pooling(tcfg.pooling, in_dim)
            self.out = MlpHead(self.pool.out_dim, num_classes, tcfg.hidden_dim)
        else:
            self.pool = None
            self.out = MlpHead(in_dim, num_classes, tcfg.hidden_dim)

    def forward(self, h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.adversarial:
            h = grad_reverse(h, self.grl_scale * self.grl_factor)
        if self.pool is not None:
            return self.out(self.pool(h, lengths))
        return self.out(h.transpose(1, 2))


class MtlNet(nn.Module):
    """Shared layers (or towers) and one head per task.

    ``num_classes`` maps task name -> output size; ``feat_dims`` corpus name -> input dim.
    """

    def __init__(self, config: MtlConfig, feat_dims: Mapping[str, int], num_classes: Mapping[str, int]):
        super().__init__()
        self.config = config
        self.task_cfgs = {t.name: t for t in config.tasks}
        self.corpora = list(feat_dims)
        mcfg = config.model
        self.soft = mcfg.sharing == "soft"
        tower_names = [t.name for t in config.tasks] if self.soft else ["shared"]
        self.towers = nn.ModuleDict({n: Tower(mcfg, feat_dims) for n in tower_names})
        dims = mcfg.layer_dims()
        self.heads = nn.ModuleDict()
        for t in config.tasks:
            if t.name not in num_classes:
                raise MismatchError(f"no class count given for task {t.name}")
            self.heads[t.name] = TaskHead(t, dims[t.layer], int(num_classes[t.name]))
        first = next(iter(self.towers.values()))
        for tower in list(self.towers.values())[1:]:
            tower.load_state_dict(first.state_dict())  # soft sharing starts from identical towers
        self.left_context, self.right_context = first.left, first.right

    def set_progress(self, progress: float) -> None:
        """Training progress p in [0, 1]: sets each adversarial head's gradient-reversal ramp."""
        for head in self.heads.values():
            head.grl_factor = grl_ramp(progress) if head.grl_schedule == "ganin" else 1.0

    def tasks_for(self, corpus: str) -> List[str]:
        """Tasks whose heads apply to utterances of ``corpus``."""
        return [n for n, t in self.task_cfgs.items() if t.corpus is None or t.corpus == corpus]

    def forward(self, x: torch.Tensor, corpus: str, lengths: Optional[torch.Tensor] = None,
                tasks: Optional[Sequence[str]] = None) -> Dict[str, torch.Tensor]:
        """Logits per task: frame tasks ``[B, T, K]``, utterance tasks ``[B, K]``.

        ``x`` is ``[B, T + left + right, D]``; ``lengths`` the number of valid output frames
        per chunk (default all T). By default every head runs (so distributed training
        sees every parameter used); ``tasks`` restricts them.
        """
        T = x.shape[1] - self.left_context - self.right_context
        if T <= 0:
            raise MismatchError(f"input of {x.shape[1]} frames is shorter than the network's context "
                                f"({self.left_context}+{self.right_context})")
        if lengths is None:
            lengths = torch.full((x.shape[0],), T, dtype=torch.long, device=x.device)
        names = list(tasks) if tasks is not None else list(self.task_cfgs)
        out: Dict[str, torch.Tensor] = {}
        shared = None if self.soft else self.towers["shared"](x, corpus)
        for name in names:
            layers = self.towers[name](x, corpus) if self.soft else shared
            out[name] = self.heads[name](layers[self.task_cfgs[name].layer], lengths)
        return out

    def soft_sharing_distance(self) -> torch.Tensor:
        """Mean over tower pairs of the mean squared difference per trunk parameter (scalar).

        Normalised by the number of trunk parameters so that ``soft_penalty`` does not have
        to shrink as the network grows.
        """
        towers = list(self.towers.values())
        if len(towers) < 2:
            return torch.zeros(())
        params = [t.trunk_parameters() for t in towers]
        count = sum(p.numel() for p in params[0].values())
        total = 0.0
        pairs = 0
        for i in range(len(params)):
            for j in range(i + 1, len(params)):
                total = total + sum(((params[i][k] - params[j][k]) ** 2).sum() for k in params[i])
                pairs += 1
        return total / (pairs * count)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
