"""Writing a graph dir as Kaldi's utils/mkgraph.sh leaves it.

``<graph>/HCLG.fst``, ``words.txt``, ``phones.txt``, ``phones/`` (word_boundary, silence,
disambig ... copied from the lang), ``num_pdfs`` and ``disambig_tid.int``. Before any
work the model's phone set is checked against the lang: a graph built from a lang the
model was not trained on would decode garbage without any error.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Union

from mtlhybrid.lang.fst_io import write_fst
from mtlhybrid.graph.hclg import HclgGraph, make_hclg
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import atomic_write, read_symbol_table
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]


def check_model_matches_lang(lang, transition_model, model_dir: PathLike) -> None:
    """MismatchError naming the file if the model's phones are not the lang's."""
    model_dir = Path(model_dir)
    mphones = model_dir / "phones.txt"
    if mphones.is_file():
        theirs = read_symbol_table(mphones)
        if theirs != lang.phones:
            raise MismatchError(f"{mphones} differs from {Path(lang.path) / 'phones.txt'}: the model was trained with another phone set")
    topo_phones = sorted(int(p) for p in transition_model.topo.phones)
    lang_phones = sorted(lang.real_phones)
    if topo_phones != lang_phones:
        extra = sorted(set(topo_phones) - set(lang_phones))[:10]
        missing = sorted(set(lang_phones) - set(topo_phones))[:10]
        raise MismatchError(
            f"{model_dir / 'final.mdl'}: the model's phones do not match {Path(lang.path) / 'phones.txt'} "
            f"(in the model only: {extra}; in the lang only: {missing})"
        )


def mkgraph(lang_dir: PathLike, model_dir: PathLike, graph_dir: PathLike, transition_scale: float = 1.0,
            self_loop_scale: float = 0.1, model_name: str = "final.mdl") -> HclgGraph:
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.hmm.tree import ContextDependency
    from mtlhybrid.lang.lang_dir import LangDir

    lang_dir, model_dir, graph_dir = Path(lang_dir), Path(model_dir), Path(graph_dir)
    for f in (lang_dir / "L_disambig.fst", lang_dir / "G.fst", lang_dir / "phones.txt", lang_dir / "words.txt",
              model_dir / model_name, model_dir / "tree"):
        if not f.is_file():
            raise DataError("no such file", path=f)
    lang = LangDir.load(lang_dir)
    tm, _ = load_model(model_dir / model_name)
    tree = ContextDependency.read(model_dir / "tree")
    check_model_matches_lang(lang, tm, model_dir)
    g = make_hclg(lang, tree, tm, transition_scale=transition_scale, self_loop_scale=self_loop_scale)
    graph_dir.mkdir(parents=True, exist_ok=True)
    write_fst(g.fst, graph_dir / "HCLG.fst")
    for name in ("words.txt", "phones.txt"):
        with atomic_write(graph_dir / name) as f:
            f.write((lang_dir / name).read_text(encoding="utf-8"))
    tmp = graph_dir / ".phones.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(lang_dir / "phones", tmp)
    if (graph_dir / "phones").exists():
        shutil.rmtree(graph_dir / "phones")
    tmp.rename(graph_dir / "phones")
    with atomic_write(graph_dir / "num_pdfs") as f:
        f.write(f"{tm.num_pdfs}\n")
    with atomic_write(graph_dir / "disambig_tid.int") as f:
        f.write("".join(f"{t}\n" for t in g.disambig_tids))
    logger.info("wrote %s (%d states)", graph_dir / "HCLG.fst", g.fst.num_states)
    return g
