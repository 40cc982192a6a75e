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

from typing import Callable, Dict, List, Mapping, Optional, Sequence

import torch
from torch import nn

from mtlhybrid.nnet.config import MtlConfig, ModelConfig, TaskConfig
from mtlhybrid.nnet.layers import MlpHead, TdnnLayer, grad_reverse, make_pooling
from mtlhybrid.nnet.schedule import grl_ramp
from mtlhybrid.utils.errors import MismatchError


class Tower(nn.Module):
    """Input layer(s) and the stack of TDNN layers; returns every layer's output cropped to the output frames.

    ``extra_in`` maps a layer index to the size of an utterance embedding appended to that
    layer's input at every frame (accent feedback; see :class:`MtlNet`).
    """

    def __init__(self, mcfg: ModelConfig, feat_dims: Mapping[str, int], extra_in: Optional[Mapping[int, int]] = None):
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
        self.extra_in = dict(extra_in or {})
        layers = []
        for i, (offsets, out_dim) in enumerate(zip(mcfg.layer_contexts(), mcfg.layer_dims())):
            layers.append(TdnnLayer(in_dim + self.extra_in.get(i, 0), out_dim, offsets, mcfg.norm, mcfg.dropout))
            in_dim = out_dim
        self.layers = nn.ModuleList(layers)
        self.left = sum(layer.left for layer in self.layers)
        self.right = sum(layer.right for layer in self.layers)

    def forward(self, x: torch.Tensor, corpus: str,
                after_layer: Optional[Callable[[int, torch.Tensor], Mapping[int, torch.Tensor]]] = None,
                upto: Optional[int] = None) -> List[torch.Tensor]:
        """Every layer's output ``[B, C, T]`` over the output frames (up to layer ``upto``).

        ``after_layer(i, out_i)`` returns utterance embeddings ``{j: [B, E]}`` to append,
        repeated over frames, to the input of layer j (> i; its ``extra_in[j]`` sizes).
        """
        h = x.transpose(1, 2)  # [B, D, T]
        if self.per_corpus:
            h = self.inputs[corpus](h)
        elif "shared" in self.inputs:
            h = self.inputs["shared"](h)
        outs = []
        pending: Dict[int, List[torch.Tensor]] = {}
        done_left = done_right = 0
        for i, layer in enumerate(self.layers):
            if i in self.extra_in:
                e = torch.cat(pending.pop(i), dim=-1)
                h = torch.cat([h, e[:, :, None].expand(-1, -1, h.shape[-1]).to(h.dtype)], dim=1)
            h = layer(h)
            done_left += layer.left
            done_right += layer.right
            cl, cr = self.left - done_left, self.right - done_right
            outs.append(h[:, :, cl : h.shape[-1] - cr] if (cl or cr) else h)
            if after_layer is not None:
                for j, e in after_layer(i, outs[-1]).items():
                    pending.setdefault(j, []).append(e)
            if upto is not None and i >= upto:
                break
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

        self.feedback = tcfg.feedback
        self.embedding_dim = {"none": 0, "bottleneck": tcfg.hidden_dim, "posterior": num_classes}[tcfg.feedback]

    def forward(self, h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.adversarial:
            h = grad_reverse(h, self.grl_scale * self.grl_factor)
        if self.pool is not None:
            return self.out(self.pool(h, lengths))
        return self.out(h.transpose(1, 2))

    def logits_and_embedding(self, h: torch.Tensor, lengths: torch.Tensor):
        """Utterance logits ``[B, K]`` and the embedding fed back to the trunk ``[B, E]``."""
        pooled = self.pool(h, lengths)
        if self.feedback == "bottleneck":
            hidden = self.out.net[1](self.out.net[0](pooled))
            return self.out.net[2](hidden), hidden
        logits = self.out(pooled)
        return logits, torch.softmax(logits, dim=-1)


class MtlNet(nn.Module):
    """Shared layers (or towers) and one head per task.

    ``num_classes`` maps task name -> output size; ``feat_dims`` corpus name -> input dim.
    A task with ``feedback`` (Jain et al. 2018's accent embeddings) runs inside the trunk
    pass: its head pools layer ``layer`` over the valid frames, and its bottleneck or
    posterior is appended at every frame to the input of layer ``feedback_layer``; the
    gradient of every loss above flows back into that head.
    """

    def __init__(self, config: MtlConfig, feat_dims: Mapping[str, int], num_classes: Mapping[str, int]):
        super().__init__()
        self.config = config
        self.task_cfgs = {t.name: t for t in config.tasks}
        self.corpora = list(feat_dims)
        mcfg = config.model
        self.soft = mcfg.sharing == "soft"
        tower_names = [t.name for t in config.tasks] if self.soft else ["shared"]
        n_layers = mcfg.layer_count()
        # Accent feedback (Jain et al. 2018): task name -> (layer it pools, layer it feeds).
        self.feedback = {t.name: (t.layer % n_layers, t.feedback_layer % n_layers) for t in config.tasks if t.feedback != "none"}
        extra: Dict[int, int] = {}
        for t in config.tasks:
            if t.feedback != "none":
                dim = t.hidden_dim if t.feedback == "bottleneck" else int(num_classes[t.name])
                extra[t.feedback_layer % n_layers] = extra.get(t.feedback_layer % n_layers, 0) + dim
        self.towers = nn.ModuleDict({n: Tower(mcfg, feat_dims, extra) for n in tower_names})
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
        sees every parameter used); ``tasks`` restricts them, and the trunk then stops at
        the highest layer they read.
        """
        T = x.shape[1] - self.left_context - self.right_context
        if T <= 0:
            raise MismatchError(f"input of {x.shape[1]} frames is shorter than the network's context "
                                f"({self.left_context}+{self.right_context})")
        if lengths is None:
            lengths = torch.full((x.shape[0],), T, dtype=torch.long, device=x.device)
        names = list(tasks) if tasks is not None else list(self.task_cfgs)
        out: Dict[str, torch.Tensor] = {}
        hook = None
        if self.feedback:
            fed_from = {}
            for name, (src, _) in self.feedback.items():
                fed_from.setdefault(src, []).append(name)

            def hook(i: int, h: torch.Tensor) -> Dict[int, torch.Tensor]:
                embs: Dict[int, torch.Tensor] = {}
                for name in fed_from.get(i, []):
                    out[name], e = self.heads[name].logits_and_embedding(h, lengths)
                    dest = self.feedback[name][1]
                    embs[dest] = torch.cat([embs[dest], e], dim=-1) if dest in embs else e
                return embs

        n_layers = self.config.model.layer_count()
        upto = max(self.task_cfgs[n].layer % n_layers for n in names) if tasks is not None else None
        shared = None if self.soft else self.towers["shared"](x, corpus, hook, upto)
        for name in names:
            if name in out:
                continue
            layers = self.towers[name](x, corpus) if self.soft else shared
            out[name] = self.heads[name](layers[self.task_cfgs[name].layer % n_layers], lengths)
        return {name: out[name] for name in names}

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
