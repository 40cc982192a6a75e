"""Decoding artificial score matrices with HCLG: the favoured pdf sequence gives the reference words."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("kaldi_decoder")

from mtlhybrid.align.aligner import equal_align
from mtlhybrid.decode.decoder import DecodeOptions, Decoder, DecodingGraph, decode_utterance
from mtlhybrid.decode.scoring import write_scoring_texts
from mtlhybrid.graph.hclg import make_hclg
from mtlhybrid.testing.toy_graph import make_toy_system
from mtlhybrid.graph.train_graphs import TrainingGraphCompiler
from mtlhybrid.graph.transitions import TransitionTables

SENTS = [["one", "two", "three"], ["four", "five"], ["oh", "zero", "one"], ["two", "two", "oh"]]


@pytest.fixture(scope="module", params=[False, True], ids=["mono", "tri"])
def system(request, tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    s = make_toy_system(tmp_path_factory.mktemp("toy"), SENTS, triphone=request.param)
    g = make_hclg(s.lang, s.tree, s.transition_model)
    return s, DecodingGraph.from_model(g.fst, s.transition_model), TrainingGraphCompiler.from_lang(s.lang, s.tree, s.transition_model)


def _utterance(s, comp, words, frames, seed=0, noise=3.0):
    tb = TransitionTables.from_model(s.transition_model)
    ali = equal_align(comp.compile("u", words), frames, utt="u" + str(seed))
    rng = np.random.default_rng(seed)
    sc = rng.normal(-12.0, noise, (frames, s.tree.num_pdfs)).astype(np.float32)
    sc[np.arange(frames), tb.tid2pdf[ali]] = 0.0
    return ali, sc


@pytest.mark.parametrize("words", [["one", "two", "three"], ["five"], ["two", "oh", "four"]])
def test_best_path_returns_reference_words(system, words):
    s, graph, comp = system
    ali, sc = _utterance(s, comp, words, 110)
    for lattice in (True, False):
        r = decode_utterance(graph, sc, beam=15.0, lattice_beam=6.0, acoustic_scale=0.1, lattice=lattice)
        assert [s.lang.word_symbols[w] for w in r.words] == words
        assert r.reached_final
        assert len(r.alignment) == 110
        tb = graph.tables
        assert np.mean(tb.tid2pdf[r.alignment] == tb.tid2pdf[ali]) > 0.9
        assert (r.lattice is not None) == lattice


def test_lattice_scoring_sweep_writes_kaldi_layout(system, tmp_path):
    s, graph, comp = system
    dec = Decoder(graph, DecodeOptions(beam=15.0, lattice_beam=6.0))
    lats = []
    for i, words in enumerate([["four", "five"], ["oh", "zero", "one"]]):
        _, sc = _utterance(s, comp, words, 90, seed=i)
        lats.append((f"utt{i}", dec.decode(sc).lattice))
    files = write_scoring_texts(tmp_path, lats, s.lang.word_symbols, 7, 9, (0.0, 0.5))
    assert len(files) == 6
    text = (tmp_path / "scoring_kaldi/penalty_0.5/8.txt").read_text()
    assert text == "utt0 four five\nutt1 oh zero one\n"


def test_latgen_tool_and_best_path_tool(system, tmp_path, script_env):
    import kaldiio

    from mtlhybrid.lang.fst_io import write_fst
    from mtlhybrid.hmm.model_file import save_model

    s, graph, comp = system
    if s.tree.context_width != 1:
        pytest.skip("the tools are checked once, on the monophone system")
    save_model(tmp_path / "final.mdl", s.transition_model)
    write_fst(graph.fst, tmp_path / "HCLG.fst")
    mats = {f"u{i}": _utterance(s, comp, w, 80, seed=i)[1] for i, w in enumerate([["two", "two", "oh"], ["four", "five"]])}
    kaldiio.save_ark(str(tmp_path / "ll.ark"), mats)
    r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.latgen", "--beam", "15", "--lattice-beam", "5",
                        str(tmp_path / "final.mdl"), str(tmp_path / "HCLG.fst"), f"ark:{tmp_path}/ll.ark",
                        f"ark:{tmp_path}/lat.1.gz", f"ark,t:{tmp_path}/words.txt"], env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    w = s.lang.words
    assert (tmp_path / "words.txt").read_text() == f"u0 {w['two']} {w['two']} {w['oh']}\nu1 {w['four']} {w['five']}\n"
    r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.lattice_best_path", "--acoustic-scale", "0.1",
                        f"ark:{tmp_path}/lat.1.gz", f"ark,t:{tmp_path}/best.txt"], env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "best.txt").read_text() == (tmp_path / "words.txt").read_text()


def test_lattice_text_from_kaldifst_equals_converted_lattice(system, tmp_path):
    """latgen writes kaldifst's own print of the lattice (no Python arc loop); read back it is
    the lattice the arrays path gives, to the six digits of Kaldi's text form, and the best
    path read from the decoder equals the lattice's best path."""
    from mtlhybrid.lattice.functions import best_path
    from mtlhybrid.lattice.io import read_lattices, write_lattices
    from mtlhybrid.lattice.lattice import StateLattice

    s, graph, comp = system
    dec = Decoder(graph, DecodeOptions(beam=15.0, lattice_beam=6.0, acoustic_scale=0.1))
    _, sc = _utterance(s, comp, ["oh", "zero", "one"], 90, seed=5, noise=6.0)
    r = dec.decode(sc)
    text = r.lattice_text()
    assert text
    assert "\t" in text
    arrays = StateLattice._from_kaldifst_arcs(r.kaldi_lattice)
    assert arrays.num_arcs > 90  # alternatives, not a single path
    write_lattices(f"ark:{tmp_path}/lat.1.gz", [("u1", text), ("u2", arrays)])
    (k1, back), (k2, ref) = list(read_lattices(f"ark:{tmp_path}/lat.1.gz"))
    assert (k1, k2) == ("u1", "u2")
    assert back.num_states == ref.num_states == arrays.num_states
    np.testing.assert_array_equal(back.ilabel, ref.ilabel)
    np.testing.assert_array_equal(back.olabel, ref.olabel)
    np.testing.assert_allclose(back.acoustic_cost, ref.acoustic_cost, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(back.graph_cost, ref.graph_cost, rtol=1e-5, atol=1e-5)
    bp = best_path(back)
    assert bp.words == r.words
    assert list(bp.alignment) == list(r.alignment)
    assert bp.acoustic_cost == pytest.approx(r.acoustic_cost, rel=1e-5)
    assert bp.graph_cost == pytest.approx(r.graph_cost, rel=1e-5, abs=1e-4)
