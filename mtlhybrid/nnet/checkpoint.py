"""Network checkpoints: safe to load, atomic to write, and aware of what they were trained on.

A checkpoint is a ``torch.save`` dict of tensors, numbers, strings, lists and dicts only,
loaded with ``weights_only=True`` (no arbitrary unpickling). Besides the weights it keeps
the config, each task's identity (class count, class names, hash of phones.txt and of the
tree), the feature dims per corpus, and for resuming: optimizer, loss-weighting
parameters, trainer position and RNG states.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Sequence, Union

import torch

from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import atomic_path

PathLike = Union[str, Path]
FORMAT = "mtlhybrid.nnet-checkpoint"
VERSION = 1


def save_checkpoint(path: PathLike, ckpt: Dict[str, Any]) -> None:
    """Write ``ckpt`` (format and version added) to a temp file beside ``path``, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dict(ckpt)
    data["format"] = FORMAT
    data["version"] = VERSION
    # Through a Python file object: a full disk is then an OSError (DiskFullError naming
    # ``path``), where torch's own file writer reports only "unexpected pos ...".
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        torch.save(data, f)


def load_checkpoint(path: PathLike, map_location: Any = "cpu") -> Dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``; a truncated or foreign file is a DataError naming it."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such checkpoint", path=path)
    try:
        data = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # zip/pickle errors on truncated or corrupt files
        raise DataError(f"cannot read checkpoint (truncated or corrupt file?): {type(e).__name__}: {str(e)[:200]}", path=path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DataError(f"not an mtlhybrid nnet checkpoint (format {data.get('format') if isinstance(data, dict) else None!r})", path=path)
    if data.get("version") != VERSION:
        raise DataError(f"unsupported checkpoint version {data.get('version')!r} (this code reads {VERSION})", path=path)
    return data


def checkpoint_identities(ckpt: Mapping[str, Any]) -> Dict[str, TaskIdentity]:
    return {name: TaskIdentity.from_dict(d) for name, d in ckpt["identities"].items()}


def check_identity(ckpt: Mapping[str, Any], expected: Mapping[str, TaskIdentity], ckpt_name: str, other_name: str) -> None:
    """Raise MismatchError naming both sides when a task's classes, lang or tree differ."""
    have = checkpoint_identities(ckpt)
    for task, ident in expected.items():
        if task not in have:
            raise MismatchError(f"{ckpt_name} has no task {task} (it has {', '.join(have)}), needed by {other_name}")
        have[task].check_against(ident, task, ckpt_name, other_name)


def build_model_from_checkpoint(ckpt: Mapping[str, Any]):
    """The MtlNet a checkpoint describes, with its weights loaded, in eval mode."""
    from mtlhybrid.nnet.model import MtlNet

    cfg = config_from_dict(ckpt["config"])
    idents = checkpoint_identities(ckpt)
    model = MtlNet(cfg, dict(ckpt["feat_dims"]), {k: v.num_classes for k, v in idents.items()})
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model


def average_checkpoints(paths: Sequence[PathLike]) -> Dict[str, Any]:
    """Average the weights of several checkpoints of one run (e.g. the last epochs).

    Floating-point tensors are averaged; integer buffers (batchnorm counters) come from
    the last checkpoint, as do the config and identities. Training state is dropped.
    """
    if not paths:
        raise DataError("no checkpoints to average")
    ckpts = [load_checkpoint(p) for p in paths]
    first = ckpts[-1]
    keys = set(first["model"])
    for p, c in zip(paths, ckpts):
        if set(c["model"]) != keys or c["identities"] != first["identities"]:
            raise MismatchError(f"{p} is not from the same network as {paths[-1]}")
    avg = {}
    for k, v in first["model"].items():
        if torch.is_floating_point(v):
            avg[k] = sum(c["model"][k].to(torch.float64) for c in ckpts).div(len(ckpts)).to(v.dtype)
        else:
            avg[k] = v.clone()
    out = {k: first[k] for k in ("config", "identities", "feat_dims") if k in first}
    out["model"] = avg
    out["averaged_from"] = [str(p) for p in paths]
    return out
