"""A seeded sentence generator for the synthesized multi-accent corpus.

A recipe that trains and decodes in minutes needs text with three properties that no
small free prompt set has together: many distinct sentences (so train and test sentence
pools can be disjoint), a vocabulary of a chosen size that every sentence stays inside
(so the lexicon is closed and CMUdict pronounces every word), and varied sentence shapes
(statements, questions, commands, numbers, lists, subordinate clauses) so the language
model is not trivial. The grammar below is a list of templates whose slots are filled
from word lists shipped in ``mtlhybrid/corpora/wordlists/``.

Words are drawn from shuffled "decks" (each slot's words in a seeded random order,
reshuffled when used up) rather than independently: after ``k`` draws from a slot of ``K``
words every word has been used ``k // K`` or ``k // K + 1`` times, so a modest number of
sentences already covers the whole vocabulary and every word gets training examples.
"""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from mtlhybrid.corpora.synth_accents_text import cmudict_words, number_to_words, ordinal_to_words, starts_with_vowel_sound, year_to_words
from mtlhybrid.utils.errors import DataError, MtlHybridError
from mtlhybrid.utils.io import iter_lines
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

WORDLIST_DIR = Path(__file__).resolve().parent / "wordlists"

# ---------------------------------------------------------------------------------------
# Word lists (open classes): files in wordlists/, every form checked against CMUdict.


@dataclasses.dataclass
class Lexeme:
    """One dictionary word with its inflected forms (noun: sg/pl; verb: base/past/third/ing)."""

    category: str
    forms: Dict[str, str]

    @property
    def lemma(self) -> str:
        return next(iter(self.forms.values()))

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "Lexeme":
        return Lexeme(category=str(d["category"]), forms=dict(d["forms"]))  # type: ignore[arg-type]


def _plural(noun: str) -> str:
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + "s"


def _third(verb: str) -> str:
    if verb in ("go", "do"):
        return verb + "es"
    return _plural(verb)


def _past(verb: str) -> str:
    if verb.endswith("e"):
        return verb + "d"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ied"
    return verb + "ed"


def _ing(verb: str) -> str:
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


#: The word-list files and the category each one fills.
WORDLIST_FILES = {
    "noun": "nouns.txt",
    "adj": "adjectives.txt",
    "adv": "adverbs.txt",
    "name": "names.txt",
    "place": "places.txt",
    "vt": "verbs_transitive.txt",
    "vi": "verbs_intransitive.txt",
}


def _parse_line(category: str, fields: List[str], path: Path, lineno: int) -> Lexeme:
    word = fields[0]
    if category == "noun":
        if len(fields) > 2:
            raise DataError(f"expected '<singular> [<plural>]', got {' '.join(fields)!r}", path=path, line=lineno)
        return Lexeme("noun", {"sg": word, "pl": fields[1] if len(fields) == 2 else _plural(word)})
    if category in ("vt", "vi"):
        forms = {"base": word, "past": _past(word), "third": _third(word), "ing": _ing(word)}
        for extra in fields[1:]:
            key, sep, value = extra.partition("=")
            if not sep or key not in ("past", "third", "ing") or not value:
                raise DataError(f"expected past=, third= or ing=, got {extra!r}", path=path, line=lineno)
            forms[key] = value
        return Lexeme(category, forms)
    if len(fields) != 1:
        raise DataError(f"expected one word a line, got {' '.join(fields)!r}", path=path, line=lineno)
    return Lexeme(category, {"word": word})


def load_wordlists(directory: Union[str, Path, None] = None) -> Dict[str, List[Lexeme]]:
    """Read the open-class word lists; a form CMUdict cannot pronounce is a DataError.

    Failing here (rather than dropping the word) keeps the shipped lists honest: a typo
    or an inflection rule gone wrong ("stoped") is found when the list is edited.
    """
    directory = Path(directory) if directory is not None else WORDLIST_DIR
    vocab = cmudict_words()
    lists: Dict[str, List[Lexeme]] = {}
    for category, fname in WORDLIST_FILES.items():
        path = directory / fname
        if not path.is_file():
            raise DataError("word list missing", path=path)
        seen: Set[str] = set()
        lexemes: List[Lexeme] = []
        for lineno, line in iter_lines(path):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            fields = [f.lower() for f in fields]
            if fields[0] in seen:
                raise DataError(f"duplicated word {fields[0]!r}", path=path, line=lineno)
            seen.add(fields[0])
            lex = _parse_line(category, fields, path, lineno)
            for form in lex.forms.values():
                if form not in vocab:
                    raise DataError(f"{form!r} (a form of {lex.lemma!r}) is not in CMUdict", path=path, line=lineno)
            lexemes.append(lex)
        lists[category] = lexemes
    return lists


# ---------------------------------------------------------------------------------------
# The grammar: closed classes and templates.

#: Closed word classes; a value may itself hold slots ("on {day}").
CLOSED_CLASSES: Dict[str, List[str]] = {
    "det": ["the", "this", "that", "my", "your", "his", "her", "our", "their", "every"],
    "detp": ["the", "these", "those", "my", "your", "our", "their", "some", "many", "all the"],
    "pro": ["i", "you", "we", "they"],
    "he": ["he", "she", "it"],
    "obj": ["me", "him", "her", "us", "them", "you"],
    "day": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "month": ["january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december"],
    "when": ["yesterday", "last night", "this morning", "on {day}", "in {month}", "last week", "at noon",
             "before dinner", "after lunch", "every {day}"],
    "later": ["tomorrow", "next week", "tonight", "on {day}", "in {month}", "after the meeting", "soon",
              "next year", "at {hour} o'clock"],
    "prep": ["in", "on", "under", "behind", "near", "beside", "inside", "above", "below", "across"],
    "modal": ["can", "should", "must", "will", "might", "could", "would"],
    "conj": ["because", "when", "while", "although", "after", "before", "until", "since", "unless"],
    "say": ["said", "thought", "knew", "believed", "heard", "hoped", "told me", "wrote"],
    "minutes": ["fifteen", "thirty", "forty five", "ten", "twenty", "fifty"],
}

#: (shape, template). Slots: open classes noun/noun_pl/adj/adv/name/place, verbs
#: vt/vt_past/vt_third/vt_ing and vi/..., numbers num (two..twenty), bignum (21..999),
#: hour (one..twelve), year, ordinal, the closed classes above, and {a}, which becomes
#: "a" or "an" from the pronunciation of the word after it.
TEMPLATES: List[Tuple[str, str]] = [
    ("statement", "{det} {adj} {noun} {vt_past} {det} {noun}"),
    ("statement", "{name} {vt_past} {a} {adj} {noun} in {place}"),
    ("statement", "{pro} {vt} {detp} {noun_pl} {when}"),
    ("statement", "{he} {vt_third} {det} {noun} {adv}"),
    ("statement", "{detp} {noun_pl} {vi_past} {adv} {when}"),
    ("statement", "{name} and {name} {vi_past} {prep} the {noun}"),
    ("statement", "{det} {noun} is {adj} and {adj}"),
    ("statement", "{detp} {noun_pl} were very {adj} {when}"),
    ("statement", "{name} will {vt} {det} {noun} {later}"),
    ("statement", "there is {a} {adj} {noun} {prep} the {noun}"),
    ("statement", "{name} is {vi_ing} {prep} the {adj} {noun}"),
    ("statement", "{det} {noun} was {vt_ing} {a} {noun} {prep} {place}"),
    ("statement", "{pro} {modal} {vi} {adv} {later}"),
    ("statement", "the {noun} from {place} {vi_third} {adv}"),
    ("question", "did {name} {vt} the {adj} {noun} {when}"),
    ("question", "where is the {adj} {noun}"),
    ("question", "why does {det} {noun} {vi} so {adv}"),
    ("question", "who {vt_past} {detp} {noun_pl} {prep} the {noun}"),
    ("question", "can you {vt} {det} {noun} for {obj}"),
    ("question", "what did {name} {vt} in {place}"),
    ("question", "how many {noun_pl} did {pro} {vt} {when}"),
    ("question", "is {det} {noun} {adj} enough"),
    ("question", "are the {noun_pl} still {vi_ing}"),
    ("question", "when will {name} {vi} {prep} the {noun}"),
    ("command", "please {vt} the {adj} {noun}"),
    ("command", "{vt} {detp} {noun_pl} {adv}"),
    ("command", "do not {vt} the {noun} {later}"),
    ("command", "{vt} the {noun} before {name} {vi_third}"),
    ("command", "let us {vt} {det} {adj} {noun} together"),
    ("command", "never {vt} {a} {noun} {prep} the {noun}"),
    ("number", "{name} {vt_past} {num} {adj} {noun_pl}"),
    ("number", "there were {bignum} {noun_pl} in {place}"),
    ("number", "the train to {place} leaves at {hour} {minutes}"),
    ("number", "{name} was born in {year}"),
    ("number", "{pro} need {num} {noun_pl} by {day}"),
    ("number", "the {noun} costs {bignum} dollars"),
    ("number", "it happened on the {ordinal} of {month}"),
    ("number", "room {bignum} is on the {ordinal} floor"),
    ("list", "{pro} {vt_past} {noun_pl} {noun_pl} and {noun_pl}"),
    ("list", "bring the {noun} the {noun} and the {noun}"),
    ("list", "{name} {name} and {name} {vi_past} {when}"),
    ("list", "the {noun} was {adj} {adj} and {adj}"),
    ("list", "do you want {noun_pl} or {noun_pl}"),
    ("list", "we visited {place} {place} and {place}"),
    ("subordinate", "when {name} {vt_past} the {noun} the {noun} {vi_past}"),
    ("subordinate", "{name} {say} that the {noun} was {adj}"),
    ("subordinate", "{conj} the {noun} was {adj} {pro} {vi_past}"),
    ("subordinate", "if you {vt} the {noun} it will {vi}"),
    ("subordinate", "the {noun} that {name} {vt_past} was {adj}"),
    ("subordinate", "{pro} {vi_past} while the {noun_pl} {vi_past}"),
    ("subordinate", "although it was {adj} {name} {vt_past} the {noun}"),
    ("subordinate", "{name} thinks that {pro} should {vt} the {noun}"),
    ("subordinate", "after {name} {vt_past} the {noun} {he} {vi_past} {adv}"),
]

SHAPES = sorted({shape for shape, _ in TEMPLATES})
_SLOT = re.compile(r"\{([a-z_]+)\}")
_OPEN_SLOTS = {
    "noun": ("noun", "sg"), "noun_pl": ("noun", "pl"),
    "adj": ("adj", "word"), "adv": ("adv", "word"), "name": ("name", "word"), "place": ("place", "word"),
    "vt": ("vt", "base"), "vt_past": ("vt", "past"), "vt_third": ("vt", "third"), "vt_ing": ("vt", "ing"),
    "vi": ("vi", "base"), "vi_past": ("vi", "past"), "vi_third": ("vi", "third"), "vi_ing": ("vi", "ing"),
}


def _number_slot_values() -> Dict[str, List[str]]:
    """Spelled numbers for the number slots (each value a space-separated word string)."""
    return {
        "num": [" ".join(number_to_words(n)) for n in range(2, 21)],
        "bignum": [" ".join(number_to_words(n)) for n in range(21, 1000)],
        "hour": [" ".join(number_to_words(n)) for n in range(1, 13)],
        "year": [" ".join(year_to_words(n)) for n in range(1900, 2030)],
        "ordinal": [" ".join(ordinal_to_words(n)) for n in range(1, 32)],
    }


def closed_vocabulary() -> Set[str]:
    """Every word the grammar itself can produce (template literals, closed classes, numbers)."""
    words: Set[str] = {"a", "an"}
    texts = [t for _, t in TEMPLATES] + [v for vals in CLOSED_CLASSES.values() for v in vals]
    texts += [v for vals in _number_slot_values().values() for v in vals]
    for t in texts:
        words.update(w for w in _SLOT.sub(" ", t).split())
    return words


# ---------------------------------------------------------------------------------------
# The generator.


@dataclasses.dataclass
class GeneratorConfig:
    """What determines the generated text: same config, same sentences."""

    seed: int = 0
    vocab_size: Optional[int] = None  # word types; None: every word in the lists
    min_words: int = 4
    max_words: int = 11
    wordlist_dir: Optional[str] = None

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "GeneratorConfig":
        return GeneratorConfig(**d)  # type: ignore[arg-type]


class _Deck:
    """Draw items in a seeded shuffled order, reshuffling when the deck is used up."""

    def __init__(self, items: Sequence[str], rng: random.Random):
        if not items:
            raise MtlHybridError("empty word class in the sentence grammar")
        self.items = list(items)
        self.rng = rng
        self.order: List[str] = []

    def draw(self) -> str:
        if not self.order:
            self.order = list(self.items)
            self.rng.shuffle(self.order)
        return self.order.pop()


def select_vocabulary(lists: Dict[str, List[Lexeme]], vocab_size: Optional[int], seed: int) -> Dict[str, List[Lexeme]]:
    """Keep a seeded subset of the open-class words so the vocabulary has about ``vocab_size`` types.

    Categories are filled in proportion to their size (the one with the smallest share
    taken gets the next word), so a small vocabulary still has nouns, verbs, names, ...
    Every category keeps at least two words, which sets the smallest possible vocabulary.
    """
    if vocab_size is None:
        return lists
    rng = random.Random(f"vocab-{seed}")
    shuffled = {c: rng.sample(lexs, len(lexs)) for c, lexs in lists.items()}
    types = set(closed_vocabulary())
    taken: Dict[str, List[Lexeme]] = {c: [] for c in lists}

    def add(c: str) -> None:
        lex = shuffled[c][len(taken[c])]
        taken[c].append(lex)
        types.update(lex.forms.values())

    for c in lists:
        for _ in range(min(2, len(shuffled[c]))):
            add(c)
    if len(types) > vocab_size:
        raise MtlHybridError(f"vocabulary size {vocab_size} is too small: the grammar alone needs {len(types)} word types")
    while len(types) < vocab_size:
        open_cats = [c for c in lists if len(taken[c]) < len(shuffled[c])]
        if not open_cats:
            logger.warning("asked for %d word types but the word lists hold only %d", vocab_size, len(types))
            break
        add(min(open_cats, key=lambda c: (len(taken[c]) / len(shuffled[c]), c)))
    return taken


class SentenceGenerator:
    """Generate distinct sentences from the grammar, reproducibly for a config."""

    def __init__(self, config: GeneratorConfig = GeneratorConfig()):
        self.config = config
        lists = load_wordlists(config.wordlist_dir)
        self.lexemes = select_vocabulary(lists, config.vocab_size, config.seed)
        self.rng = random.Random(f"sentences-{config.seed}")
        values: Dict[str, List[str]] = {k: list(v) for k, v in CLOSED_CLASSES.items()}
        values.update(_number_slot_values())
        for slot, (cat, form) in _OPEN_SLOTS.items():
            values[slot] = sorted({lex.forms[form] for lex in self.lexemes[cat]})
        self._decks = {slot: _Deck(v, self.rng) for slot, v in values.items()}
        self._templates = _Deck([str(i) for i in range(len(TEMPLATES))], self.rng)

    @property
    def vocabulary(self) -> List[str]:
        """Every word type (upper-case, sorted) a generated sentence can contain."""
        words = set(closed_vocabulary())
        for lexs in self.lexemes.values():
            for lex in lexs:
                words.update(lex.forms.values())
        return sorted(w.upper() for w in words)

    def _expand(self, template: str) -> List[str]:
        out: List[str] = []
        for tok in template.split():
            m = _SLOT.fullmatch(tok)
            if m is None:
                out.append(tok)
            elif m.group(1) == "a":
                out.append("{a}")
            else:
                out.extend(self._expand(self._decks[m.group(1)].draw()))
        return out

    def sentence(self) -> Tuple[str, List[str]]:
        """One sentence: (shape, upper-case words); length not checked."""
        shape, template = TEMPLATES[int(self._templates.draw())]
        words = self._expand(template)
        for i, w in enumerate(words):
            if w == "{a}":
                words[i] = "an" if i + 1 < len(words) and starts_with_vowel_sound(words[i + 1]) else "a"
        return shape, [w.upper() for w in words]

    def generate(self, n: int, exclude: Iterable[str] = (), max_tries_per_sentence: int = 200) -> List[List[str]]:
        """``n`` distinct sentences (upper-case word lists) within the length limits.

        Sentences whose text is in ``exclude`` (space-joined upper-case words) are
        skipped, so disjoint pools can be drawn one after another from one generator.
        """
        seen = set(exclude)
        out: List[List[str]] = []
        tries = 0
        while len(out) < n:
            tries += 1
            if tries > max_tries_per_sentence * max(n, 1):
                raise MtlHybridError(
                    f"could not generate {n} distinct sentences of {self.config.min_words}-{self.config.max_words} words "
                    f"(got {len(out)}): use a larger vocabulary or looser length limits"
                )
            _, words = self.sentence()
            if not self.config.min_words <= len(words) <= self.config.max_words:
                continue
            key = " ".join(words)
            if key in seen:
                continue
            seen.add(key)
            out.append(words)
        return out
