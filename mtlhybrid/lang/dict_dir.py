"""Kaldi's dictionary source directory (``data/local/dict``): reading and checking.

A dict dir holds ``lexicon.txt`` (``word phone...``) or ``lexiconp.txt``
(``word prob phone...``), ``silence_phones.txt``, ``nonsilence_phones.txt`` (one *base
phone* per line, its stress/tone variants on the same line), ``optional_silence.txt`` and
``extra_questions.txt``. Everything later (phone ids, tree roots, L.fst) is derived from
it, so every problem is reported here with the file and line at fault rather than
surfacing later as a puzzling graph.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, iter_lines
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

PathLike = Union[str, Path]

#: Words Kaldi reserves for its own use in words.txt.
FORBIDDEN_WORDS = ("<s>", "</s>", "<eps>", "#0")

_POSITION_SUFFIX = re.compile(r"_[BEIS]$")


@dataclass
class LexiconEntry:
    """One pronunciation: ``word``, its probability (1.0 in a plain lexicon.txt) and phones."""

    word: str
    prob: float
    phones: List[str]

    def to_dict(self) -> dict:
        return {"word": self.word, "prob": self.prob, "phones": list(self.phones)}

    @classmethod
    def from_dict(cls, d: dict) -> "LexiconEntry":
        return cls(word=d["word"], prob=float(d["prob"]), phones=list(d["phones"]))


@dataclass
class DictDir:
    """The content of a Kaldi dict dir, in file order (order matters: it fixes phone ids)."""

    lexicon: List[LexiconEntry]
    silence_phones: List[List[str]]
    nonsilence_phones: List[List[str]]
    optional_silence: str
    extra_questions: List[List[str]] = field(default_factory=list)
    path: Optional[str] = None

    @property
    def all_silence(self) -> List[str]:
        return [p for line in self.silence_phones for p in line]

    @property
    def all_nonsilence(self) -> List[str]:
        return [p for line in self.nonsilence_phones for p in line]

    def to_dict(self) -> dict:
        return {
            "lexicon": [e.to_dict() for e in self.lexicon],
            "silence_phones": self.silence_phones,
            "nonsilence_phones": self.nonsilence_phones,
            "optional_silence": self.optional_silence,
            "extra_questions": self.extra_questions,
            "path": self.path,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "DictDir":
        return cls(
            lexicon=[LexiconEntry.from_dict(e) for e in d["lexicon"]],
            silence_phones=[list(x) for x in d["silence_phones"]],
            nonsilence_phones=[list(x) for x in d["nonsilence_phones"]],
            optional_silence=d["optional_silence"],
            extra_questions=[list(x) for x in d.get("extra_questions", [])],
            path=d.get("path"),
        )

    # ------------------------------------------------------------------ reading
    @classmethod
    def load(cls, path: PathLike) -> "DictDir":
        """Read and validate a dict dir; the first problem raises DataError naming file and line."""
        path = Path(path)
        sil = _read_phone_lines(path / "silence_phones.txt", required=True)
        nonsil = _read_phone_lines(path / "nonsilence_phones.txt", required=True)
        seen: Dict[str, str] = {}
        for fname, lines in (("silence_phones.txt", sil), ("nonsilence_phones.txt", nonsil)):
            for lineno, phones in enumerate(lines, start=1):
                for p in phones:
                    if p in seen:
                        raise DataError(f"phone {p!r} is also listed in {seen[p]}", path=path / fname, line=lineno)
                    seen[p] = fname
        opt_path = path / "optional_silence.txt"
        opt_lines = _read_phone_lines(opt_path, required=True)
        if len(opt_lines) != 1 or len(opt_lines[0]) != 1:
            raise DataError("expected exactly one phone on one line", path=opt_path)
        optional = opt_lines[0][0]
        if seen.get(optional) != "silence_phones.txt":
            raise DataError(f"optional silence phone {optional!r} is not in silence_phones.txt", path=opt_path, line=1)
        eq_path = path / "extra_questions.txt"
        extra = _read_phone_lines(eq_path, required=False) if eq_path.exists() else []
        for lineno, phones in enumerate(extra, start=1):
            for p in phones:
                if p not in seen:
                    raise DataError(f"phone {p!r} is not in silence_phones.txt or nonsilence_phones.txt", path=eq_path, line=lineno)
        if (path / "lexiconp.txt").exists():
            lexicon = read_lexicon(path / "lexiconp.txt", with_probs=True, phones=seen)
        elif (path / "lexicon.txt").exists():
            lexicon = read_lexicon(path / "lexicon.txt", with_probs=False, phones=seen)
        else:
            raise DataError("neither lexicon.txt nor lexiconp.txt exists", path=path)
        d = cls(lexicon, sil, nonsil, optional, extra, path=str(path))
        d.check_roots_distinguishable()
        return d

    def check_roots_distinguishable(self) -> None:
        """Phones on one line of nonsilence_phones.txt share a tree root; extra_questions.txt
        must be able to tell them apart, or the tree could never separate them (as Kaldi checks)."""
        qsets = [set(q) for q in self.extra_questions]
        for lineno, line in enumerate(self.nonsilence_phones, start=1):
            for i, p1 in enumerate(line):
                for p2 in line[i + 1 :]:
                    if not any((p1 in q) != (p2 in q) for q in qsets):
                        raise DataError(
                            f"phones {p1} and {p2} share a tree root but no line of extra_questions.txt tells them apart",
                            path=Path(self.path or ".") / "nonsilence_phones.txt",
                            line=lineno,
                        )

    # ------------------------------------------------------------------ writing
    def save(self, path: PathLike, with_probs: bool = False) -> None:
        """Write the dict dir (lexicon.txt, or lexiconp.txt too when ``with_probs``)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        write_lexicon(path / "lexicon.txt", self.lexicon, with_probs=False)
        if with_probs:
            write_lexicon(path / "lexiconp.txt", self.lexicon, with_probs=True)
        for name, lines in (
            ("silence_phones.txt", self.silence_phones),
            ("nonsilence_phones.txt", self.nonsilence_phones),
            ("extra_questions.txt", self.extra_questions),
        ):
            with atomic_write(path / name) as f:
                for line in lines:
                    f.write(" ".join(line) + "\n")
        with atomic_write(path / "optional_silence.txt") as f:
            f.write(self.optional_silence + "\n")


def _check_phone_name(p: str, path: Path, lineno: int) -> None:
    if p.startswith("#") or p == "<eps>" or _POSITION_SUFFIX.search(p):
        raise DataError(
            f"phone {p!r} has a form Kaldi reserves (#..., <eps>, or a _B/_E/_I/_S suffix)", path=path, line=lineno
        )


def _read_phone_lines(path: Path, required: bool) -> List[List[str]]:
    if not path.exists():
        if required:
            raise DataError("file does not exist", path=path)
        return []
    lines: List[List[str]] = []
    seen = set()
    for lineno, line in iter_lines(path):
        fields = line.split()
        if not fields:
            raise DataError("empty line", path=path, line=lineno)
        for p in fields:
            _check_phone_name(p, path, lineno)
            if p in seen:
                raise DataError(f"phone {p!r} is repeated", path=path, line=lineno)
            seen.add(p)
        lines.append(fields)
    if required and not lines:
        raise DataError("file is empty", path=path)
    return lines


def read_lexicon(
    path: PathLike, with_probs: bool = False, phones: Optional[Union[Dict[str, str], Sequence[str]]] = None
) -> List[LexiconEntry]:
    """Read lexicon.txt / lexiconp.txt; every problem names the line.

    ``phones``, when given, is the set of allowed phones: a phone outside it is an error,
    as is a word without a pronunciation, a reserved word (``<s>``, ``</s>``, ``<eps>``,
    ``#0``), a bad probability or a repeated line.
    """
    path = Path(path)
    allowed = set(phones) if phones is not None else None
    entries: List[LexiconEntry] = []
    seen_lines = set()
    for lineno, line in iter_lines(path):
        fields = line.split()
        if not fields:
            raise DataError("empty lexicon line", path=path, line=lineno)
        word = fields[0]
        if word in FORBIDDEN_WORDS:
            raise DataError(f"word {word!r} is reserved and may not be in the lexicon", path=path, line=lineno)
        rest = fields[1:]
        prob = 1.0
        if with_probs:
            if not rest:
                raise DataError(f"word {word!r} has no pronunciation probability", path=path, line=lineno)
            try:
                prob = float(rest[0])
            except ValueError:
                raise DataError(f"pronunciation probability {rest[0]!r} is not a number", path=path, line=lineno)
            if not (0.0 < prob <= 1.0) or math.isnan(prob):
                raise DataError(f"pronunciation probability {prob} is not in (0, 1]", path=path, line=lineno)
            rest = rest[1:]
        if not rest:
            raise DataError(f"word {word!r} has no pronunciation", path=path, line=lineno)
        if allowed is not None:
            for p in rest:
                if p not in allowed:
                    raise DataError(
                        f"phone {p!r} of word {word!r} is not in silence_phones.txt or nonsilence_phones.txt",
                        path=path,
                        line=lineno,
                    )
        key = (word, tuple(rest))
        if key in seen_lines:
            raise DataError(f"pronunciation of {word!r} is repeated", path=path, line=lineno)
        seen_lines.add(key)
        entries.append(LexiconEntry(word, prob, rest))
    if not entries:
        raise DataError("lexicon is empty", path=path)
    return entries


def write_lexicon(path: PathLike, entries: Sequence[LexiconEntry], with_probs: bool = False) -> None:
    with atomic_write(path) as f:
        for e in entries:
            if with_probs:
                f.write(f"{e.word}\t{_fmt_prob(e.prob)}\t{' '.join(e.phones)}\n")
            else:
                f.write(f"{e.word} {' '.join(e.phones)}\n")


def _fmt_prob(p: float) -> str:
    return "1.0" if p == 1.0 else repr(p)
