"""Word error rate between reference and hypothesis transcripts, as Kaldi's compute-wer.

Each utterance is aligned once with kaldialign (Levenshtein, unit costs); the same
alignment gives the utterance's insertion/deletion/substitution counts, the totals and
the per-utterance details (``wer_details/per_utt``), so all of them always agree.

Modes (compute-wer's ``--mode``):

* ``strict``: every reference utterance needs a hypothesis (else an error naming it);
* ``present``: utterances without a hypothesis are not scored (counted as absent);
* ``all``: utterances without a hypothesis are scored as empty hypotheses (all deletions).

Hypotheses for utterances not in the reference are ignored, and counted in the log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

MODES = ("present", "all", "strict")
#: the empty-word symbol in alignments, as Kaldi's score_kaldi.sh passes to align-text
EPS = "***"


@dataclass
class UttScore:
    """One scored utterance: its alignment (``(ref_word, hyp_word)`` with :data:`EPS` for none) and counts."""

    utt: str
    ref: List[str]
    hyp: List[str]
    alignment: List[Tuple[str, str]]
    corr: int
    sub: int
    ins: int
    dels: int

    @property
    def errors(self) -> int:
        return self.sub + self.ins + self.dels

    @property
    def ops(self) -> List[str]:
        """``C``/``S``/``I``/``D`` per alignment column."""
        return [_op(r, h) for r, h in self.alignment]

    def to_dict(self) -> dict:
        return {"utt": self.utt, "ref": list(self.ref), "hyp": list(self.hyp),
                "alignment": [list(p) for p in self.alignment],
                "corr": self.corr, "sub": self.sub, "ins": self.ins, "dels": self.dels}

    @classmethod
    def from_dict(cls, d: dict) -> "UttScore":
        return cls(d["utt"], list(d["ref"]), list(d["hyp"]), [tuple(p) for p in d["alignment"]],
                   d["corr"], d["sub"], d["ins"], d["dels"])


def _op(ref: str, hyp: str) -> str:
    if hyp == EPS:
        return "D"
    if ref == EPS:
        return "I"
    return "C" if ref == hyp else "S"


def _pct(num: int, den: int) -> float:
    """100 * num / den with C's float semantics for den == 0 (nan or inf), as Kaldi prints them."""
    if den:
        return 100.0 * num / den
    return math.nan if num == 0 else math.inf


@dataclass
class WerResult:
    """Totals over the scored utterances, and each utterance's score in reference order."""

    errors: int = 0
    ins: int = 0
    dels: int = 0
    sub: int = 0
    words: int = 0
    sentences: int = 0
    sentence_errors: int = 0
    absent: int = 0
    mode: str = "strict"
    utts: Dict[str, UttScore] = field(default_factory=dict)

    @property
    def wer(self) -> float:
        return _pct(self.errors, self.words)

    @property
    def ser(self) -> float:
        return _pct(self.sentence_errors, self.sentences)

    @property
    def corr(self) -> int:
        return self.words - self.sub - self.dels

    def wer_line(self) -> str:
        """``%WER 12.34 [ 5 / 40, 1 ins, 2 del, 2 sub ]`` (+`` [PARTIAL]`` when some were absent)."""
        partial = " [PARTIAL]" if self.absent else ""
        return (f"%WER {self.wer:.2f} [ {self.errors} / {self.words}, {self.ins} ins, "
                f"{self.dels} del, {self.sub} sub ]{partial}")

    def ser_line(self) -> str:
        return f"%SER {self.ser:.2f} [ {self.sentence_errors} / {self.sentences} ]"

    def scored_line(self) -> str:
        return f"Scored {self.sentences} sentences, {self.absent} not present in hyp."

    def kaldi_text(self) -> str:
        """The three lines compute-wer prints on stdout."""
        return f"{self.wer_line()}\n{self.ser_line()}\n{self.scored_line()}\n"

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("errors", "ins", "dels", "sub", "words", "sentences", "sentence_errors", "absent", "mode")}
        d["utts"] = [u.to_dict() for u in self.utts.values()]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "WerResult":
        r = cls(**{k: d[k] for k in ("errors", "ins", "dels", "sub", "words", "sentences", "sentence_errors", "absent", "mode")})
        r.utts = {u["utt"]: UttScore.from_dict(u) for u in d.get("utts", [])}
        return r


def align_words(ref: Sequence[str], hyp: Sequence[str]) -> List[Tuple[str, str]]:
    """Minimum-edit-distance alignment with :data:`EPS` marking insertions and deletions."""
    import kaldialign

    if not ref and not hyp:
        return []
    return [(str(r), str(h)) for r, h in kaldialign.align(list(ref), list(hyp), EPS)]


def score_utterance(utt: str, ref: Sequence[str], hyp: Sequence[str]) -> UttScore:
    for side, words in (("reference", ref), ("hypothesis", hyp)):
        if EPS in words:
            raise DataError(f"the {side} contains {EPS!r}, the symbol reserved for empty words in alignments", utt=utt)
    ali = align_words(ref, hyp)
    counts = {"C": 0, "S": 0, "I": 0, "D": 0}
    for r, h in ali:
        counts[_op(r, h)] += 1
    return UttScore(utt, list(ref), list(hyp), ali, counts["C"], counts["S"], counts["I"], counts["D"])


def compute_wer(refs: Dict[str, List[str]], hyps: Dict[str, List[str]], mode: str = "present") -> WerResult:
    """Score ``hyps`` against ``refs`` (utterance id -> words) as compute-wer does; see the module doc for modes."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    res = WerResult(mode=mode)
    for utt, ref in refs.items():
        if utt in hyps:
            hyp = hyps[utt]
        else:
            if mode == "strict":
                raise MismatchError(f"no hypothesis for utterance {utt} (mode strict)")
            res.absent += 1
            if mode == "present":
                continue
            hyp = []
        u = score_utterance(utt, ref, hyp)
        res.utts[utt] = u
        res.words += len(ref)
        res.ins += u.ins
        res.dels += u.dels
        res.sub += u.sub
        res.errors += u.errors
        res.sentences += 1
        res.sentence_errors += int(list(ref) != list(hyp))
    extra = [u for u in hyps if u not in refs]
    if extra:
        logger.warning("%d hypotheses have no reference and were not scored (e.g. %s)", len(extra), ", ".join(extra[:5]))
    if res.absent:
        logger.warning("%d reference utterances have no hypothesis (mode %s)", res.absent, mode)
    return res


# ---- reading transcripts given as Kaldi rspecifiers ----------------------------------------


def read_transcripts(spec: str) -> Dict[str, List[str]]:
    """Read ``<utt> <word> <word> ...`` lines (a Kaldi text archive) into utt -> words, in file order.

    ``spec`` is a path, ``-`` (stdin), an rspecifier like ``ark:data/test/text`` or
    ``ark,p:-``, or a command ending in ``|``. An utterance with no words is an empty list.
    Duplicated ids and blank lines are errors naming the line.
    """
    from mtlhybrid.utils.kaldi_io import iter_text_lines, parse_specifier

    parsed = parse_specifier(spec)
    if parsed.is_script:
        raise DataError(f"scp: rspecifiers are not supported for transcripts: {spec!r}")
    path = parsed.target
    lines = iter_text_lines(spec)
    out: Dict[str, List[str]] = {}
    for lineno, line in lines:
        fields = line.split()
        if not fields:
            raise DataError("empty line", path=path, line=lineno)
        utt = fields[0]
        if utt in out:
            raise DataError(f"duplicated utterance id {utt!r}", path=path, line=lineno)
        out[utt] = fields[1:]
    return out
