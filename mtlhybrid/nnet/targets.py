"""Training targets for each task, and the identity a checkpoint keeps of them.

Frame-level targets come from Kaldi alignments (``ali.JOB.gz`` of transition ids beside a
``final.mdl``): the transition model's lookup arrays turn them into senones (pdf ids),
phones, or (phone, HMM state) classes. Utterance-level targets come from a data dir's
``utt2<name>`` file. Each loader returns a :class:`TaskTargets`: the per-utterance
targets plus what the network needs to know about the classes (how many, their names,
and hashes of the lang and tree they came from, so a checkpoint cannot be used with
another lang or tree by mistake).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import iter_lines, kaldi_sorted, read_symbol_table
from mtlhybrid.utils.log import get_logger

PathLike = Union[str, Path]
log = get_logger(__name__)


def file_hash(path: Optional[PathLike]) -> str:
    """sha256 of a file's bytes (first 16 hex digits), or '' when no file is given."""
    if path is None or not Path(path).is_file():
        return ""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@dataclass
class TaskIdentity:
    """What a task's output layer means: checked when a checkpoint meets a lang or tree."""

    num_classes: int
    class_names: List[str] = field(default_factory=list)
    phones_hash: str = ""
    tree_hash: str = ""

    def to_dict(self) -> dict:
        return {"num_classes": self.num_classes, "class_names": list(self.class_names),
                "phones_hash": self.phones_hash, "tree_hash": self.tree_hash}

    @classmethod
    def from_dict(cls, d: dict) -> "TaskIdentity":
        return cls(int(d["num_classes"]), list(d.get("class_names", [])), d.get("phones_hash", ""), d.get("tree_hash", ""))

    def check_against(self, other: "TaskIdentity", task: str, mine: str, theirs: str) -> None:
        """Raise MismatchError naming both sides when ``other`` describes different classes."""
        if self.num_classes != other.num_classes:
            raise MismatchError(f"task {task}: {mine} has {self.num_classes} classes but {theirs} has {other.num_classes}")
        for what in ("phones_hash", "tree_hash"):
            a, b = getattr(self, what), getattr(other, what)
            if a and b and a != b:
                kind = "phones.txt" if what == "phones_hash" else "tree"
                raise MismatchError(f"task {task}: {mine} was built for another {kind} ({a}) than {theirs} ({b})")
        if self.class_names and other.class_names and self.class_names != other.class_names:
            raise MismatchError(f"task {task}: class labels of {mine} ({self.class_names[:5]}...) differ from {theirs} ({other.class_names[:5]}...)")


@dataclass
class TaskTargets:
    """Targets of one task over one set of utterances: utt -> int array [T] (frame) or int."""

    targets: Dict[str, Union[np.ndarray, int]]
    identity: TaskIdentity


def read_alignments(ali_dir: PathLike) -> Dict[str, np.ndarray]:
    """All ``ali.*.gz`` of an alignment dir: utt -> transition ids (int64)."""
    from mtlhybrid.utils.kaldi_io import read_int_vectors

    ali_dir = Path(ali_dir)
    files = sorted(ali_dir.glob("ali.*.gz"), key=lambda p: (len(p.name), p.name))
    if not files:
        raise DataError("no ali.*.gz files in alignment dir", path=ali_dir)
    out: Dict[str, np.ndarray] = {}
    for f in files:
        for utt, vec in read_int_vectors(f):
            if utt in out:
                raise DataError("utterance aligned twice", path=f, utt=utt)
            out[utt] = vec
    return out


def map_alignments(alis: Mapping[str, np.ndarray], lookup: np.ndarray, path: Optional[PathLike] = None) -> Dict[str, np.ndarray]:
    """Map transition ids through a lookup array (tid2pdf, tid2phone, ...); ids out of range are errors."""
    out = {}
    for utt, tids in alis.items():
        tids = np.asarray(tids)
        if tids.size and (tids.min() < 1 or tids.max() >= len(lookup)):
            bad = int(tids[(tids < 1) | (tids >= len(lookup))][0])
            raise MismatchError(f"{path or 'alignment'}: utterance {utt}: transition id {bad} is not in the model (1..{len(lookup) - 1})")
        out[utt] = lookup[tids].astype(np.int64)
    return out


def read_phone_map(path: PathLike, phones: Mapping[str, int]) -> Tuple[Dict[int, int], List[str]]:
    """Read ``<phone> <class>`` lines (symbols): phone id -> class index, class names sorted."""
    pairs = []
    for lineno, line in iter_lines(path):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise DataError(f"expected '<phone> <class>', got {line!r}", path=path, line=lineno)
        if fields[0] not in phones:
            raise DataError(f"phone {fields[0]!r} is not in phones.txt", path=path, line=lineno)
        pairs.append((phones[fields[0]], fields[1]))
    classes = kaldi_sorted({c for _, c in pairs})
    index = {c: i for i, c in enumerate(classes)}
    return {p: index[c] for p, c in pairs}, classes


def position_independent_map(phones: Mapping[str, int]) -> Dict[str, str]:
    """phone symbol -> base phone (``AA1_B`` -> ``AA1``), for word-position-dependent lang dirs."""
    out = {}
    for sym, i in phones.items():
        if i == 0 or sym.startswith("#"):
            continue
        out[sym] = re.sub(r"_[BEIS]$", "", sym)
    return out


def load_alignment_targets(
    ali_dir: PathLike,
    source: str = "pdf",
    phones_txt: Optional[PathLike] = None,
    phone_map: Optional[PathLike] = None,
) -> TaskTargets:
    """Frame targets from an alignment dir (``ali.*.gz`` + ``final.mdl`` + ``tree``).

    ``source`` is ``pdf`` (senones), ``phone`` or ``phone_state``. Phone classes are the
    phone ids of phones.txt (class 0 is ``<eps>``, never a target) unless ``phone_map``
    maps them to a smaller set.
    """
    from mtlhybrid.hmm.model_file import load_model

    ali_dir = Path(ali_dir)
    tm, _ = load_model(ali_dir / "final.mdl")
    alis = read_alignments(ali_dir)
    tree_hash = file_hash(ali_dir / "tree")
    phones_hash = file_hash(phones_txt)
    tid2pdf = np.asarray(tm.tid2pdf, dtype=np.int64)
    tid2phone = np.asarray(tm.tid2phone, dtype=np.int64)
    if source == "pdf":
        return TaskTargets(map_alignments(alis, tid2pdf, ali_dir), TaskIdentity(int(tm.num_pdfs), [], phones_hash, tree_hash))
    names: List[str] = []
    phones = read_symbol_table(phones_txt) if phones_txt else {}
    id2sym = {i: s for s, i in phones.items()}
    if source == "phone":
        if phone_map is not None:
            if not phones:
                raise DataError("a phone_map needs the lang's phones.txt", path=phone_map)
            pmap, names = read_phone_map(phone_map, phones)
            lookup = np.full(len(tid2phone), -1, dtype=np.int64)
            for tid in range(1, len(tid2phone)):
                ph = int(tid2phone[tid])
                if ph not in pmap:
                    raise DataError(f"phone {id2sym.get(ph, ph)} has no entry in the phone map", path=phone_map)
                lookup[tid] = pmap[ph]
            # The mapped classes are named: the names are the identity. Another lang's phones.txt (more
            # disambiguation symbols, another corpus) maps onto the same heads when the names agree.
            return TaskTargets(map_alignments(alis, lookup, ali_dir), TaskIdentity(len(names), names, "", ""))
        n = int(max(tid2phone[1:].max(), max(phones.values(), default=0))) + 1
        names = [id2sym.get(i, str(i)) for i in range(n)] if phones else []
        return TaskTargets(map_alignments(alis, tid2phone, ali_dir), TaskIdentity(n, names, phones_hash, ""))
    if source == "phone_state":
        tid2state = np.asarray(tm.tid2hmm_state, dtype=np.int64)
        pairs = sorted({(int(p), int(s)) for p, s in zip(tid2phone[1:], tid2state[1:])})
        index = {ps: i for i, ps in enumerate(pairs)}
        lookup = np.zeros(len(tid2phone), dtype=np.int64)
        for tid in range(1, len(tid2phone)):
            lookup[tid] = index[(int(tid2phone[tid]), int(tid2state[tid]))]
        names = [f"{id2sym.get(p, p)}.{s}" for p, s in pairs]
        return TaskTargets(map_alignments(alis, lookup, ali_dir), TaskIdentity(len(pairs), names, phones_hash, ""))
    raise DataError(f"unknown alignment target source {source!r}")


def load_utt_labels(data_dir: PathLike, name: str, classes: Optional[Sequence[str]] = None,
                    unknown: str = "error") -> TaskTargets:
    """Utterance labels from ``<data_dir>/utt2<name>``: utt -> class index.

    With ``classes`` given (a trained model's class list) a label outside it is a
    DataError naming the file and line, or with ``unknown="mask"`` left without a label
    and counted in the log: held-out validation speakers have speaker labels no head was
    trained on (a speaker-adversarial task), which can be neither scored nor trained.
    Without ``classes``, the classes are the sorted labels seen. Utterances missing from
    the file simply have no label (their loss is masked).
    """
    path = Path(data_dir) / f"utt2{name}"
    if not path.is_file():
        raise DataError(f"no label file for task {name}", path=path)
    raw: Dict[str, Tuple[str, int]] = {}
    for lineno, line in iter_lines(path):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise DataError(f"expected '<utt> <label>', got {line!r}", path=path, line=lineno)
        if fields[0] in raw:
            raise DataError("duplicated utterance", path=path, line=lineno, utt=fields[0])
        raw[fields[0]] = (fields[1], lineno)
    if classes is None:
        classes = kaldi_sorted({lab for lab, _ in raw.values()})
    index = {c: i for i, c in enumerate(classes)}
    out: Dict[str, int] = {}
    masked = []
    for utt, (lab, lineno) in raw.items():
        if lab not in index:
            if unknown == "mask":
                masked.append(utt)
                continue
            raise DataError(f"label {lab!r} is not one of the model's classes ({', '.join(classes)})", path=path, line=lineno, utt=utt)
        out[utt] = index[lab]
    if masked:
        log.info("%s: %d of %d utterances have a label outside the %d classes trained: no target for them "
                    "(e.g. %s)", path, len(masked), len(raw), len(classes), " ".join(masked[:3]))
    return TaskTargets(out, TaskIdentity(len(classes), list(classes)))


def fit_frame_targets(utt: str, targets: np.ndarray, num_frames: int, tolerance: int, path: Optional[PathLike] = None) -> Tuple[np.ndarray, int]:
    """Make frame targets match the feature frame count, within ``tolerance`` frames.

    Subsampling and edge effects can leave alignments a frame or two off the features;
    within the tolerance the targets are cut, or padded with -100 (ignored by the loss).
    Returns the fitted targets and the absolute difference (for logging). Beyond the
    tolerance the utterance is named in a MismatchError.
    """
    diff = len(targets) - num_frames
    if abs(diff) > tolerance:
        where = f"{path}: " if path else ""
        raise MismatchError(
            f"{where}utterance {utt}: targets have {len(targets)} frames but features have {num_frames} (tolerance {tolerance})"
        )
    if diff > 0:
        targets = targets[:num_frames]
    elif diff < 0:
        targets = np.concatenate([targets, np.full(-diff, -100, dtype=np.int64)])
    return np.asarray(targets, dtype=np.int64), abs(diff)
