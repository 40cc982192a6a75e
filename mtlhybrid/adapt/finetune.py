"""Fine-tuning a trained network on a new corpus with the ordinary multi-task trainer.

:func:`adapt_network` is what ``nnet_adapt`` (``steps/nnet/adapt.sh``) runs: plan the
tasks (:mod:`mtlhybrid.adapt.transfer`), load the new corpus's features and targets as
training does, initialise the new network from the source's weights, freeze the first
layers if asked, add the L2-SP / KL regularizers (:mod:`mtlhybrid.adapt.regularizers`),
and train with :class:`~mtlhybrid.nnet.trainer.Trainer`. The result is an ordinary
checkpoint whose identities are the new corpus's (its tree, its phones.txt), so the
decoding tools use it unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Mapping, Optional, Union

from mtlhybrid.adapt.regularizers import CombinedRegularizer, KLDRegularizer, L2SPRegularizer, shared_parameters
from mtlhybrid.adapt.transfer import frozen_modules, initial_state, plan_adaptation, settle_heads
from mtlhybrid.utils.errors import MismatchError
from mtlhybrid.utils.io import atomic_write
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)
PathLike = Union[str, Path]


@dataclass
class AdaptOptions:
    """How to fine-tune: what stays fixed and what pulls the network back toward its source."""

    freeze_layers: int = 0
    lr: Optional[float] = None  # None: the source config's learning rate
    kl_weight: float = 0.0
    l2_weight: float = 0.0
    overrides: List[str] = field(default_factory=list)  # "train.epochs=3", as nnet_train --set
    source_corpus: Optional[str] = None

    def to_dict(self) -> dict:
        return {"freeze_layers": self.freeze_layers, "lr": self.lr, "kl_weight": self.kl_weight,
                "l2_weight": self.l2_weight, "overrides": list(self.overrides), "source_corpus": self.source_corpus}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AdaptOptions":
        return cls(**dict(d))


def adapt_network(src_model: PathLike, out_dir: PathLike, data: PathLike, alis: Mapping[str, PathLike],
                  lang: Optional[PathLike] = None, valid_data: Optional[PathLike] = None,
                  valid_alis: Mapping[str, PathLike] = {}, opts: AdaptOptions = AdaptOptions(),
                  feat_opts=None, device: str = "cpu", resume: bool = True):
    """Fine-tune ``src_model`` on ``data`` (targets from ``alis``); writes ``out_dir/final.pt``.

    Returns the trainer's :class:`~mtlhybrid.nnet.trainer.TrainResult`; the plan is written
    to ``out_dir/adapt.json``.
    """

    from mtlhybrid.nnet.checkpoint import build_model_from_checkpoint, checkpoint_identities, load_checkpoint
    from mtlhybrid.nnet.config import MtlConfig, apply_override
    from mtlhybrid.nnet.inputs import FeatureOptions, build_inputs
    from mtlhybrid.nnet.trainer import Trainer, check_resume_config

    feat_opts = feat_opts or FeatureOptions()
    src = load_checkpoint(src_model)
    plan = plan_adaptation(src, data, list(alis), opts.source_corpus)
    raw = plan.config
    if opts.lr is not None:
        raw.setdefault("train", {})["lr"] = float(opts.lr)
    for s in opts.overrides:
        apply_override(raw, s)
    raw["corpora"] = {plan.corpus: {"data": str(data), "ali": {k: str(v) for k, v in alis.items()},
                                    "lang": str(lang) if lang else None,
                                    "valid_data": str(valid_data) if valid_data else None,
                                    "valid_ali": {k: str(v) for k, v in valid_alis.items()}}}
    cfg = MtlConfig.from_dict(raw, "", None)
    train, valid, identities = build_inputs(cfg, feat_opts, plan.label_classes)
    src_idents = checkpoint_identities(src)
    settle_heads(plan, src_idents, identities)
    for d in plan.decisions:
        log.info("task %s: %s (%s)", d.task, d.action, d.reason)
    feat_dim = train[0].feat_dim
    if int(src["feat_dims"][plan.corpus]) != feat_dim:
        raise MismatchError(f"{src_model}: the network reads {src['feat_dims'][plan.corpus]}-dim features of corpus "
                            f"{plan.corpus}, but {data} has {feat_dim}-dim features")

    # The new network, to learn its parameter names and shapes, then the source's tensors for it.
    from mtlhybrid.nnet.model import MtlNet

    probe = MtlNet(cfg, {plan.corpus: feat_dim}, {k: v.num_classes for k, v in identities.items()})
    init = initial_state(src["model"], probe.state_dict(), plan)
    towers = list(probe.towers.keys())
    freeze = frozen_modules(raw["model"], towers, opts.freeze_layers)
    modules = dict(probe.named_modules())
    freeze = [n for n in freeze if n in modules and any(True for _ in modules[n].parameters())]
    del probe

    parts = []
    if opts.l2_weight > 0:
        parts.append(L2SPRegularizer(shared_parameters(src["model"]), opts.l2_weight, device))
    if opts.kl_weight > 0:
        kl_tasks = [t for t in plan.copied_heads() if not cfg.task(t).adversarial]
        if kl_tasks:
            log.info("KL regularization toward the source network on tasks: %s", ", ".join(kl_tasks))
            parts.append(KLDRegularizer(build_model_from_checkpoint(src), kl_tasks, opts.kl_weight, plan.corpus, device))
        else:
            log.warning("--kl-weight given but no task has the same classes in source and adapted network: no KL term")
    reg = CombinedRegularizer(parts) if parts else None

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if resume:  # before adapt.json is rewritten: a refused rerun leaves the dir as it was
        check_adaptation_unchanged(out_dir, str(src_model), opts)
        check_resume_config(out_dir, cfg, out_dir)
    with atomic_write(out_dir / "adapt.json") as f:
        json.dump({"source": str(src_model), "options": opts.to_dict(), "frozen": freeze, "plan": plan.to_dict()},
                  f, indent=1)
    trainer = Trainer(cfg, train, identities, out_dir, valid=valid, device=device, init_state=init,
                      freeze=freeze, regularizer=reg)
    return trainer.fit(resume=resume)


def check_adaptation_unchanged(out_dir: Path, src_model: str, opts: AdaptOptions) -> None:
    """Refuse to resume ``out_dir`` (it has ``last.pt``) when its ``adapt.json`` names another source or options.

    The network's config is compared by the trainer; the source model and the
    regularization/freezing options live only in ``adapt.json``, so they are compared here.
    """
    from mtlhybrid.utils.io import read_json
    from mtlhybrid.utils.rerun import check_unchanged

    if not (out_dir / "last.pt").exists() or not (out_dir / "adapt.json").exists():
        return
    old = read_json(out_dir / "adapt.json", "adaptation record")
    check_unchanged({"source": old.get("source"), **(old.get("options") or {})},
                    {"source": src_model, **opts.to_dict()}, str(out_dir), "adaptation options",
                    hint="rerun steps/nnet/adapt.sh with --overwrite true (nnet_adapt: --no-resume) to start over")

