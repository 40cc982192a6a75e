"""HCLG, H and self-loops on a tiny digit lexicon and bigram grammar (built with the real prepare_lang)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

kaldifst = pytest.importorskip("kaldifst")

from mtlhybrid.align.aligner import equal_align
from mtlhybrid.graph.fst_arrays import fst_to_arcs
from mtlhybrid.lang.fst_io import read_fst
from mtlhybrid.graph.h_transducer import make_h_transducer
from mtlhybrid.graph.hclg import make_clg, make_hclg, make_lg
from mtlhybrid.testing.toy_graph import make_toy_system
from mtlhybrid.graph.train_graphs import TrainingGraphCompiler
from mtlhybrid.graph.transitions import TransitionTables

SENTS = [["one", "two", "three"], ["four", "five"], ["oh", "zero", "one"], ["two", "two", "oh"]]


@pytest.fixture(scope="module", params=[False, True], ids=["mono", "tri"])
def system(request, tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    s = make_toy_system(tmp_path_factory.mktemp("toy"), SENTS, triphone=request.param)
    return s, make_hclg(s.lang, s.tree, s.transition_model)


def _words_of_tids(hclg, tids):
    """Output words of the best HCLG path reading exactly ``tids`` (None if HCLG rejects them)."""
    acc = kaldifst.make_linear_acceptor([int(t) for t in tids])
    kaldifst.arcsort(acc, sort_type="olabel")
    comp = kaldifst.compose(acc, hclg)
    if comp.num_states == 0:
        return None
    ok, _, olabels, _ = kaldifst.get_linear_symbol_sequence(kaldifst.shortest_path(comp, n=1))
    assert ok
    return list(olabels)


def test_hclg_accepts_transition_ids_of_a_known_word_sequence(system):
    s, g = system
    comp = TrainingGraphCompiler.from_lang(s.lang, s.tree, s.transition_model)
    ref = ["oh", "zero", "one"]
    ids = [s.lang.words[w] for w in ref]
    tids = equal_align(comp.compile("u1", ref), 120, utt="u1")
    assert tids is not None
    assert len(tids) == 120
    assert _words_of_tids(g.fst, tids) == ids
    # A word sequence the grammar allows also decodes; a corrupted sequence is rejected.
    bad = np.array(tids)
    bad[5:] = bad[5]  # stays in one HMM state, never finishes the utterance
    assert _words_of_tids(g.fst, bad) is None


def test_hclg_labels_and_self_loops(system):
    s, g = system
    tb = TransitionTables.from_model(s.transition_model)
    arcs = fst_to_arcs(g.fst)
    assert arcs.ilabel.max() <= tb.num_tids  # disambiguation symbols are gone
    assert g.disambig_tids
    assert min(g.disambig_tids) == tb.num_tids + 1
    loops = arcs.src == arcs.dst
    assert loops.any()
    assert np.all(tb.is_self_loop[arcs.ilabel[loops]])
    # Kaldi's self-loop cost: -0.1 * log(0.75) for the 3-state non-silence topology.
    np.testing.assert_allclose(np.unique(np.round(arcs.weight[loops], 5)).min(), -0.1 * np.log(0.75), atol=1e-4)
    # every non-loop tid arc is a forward transition
    fwd = (~loops) & (arcs.ilabel > 0)
    assert not np.any(tb.is_self_loop[arcs.ilabel[fwd]])


def test_h_transducer_has_one_hmm_per_context_window(system):
    s, _ = system
    L = read_fst(s.lang.L_disambig_path)
    G = read_fst(s.lang.G_path)
    clg, info = make_clg(make_lg(L, G), s.tree.context_width, s.tree.central_position, s.lang.disambig)
    H = make_h_transducer(info, s.tree, s.transition_model)
    arcs = fst_to_arcs(H.fst)
    n_disambig = sum(1 for w in info[1:] if len(w) == 1 and w[0] <= 0)
    assert len(H.disambig_tids) == n_disambig
    # every C label is an output of H, only on arcs leaving the start state (several for the
    # silence HMM, whose first state has three forward transitions)
    outs = arcs.olabel[arcs.olabel > 0]
    assert sorted(set(outs.tolist())) == list(range(1, len(info)))
    assert np.all(arcs.src[arcs.olabel > 0] == 0)
    # no HMM self-loops yet (the only loops are the disambiguation symbols on the start state)
    loops = arcs.src == arcs.dst
    assert np.all(np.isin(arcs.ilabel[loops], H.disambig_tids))


def test_mkgraph_script_writes_graph_dir_and_checks_phones(system, tmp_path, repo_root, script_env):
    from mtlhybrid.hmm.model_file import save_model

    s, _ = system
    if s.tree.context_width != 1:
        pytest.skip("the script is checked once, on the monophone system")
    mdir = tmp_path / "mono"
    mdir.mkdir()
    save_model(mdir / "final.mdl", s.transition_model)
    s.tree.write(mdir / "tree")
    gdir = tmp_path / "graph"
    r = subprocess.run([str(repo_root / "utils/mkgraph.sh"), s.lang.path, str(mdir), str(gdir)], env=script_env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for f in ("HCLG.fst", "words.txt", "phones.txt", "num_pdfs", "disambig_tid.int"):
        assert (gdir / f).is_file(), f
    assert (gdir / "phones").is_dir()
    assert (gdir / "log/mkgraph.log").is_file()
    assert int((gdir / "num_pdfs").read_text()) == s.tree.num_pdfs
    assert read_fst(gdir / "HCLG.fst").num_states > 0
    # wrong number of arguments: usage
    r = subprocess.run([str(repo_root / "utils/mkgraph.sh"), s.lang.path], env=script_env, capture_output=True, text=True)
    assert r.returncode != 0
    assert "Usage" in r.stderr
    # a model whose phone set differs from the lang: MismatchError naming the file
    (mdir / "phones.txt").write_text("<eps> 0\nSIL 1\n")
    r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.mkgraph", s.lang.path, str(mdir), str(tmp_path / "g2")],
                       env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "phones.txt" in r.stderr
    assert "ERROR" in r.stderr
