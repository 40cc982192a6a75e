"""Checks of a lang dir (our ``utils/validate_lang.pl``): the main checks of Kaldi's script.

A broken lang dir shows up late (a tree without some phone, a graph that cannot be
determinized), so it is checked once, right after prepare_lang and format_lm. Every check
collects problems instead of stopping at the first one, so a user sees them all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set, Union

from mtlhybrid.lang.fst_io import iter_arcs, read_fst
from mtlhybrid.utils.errors import MtlHybridError
from mtlhybrid.utils.io import iter_lines, read_symbol_table

PathLike = Union[str, Path]

PHONE_LISTS = ("silence", "nonsilence", "optional_silence", "disambig", "context_indep")


def _lines(path: Path) -> List[str]:
    return [line for _, line in iter_lines(path)]


def _topo_phones(text: str) -> List[int]:
    out: List[int] = []
    for block in re.findall(r"<ForPhones>(.*?)</ForPhones>", text, flags=re.S):
        out += [int(x) for x in block.split()]
    return out


def validate_lang_dir(path: PathLike, check_fsts: bool = True) -> List[str]:
    """Return the problems found in the lang dir at ``path`` (empty when it is sound)."""
    lang = Path(path)
    pd = lang / "phones"
    problems: List[str] = []
    required = [lang / n for n in ("phones.txt", "words.txt", "topo", "oov.txt", "oov.int", "L.fst")]
    required += [pd / f"{n}.{e}" for n in PHONE_LISTS for e in ("txt", "int", "csl")]
    required += [pd / f"{n}.{e}" for n in ("roots", "sets", "extra_questions") for e in ("txt", "int")]
    required += [pd / n for n in ("wdisambig.txt", "wdisambig_phones.int", "wdisambig_words.int")]
    missing = [str(f) for f in required if not f.exists()]
    if missing:
        return [f"missing file {m}" for m in missing]
    try:
        phones = read_symbol_table(lang / "phones.txt")
        words = read_symbol_table(lang / "words.txt")
    except MtlHybridError as e:
        return [str(e)]
    for name, table in (("phones.txt", phones), ("words.txt", words)):
        if table.get("<eps>") != 0:
            problems.append(f"{name}: <eps> must have id 0")
        if sorted(table.values()) != list(range(len(table))):
            problems.append(f"{name}: ids are not 0..{len(table) - 1} without gaps")
    for w in ("#0", "<s>", "</s>"):
        if w not in words:
            problems.append(f"words.txt: {w} is missing")

    lists: Dict[str, List[str]] = {}
    for name in PHONE_LISTS:
        syms = [s for s in _lines(pd / f"{name}.txt") if s.strip()]
        lists[name] = syms
        unknown = [s for s in syms if s not in phones]
        if unknown:
            problems.append(f"phones/{name}.txt: not in phones.txt: {' '.join(unknown[:5])}")
            continue
        ids = [phones[s] for s in syms]
        ints = [int(x) for x in _lines(pd / f"{name}.int") if x.strip()]
        if ints != ids:
            problems.append(f"phones/{name}.int does not match phones/{name}.txt")
        csl = "".join(_lines(pd / f"{name}.csl")).strip()
        if csl != ":".join(map(str, ids)):
            problems.append(f"phones/{name}.csl does not match phones/{name}.txt")
    sil, nonsil, dis = set(lists["silence"]), set(lists["nonsilence"]), set(lists["disambig"])
    if sil & nonsil or sil & dis or nonsil & dis:
        problems.append("silence, nonsilence and disambig phone lists overlap")
    every = set(phones) - {"<eps>"}
    uncovered = every - sil - nonsil - dis
    if uncovered:
        problems.append(f"phones.txt: phones in no list of phones/: {' '.join(sorted(uncovered)[:5])}")
    if not all(s.startswith("#") for s in dis):
        problems.append("phones/disambig.txt: disambiguation symbols must start with #")
    if len(lists["optional_silence"]) != 1 or lists["optional_silence"][0] not in sil:
        problems.append("phones/optional_silence.txt: must hold one silence phone")
    if set(lists["context_indep"]) - sil - nonsil:
        problems.append("phones/context_indep.txt: holds phones that are not real phones")
    real = sil | nonsil

    for name in ("roots", "sets"):
        seen: List[str] = []
        for line in _lines(pd / f"{name}.txt"):
            f = line.split()
            seen += f[2:] if name == "roots" else f
        if sorted(seen) != sorted(real):
            problems.append(f"phones/{name}.txt: must list every real phone exactly once")
    for line in _lines(pd / "extra_questions.txt"):
        bad = [p for p in line.split() if p not in real]
        if bad:
            problems.append(f"phones/extra_questions.txt: not real phones: {' '.join(bad)}")
    wb = pd / "word_boundary.txt"
    if wb.exists():
        covered = set()
        for line in _lines(wb):
            f = line.split()
            if len(f) != 2 or f[1] not in ("begin", "end", "internal", "singleton", "nonword"):
                problems.append(f"phones/word_boundary.txt: bad line {line!r}")
                continue
            covered.add(f[0])
        if covered != real:
            problems.append("phones/word_boundary.txt: must cover every real phone")

    oov = "".join(_lines(lang / "oov.txt")).strip()
    if oov not in words:
        problems.append(f"oov.txt: {oov!r} is not in words.txt")
    elif "".join(_lines(lang / "oov.int")).strip() != str(words[oov]):
        problems.append("oov.int does not match oov.txt")

    topo_ids = _topo_phones((lang / "topo").read_text())
    real_ids = sorted(phones[p] for p in real)
    if sorted(topo_ids) != real_ids:
        problems.append("topo: must list every real phone exactly once")

    if check_fsts:
        problems += _check_fsts(lang, phones, words, {phones[p] for p in dis})
    return problems


def _check_fsts(lang: Path, phones: Dict[str, int], words: Dict[str, int], disambig_ids: Set[int]) -> List[str]:
    problems: List[str] = []
    phone_ids, word_ids = set(phones.values()), set(words.values())
    special = {words[w] for w in ("<s>", "</s>") if w in words}
    for name, allow_disambig in (("L.fst", False), ("L_disambig.fst", True)):
        f = lang / name
        if not f.exists():
            if name == "L_disambig.fst":
                problems.append(f"missing file {f}")
            continue
        fst = read_fst(f)
        if not fst.is_olabel_sorted:
            problems.append(f"{name}: not sorted on output labels")
        for s, il, ol, w, n in iter_arcs(fst):
            if il not in phone_ids or (not allow_disambig and il in disambig_ids and il != 0):
                problems.append(f"{name}: input label {il} is not a phone")
                break
            if ol not in word_ids or ol in special:
                problems.append(f"{name}: output label {ol} is not a word")
                break
    g = lang / "G.fst"
    if g.exists():
        fst = read_fst(g)
        if fst.num_states == 0:
            problems.append("G.fst is empty")
        elif not fst.is_ilabel_sorted:
            problems.append("G.fst: not sorted on input labels")
        for s, il, ol, w, n in iter_arcs(fst):
            if il not in word_ids or ol not in word_ids or il in special or ol in special:
                problems.append(f"G.fst: label {il}:{ol} is not a word of words.txt (or is <s>/</s>)")
                break
    return problems
