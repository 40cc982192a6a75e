"""A tiny but complete lang dir + HMM set, for examples, tests and graph debugging.

Graph code is easiest to check on something small enough to print: a handful of words,
a bigram grammar, monophone or "triphone" trees. This module builds one with the real
prepare_lang, G.fst and hmm code, so what it exercises is what recipes run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

PathLike = Union[str, Path]

DIGIT_PRONS: Dict[str, List[str]] = {
    "zero": ["Z", "IH", "R", "OW"],
    "one": ["W", "AH", "N"],
    "two": ["T", "UW"],
    "three": ["TH", "R", "IY"],
    "four": ["F", "AO", "R"],
    "five": ["F", "AY", "V"],
    "oh": ["OW"],
}


@dataclass
class ToySystem:
    lang: object  # LangDir
    topo: object  # Topology
    tree: object  # ContextDependency
    transition_model: object  # TransitionModel


def write_dict_dir(dict_dir: PathLike, prons: Dict[str, List[str]], oov: str = "<unk>") -> None:
    """A Kaldi dict dir: lexicon.txt, silence/nonsilence/optional_silence phone lists."""
    d = Path(dict_dir)
    d.mkdir(parents=True, exist_ok=True)
    phones = sorted({p for pr in prons.values() for p in pr})
    lex = [f"{oov} SPN"] + [f"{w} {' '.join(p)}" for w, p in sorted(prons.items())]
    (d / "lexicon.txt").write_text("\n".join(lex) + "\n")
    (d / "silence_phones.txt").write_text("SIL\nSPN\n")
    (d / "optional_silence.txt").write_text("SIL\n")
    (d / "nonsilence_phones.txt").write_text("\n".join(phones) + "\n")
    (d / "extra_questions.txt").write_text("")


def make_toy_lang(
    work_dir: PathLike,
    sentences: Sequence[Sequence[str]],
    prons: Optional[Dict[str, List[str]]] = None,
    position_dependent: bool = False,
    order: int = 2,
):
    """Dict dir, lang dir (prepare_lang) and G.fst (an n-gram of ``sentences``) under ``work_dir``."""
    from mtlhybrid.lang.grammar_fst import arpa_to_fst
    from mtlhybrid.lang.lang_dir import LangDir
    from mtlhybrid.lang.ngram import estimate_arpa
    from mtlhybrid.lang.prepare_lang import PrepareLangOptions, prepare_lang

    work = Path(work_dir)
    prons = prons or DIGIT_PRONS
    write_dict_dir(work / "dict", prons)
    opts = PrepareLangOptions(position_dependent_phones=position_dependent)
    prepare_lang(work / "dict", "<unk>", work / "lang_tmp", work / "lang", opts)
    lm = estimate_arpa([list(s) for s in sentences], order, vocab=sorted(prons))
    lm.write(work / "lm.arpa")
    arpa_to_fst(work / "lm.arpa", work / "lang" / "G.fst", work / "lang" / "words.txt")
    return LangDir.load(work / "lang")


def left_context_tree(topo, lang, split_class: int = 0):
    """A width-3 tree whose non-silence phones use a different pdf for ``split_class`` after silence.

    Not a trained tree: just enough real context dependency to exercise C and H with
    phone windows (compose_context (3, 1)).
    """
    from mtlhybrid.hmm.tree import PDF_CLASS, ContextDependency, Leaf, Split, Table

    sil = frozenset(list(lang.silence) + [0])
    children = {}
    n = 0
    for phone in topo.phones:
        classes = {}
        for c in range(topo.num_pdf_classes(phone)):
            if c == split_class and phone not in sil:
                classes[c] = Split(0, sil, Leaf(n), Leaf(n + 1))
                n += 2
            else:
                classes[c] = Leaf(n)
                n += 1
        children[phone] = Table(PDF_CLASS, classes)
    return ContextDependency(3, 1, Table(1, children), n)


def make_toy_system(work_dir: PathLike, sentences: Sequence[Sequence[str]], triphone: bool = False, **kw) -> ToySystem:
    """Lang dir plus topology, tree (monophone, or :func:`left_context_tree`) and transition model."""
    from mtlhybrid.hmm.topology import Topology
    from mtlhybrid.hmm.transition_model import TransitionModel
    from mtlhybrid.hmm.tree import monophone_tree

    lang = make_toy_lang(work_dir, sentences, **kw)
    topo = Topology.read(lang.topo_path)
    tree = left_context_tree(topo, lang) if triphone else monophone_tree(topo, lang.roots)
    return ToySystem(lang, topo, tree, TransitionModel(topo, tree))
