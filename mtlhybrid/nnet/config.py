"""The multi-task training configuration: tasks, network and trainer, from one YAML file.

A recipe carries the YAML (design choices: which tasks, which layers, which schedule);
the step script passes the paths (data dirs, alignment dirs, lang dirs), either on the
command line or in the ``corpora`` section. Every key is checked: an unknown key or a
bad value raises :class:`~mtlhybrid.utils.errors.DataError` naming the key and the file,
so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from mtlhybrid.utils.errors import DataError

PathLike = Union[str, Path]

LEVELS = ("frame", "utterance")
SOURCES = {"pdf": "frame", "phone": "frame", "phone_state": "frame", "label": "utterance"}
POOLINGS = ("stats", "attention")
MODEL_TYPES = ("mlp", "tdnn")
NORMS = ("batchnorm", "layernorm", "none")
SHARINGS = ("hard", "soft")
INPUT_LAYERS = ("shared", "per_corpus")
OPTIMIZERS = ("adamw", "sgd")
SCHEDULES = ("constant", "cosine", "exponential")
WEIGHTINGS = ("static", "uncertainty")
SELECT_ON = ("acc", "loss")
GRL_SCHEDULES = ("ganin", "constant")
FEEDBACKS = ("none", "bottleneck", "posterior")


class _Base:
    """from_dict/to_dict shared by the config dataclasses, with strict key checking."""

    @classmethod
    def from_dict(cls, d: Any, where: str = "", path: Optional[PathLike] = None):
        if d is None:
            d = {}
        if not isinstance(d, dict):
            raise DataError(f"{where or 'config'}: expected a mapping, got {type(d).__name__}", path=path)
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = [k for k in d if k not in names]
        if unknown:
            raise DataError(
                f"unknown key {where + '.' if where else ''}{unknown[0]} (allowed: {', '.join(sorted(names))})", path=path
            )
        kwargs = {}
        for k, v in d.items():
            kwargs[k] = cls._convert(k, v, f"{where + '.' if where else ''}{k}", path)
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in kwargs and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise DataError(f"missing key {where + '.' if where else ''}{missing[0]}", path=path)
        obj = cls(**kwargs)
        obj.check(where, path)
        return obj

    @classmethod
    def _convert(cls, key: str, value: Any, where: str, path: Optional[PathLike]) -> Any:
        return value

    def check(self, where: str, path: Optional[PathLike]) -> None:
        pass

    def to_dict(self) -> Dict[str, Any]:
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, _Base):
                v = v.to_dict()
            elif isinstance(v, list):
                v = [x.to_dict() if isinstance(x, _Base) else (list(x) if isinstance(x, (list, tuple)) else x) for x in v]
            elif isinstance(v, dict):
                v = {k: (x.to_dict() if isinstance(x, _Base) else x) for k, x in v.items()}
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out


def _need(cond: bool, msg: str, where: str, path: Optional[PathLike]) -> None:
    if not cond:
        raise DataError(f"{where}: {msg}", path=path)


def _need_ints(obj: Any, keys: Tuple[str, ...], minimum: int, where: str, path: Optional[PathLike]) -> None:
    """Each ``obj.<key>`` must be an integer >= ``minimum``; the error names the key."""
    for k in keys:
        v = getattr(obj, k)
        _need(isinstance(v, int) and v >= minimum, f"{k} must be an integer >= {minimum}", where, path)


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


@dataclass
class TaskConfig(_Base):
    """One task: where its targets come from, where its head reads, how much it counts.

    ``source``: ``pdf`` (senones of the tree in the alignment dir named by ``ali``),
    ``phone`` (phones of the same alignments, optionally mapped through ``phone_map``,
    e.g. position-dependent to base phones), ``phone_state`` (phone and HMM state), or
    ``label`` (utterance labels from the data dir's ``utt2<label>``).
    ``weight`` multiplies the task's loss, the mean cross-entropy per target of a step
    (per frame, or per utterance for utterance tasks; see docs/DESIGN.md, "Multi-task losses").
    ``corpus``: only utterances of that corpus carry this task (multilingual senone heads);
    None means every corpus. ``adversarial``: the head learns the task while a gradient
    reversal layer with ``grl_scale`` pushes the shared layers to forget it;
    ``grl_schedule: ganin`` (default) ramps the reversal up over training as Ganin et al.
    (2015) do, ``grl_scale * (2 / (1 + exp(-10 p)) - 1)`` at training progress p in [0, 1];
    ``constant`` applies ``grl_scale`` from the first step.
    ``feedback`` (utterance tasks; Jain et al. 2018's accent embeddings): ``bottleneck``
    (the head's hidden layer, ``hidden_dim`` > 0) or ``posterior`` (its softmax) of the
    pooled utterance is appended, at every frame, to the input of trunk layer
    ``feedback_layer`` (after ``layer``), so the layers above see the accent estimate.
    The embedding pools over what the network sees, so this needs whole-utterance
    training (``train.chunk_len: 0``), as at test time.
    """

    name: str
    source: str
    level: Optional[str] = None
    corpus: Optional[str] = None
    ali: str = "ali"
    label: Optional[str] = None
    phone_map: Optional[str] = None
    loss: str = "ce"
    label_smoothing: float = 0.0
    weight: float = 1.0
    layer: int = -1
    pooling: str = "stats"
    hidden_dim: int = 0
    adversarial: bool = False
    grl_scale: float = 1.0
    grl_schedule: str = "ganin"
    feedback: str = "none"
    feedback_layer: int = -1
    primary: bool = False

    def check(self, where, path):
        _need(isinstance(self.name, str) and self.name.isidentifier(), f"name must be an identifier, got {self.name!r}", where, path)
        _need(self.source in SOURCES, f"source must be one of {', '.join(SOURCES)}, got {self.source!r}", where, path)
        if self.level is None:
            self.level = SOURCES[self.source]
        _need(self.level in LEVELS, f"level must be one of {', '.join(LEVELS)}, got {self.level!r}", where, path)
        _need(self.level == SOURCES[self.source], f"source {self.source} gives {SOURCES[self.source]}-level targets, not {self.level}", where, path)
        if self.source == "label" and self.label is None:
            self.label = self.name
        _need(self.loss == "ce", f"loss must be 'ce', got {self.loss!r}", where, path)
        _need(_is_num(self.label_smoothing) and 0 <= self.label_smoothing < 1, "label_smoothing must be in [0, 1)", where, path)
        _need(_is_num(self.weight) and self.weight >= 0, f"weight must be a number >= 0, got {self.weight!r}", where, path)
        _need(isinstance(self.layer, int) and not isinstance(self.layer, bool), f"layer must be an integer, got {self.layer!r}", where, path)
        _need(self.pooling in POOLINGS, f"pooling must be one of {', '.join(POOLINGS)}, got {self.pooling!r}", where, path)
        _need(isinstance(self.hidden_dim, int) and self.hidden_dim >= 0, "hidden_dim must be an integer >= 0", where, path)
        _need(isinstance(self.adversarial, bool), "adversarial must be true or false", where, path)
        _need(_is_num(self.grl_scale) and self.grl_scale >= 0, "grl_scale must be a number >= 0", where, path)
        _need(self.grl_schedule in GRL_SCHEDULES, f"grl_schedule must be one of {', '.join(GRL_SCHEDULES)}, "
              f"got {self.grl_schedule!r}", where, path)
        _need(not (self.adversarial and self.primary), "the primary task cannot be adversarial", where, path)
        _need(self.feedback in FEEDBACKS, f"feedback must be one of {', '.join(FEEDBACKS)}, got {self.feedback!r}", where, path)
        _need(isinstance(self.feedback_layer, int) and not isinstance(self.feedback_layer, bool),
              f"feedback_layer must be an integer, got {self.feedback_layer!r}", where, path)
        if self.feedback != "none":
            _need(self.level == "utterance", "feedback needs an utterance-level task", where, path)
            _need(not self.adversarial, "an adversarial task cannot feed its embedding back", where, path)
            _need(self.feedback != "bottleneck" or self.hidden_dim > 0, "feedback: bottleneck needs hidden_dim > 0", where, path)


@dataclass
class ModelConfig(_Base):
    """The shared trunk and how tasks share it.

    ``type: mlp`` splices ``splice: [left, right]`` frames then stacks ``num_layers``
    affine layers; ``type: tdnn`` takes ``tdnn_contexts``, one list of frame offsets per
    layer (evenly spaced, e.g. ``[-3, 0, 3]``: a dilated 1-D convolution, as Kaldi's TDNN).
    ``sharing: soft`` gives each task its own tower, all started from the same weights, and
    adds ``soft_penalty`` times the mean squared difference per trunk parameter between
    towers (averaged over tower pairs) to the loss: normalised per parameter, so the same
    ``soft_penalty`` means the same pull whatever the network's size.
    """

    type: str = "tdnn"
    hidden_dim: Union[int, List[int]] = 256
    num_layers: int = 4
    splice: List[int] = field(default_factory=lambda: [5, 5])
    tdnn_contexts: List[List[int]] = field(default_factory=lambda: [[-2, -1, 0, 1, 2], [-1, 0, 1], [-1, 0, 1], [-3, 0, 3], [-3, 0, 3], [0]])
    norm: str = "batchnorm"
    dropout: float = 0.0
    input_layer: str = "shared"
    input_dim: int = 0
    sharing: str = "hard"
    soft_penalty: float = 1000.0

    def check(self, where, path):
        w = where or "model"
        _need(self.type in MODEL_TYPES, f"type must be one of {', '.join(MODEL_TYPES)}, got {self.type!r}", w, path)
        _need(self.norm in NORMS, f"norm must be one of {', '.join(NORMS)}, got {self.norm!r}", w, path)
        _need(self.sharing in SHARINGS, f"sharing must be one of {', '.join(SHARINGS)}, got {self.sharing!r}", w, path)
        _need(self.input_layer in INPUT_LAYERS, f"input_layer must be one of {', '.join(INPUT_LAYERS)}", w, path)
        _need(_is_num(self.dropout) and 0 <= self.dropout < 1, "dropout must be in [0, 1)", w, path)
        _need(_is_num(self.soft_penalty) and self.soft_penalty >= 0, "soft_penalty must be >= 0", w, path)
        _need(isinstance(self.input_dim, int) and self.input_dim >= 0, "input_dim must be an integer >= 0", w, path)
        _need(
            isinstance(self.splice, list) and len(self.splice) == 2 and all(isinstance(x, int) and x >= 0 for x in self.splice),
            "splice must be [left, right] with integers >= 0",
            w,
            path,
        )
        _need(isinstance(self.num_layers, int) and self.num_layers >= 1, "num_layers must be an integer >= 1", w, path)
        _need(isinstance(self.tdnn_contexts, list) and len(self.tdnn_contexts) >= 1, "tdnn_contexts must be a non-empty list", w, path)
        for i, ctx in enumerate(self.tdnn_contexts):
            ok = isinstance(ctx, list) and len(ctx) >= 1 and all(isinstance(x, int) for x in ctx)
            if ok and len(ctx) > 1:
                steps = {b - a for a, b in zip(ctx, ctx[1:])}
                ok = len(steps) == 1 and steps.pop() > 0
            _need(ok, f"tdnn_contexts[{i}] must be increasing, evenly spaced integer offsets, got {ctx!r}", w, path)
        n = self.layer_count()
        if isinstance(self.hidden_dim, list):
            _need(len(self.hidden_dim) == n and all(isinstance(x, int) and x > 0 for x in self.hidden_dim),
                  f"hidden_dim must be a positive integer or a list of {n} of them", w, path)
        else:
            _need(isinstance(self.hidden_dim, int) and self.hidden_dim > 0, "hidden_dim must be a positive integer", w, path)

    def layer_count(self) -> int:
        return self.num_layers if self.type == "mlp" else len(self.tdnn_contexts)

    def layer_contexts(self) -> List[List[int]]:
        """Frame offsets of each trunk layer; an MLP is a TDNN whose first layer splices."""
        if self.type == "mlp":
            left, right = self.splice
            return [list(range(-left, right + 1))] + [[0]] * (self.num_layers - 1)
        return [list(c) for c in self.tdnn_contexts]

    def layer_dims(self) -> List[int]:
        n = self.layer_count()
        return list(self.hidden_dim) if isinstance(self.hidden_dim, list) else [self.hidden_dim] * n


@dataclass
class TrainConfig(_Base):
    """Optimisation, sampling, validation and checkpointing.

    ``chunk_len``: frames per training chunk of the frame-level tasks; 0 trains on whole
    utterances (``batch_size`` of them per step, padded). Utterance-level tasks are trained
    as they are used, pooled over whole utterances: with chunked training each step also
    takes an utterance part (see :mod:`mtlhybrid.nnet.chunks`); ``utt_window`` > 0 cuts
    longer utterances there to a random window of that many frames (evaluation still pools
    the whole utterance). ``utt_on_chunks: true`` restores the old behaviour, pooling
    utterance tasks over each training chunk (for comparison only).

    Model selection (``final.pt`` averages ``num_average`` epochs ending at the selected
    one) and early stopping (``patience``, ``min_delta``) use the primary task's held-out
    accuracy or loss (``select_on: acc | loss``), never the total training loss; without
    held-out data ``final.pt`` ends at the last epoch and early stopping watches the
    primary task's training loss.
    """

    epochs: int = 10
    batch_size: int = 32
    chunk_len: int = 50
    utt_window: int = 0
    utt_on_chunks: bool = False
    optimizer: str = "adamw"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9
    schedule: str = "constant"
    warmup_steps: int = 0
    decay: float = 0.5
    min_lr: float = 0.0
    weighting: str = "static"
    log_var_bound: float = 3.0
    grad_clip: float = 0.0
    seed: int = 1
    frame_tolerance: int = 0
    select_on: str = "acc"
    patience: int = 0
    min_delta: float = 0.0
    num_average: int = 1
    save_every_steps: int = 0

    def check(self, where, path):
        w = where or "train"
        _need_ints(self, ("epochs", "batch_size", "num_average"), 1, w, path)
        _need_ints(self, ("chunk_len", "utt_window", "warmup_steps", "seed", "frame_tolerance", "patience",
                          "save_every_steps"), 0, w, path)
        _need(isinstance(self.utt_on_chunks, bool), "utt_on_chunks must be true or false", w, path)
        _need(self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}", w, path)
        _need(self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}", w, path)
        _need(self.select_on in SELECT_ON, f"select_on must be one of {', '.join(SELECT_ON)}, got {self.select_on!r}", w, path)
        _need(self.weighting in WEIGHTINGS, f"weighting must be one of {', '.join(WEIGHTINGS)}, got {self.weighting!r}", w, path)
        for k in ("lr", "weight_decay", "momentum", "decay", "min_lr", "grad_clip", "min_delta"):
            _need(_is_num(getattr(self, k)) and getattr(self, k) >= 0, f"{k} must be a number >= 0", w, path)
        _need(self.lr > 0, "lr must be > 0", w, path)
        _need(_is_num(self.log_var_bound) and self.log_var_bound > 0, "log_var_bound must be a number > 0", w, path)


@dataclass
class AugmentConfig(_Base):
    """On-the-fly training-time augmentation (see :mod:`mtlhybrid.nnet.augment`); all off by default.

    ``freq_warp: 0.1`` warps each chunk's feature axis by a random factor in [0.9, 1.1];
    ``freq_masks``/``time_masks`` spans of up to ``freq_mask_width`` bins /
    ``time_mask_width`` frames are set to the (CMVN) mean, as SpecAugment does.
    """

    freq_warp: float = 0.0
    freq_masks: int = 0
    freq_mask_width: int = 8
    time_masks: int = 0
    time_mask_width: int = 10

    def check(self, where, path):
        w = where or "augment"
        _need(_is_num(self.freq_warp) and 0 <= self.freq_warp < 0.5, "freq_warp must be in [0, 0.5)", w, path)
        _need_ints(self, ("freq_masks", "freq_mask_width", "time_masks", "time_mask_width"), 0, w, path)

    @property
    def active(self) -> bool:
        return self.freq_warp > 0 or (self.freq_masks > 0 and self.freq_mask_width > 0) or (
            self.time_masks > 0 and self.time_mask_width > 0)


@dataclass
class CorpusPaths(_Base):
    """Where one corpus's inputs live: its training data dir, alignment dirs by name, lang."""

    data: Optional[str] = None
    valid_data: Optional[str] = None
    ali: Dict[str, str] = field(default_factory=dict)
    valid_ali: Dict[str, str] = field(default_factory=dict)
    lang: Optional[str] = None

    @classmethod
    def _convert(cls, key, value, where, path):
        if key in ("ali", "valid_ali") and isinstance(value, str):
            return {"ali": value}
        return value

    def check(self, where, path):
        for k in ("ali", "valid_ali"):
            v = getattr(self, k)
            _need(isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), f"{k} must be a path or a mapping name -> path", where, path)


@dataclass
class MtlConfig(_Base):
    """The whole configuration (the YAML file)."""

    tasks: List[TaskConfig]
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    corpora: Dict[str, CorpusPaths] = field(default_factory=dict)

    @classmethod
    def _convert(cls, key, value, where, path):
        if key == "tasks":
            if not isinstance(value, list) or not value:
                raise DataError("tasks must be a non-empty list", path=path)
            return [TaskConfig.from_dict(t, f"tasks[{i}]", path) for i, t in enumerate(value)]
        if key == "model":
            return ModelConfig.from_dict(value, "model", path)
        if key == "train":
            return TrainConfig.from_dict(value, "train", path)
        if key == "augment":
            return AugmentConfig.from_dict(value, "augment", path)
        if key == "corpora":
            if not isinstance(value, dict):
                raise DataError("corpora must be a mapping name -> paths", path=path)
            return {str(k): CorpusPaths.from_dict(v, f"corpora.{k}", path) for k, v in value.items()}
        return value

    def check(self, where, path):
        names = [t.name for t in self.tasks]
        dup = [n for n in names if names.count(n) > 1]
        _need(not dup, f"task name {dup[0] if dup else ''} is used twice", "tasks", path)
        primaries = [t for t in self.tasks if t.primary]
        _need(len(primaries) <= 1, "at most one task can be primary", "tasks", path)
        if not primaries:
            first = next((t for t in self.tasks if not t.adversarial), None)
            _need(first is not None, "at least one task must not be adversarial", "tasks", path)
            first.primary = True
        n = self.model.layer_count()
        for i, t in enumerate(self.tasks):
            _need(-n <= t.layer < n, f"layer {t.layer} is outside the trunk's {n} layers", f"tasks[{i}]", path)
            if t.feedback != "none":
                w = f"tasks[{i}]"
                _need(-n <= t.feedback_layer < n, f"feedback_layer {t.feedback_layer} is outside the trunk's {n} layers", w, path)
                _need(t.feedback_layer % n > t.layer % n, f"feedback_layer {t.feedback_layer} must come after layer {t.layer}", w, path)
                _need(self.model.sharing == "hard", "feedback needs model.sharing: hard", w, path)
                _need(self.train.chunk_len == 0, "feedback pools over what the network sees, at test time the whole "
                      "utterance: train on whole utterances (train.chunk_len: 0)", w, path)
            if self.corpora and t.corpus is not None:
                _need(t.corpus in self.corpora, f"corpus {t.corpus!r} is not in corpora ({', '.join(self.corpora)})", f"tasks[{i}]", path)

    @property
    def primary(self) -> TaskConfig:
        return next(t for t in self.tasks if t.primary)

    def task(self, name: str) -> TaskConfig:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)


def load_config(path: PathLike) -> MtlConfig:
    """Read and validate a YAML config; errors name the key and the file."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise DataError("no such config file", path=path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        raise DataError(f"not valid YAML: {getattr(e, 'problem', e)}", path=path, line=None if line is None else line + 1)
    return MtlConfig.from_dict(raw, "", path)


def config_from_dict(d: Dict[str, Any]) -> MtlConfig:
    """Build a config from a plain dict (tests, checkpoints); the same checks as the YAML path."""
    import copy

    return MtlConfig.from_dict(copy.deepcopy(d), "", None)


def apply_override(raw: Dict[str, Any], assignment: str) -> None:
    """Apply one ``--set key.sub=value`` to a raw (YAML-loaded) config, in place.

    The value is parsed as YAML (``train.lr=0.05`` gives a float, ``model.dims=[256,256]``
    a list); missing mappings on the way are created, so the full config check that
    follows (:meth:`MtlConfig.from_dict`) names a misspelt key.
    """
    import yaml

    key, sep, value = assignment.partition("=")
    if not sep:
        raise DataError(f"--set expects key.sub=value, got {assignment!r}")
    node = raw
    parts = key.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise DataError(f"--set {key}: {p} is not a mapping")
    node[parts[-1]] = yaml.safe_load(value)


def named_alignment_dirs(values: List[str], opt: str) -> Dict[str, str]:
    """``--ali DIR`` / ``--ali NAME=DIR`` values -> name -> dir (a bare DIR is named ``ali``).

    Tasks pick their alignment by name, so a name given twice is an error (``opt`` names
    the option in the message).
    """
    out: Dict[str, str] = {}
    for v in values:
        name, sep, path = v.partition("=")
        if not sep:
            name, path = "ali", v
        if name in out:
            raise DataError(f"{opt}: alignment name {name!r} given twice")
        out[name] = path
    return out
