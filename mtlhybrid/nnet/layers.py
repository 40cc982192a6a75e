"""Building blocks of the multi-task network: TDNN layers, pooling, gradient reversal.

Tensors inside the network are ``[batch, channels, time]`` so that Kaldi-style TDNN
layers are plain ``Conv1d`` with a dilation and no padding: each layer consumes its
context frames, and the input chunk carries the network's total left/right context.
"""

from __future__ import annotations

from typing import List

import torch
from torch import nn


class GradReverse(torch.autograd.Function):
    """Identity forward; gradient times ``-scale`` backward (domain-adversarial training)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return -ctx.scale * grad, None


def grad_reverse(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    return GradReverse.apply(x, scale)


class ChannelNorm(nn.Module):
    """BatchNorm or LayerNorm over the channel axis of ``[B, C, T]`` (or nothing)."""

    def __init__(self, kind: str, dim: int):
        super().__init__()
        self.kind = kind
        if kind == "batchnorm":
            self.norm = nn.BatchNorm1d(dim)
        elif kind == "layernorm":
            self.norm = nn.LayerNorm(dim)
        else:
            self.norm = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "layernorm":
            return self.norm(x.transpose(1, 2)).transpose(1, 2)
        return self.norm(x)


class TdnnLayer(nn.Module):
    """One Kaldi-style TDNN layer: affine over frames at ``offsets``, ReLU, norm, dropout."""

    def __init__(self, in_dim: int, out_dim: int, offsets: List[int], norm: str = "batchnorm", dropout: float = 0.0):
        super().__init__()
        self.offsets = list(offsets)
        dilation = offsets[1] - offsets[0] if len(offsets) > 1 else 1
        self.left = -offsets[0]
        self.right = offsets[-1]
        self.conv = nn.Conv1d(in_dim, out_dim, kernel_size=len(offsets), dilation=dilation)
        self.act = nn.ReLU()
        self.norm = ChannelNorm(norm, out_dim)
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.norm(self.act(self.conv(x))))


def length_mask(lengths: torch.Tensor, T: int) -> torch.Tensor:
    """[B, T] float mask: 1 for the first ``lengths[b]`` frames."""
    return (torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]).to(torch.float32)


class StatsPooling(nn.Module):
    """Mean and standard deviation over the valid frames: [B, C, T] -> [B, 2C]."""

    def __init__(self, dim: int):
        super().__init__()
        self.out_dim = 2 * dim

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        m = length_mask(lengths, x.shape[-1])[:, None, :]
        n = m.sum(-1).clamp(min=1.0)
        mean = (x * m).sum(-1) / n
        var = (((x - mean[..., None]) ** 2) * m).sum(-1) / n
        return torch.cat([mean, torch.sqrt(var + 1e-5)], dim=-1)


class AttentionPooling(nn.Module):
    """Attentive statistics pooling: a learned frame weighting, then weighted mean and std."""

    def __init__(self, dim: int, attention_dim: int = 64):
        super().__init__()
        self.out_dim = 2 * dim
        self.score = nn.Sequential(nn.Conv1d(dim, attention_dim, 1), nn.Tanh(), nn.Conv1d(attention_dim, 1, 1))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        m = length_mask(lengths, x.shape[-1])[:, None, :]
        s = self.score(x).masked_fill(m == 0, float("-inf"))
        w = torch.softmax(s, dim=-1)
        mean = (x * w).sum(-1)
        var = (((x - mean[..., None]) ** 2) * w).sum(-1)
        return torch.cat([mean, torch.sqrt(var + 1e-5)], dim=-1)


def make_pooling(kind: str, dim: int) -> nn.Module:
    return AttentionPooling(dim) if kind == "attention" else StatsPooling(dim)


class MlpHead(nn.Module):
    """Optional hidden ReLU layer, then the output affine layer (over the last axis)."""

    def __init__(self, in_dim: int, num_classes: int, hidden_dim: int = 0):
        super().__init__()
        if hidden_dim > 0:
            self.net = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, num_classes))
        else:
            self.net = nn.Linear(in_dim, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
