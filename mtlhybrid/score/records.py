"""Typed records of a results report, and their JSON form written once.

Every record (one decode dir's score, a number over seeds, a comparison of two systems,
the whole report) is a dataclass deriving from :class:`Record`, whose ``to_dict`` and
``from_dict`` walk the dataclass fields and their type hints. A record therefore needs no
serialization code of its own, and ``results.json`` cannot drift from the dataclasses.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from mtlhybrid.score.details import GroupStats
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write

PathLike = Union[str, Path]
FORMAT = "mtlhybrid.results"
VERSION = 1


def encode(value: Any) -> Any:
    """Dataclasses, dicts and lists as plain JSON values (dataclasses field by field)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(tp: Any, value: Any) -> Any:
    """The inverse of :func:`encode`, guided by the type hint ``tp``."""
    origin = typing.get_origin(tp)
    if value is None:
        return None
    if origin is Union:  # Optional[X]
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return decode(args[0], value) if len(args) == 1 else value
    if origin in (list, List):
        (arg,) = typing.get_args(tp) or (Any,)
        return [decode(arg, v) for v in value]
    if origin in (dict, Dict):
        _, arg = typing.get_args(tp) or (Any, Any)
        return {k: decode(arg, v) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return decode_dataclass(tp, value)
    return value


def decode_dataclass(cls: type, d: Dict[str, Any]) -> Any:
    """``cls`` from a dict of its fields; fields missing from ``d`` take their defaults."""
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: decode(hints[f.name], d[f.name]) for f in dataclasses.fields(cls) if f.name in d}
    return cls(**kwargs)


class Record:
    """Mixin: ``to_dict``/``from_dict`` for a dataclass, from its fields' type hints."""

    def to_dict(self) -> dict:
        return encode(self)

    @classmethod
    def from_dict(cls, d: dict):
        return decode_dataclass(cls, d)




# --------------------------------------------------------------------------- what is read from a decode dir


@dataclass
class AuxScore(Record):
    """An utterance-level head on one test set: accuracy (%) and confusion matrix (rows: reference)."""

    task: str
    accuracy: float
    correct: int
    total: int
    classes: List[str] = field(default_factory=list)
    confusion: List[List[int]] = field(default_factory=list)
    num_missing: int = 0


@dataclass
class UttErrors(Record):
    """One scored utterance at the setting a decode dir is read at: its speaker, errors and reference words.

    The matched-pairs tests (:mod:`.significance`) pair two systems utterance by utterance;
    ``ops`` (the alignment's ``C``/``S``/``I``/``D``, in order) lets MAPSSWE cut the
    utterance into segments as sctk does.
    """

    spk: str
    errors: int
    words: int
    ops: str = ""


@dataclass
class DecodeScore(Record):
    """One decode dir at one LM weight and insertion penalty: WER, per-label counts, auxiliary heads.

    ``tuned_on`` names the test set whose best setting was applied (``dev`` when chosen on
    dev; the test set itself when it picked its own).
    """

    test_set: str
    wer: float
    errors: int
    words: int
    ins: int
    dels: int
    sub: int
    lmwt: str = ""
    wip: str = ""
    per_label: Dict[str, GroupStats] = field(default_factory=dict)
    aux: Dict[str, AuxScore] = field(default_factory=dict)
    tuned_on: str = ""
    utts: Dict[str, UttErrors] = field(default_factory=dict)


@dataclass
class SystemRun(Record):
    """One experiment dir (``exp/nnet_mtl_s2``): its group, seed, kind and decodes by test set."""

    name: str
    group: str
    seed: Optional[int]
    kind: str  # "gmm" or "nnet"
    decodes: Dict[str, DecodeScore] = field(default_factory=dict)


# --------------------------------------------------------------------------- statistics


@dataclass
class Stat(Record):
    """A number over seeds: mean, sample standard deviation (None below 2 values), the values."""

    mean: Optional[float]
    std: Optional[float]
    n: int
    values: List[float] = field(default_factory=list)
    seeds: List[Optional[int]] = field(default_factory=list)


@dataclass
class BootstrapTest(Record):
    """Speaker-block bootstrap of the relative WER change of system B over system A.

    ``relative`` is 100 * (errors_b - errors_a) / errors_a on the matched utterances pooled
    over seeds; ``low``/``high`` its 95% percentile interval over ``resamples`` draws of
    speakers with replacement; ``p_value`` two-sided (twice the smaller share of draws on
    either side of no change, at most 1); all three None with a single speaker.
    """

    relative: float
    low: Optional[float]
    high: Optional[float]
    p_value: Optional[float]
    errors_a: int
    errors_b: int
    words: int
    speakers: int
    utterances: int
    resamples: int


@dataclass
class MapsswTest(Record):
    """Matched-pairs sentence-segment word error test (NIST sctk's MAPSSWE).

    ``z`` is the mean per-segment error difference (B - A) over its standard error;
    ``p_value`` two-sided under the normal approximation. When every segment differs by
    the same amount the standard error is 0: ``z`` is None and ``p_value`` 1 (no difference) or 0.
    ``segmentation`` is ``sctk`` (segments with errors, cut where both systems got two
    adjacent reference words right) or ``utterance`` (one segment per utterance, when the
    alignments were not kept).
    """

    z: Optional[float]
    p_value: float
    mean_difference: float
    segments: int
    segmentation: str = "utterance"


@dataclass
class Gain(Record):
    """Relative WER change (%) of ``system`` over ``baseline`` on one test set, paired by seed.

    Negative means fewer errors than the baseline. ``better`` counts the seeds where the
    system's WER is lower. ``bootstrap`` and ``mapssw`` are the matched-pairs tests over the
    utterances of every paired seed (None when the decode dirs hold no per-utterance scores).
    """

    system: str
    baseline: str
    test_set: str
    relative: Stat
    absolute: Stat
    better: int = 0
    bootstrap: Optional[BootstrapTest] = None
    mapssw: Optional[MapsswTest] = None


@dataclass
class GroupInfo(Record):
    """A row of the tables: systems sharing a name up to ``_s<seed>``."""

    name: str
    kind: str
    runs: List[str] = field(default_factory=list)
    seeds: List[Optional[int]] = field(default_factory=list)


@dataclass
class Results(Record):
    """Everything the report shows; ``results.json`` is :meth:`to_dict` plus a format tag."""

    exp_dir: str
    test_sets: List[str]
    seeds: List[int]
    label: str
    runs: List[SystemRun]
    groups: List[GroupInfo]
    labels: List[str] = field(default_factory=list)           # every label value scored, seen first
    unseen: List[str] = field(default_factory=list)           # label values unseen in training
    unseen_source: str = ""                                    # where ``unseen`` came from
    wer: Dict[str, Dict[str, Stat]] = field(default_factory=dict)          # group -> test -> WER
    label_wer: Dict[str, Dict[str, Stat]] = field(default_factory=dict)    # group -> label -> pooled WER
    label_pooled: Dict[str, Dict[str, Stat]] = field(default_factory=dict)  # group -> seen/unseen/all -> WER
    aux_acc: Dict[str, Dict[str, Dict[str, Stat]]] = field(default_factory=dict)  # group -> task -> test -> acc %
    baseline: Optional[str] = None
    gains: List[Gain] = field(default_factory=list)
    confusion_system: Optional[str] = None
    confusion_task: Optional[str] = None
    confusion: Dict[str, AuxScore] = field(default_factory=dict)  # test -> matrix of confusion_system
    elapsed: Optional[float] = None
    command: str = ""
    created: str = ""
    tune_set: Optional[str] = None  # the test set whose best LM weight and penalty every other one uses

    def group(self, name: str) -> GroupInfo:
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(name)

    def run(self, name: str) -> SystemRun:
        for r in self.runs:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, **encode(self)}

    @classmethod
    def from_dict(cls, d: dict) -> "Results":
        if d.get("format") != FORMAT or d.get("version") != VERSION:
            raise DataError(f"not a {FORMAT} version {VERSION} dict (format {d.get('format')!r}, version {d.get('version')!r})")
        return decode_dataclass(cls, d)

    def save(self, path: PathLike) -> None:
        with atomic_write(path) as f:
            json.dump(self.to_dict(), f, indent=1)
            f.write("\n")

    @classmethod
    def load(cls, path: PathLike) -> "Results":
        path = Path(path)
        if not path.is_file():
            raise DataError("no such file", path=path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise DataError(f"not JSON: {e}", path=path, line=e.lineno)
        try:
            return cls.from_dict(d)
        except DataError as e:
            raise DataError(e.reason, path=path)
