"""Loading a Kaldi lang dir (``data/lang``) into one typed object.

Every later stage (topology, trees, graphs, alignment, scoring) needs some of the lang
dir's lists as phone ids; reading them here once, with file-and-line errors, keeps those
stages free of parsing code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Union

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines, read_symbol_table

PathLike = Union[str, Path]

WORD_BOUNDARY_KINDS = ("begin", "end", "internal", "singleton", "nonword")


@dataclass
class Root:
    """One line of ``phones/roots.int``: the phones that share one tree root.

    ``shared``: the HMM states of these phones share one root (one question tree for all
    pdf classes); ``split``: the tree may split that root.
    """

    shared: bool
    split: bool
    phones: List[int]

    def to_dict(self) -> dict:
        return {"shared": self.shared, "split": self.split, "phones": list(self.phones)}

    @classmethod
    def from_dict(cls, d: dict) -> "Root":
        return cls(bool(d["shared"]), bool(d["split"]), [int(p) for p in d["phones"]])


def _read_int_list(path: Path) -> List[int]:
    """Integers, one per line (``phones/*.int`` lists)."""
    out: List[int] = []
    for lineno, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            out.append(int(line.strip()))
        except ValueError:
            raise DataError(f"expected one integer, got {line!r}", path=path, line=lineno)
    return out


def _read_int_lines(path: Path) -> List[List[int]]:
    out: List[List[int]] = []
    for lineno, line in iter_lines(path):
        try:
            out.append([int(x) for x in line.split()])
        except ValueError:
            raise DataError(f"expected integers, got {line!r}", path=path, line=lineno)
    return out


def read_roots(path: PathLike) -> List[Root]:
    """Read ``phones/roots.int``: ``[not-]shared [not-]split <phone ids>`` per line.

    As Kaldi's reader, a blank or malformed line and an empty file are errors; tree
    building (``build_tree --roots``) and :meth:`LangDir.load` both read roots here.
    """
    roots: List[Root] = []
    for lineno, line in iter_lines(path):
        f = line.split()
        if len(f) < 3 or f[0] not in ("shared", "not-shared") or f[1] not in ("split", "not-split"):
            raise DataError(f"expected '[not-]shared [not-]split <phone ids>', got {line!r}", path=path, line=lineno)
        try:
            ids = [int(x) for x in f[2:]]
        except ValueError:
            raise DataError(f"phone ids must be integers (use roots.int, not roots.txt): {line!r}", path=path, line=lineno)
        roots.append(Root(f[0] == "shared", f[1] == "split", ids))
    if not roots:
        raise DataError("roots file is empty", path=path)
    return roots


def _read_word_boundary(path: Path) -> Dict[int, str]:
    out: Dict[int, str] = {}
    for lineno, line in iter_lines(path):
        f = line.split()
        if len(f) != 2 or f[1] not in WORD_BOUNDARY_KINDS:
            raise DataError(f"expected '<phone-id> begin|end|internal|singleton|nonword', got {line!r}", path=path, line=lineno)
        try:
            out[int(f[0])] = f[1]
        except ValueError:
            raise DataError(f"phone id {f[0]!r} is not an integer", path=path, line=lineno)
    return out


@dataclass
class LangDir:
    """A lang dir's symbol tables and phone lists (ids as in phones.txt / words.txt)."""

    phones: Dict[str, int]
    words: Dict[str, int]
    silence: List[int]
    nonsilence: List[int]
    disambig: List[int]
    optional_silence: int
    context_indep: List[int]
    roots: List[Root]
    sets: List[List[int]]
    extra_questions: List[List[int]]
    word_boundary: Dict[int, str]
    oov_word: str
    oov_id: int
    topo_path: str
    path: str

    @property
    def L_path(self) -> str:
        return str(Path(self.path) / "L.fst")

    @property
    def L_disambig_path(self) -> str:
        return str(Path(self.path) / "L_disambig.fst")

    @property
    def G_path(self) -> str:
        return str(Path(self.path) / "G.fst")

    @property
    def word_symbols(self) -> Dict[int, str]:
        """id -> word (inverse of ``words``)."""
        return {i: w for w, i in self.words.items()}

    @property
    def real_phones(self) -> List[int]:
        """Silence and non-silence phone ids, sorted (no <eps>, no disambiguation symbols)."""
        return sorted(self.silence + self.nonsilence)

    def to_dict(self) -> dict:
        return {
            "phones": dict(self.phones),
            "words": dict(self.words),
            "silence": list(self.silence),
            "nonsilence": list(self.nonsilence),
            "disambig": list(self.disambig),
            "optional_silence": self.optional_silence,
            "context_indep": list(self.context_indep),
            "roots": [r.to_dict() for r in self.roots],
            "sets": [list(s) for s in self.sets],
            "extra_questions": [list(q) for q in self.extra_questions],
            "word_boundary": {str(k): v for k, v in self.word_boundary.items()},
            "oov_word": self.oov_word,
            "oov_id": self.oov_id,
            "topo_path": self.topo_path,
            "path": self.path,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "LangDir":
        return cls(
            phones={k: int(v) for k, v in d["phones"].items()},
            words={k: int(v) for k, v in d["words"].items()},
            silence=list(d["silence"]),
            nonsilence=list(d["nonsilence"]),
            disambig=list(d["disambig"]),
            optional_silence=int(d["optional_silence"]),
            context_indep=list(d["context_indep"]),
            roots=[Root.from_dict(r) for r in d["roots"]],
            sets=[list(s) for s in d["sets"]],
            extra_questions=[list(q) for q in d["extra_questions"]],
            word_boundary={int(k): v for k, v in d["word_boundary"].items()},
            oov_word=d["oov_word"],
            oov_id=int(d["oov_id"]),
            topo_path=d["topo_path"],
            path=d["path"],
        )

    @classmethod
    def load(cls, path: PathLike) -> "LangDir":
        """Read a lang dir written by ``utils/prepare_lang.sh`` (ours or Kaldi's)."""
        p = Path(path)
        pd = p / "phones"
        required = [p / "phones.txt", p / "words.txt", p / "topo", p / "oov.txt"] + [
            pd / f"{n}.int" for n in ("silence", "nonsilence", "disambig", "optional_silence", "context_indep", "roots", "sets")
        ]
        for f in required:
            if not f.exists():
                raise DataError("missing file of the lang dir", path=f)
        phones = read_symbol_table(p / "phones.txt")
        words = read_symbol_table(p / "words.txt")
        opt = _read_int_list(pd / "optional_silence.int")
        if len(opt) != 1:
            raise DataError(f"expected exactly one phone id, got {len(opt)}", path=pd / "optional_silence.int")
        oov_lines = [line.strip() for _, line in iter_lines(p / "oov.txt") if line.strip()]
        if len(oov_lines) != 1:
            raise DataError("expected exactly one word", path=p / "oov.txt")
        oov_word = oov_lines[0]
        if oov_word not in words:
            raise DataError(f"OOV word {oov_word!r} is not in words.txt", path=p / "oov.txt", line=1)
        eq = pd / "extra_questions.int"
        wb = pd / "word_boundary.int"
        lang = cls(
            phones=phones,
            words=words,
            silence=_read_int_list(pd / "silence.int"),
            nonsilence=_read_int_list(pd / "nonsilence.int"),
            disambig=_read_int_list(pd / "disambig.int"),
            optional_silence=opt[0],
            context_indep=_read_int_list(pd / "context_indep.int"),
            roots=read_roots(pd / "roots.int"),
            sets=_read_int_lines(pd / "sets.int"),
            extra_questions=_read_int_lines(eq) if eq.exists() else [],
            word_boundary=_read_word_boundary(wb) if wb.exists() else {},
            oov_word=oov_word,
            oov_id=words[oov_word],
            topo_path=str(p / "topo"),
            path=str(p),
        )
        known = set(phones.values())
        for name in ("silence", "nonsilence", "disambig", "context_indep"):
            for i in getattr(lang, name):
                if i not in known:
                    raise DataError(f"phone id {i} is not in phones.txt", path=pd / f"{name}.int")
        return lang

    def word_ids(self, words: List[str], map_oov: bool = True, utt: Optional[str] = None) -> List[int]:
        """Words -> ids; unknown words become the OOV id (``map_oov``) or raise DataError."""
        out = []
        for w in words:
            i = self.words.get(w)
            if i is None:
                if not map_oov:
                    raise DataError(f"word {w!r} is not in {self.path}/words.txt", utt=utt)
                i = self.oov_id
            out.append(i)
        return out
