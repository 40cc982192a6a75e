"""Lattice utilities on lattices decoded from artificial scores: posteriors, best path, n-best, oracle, archives."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("kaldi_decoder")

from mtlhybrid.align.aligner import equal_align
from mtlhybrid.decode.decoder import DecodeOptions, Decoder, DecodingGraph
from mtlhybrid.graph.hclg import make_hclg
from mtlhybrid.testing.toy_graph import make_toy_system
from mtlhybrid.graph.train_graphs import TrainingGraphCompiler
from mtlhybrid.graph.transitions import TransitionTables
from mtlhybrid.lattice.functions import best_path, best_paths, forward_backward, nbest, oracle
from mtlhybrid.lattice.io import read_lattices, write_lattices
from mtlhybrid.lattice.lattice import StateLattice

SENTS = [["one", "two", "three"], ["four", "five"], ["oh", "zero", "one"], ["two", "two", "oh"]]


@pytest.fixture(scope="module")
def decoded(tmp_path_factory):
    """A lattice whose acoustics are ambiguous (noisy scores), with its reference and decode result."""
    import torch

    torch.set_num_threads(1)
    s = make_toy_system(tmp_path_factory.mktemp("toy"), SENTS)
    g = make_hclg(s.lang, s.tree, s.transition_model)
    comp = TrainingGraphCompiler.from_lang(s.lang, s.tree, s.transition_model)
    tb = TransitionTables.from_model(s.transition_model)
    ref = ["one", "two", "three"]
    ali = equal_align(comp.compile("u", ref), 100, utt="u")
    rng = np.random.default_rng(3)
    sc = rng.normal(-4.0, 2.0, (100, s.tree.num_pdfs)).astype(np.float32)
    sc[np.arange(100), tb.tid2pdf[ali]] = 0.0
    # Lattice beam 8: the same 6-best and oracle as beam 10 here, but n-best and the oracle
    # determinize the word lattice, whose size grows exponentially with the beam (3.4k
    # states at 8, 995k at 10: 0.2 s against 25 s of CPU per test).
    r = Decoder(DecodingGraph(g.fst, tb), DecodeOptions(beam=16.0, lattice_beam=8.0)).decode(sc)
    return s, tb, [s.lang.words[w] for w in ref], r


def test_forward_backward_posteriors_sum_to_one_per_frame(decoded):
    s, tb, _, r = decoded
    post = forward_backward(r.lattice, acoustic_scale=0.1)
    assert post.num_frames == 100
    dense = post.to_dense(tb.num_tids + 1)
    np.testing.assert_allclose(dense.sum(axis=1), 1.0, atol=1e-6)
    pdf_post = post.to_dense(s.tree.num_pdfs, label_map=tb.tid2pdf)
    np.testing.assert_allclose(pdf_post.sum(axis=1), 1.0, atol=1e-6)
    assert np.isfinite(post.total_log_like)
    # The 1-best alignment's pdf is the most probable one on (nearly) every frame, and
    # sharpening the acoustics concentrates the mass on it.
    best = tb.tid2pdf[r.alignment]
    assert np.mean(pdf_post.argmax(axis=1) == best) > 0.9
    sharp = forward_backward(r.lattice, acoustic_scale=1.0).to_dense(s.tree.num_pdfs, label_map=tb.tid2pdf)
    assert sharp[np.arange(100), best].mean() > pdf_post[np.arange(100), best].mean()


def test_lattice_contains_the_best_path(decoded):
    _, _, _, r = decoded
    bp = best_path(r.lattice, lm_scale=1.0, acoustic_scale=0.1)
    assert bp.words == r.words
    np.testing.assert_array_equal(bp.alignment, r.alignment)
    np.testing.assert_allclose([bp.graph_cost, bp.acoustic_cost], [r.graph_cost, r.acoustic_cost], rtol=1e-4)
    # A huge insertion penalty favours the shortest hypothesis in the lattice.
    short = best_path(r.lattice, 1.0, 0.1, word_ins_penalty=1000.0)
    assert len(short.words) <= len(bp.words)


def test_best_paths_of_a_scoring_sweep_match_openfst_shortest_paths(decoded):
    # One Viterbi pass for many (lm, acoustic, penalty) settings, as the scoring sweep
    # uses it; each setting's answer is checked against kaldifst's lattice-to-nbest.
    import dataclasses

    import kaldifst

    _, _, _, r = decoded
    lat = r.lattice
    settings = [(1.0, 1.0 / lmwt, wip) for lmwt in (1, 7, 12, 17) for wip in (0.0, 0.5, 20.0)]
    paths = best_paths(lat, settings)
    assert len({tuple(p.words) for p in paths}) > 1  # the settings do change the answer
    for (lm, ac, wip), p in zip(settings, paths):
        penalized = dataclasses.replace(lat, graph_cost=lat.graph_cost + wip * (lat.olabel != 0))
        one = kaldifst.lattice_to_nbest(penalized.to_kaldifst(), acoustic_scale=ac, lm_scale=lm, n=1)[0]
        ok, _, olabels, w = kaldifst.get_linear_symbol_sequence(one)
        assert ok
        assert p.words == [x for x in olabels if x]
        # (its path keeps the graph cost unscaled and the acoustic cost scaled)
        assert p.graph_cost + wip * len(p.words) == pytest.approx(w.value1, abs=1e-3)
        assert ac * p.acoustic_cost == pytest.approx(w.value2, rel=1e-5, abs=1e-3)
        assert len(p.alignment) == 100
    assert best_paths(StateLattice.empty(), settings[:2]) == [None, None]


def test_lattice_text_parsers_agree(decoded):
    from mtlhybrid.utils.errors import DataError

    _, _, _, r = decoded
    text = r.lattice.to_text()
    fast, slow = StateLattice.from_text(text), StateLattice._from_text_lines(text)
    for name in ("src", "dst", "ilabel", "olabel", "graph_cost", "acoustic_cost", "final_graph", "level", "time"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    # Lines without weights go to the line parser; a bad line is named.
    assert StateLattice.from_text("0 1 3 4\n1 2 5 0 1.5,2\n2\n").num_arcs == 2
    with pytest.raises(DataError, match="line 2"):
        StateLattice.from_text("0 1 3 4 0,1\n1 x 5 0 1.5,2\n2\n", where="lat.1.gz:7")


def test_nbest_gives_distinct_word_sequences_cheapest_first(decoded):
    _, _, _, r = decoded
    nb = nbest(r.lattice, 6, lm_scale=1.0, acoustic_scale=0.1)
    assert len(nb) >= 2
    seqs = [tuple(e.words) for e in nb]
    assert len(set(seqs)) == len(seqs)
    assert list(seqs[0]) == r.words
    assert all(a.cost <= b.cost for a, b in zip(nb, nb[1:]))


def test_oracle_is_never_worse_than_one_best(decoded):
    import kaldialign

    s, _, ref, r = decoded
    wrong_ref = ref[:2] + [s.lang.words["five"]]  # a reference the 1-best does not match
    for reference in (ref, wrong_ref):
        o = oracle(r.lattice, reference)
        one_best_errors = kaldialign.edit_distance(reference, r.words)["total"]
        assert o.errors <= one_best_errors
    assert oracle(r.lattice, ref).errors == 0
    # if the lattice has "... two five"-like alternatives the oracle finds them; it is exact in any case:
    nb_words = [e.words for e in nbest(r.lattice, 50, 1.0, 0.1)]
    best_in_nbest = min(kaldialign.edit_distance(wrong_ref, w)["total"] for w in nb_words)
    assert oracle(r.lattice, wrong_ref).errors <= best_in_nbest


def test_archive_round_trip_and_kaldifst_conversion(decoded, tmp_path):
    _, _, _, r = decoded
    lat = r.lattice
    write_lattices(tmp_path / "lat.1.gz", [("utt-b", lat), ("utt-a", StateLattice.empty())])
    back = dict(read_lattices(tmp_path / "lat.1.gz"))
    assert set(back) == {"utt-a", "utt-b"}
    assert back["utt-a"].num_states == 0
    b = back["utt-b"]
    assert (b.num_states, b.num_arcs) == (lat.num_states, lat.num_arcs)
    np.testing.assert_allclose(b.acoustic_cost, lat.acoustic_cost)
    assert best_path(b, 1.0, 0.1).words == r.words
    again = StateLattice.from_kaldifst(lat.to_kaldifst())
    assert again.num_arcs == lat.num_arcs
    assert best_path(again, 1.0, 0.1).words == r.words


def _kahn_per_state(n, start, src, dst):
    """The per-state Kahn's algorithm the vectorised ``_topo_order`` replaced (the reference)."""
    order_idx = np.argsort(src, kind="stable")
    ptr = np.searchsorted(src[order_idx], np.arange(n + 1))
    nbr = dst[order_idx].tolist()
    reach = {start}
    stack = [start]
    while stack:
        s = stack.pop()
        for d in nbr[ptr[s]:ptr[s + 1]]:
            if d not in reach:
                reach.add(d)
                stack.append(d)
    indeg = [0] * n
    for s, d in zip(src.tolist(), dst.tolist()):
        if s in reach:
            indeg[d] += 1
    level = [-1] * n
    level[start] = 0
    order, frontier = [], [start]
    while frontier:
        nxt = []
        for s in frontier:
            order.append(s)
            for d in nbr[ptr[s]:ptr[s + 1]]:
                level[d] = max(level[d], level[s] + 1)
                indeg[d] -= 1
                if indeg[d] == 0:
                    nxt.append(d)
        frontier = nxt
    order += [s for s in range(n) if s not in reach]
    return np.array(order), np.array([lv if s in reach else -1 for s, lv in enumerate(level)])


def _renumbered_raw(lat: StateLattice, seed: int):
    """``lat`` with its states renumbered at random and its arcs shuffled, plus an unreachable and a dead-end state."""
    rng = np.random.default_rng(seed)
    n = lat.num_states + 2
    perm = rng.permutation(n)  # old -> new; states n-2 (unreachable) and n-1 (dead end) are extra
    src = np.concatenate([lat.src, [n - 2, 0]])
    dst = np.concatenate([lat.dst, [1, n - 1]])
    k = rng.permutation(src.shape[0])
    fg = np.concatenate([lat.final_graph, [np.inf, np.inf]])
    fa = np.concatenate([lat.final_acoustic, [np.inf, np.inf]])
    inv = np.empty(n, dtype=np.int64)
    inv[perm] = np.arange(n)
    return (n, int(perm[0]), perm[src][k], perm[dst][k], np.concatenate([lat.ilabel, [5, 0]])[k],
            np.concatenate([lat.olabel, [0, 0]])[k], np.concatenate([lat.graph_cost, [1.0, 1.0]])[k],
            np.concatenate([lat.acoustic_cost, [1.0, 1.0]])[k], fg[inv], fa[inv])


def _assert_same_lattice(a: StateLattice, b: StateLattice):
    assert a.num_states == b.num_states
    for name in ("src", "dst", "ilabel", "olabel", "graph_cost", "acoustic_cost", "final_graph", "final_acoustic", "level", "time"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_batched_sorting_and_sweep_equal_one_lattice_at_a_time(decoded, tmp_path):
    # Lattices are sorted and searched as one union of many (numpy steps shared by all);
    # every lattice, best path and scoring text must be what one lattice alone gives,
    # ties included, and the state order that of a per-state Kahn's algorithm.
    from mtlhybrid.decode.scoring import sweep_best_paths
    from mtlhybrid.lattice.functions import best_paths_many
    from mtlhybrid.lattice.lattice import _topo_order

    _, _, _, r = decoded
    raws = [_renumbered_raw(r.lattice, seed) for seed in range(4)]
    for raw in raws:
        n, start, src, dst = raw[:4]
        order, level = _topo_order(n, start, src, dst)
        ref_order, ref_level = _kahn_per_state(n, start, src, dst)
        np.testing.assert_array_equal(order, ref_order)
        np.testing.assert_array_equal(level, ref_level)
    many = StateLattice.from_arrays_many(raws)
    alone = [StateLattice.from_arrays(*raw) for raw in raws]
    for a, b in zip(many, alone):
        _assert_same_lattice(a, b)
        assert a.num_states == r.lattice.num_states  # the extra states are pruned
    settings = [(1.0, 1.0 / lmwt, wip) for lmwt in (7, 12, 17) for wip in (0.0, 1.0, 20.0)]
    lats = [many[0], StateLattice.empty(), many[1], r.lattice]
    together = best_paths_many(lats, settings)
    assert together[1] == [None] * len(settings)
    for lat, got in zip(lats, together):
        for s, p in zip(settings, got):
            q = best_paths_many([lat], [s])[0][0]
            assert (p is None) == (q is None)
            if p is not None:
                assert (p.words, p.graph_cost, p.acoustic_cost) == (q.words, q.graph_cost, q.acoustic_cost)
                np.testing.assert_array_equal(p.alignment, q.alignment)
    assert len({tuple(p.words) for p in together[0]}) > 1
    # Archives: read in batches of 2 or 1, swept in batches of any size: the same.
    write_lattices(tmp_path / "lat.1.gz", [(f"u{i}", lat) for i, lat in enumerate(lats + alone)])
    in_twos = list(read_lattices(tmp_path / "lat.1.gz", batch_size=2))
    in_ones = list(read_lattices(tmp_path / "lat.1.gz", batch_size=1))
    assert [k for k, _ in in_twos] == [f"u{i}" for i in range(len(lats) + len(alone))]
    for (_, a), (_, b) in zip(in_twos, in_ones):
        _assert_same_lattice(a, b)
    lmwts, pens = list(range(7, 18)), [0.0, 0.5, 1.0]
    assert sweep_best_paths(in_twos, lmwts, pens) == sweep_best_paths(in_ones, lmwts, pens, batch_arcs=1)


def test_batch_parser_equals_one_text_at_a_time_and_archives_keep_their_errors(decoded, tmp_path):
    from mtlhybrid.lattice.lattice import _parse_openfst_text, _parse_openfst_texts
    from mtlhybrid.utils.errors import DataError

    _, _, _, r = decoded
    odd = ["0 1 3 4\n1 2 5 0 1.5,2\n2\n", "0 1 3 4 0,1\n1 x 5 0 1.5,2\n2\n", "0 1 2 3 4 5\n1\n", "0 1 2 3,4 5\n1\n",
           "0 1 2.5 3\n1\n", "0\t1\t2\t3\t-1.5e3,inf\n1\t2,3\n", "", "0 1 2 3\n1 2,\n", "\n5 1 2 3\n1\n", "1\n0 1 2 3\n",
           "0 1 2 3 1e,4\n1\n"]
    texts = [r.lattice_text(), r.lattice.to_text()] + odd + [r.lattice_text(), ""]
    for one, many in zip([_parse_openfst_text(t) for t in texts], _parse_openfst_texts(texts)):
        assert (one is None) == (many is None)
        for x, y in zip(one or (), many or ()):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
            assert np.asarray(x).dtype == np.asarray(y).dtype
    assert _parse_openfst_texts(texts)[2] is not None and _parse_openfst_texts(texts)[3] is None
    # Archives read a block at a time: blank lines with spaces, no blank line at the end.
    (tmp_path / "odd.ark").write_text("\n\n  \nu1 \n0\t1\t2\t3\t0.5,1\n1\n \t\nu2\n\n\nu3\n0 1 2 3\n1 2 4 0 1,2\n2")
    assert [(k, l.num_arcs) for k, l in read_lattices(tmp_path / "odd.ark")] == [("u1", 1), ("u2", 0), ("u3", 2)]
    (tmp_path / "bad.ark").write_text("u1\n0 1 2 3\n1\n\nu2 x\n0 1 2 3\n1\n")
    with pytest.raises(DataError, match="bad.ark:5: expected a lattice key"):
        list(read_lattices(tmp_path / "bad.ark"))
    (tmp_path / "bad2.ark").write_text("u1\n0 1 2 3\n1\n\n\nu2\n0 1 2 3\n1 y 2 3\n1\n")
    with pytest.raises(DataError, match="bad2.ark:6: bad lattice line 2"):
        list(read_lattices(tmp_path / "bad2.ark"))
    (tmp_path / "cycle.ark").write_text("u1\n0 1 2 3\n1 0 2 3\n1\n")
    with pytest.raises(DataError, match="lattice u1: lattice has a cycle"):
        list(read_lattices(tmp_path / "cycle.ark"))
