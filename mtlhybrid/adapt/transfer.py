"""Carrying a trained multi-task network over to a new corpus: which tasks and weights survive.

Fine-tuning keeps what transfers and rebuilds what does not:

* the shared layers (trunk, and the input layer of the source corpus) are copied as they are;
* a frame task (senones, phones) is kept when the new corpus has the alignment dir its
  ``ali`` name refers to; its head is copied only when its classes are identical (same
  count; same names, or same phones.txt and tree hashes): the new tree's senones get a
  fresh head, a phone-mapped task (named base phones) keeps its head when the names agree;
* an utterance-label task (accent) is kept when the new data dir has ``utt2<label>``;
  when every new label is one of the source's classes, the source's class list is kept
  (so is its head), otherwise the head is rebuilt over the new labels;
* anything else (another corpus's heads, tasks without data) is dropped and listed.

The decision is an :class:`AdaptPlan`, written beside the adapted model for the record.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import torch

from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.utils.errors import MismatchError
from mtlhybrid.utils.io import iter_lines
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)
PathLike = Union[str, Path]


@dataclass
class HeadDecision:
    """What happens to one task of the source network."""

    task: str
    action: str  # "copied" (source head reused), "new" (fresh head), "dropped"
    reason: str = ""

    def to_dict(self) -> dict:
        return {"task": self.task, "action": self.action, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "HeadDecision":
        return cls(d["task"], d["action"], d.get("reason", ""))


@dataclass
class AdaptPlan:
    """The adapted network's config (a plain dict, as in checkpoints) and the fate of every source task."""

    corpus: str
    config: Dict[str, Any]
    decisions: List[HeadDecision] = field(default_factory=list)
    label_classes: Dict[str, List[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"corpus": self.corpus, "config": self.config, "decisions": [d.to_dict() for d in self.decisions],
                "label_classes": self.label_classes}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AdaptPlan":
        return cls(d["corpus"], d["config"], [HeadDecision.from_dict(x) for x in d.get("decisions", [])],
                   {k: list(v) for k, v in d.get("label_classes", {}).items()})

    def kept_tasks(self) -> List[str]:
        return [d.task for d in self.decisions if d.action != "dropped"]

    def copied_heads(self) -> List[str]:
        return [d.task for d in self.decisions if d.action == "copied"]

    def decide(self, task: str, action: str, reason: str) -> None:
        for d in self.decisions:
            if d.task == task:
                d.action, d.reason = action, reason
                return
        self.decisions.append(HeadDecision(task, action, reason))


def _labels_in(path: Path) -> List[str]:
    labels = set()
    for _, line in iter_lines(path):
        fields = line.split()
        if len(fields) == 2:
            labels.add(fields[1])
    return sorted(labels)


def plan_adaptation(src_ckpt: Mapping[str, Any], data_dir: PathLike, ali_names: Sequence[str],
                    corpus: Optional[str] = None) -> AdaptPlan:
    """Decide the adapted network's tasks from the source checkpoint and what the new corpus provides.

    ``ali_names`` are the alignment dirs given for the new corpus (``ali`` for the main
    one). ``corpus`` picks the source corpus whose input layer and tasks are carried over
    (default: the source's first). Head copying for frame tasks is settled later, by
    :func:`settle_heads`, once the new targets' identities are known.
    """
    src_cfg = copy.deepcopy(src_ckpt["config"])
    src_corpora = list(src_ckpt["feat_dims"])
    corpus = corpus or src_corpora[0]
    if corpus not in src_corpora:
        raise MismatchError(f"the source network has no corpus {corpus!r} (it has {', '.join(src_corpora)})")
    idents = {k: TaskIdentity.from_dict(v) for k, v in src_ckpt["identities"].items()}
    data_dir = Path(data_dir)
    plan = AdaptPlan(corpus, {})
    tasks = []
    primary_kept = False
    for t in src_cfg["tasks"]:
        name = t["name"]
        if t.get("corpus") not in (None, corpus):
            plan.decide(name, "dropped", f"task of another corpus ({t['corpus']})")
            continue
        if t["source"] == "label":
            label = t.get("label") or name
            f = data_dir / f"utt2{label}"
            if not f.is_file():
                plan.decide(name, "dropped", f"no {f}")
                continue
            new_labels = _labels_in(f)
            old = idents[name].class_names
            if old and set(new_labels) <= set(old):
                plan.label_classes[name] = list(old)
                plan.decide(name, "copied", f"labels of {f} are among the source's {len(old)} classes")
            else:
                plan.decide(name, "new", f"labels of {f} are not all source classes: new head over {len(new_labels)} labels")
        else:
            if t.get("ali", "ali") not in ali_names:
                plan.decide(name, "dropped", f"no alignment dir named {t.get('ali', 'ali')!r} for the new corpus")
                continue
            plan.decide(name, "new", "pending identity check")
        t = dict(t)
        t["corpus"] = None
        primary_kept |= bool(t.get("primary"))
        tasks.append(t)
    if not tasks:
        raise MismatchError("no task of the source network can be trained on the new corpus")
    if not primary_kept:
        for t in tasks:
            t["primary"] = False
        first = next((t for t in tasks if t["source"] == "pdf"), None) or next((t for t in tasks if not t.get("adversarial")), None)
        if first is None:
            raise MismatchError("every task the new corpus can train is adversarial: nothing to decode with")
        first["primary"] = True
    src_cfg["tasks"] = tasks
    src_cfg["corpora"] = {}
    plan.config = src_cfg
    return plan


def same_classes(a: TaskIdentity, b: TaskIdentity) -> bool:
    """True when two identities describe the same output classes (a head can be reused)."""
    try:
        a.check_against(b, "", "", "")
    except MismatchError:
        return False
    return True


def settle_heads(plan: AdaptPlan, src_identities: Mapping[str, TaskIdentity],
                 new_identities: Mapping[str, TaskIdentity]) -> None:
    """Mark each kept task's head as copied (identical classes) or new, now that the new targets are known."""
    for name in plan.kept_tasks():
        old, new = src_identities[name], new_identities[name]
        if same_classes(old, new) and old.num_classes == new.num_classes:
            if not (old.class_names or old.tree_hash or old.phones_hash):
                plan.decide(name, "new", "the source head's classes cannot be verified (no names or hashes)")
            else:
                plan.decide(name, "copied", "identical classes (count, phones.txt, tree)")
        else:
            plan.decide(name, "new", f"classes differ: source {old.num_classes} ({old.tree_hash or old.phones_hash or '-'}), "
                                     f"new {new.num_classes} ({new.tree_hash or new.phones_hash or '-'})")


def initial_state(src_state: Mapping[str, torch.Tensor], new_state: Mapping[str, torch.Tensor],
                  plan: AdaptPlan) -> Dict[str, torch.Tensor]:
    """Source tensors for the adapted network: the trunk wherever shapes agree, and the copied heads.

    A trunk tensor whose shape differs (e.g. another feature dimension without a per-corpus
    input layer) is a MismatchError: silently re-initialising shared layers would defeat
    the point of adapting.
    """
    copied = set(plan.copied_heads())
    out: Dict[str, torch.Tensor] = {}
    for key, value in new_state.items():
        if key.startswith("heads."):
            task = key.split(".", 2)[1]
            if task in copied:
                out[key] = src_state[key].clone()
            continue
        if key not in src_state:
            continue
        if tuple(src_state[key].shape) != tuple(value.shape):
            raise MismatchError(f"shared parameter {key}: source shape {tuple(src_state[key].shape)} "
                                f"but the adapted network needs {tuple(value.shape)} (another feature dimension?)")
        out[key] = src_state[key].clone()
    return out


def frozen_modules(model_cfg: Mapping[str, Any], tower_names: Sequence[str], num_layers: int) -> List[str]:
    """Module names of the first ``num_layers`` trunk layers of every tower (with any input layers before them)."""
    from mtlhybrid.nnet.config import ModelConfig

    n = ModelConfig.from_dict(copy.deepcopy(dict(model_cfg)), "model").layer_count()
    if not 0 <= num_layers <= n:
        raise MismatchError(f"cannot freeze {num_layers} layers: the trunk has {n}")
    out = []
    for t in tower_names:
        if num_layers > 0:
            out.append(f"towers.{t}.inputs")
        out.extend(f"towers.{t}.layers.{i}" for i in range(num_layers))
    return out
