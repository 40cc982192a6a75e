"""A Kaldi data directory held as a set of text tables.

A data dir is a folder of ``<key> <value...>`` tables (``wav.scp``, ``text``, ``utt2spk``,
``spk2utt``, ``segments``, ``utt2dur``, ``feats.scp``, ``cmvn.scp``, ``spk2gender``, label
files ``utt2<name>`` ...). Every tool that reshapes a data dir (fix, subset, split, copy,
combine) needs to know which key each file is indexed by, so that a file it has never
heard of (``utt2accent``, ``utt2emotion``) still travels with its utterances. That
knowledge lives here, in :func:`file_index`, and :meth:`DataDir.subset` applies it.

Tables are read lazily and cached: most tools touch two or three files of a directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Union

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, kaldi_sorted, read_table, write_table
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

PathLike = Union[str, Path]

#: utt2<name> files that are not labels of an auxiliary task (durations, frame counts, ids).
NON_LABEL_UTT_FILES = frozenset({"utt2spk", "utt2dur", "utt2num_frames", "utt2uniq", "utt2warp"})
#: Scalar (non-table) files copied as they are.
SCALAR_FILES = ("frame_shift",)

UTT, SPK, RECO = "utt", "spk", "reco"


def file_index(name: str, has_segments: bool) -> Optional[str]:
    """Which id a data-dir file is keyed by: ``"utt"``, ``"spk"``, ``"reco"``, or None.

    None means "not a table of this directory" (``frame_shift``, ``conf/``, ``split4/``...).
    ``wav.scp`` is keyed by recording when a ``segments`` file exists, by utterance
    otherwise, exactly as Kaldi reads it.
    """
    if name == "wav.scp":
        return RECO if has_segments else UTT
    if name in ("text", "segments", "feats.scp", "vad.scp") or (name.startswith("utt2") and len(name) > 4):
        return UTT
    if name == "cmvn.scp" or (name.startswith("spk2") and len(name) > 4):
        return SPK
    if name.startswith("reco2") and len(name) > 5:
        return RECO
    return None


def is_table_name(name: str) -> bool:
    """True for names that look like data-dir tables (no dots except ``.scp``, no backups)."""
    if name.startswith(".") or name.endswith((".tmp", ".bak", "~")):
        return False
    if "." in name and not name.endswith(".scp"):
        return False
    return file_index(name, has_segments=False) is not None


def format_seconds(x: float) -> str:
    """Times in ``segments``: millisecond precision, at least two decimals (``0.00``, ``1.235``).

    One canonical format in every writer is what makes data dir -> lhotse -> data dir
    give byte-identical files.
    """
    s = f"{round(x, 3):.3f}"
    if s.endswith("0"):
        s = s[:-1]
    return s


def format_duration(x: float) -> str:
    """Durations in ``utt2dur``/``reco2dur`` as Kaldi's wav-to-duration prints them (6 significant digits)."""
    return f"{x:.6g}"


@dataclass
class Segment:
    """One line of ``segments``: the utterance is [start, end) seconds of ``recording_id``."""

    recording_id: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict:
        return {"recording_id": self.recording_id, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Segment":
        return cls(str(d["recording_id"]), float(d["start"]), float(d["end"]))


def spk2utt_from_utt2spk(utt2spk: Mapping[str, str]) -> Dict[str, List[str]]:
    """Invert utt2spk; utterances of a speaker keep utt2spk's order (Kaldi's utt2spk_to_spk2utt.pl)."""
    out: Dict[str, List[str]] = {}
    for utt, spk in utt2spk.items():
        out.setdefault(spk, []).append(utt)
    return out


class DataDir:
    """A Kaldi data directory: tables read lazily from ``path`` or set in memory.

    ``dd.table("utt2accent")`` gives the raw table (key -> rest of line, None when the file
    does not exist); the typed properties (``wav_scp``, ``text``, ``utt2spk``, ``spk2utt``,
    ``segments``, ``utt2dur``, ``feats_scp``, ``cmvn_scp``, ``spk2gender``) parse the common
    ones. ``set_table`` replaces a table in memory; ``save`` writes the whole directory.
    """

    def __init__(self, path: Optional[PathLike] = None):
        self.path: Optional[Path] = Path(path) if path is not None else None
        self._tables: Dict[str, Optional[Dict[str, str]]] = {}
        self._scalars: Dict[str, str] = {}
        self._names: Optional[List[str]] = None  # table names present on disk

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: PathLike) -> "DataDir":
        path = Path(path)
        if not path.is_dir():
            raise DataError("no such data directory", path=path)
        dd = cls(path)
        for name in SCALAR_FILES:
            f = path / name
            if f.is_file():
                dd._scalars[name] = f.read_text(encoding="utf-8")
        return dd

    def _disk_names(self) -> List[str]:
        if self._names is None:
            if self.path is None:
                self._names = []
            else:
                self._names = [p.name for p in self.path.iterdir() if p.is_file() and is_table_name(p.name)]
        return self._names

    def table_names(self) -> List[str]:
        """Names of the tables this directory has (on disk or set in memory), sorted."""
        names = set(self._disk_names())
        for k, v in self._tables.items():
            if v is None:
                names.discard(k)
            else:
                names.add(k)
        return kaldi_sorted(names)

    def has(self, name: str) -> bool:
        return name in self.table_names()

    def table(self, name: str) -> Optional[Dict[str, str]]:
        """The table ``name`` as key -> rest of line, or None if the directory lacks it."""
        if name in self._tables:
            return self._tables[name]
        if self.path is None or name not in self._disk_names():
            return None
        min_fields = {"utt2spk": 2, "segments": 4}.get(name, 2)
        t = read_table(self.path / name, min_fields=min_fields, allow_empty_value=(name == "text"))
        self._tables[name] = t
        return t

    def set_table(self, name: str, table: Optional[Mapping[str, object]]) -> None:
        """Replace (or with None remove) a table in memory; values become strings."""
        if table is None:
            self._tables[name] = None
            return
        out: Dict[str, str] = {}
        for k, v in table.items():
            out[k] = " ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v)
        self._tables[name] = out

    def load_all(self) -> "DataDir":
        """Read every table now (before the source directory gets overwritten)."""
        for name in self.table_names():
            self.table(name)
        return self

    # ------------------------------------------------------------ typed views
    @property
    def wav_scp(self) -> Optional[Dict[str, str]]:
        return self.table("wav.scp")

    @property
    def text(self) -> Optional[Dict[str, str]]:
        return self.table("text")

    @property
    def utt2spk(self) -> Optional[Dict[str, str]]:
        return self.table("utt2spk")

    @property
    def spk2utt(self) -> Optional[Dict[str, List[str]]]:
        t = self.table("spk2utt")
        return None if t is None else {k: v.split() for k, v in t.items()}

    @property
    def segments(self) -> Optional[Dict[str, Segment]]:
        t = self.table("segments")
        if t is None:
            return None
        out = {}
        for utt, v in t.items():
            f = v.split()
            try:
                out[utt] = Segment(f[0], float(f[1]), float(f[2]))
            except (ValueError, IndexError):
                raise DataError(f"expected '<utt> <recording> <start> <end>', got {utt} {v}", path=self._p("segments"), utt=utt)
        return out

    @property
    def utt2dur(self) -> Optional[Dict[str, float]]:
        return self._floats("utt2dur")

    @property
    def reco2dur(self) -> Optional[Dict[str, float]]:
        return self._floats("reco2dur")

    @property
    def feats_scp(self) -> Optional[Dict[str, str]]:
        return self.table("feats.scp")

    @property
    def cmvn_scp(self) -> Optional[Dict[str, str]]:
        return self.table("cmvn.scp")

    @property
    def spk2gender(self) -> Optional[Dict[str, str]]:
        return self.table("spk2gender")

    @property
    def frame_shift(self) -> Optional[float]:
        s = self._scalars.get("frame_shift")
        return float(s.strip()) if s is not None and s.strip() else None

    def set_scalar(self, name: str, value: Optional[str]) -> None:
        if value is None:
            self._scalars.pop(name, None)
        else:
            self._scalars[name] = value if value.endswith("\n") else value + "\n"

    def _p(self, name: str) -> str:
        return str(self.path / name) if self.path is not None else name

    def _floats(self, name: str) -> Optional[Dict[str, float]]:
        t = self.table(name)
        if t is None:
            return None
        out = {}
        for k, v in t.items():
            try:
                out[k] = float(v)
            except ValueError:
                raise DataError(f"value {v!r} is not a number", path=self._p(name), utt=k)
        return out

    @property
    def utt_ids(self) -> List[str]:
        """Utterance ids, from utt2spk (Kaldi's primary list), in sorted order."""
        t = self.utt2spk
        if t is None:
            raise DataError("no utt2spk in data directory", path=self._p("utt2spk"))
        return kaldi_sorted(t.keys())

    @property
    def speakers(self) -> List[str]:
        t = self.utt2spk
        if t is None:
            raise DataError("no utt2spk in data directory", path=self._p("utt2spk"))
        return kaldi_sorted(set(t.values()))

    def label_names(self) -> List[str]:
        """Names of auxiliary-task label files present: ``utt2accent`` -> ``accent``."""
        return [n[4:] for n in self.table_names() if n.startswith("utt2") and n not in NON_LABEL_UTT_FILES]

    def labels(self, name: str) -> Dict[str, str]:
        """Labels of task ``name`` from ``utt2<name>`` (utterance -> one-token label)."""
        fname = name if name.startswith("utt2") else f"utt2{name}"
        t = self.table(fname)
        if t is None:
            raise DataError(f"no label file {fname} in data directory", path=self._p(fname))
        return t

    # --------------------------------------------------------------- reshaping
    def index_of(self, name: str) -> Optional[str]:
        return file_index(name, has_segments=self.has("segments"))

    def subset(self, utts: Iterable[str]) -> "DataDir":
        """A new in-memory DataDir with only ``utts`` (those utt2spk has) and what they need.

        Utterance-keyed files are filtered to the utterances, spk2utt is rebuilt from the
        filtered utt2spk, speaker-keyed files keep the remaining speakers and, with
        segments, recording-keyed files keep the recordings still referred to.
        """
        self.load_all()
        keep = set(utts)
        utt2spk = self.utt2spk or {}
        keep &= set(utt2spk)
        out = DataDir()
        out._scalars = dict(self._scalars)
        new_utt2spk = {u: s for u, s in utt2spk.items() if u in keep}
        speakers = set(new_utt2spk.values())
        recos: Optional[set] = None
        if self.has("segments"):
            recos = {self.table("segments")[u].split()[0] for u in keep if u in self.table("segments")}
        for name in self.table_names():
            t = self.table(name)
            idx = self.index_of(name)
            if name == "spk2utt":
                continue
            if idx == UTT:
                out.set_table(name, {k: v for k, v in t.items() if k in keep})
            elif idx == SPK:
                out.set_table(name, {k: v for k, v in t.items() if k in speakers})
            elif idx == RECO:
                out.set_table(name, {k: v for k, v in t.items() if recos is None or k in recos})
        out.set_table("utt2spk", new_utt2spk)
        out.regenerate_spk2utt()
        return out

    def regenerate_spk2utt(self) -> None:
        """spk2utt from utt2spk (the primary of the two, as in Kaldi), utterances sorted."""
        utt2spk = self.utt2spk or {}
        s2u = spk2utt_from_utt2spk({u: utt2spk[u] for u in kaldi_sorted(utt2spk)})
        self.set_table("spk2utt", s2u)

    # ----------------------------------------------------------------- saving
    def save(self, path: Optional[PathLike] = None, clean: bool = True) -> Path:
        """Write every table (sorted, atomically) and scalar file to ``path``.

        With ``clean``, data-dir tables already in ``path`` that this DataDir does not
        have are removed, so the directory never mixes old and new utterance lists.
        """
        dest = Path(path) if path is not None else self.path
        if dest is None:
            raise ValueError("DataDir.save needs a path")
        self.load_all()
        dest.mkdir(parents=True, exist_ok=True)
        names = self.table_names()
        for name in names:
            write_table(dest / name, self.table(name))
        for name, value in self._scalars.items():
            with atomic_write(dest / name) as f:
                f.write(value)
        if clean:
            for p in dest.iterdir():
                if p.is_file() and is_table_name(p.name) and p.name not in names:
                    logger.info("removing stale %s (not part of the new data directory)", p)
                    os.unlink(p)
            for name in SCALAR_FILES:
                if name not in self._scalars and (dest / name).is_file():
                    os.unlink(dest / name)
        self.path = dest
        self._names = None
        return dest

    def to_dict(self) -> dict:
        """Every table and scalar file in memory (reads them all); for tests and small dirs."""
        self.load_all()
        return {
            "path": str(self.path) if self.path is not None else None,
            "tables": {n: dict(self.table(n)) for n in self.table_names()},
            "scalars": dict(self._scalars),
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> "DataDir":
        dd = cls()
        for name, t in d.get("tables", {}).items():
            dd.set_table(name, t)
        for name, v in d.get("scalars", {}).items():
            dd.set_scalar(name, v)
        if d.get("path"):
            dd.path = Path(d["path"])
            dd._names = []  # everything is in memory already
        return dd

    def __repr__(self) -> str:
        return f"DataDir({str(self.path) if self.path else '<memory>'}, tables={self.table_names()})"
