"""From paths to trainer inputs: features and targets of every corpus and task.

This is what ``nnet_train`` (and so ``steps/nnet/train_mtl.sh``) calls: for each corpus
of the config, read features through :class:`mtlhybrid.features.reader.FeatureReader`
(CMVN applied there), targets through :mod:`mtlhybrid.nnet.targets`, and return
:class:`~mtlhybrid.nnet.chunks.CorpusData` for training and validation plus the task
identities the checkpoints will carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from mtlhybrid.nnet.chunks import CorpusData, prepare_corpus
from mtlhybrid.nnet.config import CorpusPaths, MtlConfig, TaskConfig
from mtlhybrid.nnet.targets import TaskIdentity, TaskTargets, load_alignment_targets, load_utt_labels
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import iter_lines, kaldi_sorted
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)


@dataclass
class FeatureOptions:
    apply_cmvn: bool = True
    norm_vars: bool = False
    delta_order: int = 0

    def to_dict(self) -> dict:
        return {"apply_cmvn": self.apply_cmvn, "norm_vars": self.norm_vars, "delta_order": self.delta_order}

    @classmethod
    def from_dict(cls, d: Mapping) -> "FeatureOptions":
        return cls(**d)


def read_features(data_dir: str, opts: FeatureOptions):
    from mtlhybrid.features.reader import FeatureReader

    return FeatureReader(data_dir, apply_cmvn=opts.apply_cmvn, norm_vars=opts.norm_vars, delta_order=opts.delta_order)


def _phones_txt(paths: CorpusPaths) -> Optional[str]:
    if paths.lang and (Path(paths.lang) / "phones.txt").is_file():
        return str(Path(paths.lang) / "phones.txt")
    return None


def _label_classes(cfg: MtlConfig, task: TaskConfig) -> List[str]:
    """Classes of a label task: every label seen in the training label files of its corpora."""
    seen = set()
    for name, paths in cfg.corpora.items():
        if task.corpus not in (None, name) or not paths.data:
            continue
        f = Path(paths.data) / f"utt2{task.label}"
        if not f.is_file():
            continue
        for _, line in iter_lines(f):
            fields = line.split()
            if len(fields) == 2:
                seen.add(fields[1])
    if not seen:
        raise DataError(f"task {task.name}: no training corpus has a utt2{task.label} file with labels")
    return kaldi_sorted(seen)


def load_task_targets(cfg: MtlConfig, task: TaskConfig, corpus: str, split: str = "train",
                      classes: Optional[List[str]] = None) -> Optional[TaskTargets]:
    """One task's targets for one corpus and split ('train' or 'valid'); None when it has none there."""
    paths = cfg.corpora[corpus]
    data = paths.data if split == "train" else paths.valid_data
    alis = paths.ali if split == "train" else paths.valid_ali
    if task.source == "label":
        if not data or not (Path(data) / f"utt2{task.label}").is_file():
            log.info("corpus %s (%s): no utt2%s, task %s has no labels there", corpus, split, task.label, task.name)
            return None
        # Held-out speakers carry labels an adversarial speaker head never had: masked in validation
        # (an adversarial head selects nothing). For any other task an unknown label is a data error.
        unknown = "mask" if split == "valid" and task.adversarial else "error"
        return load_utt_labels(data, task.label, classes, unknown=unknown)
    if task.ali not in alis:
        if split == "train":
            raise DataError(f"task {task.name}: corpus {corpus} has no alignment dir named {task.ali!r} "
                            f"(has: {', '.join(alis) or 'none'})")
        log.info("corpus %s (valid): no alignment dir %r, task %s is not validated", corpus, task.ali, task.name)
        return None
    return load_alignment_targets(alis[task.ali], task.source, _phones_txt(paths), task.phone_map)


def build_inputs(cfg: MtlConfig, feat_opts: FeatureOptions = FeatureOptions(),
                 label_classes: Optional[Mapping[str, List[str]]] = None,
                 ) -> Tuple[List[CorpusData], List[CorpusData], Dict[str, TaskIdentity]]:
    """Training corpora, validation corpora and task identities for a config whose corpora have paths.

    ``label_classes`` fixes the class list of some label tasks (fine-tuning keeps a source
    network's accent classes so its head can be reused); others take the labels seen.
    """
    if not cfg.corpora:
        raise DataError("no corpora given (config 'corpora' section or --data/--ali on the command line)")
    fixed = dict(label_classes or {})
    label_classes = {t.name: list(fixed[t.name]) if t.name in fixed else _label_classes(cfg, t)
                     for t in cfg.tasks if t.source == "label"}
    identities: Dict[str, TaskIdentity] = {}
    train, valid = [], []
    for name, paths in cfg.corpora.items():
        if not paths.data:
            raise DataError(f"corpus {name}: no training data dir")
        for split in ("train", "valid"):
            data_dir = paths.data if split == "train" else paths.valid_data
            if not data_dir:
                continue
            targets = {}
            for t in cfg.tasks:
                if t.corpus not in (None, name):
                    continue
                tt = load_task_targets(cfg, t, name, split, label_classes.get(t.name))
                if tt is None:
                    continue
                if split == "train":
                    if t.name in identities:
                        try:
                            identities[t.name].check_against(tt.identity, t.name, "one corpus", f"corpus {name}")
                        except MismatchError as e:
                            raise MismatchError(f"{e}; give each corpus its own task (set 'corpus:')")
                    else:
                        identities[t.name] = tt.identity
                targets[t.name] = tt.targets
            feats = read_features(data_dir, feat_opts)
            data = prepare_corpus(name, feats, targets, cfg.tasks, cfg.train.frame_tolerance)
            (train if split == "train" else valid).append(data)
    missing = [t.name for t in cfg.tasks if t.name not in identities]
    if missing:
        raise DataError(f"task {missing[0]} has no training targets in any corpus")
    return train, valid, identities
