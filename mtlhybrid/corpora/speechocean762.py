"""Kaldi data dirs and a dict dir for speechocean762 (OpenSLR 101).

speechocean762 is read English by non-native speakers (first language Mandarin), adults
and children, 16 kHz mono. The corpus ships Kaldi-style folders ``train/`` and ``test/``
(``text``, ``wav.scp``, ``utt2spk``, ``spk2utt``, ``spk2age`` in years, ``spk2gender``),
``WAVE/SPEAKERxxxx/<utt>.WAV`` and ``resource/lexicon.txt`` (CMU phones with stress).
``wav.scp`` paths are relative to the corpus folder and are read as given, so a copy whose
audio was converted to FLAC (and its ``wav.scp`` rewritten) works the same; the data dirs
written here hold absolute paths, so that they work from any recipe folder.

What the preparation adds to the corpus's own files:

* ``utt2age_group`` (``child`` at 15 or under, ``adult``) and ``utt2gender``: the labels of
  the multi-task network's utterance-level tasks; ``utt2dur`` from the audio headers;
* a dev set of whole speakers held out of ``train/``, balanced by age group and gender
  (the same number of speakers from each of the four groups, chosen by a seeded draw, so
  a rerun gives the same split). The corpus's ``test/`` becomes the test set untouched;
  nothing in the recipe is tuned on it.

The lexicon (:func:`build_dict_dir`) takes the corpus's own pronunciations first, CMUdict's
for words the corpus lexicon lacks, and letter-to-sound rules for the rest, every source
counted; stress is removed by default (the Kaldi reference system on this corpus did so).
"""

from __future__ import annotations

import random
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from mtlhybrid.data.datadir import DataDir, format_duration
from mtlhybrid.lang.cmudict_lexicon import CmuDict, build_cmudict_dict_dir
from mtlhybrid.lang.dict_dir import DictDir
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]

CHILD_MAX_AGE = 15  # the corpus paper's split of speakers: children are 15 or under
CORPUS_FILES = ("text", "wav.scp", "utt2spk", "spk2age", "spk2gender")
PARTS = ("train", "test")
GET_IT = ("Get it from https://www.openslr.org/101/ (speechocean762.tar.gz) or "
          "https://github.com/jimbozhang/speechocean762, or let the recipe's stage 0 download it.")


@dataclass
class Speaker:
    """One speaker of the corpus, from ``spk2age`` and ``spk2gender``."""

    name: str
    gender: str  # m or f
    age: int

    @property
    def age_group(self) -> str:
        return age_group(self.age)

    @property
    def group(self) -> Tuple[str, str]:
        """The dev split's stratum: (age group, gender)."""
        return (self.age_group, self.gender)

    def to_dict(self) -> dict:
        return {"name": self.name, "gender": self.gender, "age": self.age}

    @classmethod
    def from_dict(cls, d: dict) -> "Speaker":
        return cls(d["name"], d["gender"], int(d["age"]))


@dataclass
class Utterance:
    utt_id: str
    speaker: str
    text: str
    audio: Path


@dataclass
class CorpusPart:
    """One of the corpus's folders (``train/`` or ``test/``), read and cross-checked."""

    name: str
    utterances: List[Utterance] = field(default_factory=list)
    speakers: Dict[str, Speaker] = field(default_factory=dict)

    def subset(self, name: str, speakers: Iterable[str]) -> "CorpusPart":
        keep = set(speakers)
        return CorpusPart(name, [u for u in self.utterances if u.speaker in keep],
                          {s: v for s, v in self.speakers.items() if s in keep})


def age_group(age: int) -> str:
    """``child`` for 15 or under, ``adult`` otherwise."""
    return "child" if age <= CHILD_MAX_AGE else "adult"


def _read_two_columns(path: Path) -> "OrderedDict[str, Tuple[str, int]]":
    """``key value`` lines (tab or space separated) -> key -> (value, line number)."""
    out: "OrderedDict[str, Tuple[str, int]]" = OrderedDict()
    for lineno, line in iter_lines(path):
        fields = line.split(maxsplit=1)
        if not fields:
            continue
        if len(fields) < 2 or not fields[1].strip():
            raise DataError("expected '<key> <value>'", path=path, line=lineno)
        if fields[0] in out:
            raise DataError(f"{fields[0]} is listed twice (first on line {out[fields[0]][1]})", path=path, line=lineno)
        out[fields[0]] = (fields[1].strip(), lineno)
    return out


def check_corpus_dir(corpus_dir: PathLike) -> Path:
    """The corpus folder, or a DataError that says what belongs there and where to get it."""
    corpus_dir = Path(corpus_dir)
    if not (corpus_dir / "train" / "wav.scp").is_file():
        raise DataError(f"speechocean762 not found: expected {corpus_dir}/train/wav.scp (and text, utt2spk, "
                        f"spk2age, spk2gender) and {corpus_dir}/WAVE. {GET_IT}", path=corpus_dir)
    return corpus_dir.resolve()


def read_part(corpus_dir: PathLike, part: str) -> CorpusPart:
    """Read ``<corpus>/<part>/`` and check that its files agree with each other and the audio exists."""
    corpus_dir = Path(corpus_dir).resolve()
    pdir = corpus_dir / part
    for name in CORPUS_FILES:
        if not (pdir / name).is_file():
            raise DataError(f"the corpus's {part}/ folder has no {name}", path=pdir / name)
    tables = {name: _read_two_columns(pdir / name) for name in CORPUS_FILES}
    speakers: Dict[str, Speaker] = {}
    for spk, (gender, lineno) in tables["spk2gender"].items():
        if gender not in ("m", "f"):
            raise DataError(f"gender {gender!r} of speaker {spk} is neither m nor f", path=pdir / "spk2gender", line=lineno)
        if spk not in tables["spk2age"]:
            raise DataError(f"speaker {spk} has no age in spk2age", path=pdir / "spk2gender", line=lineno)
        age, age_line = tables["spk2age"][spk]
        if not age.isdigit():
            raise DataError(f"age {age!r} of speaker {spk} is not a whole number", path=pdir / "spk2age", line=age_line)
        speakers[spk] = Speaker(spk, gender, int(age))
    utts: List[Utterance] = []
    missing: List[str] = []
    for utt, (rel, lineno) in tables["wav.scp"].items():
        if utt not in tables["text"]:
            raise DataError(f"utterance {utt} has no transcript in text", path=pdir / "wav.scp", line=lineno, utt=utt)
        if utt not in tables["utt2spk"]:
            raise DataError(f"utterance {utt} has no speaker in utt2spk", path=pdir / "wav.scp", line=lineno, utt=utt)
        spk = tables["utt2spk"][utt][0]
        if spk not in speakers:
            raise DataError(f"speaker {spk} of {utt} is not in spk2gender", path=pdir / "utt2spk",
                            line=tables["utt2spk"][utt][1], utt=utt)
        audio = Path(rel) if Path(rel).is_absolute() else corpus_dir / rel
        if not audio.is_file():
            missing.append(f"{utt} ({rel})")
        utts.append(Utterance(utt, spk, tables["text"][utt][0].upper(), audio))
    for name in ("text", "utt2spk"):
        extra = [u for u in tables[name] if u not in tables["wav.scp"]]
        if extra:
            raise DataError(f"{len(extra)} utterance(s) of {name} are not in wav.scp, e.g. {extra[0]}", path=pdir / name)
    if missing:
        raise DataError(f"{len(missing)} of {len(utts)} audio files in wav.scp do not exist (paths are relative to "
                        f"{corpus_dir}), e.g. {', '.join(missing[:3])}", path=pdir / "wav.scp")
    if not utts:
        raise DataError("wav.scp is empty", path=pdir / "wav.scp")
    used = {u.speaker for u in utts}
    return CorpusPart(part, utts, {s: v for s, v in speakers.items() if s in used})


def limit_speakers(part: CorpusPart, per_group: int) -> CorpusPart:
    """The first ``per_group`` speakers (in id order) of each (age group, gender): small runs."""
    chosen: List[str] = []
    counts: Counter = Counter()
    for spk in sorted(part.speakers):
        g = part.speakers[spk].group
        if counts[g] < per_group:
            counts[g] += 1
            chosen.append(spk)
    return part.subset(part.name, chosen)


def choose_dev_speakers(speakers: Dict[str, Speaker], per_group: int, seed: int = 0) -> List[str]:
    """``per_group`` speakers from each (age group, gender) stratum, drawn with ``seed``.

    Each stratum keeps at least one speaker for training; a stratum too small for that is
    an error rather than a silently unbalanced dev set.
    """
    if per_group < 1:
        raise DataError(f"dev speakers per group must be at least 1, not {per_group}")
    by_group: Dict[Tuple[str, str], List[str]] = {}
    for spk in sorted(speakers):
        by_group.setdefault(speakers[spk].group, []).append(spk)
    rng = random.Random(seed)
    dev: List[str] = []
    for g in sorted(by_group):
        names = by_group[g]
        if len(names) <= per_group:
            raise DataError(f"only {len(names)} {g[0]} speakers of gender {g[1]}: too few to hold out {per_group} "
                            f"for dev and keep one for training (lower the dev speakers per group)")
        dev += rng.sample(names, per_group)
    return sorted(dev)


def write_data_dir(out: PathLike, part: CorpusPart, with_utt2dur: bool = True) -> DataDir:
    """A validated Kaldi data dir of ``part`` with the age-group and gender labels."""
    from mtlhybrid.data.validate import validate_data_dir

    utts = part.utterances
    dd = DataDir()
    dd.set_table("wav.scp", {u.utt_id: str(u.audio) for u in utts})
    dd.set_table("text", {u.utt_id: u.text for u in utts})
    dd.set_table("utt2spk", {u.utt_id: u.speaker for u in utts})
    dd.regenerate_spk2utt()
    dd.set_table("spk2gender", {s: v.gender for s, v in part.speakers.items()})
    dd.set_table("utt2gender", {u.utt_id: part.speakers[u.speaker].gender for u in utts})
    dd.set_table("utt2age_group", {u.utt_id: part.speakers[u.speaker].age_group for u in utts})
    if with_utt2dur:
        import soundfile as sf

        dur = {}
        for u in utts:
            try:
                info = sf.info(str(u.audio))
            except (RuntimeError, sf.LibsndfileError) as e:
                raise DataError(f"cannot read audio header: {e}", path=u.audio, utt=u.utt_id)
            dur[u.utt_id] = format_duration(info.frames / info.samplerate)
        dd.set_table("utt2dur", dur)
    dd.save(out)
    validate_data_dir(out, no_feats=True)
    return dd


@dataclass
class PrepReport:
    """What was written: per data dir, utterances and speakers per (age group, gender)."""

    parts: Dict[str, dict] = field(default_factory=dict)
    dev_speakers: List[str] = field(default_factory=list)
    has_test: bool = False

    def add(self, name: str, part: CorpusPart) -> None:
        groups = Counter("_".join(part.speakers[u.speaker].group) for u in part.utterances)
        spk_groups = Counter("_".join(s.group) for s in part.speakers.values())
        self.parts[name] = {"utterances": len(part.utterances), "speakers": len(part.speakers),
                            "utterances_per_group": dict(sorted(groups.items())),
                            "speakers_per_group": dict(sorted(spk_groups.items()))}

    def to_dict(self) -> dict:
        return {"parts": self.parts, "dev_speakers": self.dev_speakers, "has_test": self.has_test}

    @classmethod
    def from_dict(cls, d: dict) -> "PrepReport":
        return cls(dict(d["parts"]), list(d["dev_speakers"]), bool(d["has_test"]))

    def summary(self) -> List[str]:
        return [f"{name}: {p['utterances']} utterances, {p['speakers']} speakers ("
                + ", ".join(f"{g} {n}" for g, n in p["speakers_per_group"].items()) + ")"
                for name, p in self.parts.items()]


def prepare_speechocean762(
    corpus_dir: PathLike,
    out_dir: PathLike,
    dev_per_group: int = 4,
    dev_speakers: Optional[Sequence[str]] = None,
    seed: int = 0,
    max_speakers_per_group: Optional[int] = None,
    with_utt2dur: bool = True,
) -> PrepReport:
    """Write ``<out_dir>/train``, ``<out_dir>/dev`` and, when the corpus has ``test/``, ``<out_dir>/test``.

    ``dev_speakers`` overrides the balanced draw of ``dev_per_group`` speakers per
    (age group, gender). ``max_speakers_per_group`` keeps only the first speakers of each
    group in every part (quick runs and tests).
    """
    import json

    from mtlhybrid.utils.io import atomic_write

    corpus_dir = check_corpus_dir(corpus_dir)
    out_dir = Path(out_dir)
    train = read_part(corpus_dir, "train")
    has_test = (corpus_dir / "test" / "wav.scp").is_file()
    test = read_part(corpus_dir, "test") if has_test else None
    if max_speakers_per_group is not None:
        train = limit_speakers(train, max_speakers_per_group)
        test = limit_speakers(test, max_speakers_per_group) if test else None
    if dev_speakers:
        unknown = [s for s in dev_speakers if s not in train.speakers]
        if unknown:
            raise DataError(f"dev speakers not among the training speakers: {' '.join(unknown)}",
                            path=corpus_dir / "train" / "spk2gender")
        dev_list = sorted(dev_speakers)
    else:
        dev_list = choose_dev_speakers(train.speakers, dev_per_group, seed)
    if test is not None:
        shared = sorted(set(test.speakers) & set(train.speakers))
        if shared:
            raise DataError(f"speakers in both train/ and test/: {' '.join(shared[:10])}", path=corpus_dir / "test" / "utt2spk")
    parts = {"train": train.subset("train", set(train.speakers) - set(dev_list)), "dev": train.subset("dev", dev_list)}
    if test is not None:
        parts["test"] = test
    report = PrepReport(dev_speakers=dev_list, has_test=has_test)
    for name, part in parts.items():
        if not part.utterances:
            raise DataError(f"the {name} set would be empty", path=corpus_dir)
        write_data_dir(out_dir / name, part, with_utt2dur)
        report.add(name, part)
    with atomic_write(out_dir / "local" / "speechocean762_prep.json") as f:
        json.dump(report.to_dict(), f, indent=1, sort_keys=True)
        f.write("\n")
    if not has_test:
        logger.info("the corpus folder has no test/: only dev is prepared (the recipe runs on dev alone)")
    return report


# ---------------------------------------------------------------------- lexicon
_STRESS = re.compile(r"[012]$")


def read_corpus_lexicon(path: PathLike, keep_stress: bool, cmu: CmuDict) -> Dict[str, List[List[str]]]:
    """``resource/lexicon.txt`` (``WORD<TAB>PH ON ES``) as word -> distinct pronunciations.

    A few vowels in the corpus lexicon carry no stress digit (``IH``, ``UH``); CMUdict
    always marks one, so with ``keep_stress`` they become unstressed (``IH0``), which keeps
    one phone set for the corpus's and CMUdict's pronunciations. Phones outside CMUdict's
    set are errors naming the line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("no corpus lexicon (expected resource/lexicon.txt of speechocean762)", path=path)
    known = set(cmu.base_phones)
    out: Dict[str, List[List[str]]] = {}
    unmarked = 0
    for lineno, line in iter_lines(path):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 2:
            raise DataError(f"word {fields[0]} has no pronunciation", path=path, line=lineno)
        word, phones = fields[0].upper(), []
        for p in fields[1:]:
            base = _STRESS.sub("", p.upper())
            if base not in known:
                raise DataError(f"phone {p!r} is not a CMUdict phone", path=path, line=lineno)
            if not keep_stress:
                phones.append(base)
            elif base in cmu.vowels and base == p.upper():
                unmarked += 1
                phones.append(base + "0")
            else:
                phones.append(p.upper())
        prons = out.setdefault(word, [])
        if phones not in prons:
            prons.append(phones)
    if unmarked:
        logger.info("%s: %d vowels without a stress digit written as unstressed (0)", path, unmarked)
    return out


class CorpusLexicon(CmuDict):
    """CMUdict lookups that take the corpus's own pronunciations first, counting the source of each word."""

    def __init__(self, lexicon_path: PathLike, keep_stress: bool = False):
        super().__init__(keep_stress)
        self.corpus = read_corpus_lexicon(lexicon_path, keep_stress, self)
        self.sources: Counter = Counter()

    def lookup(self, word: str) -> List[List[str]]:
        if word in self.corpus:
            self.sources["corpus lexicon"] += 1
            return [list(p) for p in self.corpus[word]]
        prons = super().lookup(word)
        if prons:
            self.sources["CMUdict"] += 1
        return prons


def build_dict_dir(words: Iterable[str], lexicon_path: PathLike, keep_stress: bool = False) -> Tuple[DictDir, List[str], Counter]:
    """A dict dir for ``words``: corpus lexicon, then CMUdict, then letter-to-sound rules.

    Returns the DictDir, the words pronounced by rule, and the count of words per source.
    """
    lex = CorpusLexicon(lexicon_path, keep_stress)
    d, by_rule = build_cmudict_dict_dir(words, keep_stress=keep_stress, oov_policy="g2p", cmu=lex)
    sources = Counter(lex.sources)
    if by_rule:
        sources["letter-to-sound rules"] = len(by_rule)
    return d, by_rule, sources
