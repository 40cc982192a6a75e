"""Build a Kaldi lang dir from a dict dir (the work of Kaldi's ``utils/prepare_lang.sh``).

What it adds to the dictionary, and why:

* Word-position-dependent phones (``AA_B``, ``AA_E``, ``AA_I``, ``AA_S``): the tree can
  then model word-boundary effects, and word boundaries can be recovered from a phone
  alignment (``phones/word_boundary.*``). Silence phones also keep their plain form,
  which is what optional silence between words uses.
* Tree roots and question sets: all position/stress variants of a base phone share one
  root line (``phones/roots.txt``, ``phones/sets.txt``); ``extra_questions.txt`` lets the
  tree split on position and on the source's extra questions (e.g. stress).
* Disambiguation symbols so that L o G is determinizable (see :mod:`.disambig`), plus
  one extra for optional silence in ``L_disambig.fst``.
* Symbol tables, the topology and the two lexicon FSTs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Union

from mtlhybrid.lang.dict_dir import DictDir, LexiconEntry, write_lexicon
from mtlhybrid.lang.disambig import add_lex_disambig
from mtlhybrid.lang.fst_io import write_fst
from mtlhybrid.lang.lexicon_fst import make_lexicon_fst
from mtlhybrid.lang.topo import make_topo_text
from mtlhybrid.utils.errors import DataError, MtlHybridError
from mtlhybrid.utils.io import atomic_write, kaldi_sorted, write_symbol_table
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

PathLike = Union[str, Path]

POSITION_SUFFIXES = ("_B", "_E", "_I", "_S")


@dataclass
class PrepareLangOptions:
    """Options of ``utils/prepare_lang.sh`` (Kaldi's names and defaults)."""

    position_dependent_phones: bool = True
    sil_prob: float = 0.5
    share_silence_phones: bool = False
    num_sil_states: int = 5
    num_nonsil_states: int = 3
    num_extra_phone_disambig_syms: int = 1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PrepareLangOptions":
        return cls(**d)


def position_dependent_lexicon(lexicon: Sequence[LexiconEntry]) -> List[LexiconEntry]:
    """Mark each phone with its place in the word: _S alone, else _B, _I..., _E."""
    out = []
    for e in lexicon:
        ph = e.phones
        if len(ph) == 1:
            new = [ph[0] + "_S"]
        else:
            new = [ph[0] + "_B"] + [p + "_I" for p in ph[1:-1]] + [ph[-1] + "_E"]
        out.append(LexiconEntry(e.word, e.prob, new))
    return out


def phone_map(d: DictDir, position_dependent: bool) -> Dict[str, List[str]]:
    """Base phone -> the phones it becomes in the lang dir (silence keeps its plain form)."""
    m: Dict[str, List[str]] = {}
    for p in d.all_silence:
        m[p] = [p] + [p + s for s in POSITION_SUFFIXES] if position_dependent else [p]
    for p in d.all_nonsilence:
        m[p] = [p + s for s in POSITION_SUFFIXES] if position_dependent else [p]
    return m


def _apply(m: Dict[str, List[str]], line: Iterable[str]) -> List[str]:
    return [q for p in line for q in m[p]]


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    with atomic_write(path) as f:
        for line in lines:
            f.write(line + "\n")


def _ids(table: Dict[str, int], syms: Iterable[str], path: Path) -> List[int]:
    out = []
    for s in syms:
        if s not in table:
            raise DataError(f"symbol {s!r} is not in the symbol table", path=path)
        out.append(table[s])
    return out


def prepare_lang(
    dict_dir: PathLike, oov_word: str, tmp_dir: PathLike, lang_dir: PathLike, opts: PrepareLangOptions = PrepareLangOptions()
) -> None:
    """Write ``lang_dir`` from ``dict_dir``; ``tmp_dir`` keeps the intermediate lexicons."""
    if not 0.0 <= opts.sil_prob < 1.0:
        raise MtlHybridError(f"--sil-prob must be in [0, 1), got {opts.sil_prob}")
    d = DictDir.load(dict_dir)
    tmp, lang = Path(tmp_dir), Path(lang_dir)
    tmp.mkdir(parents=True, exist_ok=True)
    (lang / "phones").mkdir(parents=True, exist_ok=True)
    pdir = lang / "phones"
    pos = opts.position_dependent_phones

    lexicon = position_dependent_lexicon(d.lexicon) if pos else list(d.lexicon)
    write_lexicon(tmp / "lexiconp.txt", lexicon, with_probs=True)
    m = phone_map(d, pos)
    _write_lines(tmp / "phone_map.txt", (" ".join([p] + m[p]) for p in d.all_silence + d.all_nonsilence))

    # Tree roots and sets: one line per base-phone line of the dict dir.
    sets = [_apply(m, line) for line in d.silence_phones + d.nonsilence_phones]
    if opts.share_silence_phones:
        sil_all = [q for line in d.silence_phones for q in _apply(m, line)]
        sets = [sil_all] + [_apply(m, line) for line in d.nonsilence_phones]
        roots = [["not-shared", "not-split"] + sets[0]] + [["shared", "split"] + s for s in sets[1:]]
    else:
        roots = [["shared", "split"] + s for s in sets]
    silence = _apply(m, d.all_silence)
    nonsilence = _apply(m, d.all_nonsilence)
    extra_q = [_apply(m, q) for q in d.extra_questions]
    if pos:
        for suf in POSITION_SUFFIXES:
            extra_q.append([p + suf for p in d.all_nonsilence])
        for suf in ("",) + POSITION_SUFFIXES:
            extra_q.append([p + suf for p in d.all_silence])

    # Disambiguation symbols.
    lex_disambig, max_disambig = add_lex_disambig(lexicon)
    write_lexicon(tmp / "lexiconp_disambig.txt", lex_disambig, with_probs=True)
    ndisambig = max_disambig + opts.num_extra_phone_disambig_syms
    _write_lines(tmp / "lex_ndisambig", [str(ndisambig)])
    disambig = [f"#{k}" for k in range(ndisambig + 1)]
    logger.info(
        "%d words, %d pronunciations, %d phones (+%d disambiguation symbols)",
        len({e.word for e in lexicon}),
        len(lexicon),
        len(silence) + len(nonsilence),
        len(disambig),
    )

    # Symbol tables.
    phone_syms = ["<eps>"] + silence + nonsilence + disambig
    phones = {p: i for i, p in enumerate(phone_syms)}
    write_symbol_table(lang / "phones.txt", list(phones.items()))
    vocab = kaldi_sorted({e.word for e in lexicon})
    word_syms = ["<eps>"] + vocab + ["#0", "<s>", "</s>"]
    words = {w: i for i, w in enumerate(word_syms)}
    write_symbol_table(lang / "words.txt", list(words.items()))
    if oov_word not in words or oov_word in ("<eps>", "#0", "<s>", "</s>"):
        raise DataError(f"OOV word {oov_word!r} is not a word of the lexicon", path=Path(dict_dir) / "lexicon.txt")

    # phones/*.txt
    lists = {
        "silence": silence,
        "nonsilence": nonsilence,
        "optional_silence": [d.optional_silence],
        "disambig": disambig,
        "context_indep": silence,
    }
    for name, syms in lists.items():
        _write_lines(pdir / f"{name}.txt", syms)
        ids = _ids(phones, syms, pdir / f"{name}.txt")
        _write_lines(pdir / f"{name}.int", map(str, ids))
        _write_lines(pdir / f"{name}.csl", [":".join(map(str, ids))])
    for name, rows in (("sets", sets), ("extra_questions", extra_q)):
        _write_lines(pdir / f"{name}.txt", (" ".join(r) for r in rows))
        _write_lines(pdir / f"{name}.int", (" ".join(map(str, _ids(phones, r, pdir / f"{name}.txt"))) for r in rows))
    _write_lines(pdir / "roots.txt", (" ".join(r) for r in roots))
    _write_lines(pdir / "roots.int", (" ".join(r[:2] + [str(i) for i in _ids(phones, r[2:], pdir / "roots.txt")]) for r in roots))
    if pos:
        kinds = {"_B": "begin", "_E": "end", "_I": "internal", "_S": "singleton"}
        wb = [(p, kinds.get(p[-2:], "nonword")) for p in silence + nonsilence]
        _write_lines(pdir / "word_boundary.txt", (f"{p} {k}" for p, k in wb))
        _write_lines(pdir / "word_boundary.int", (f"{phones[p]} {k}" for p, k in wb))
    elif (pdir / "word_boundary.txt").exists():
        for f in ("word_boundary.txt", "word_boundary.int"):
            (pdir / f).unlink(missing_ok=True)

    # Alignment lexicon: "<word> <word> <phones...>", optional silence as <eps>.
    rows = {tuple([e.word, e.word] + e.phones) for e in lexicon}
    rows.add(("<eps>", "<eps>", d.optional_silence))
    align_rows = kaldi_sorted(" ".join(r) for r in rows)
    _write_lines(pdir / "align_lexicon.txt", align_rows)
    _write_lines(
        pdir / "align_lexicon.int",
        (" ".join([str(words[r.split()[0]]), str(words[r.split()[1]])] + [str(phones[p]) for p in r.split()[2:]]) for r in align_rows),
    )

    # OOV and word-level disambiguation symbols.
    _write_lines(lang / "oov.txt", [oov_word])
    _write_lines(lang / "oov.int", [str(words[oov_word])])
    _write_lines(pdir / "wdisambig.txt", ["#0"])
    _write_lines(pdir / "wdisambig_phones.int", [str(phones["#0"])])
    _write_lines(pdir / "wdisambig_words.int", [str(words["#0"])])

    # Topology and lexicon FSTs.
    topo = make_topo_text(
        opts.num_nonsil_states, opts.num_sil_states, [phones[p] for p in nonsilence], [phones[p] for p in silence]
    )
    with atomic_write(lang / "topo") as f:
        f.write(topo)
    sil_phone = d.optional_silence if opts.sil_prob > 0 else None
    L = make_lexicon_fst(lexicon, phones, words, opts.sil_prob, sil_phone)
    write_fst(L, lang / "L.fst")
    Ld = make_lexicon_fst(
        lex_disambig,
        phones,
        words,
        opts.sil_prob,
        sil_phone,
        sil_disambig=f"#{ndisambig}" if opts.sil_prob > 0 else None,
        wdisambig=["#0"],
    )
    write_fst(Ld, lang / "L_disambig.fst")
    logger.info("wrote %s (L.fst: %d states, L_disambig.fst: %d states)", lang, L.num_states, Ld.num_states)
