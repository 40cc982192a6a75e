"""Trees: monophone trees, tree building on Gaussian stats whose right split is known, questions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from mtlhybrid.hmm.build_tree import build_tree
from mtlhybrid.hmm.questions import Questions, cluster_phones
from mtlhybrid.hmm.topology import Topology
from mtlhybrid.hmm.transition_model import TransitionModel
from mtlhybrid.hmm.tree import ContextDependency, monophone_tree
from mtlhybrid.hmm.tree_stats import NO_KEY, TreeStats
from mtlhybrid.lang.lang_dir import Root, read_roots
from mtlhybrid.lang.topo import make_topo_text
from mtlhybrid.utils.errors import DataError, MismatchError

SIL, A, B, C, D, E = 1, 2, 3, 4, 5, 6
NAMES = {SIL: "SIL", A: "a", B: "b", C: "c", D: "d", E: "e"}
DIM = 4


@pytest.fixture
def topo():
    return Topology.from_text(make_topo_text(3, 5, [A, B, C, D, E], [SIL]))


def make_stats(n=200, seed=0, left_effect=3.0) -> TreeStats:
    """Phone means by phone and state; phone b shifts by ``left_effect`` after c or d; a and b alike, c and d alike."""
    rng = np.random.default_rng(seed)
    st = TreeStats(3, 1)
    base = {A: 0.0, B: 0.3, C: 8.0, D: 8.3, E: -8.0}

    def add(ev, mean):
        x = rng.normal(mean, 1.0, size=(n, DIM))
        st.add(ev, n, x.sum(0), (x * x).sum(0))

    ctx = [0, SIL, A, B, C, D, E]
    for l in ctx:
        for c in (A, B, C, D, E):
            for r in ctx:
                for pc in range(3):
                    m = base[c] + pc
                    if c == B and l in (C, D):
                        m += left_effect
                    add(((l, c, r), pc), np.full(DIM, m))
    for pc in range(5):  # silence is context-independent: its context is not in the event
        add(((NO_KEY, SIL, NO_KEY), pc), np.full(DIM, -20.0 - pc))
    return st


def roots():
    return [Root(False, False, [SIL])] + [Root(True, True, [p]) for p in (A, B, C, D, E)]


def test_monophone_tree_shared_roots(topo, tmp_path):
    tree = monophone_tree(topo, [[SIL], [A, B], [C], [D], [E]])
    assert (tree.context_width, tree.central_position, tree.num_pdfs) == (1, 0, 5 + 3 * 4)
    assert [tree.compute([SIL], c) for c in range(5)] == [0, 1, 2, 3, 4]
    assert [tree.compute([A], c) for c in range(3)] == [5, 6, 7] == [tree.compute([B], c) for c in range(3)]
    assert tree.compute([E], 2) == 16
    assert tree.pdfs_for(B, 1) == [6]
    tree.write(tmp_path / "tree")
    assert ContextDependency.read(tmp_path / "tree") == tree
    with pytest.raises(MismatchError):
        monophone_tree(topo, [[SIL], [A, B]])  # C, D, E in no root
    with pytest.raises(MismatchError):
        tree.compute([SIL], 7)
    (tmp_path / "bad").write_text(tree.to_dict().__repr__()[:50])
    with pytest.raises(DataError, match="bad"):
        ContextDependency.read(tmp_path / "bad")


def test_cluster_phones_groups_similar_phones():
    qs = cluster_phones(make_stats(left_effect=0.0), [[SIL], [A], [B], [C], [D], [E]], pdf_class_list=[1])
    assert qs[0] == [SIL, A, B, C, D, E]
    assert [A, B] in qs
    assert [C, D] in qs
    assert all([p] in qs for p in (SIL, A, B, C, D, E))
    assert len({tuple(q) for q in qs}) == len(qs)


def test_build_tree_asks_about_left_context(topo):
    st = make_stats()
    qs = Questions.from_phone_sets(cluster_phones(st, [[p] for p in NAMES]), topo)
    assert qs.pdf_class_questions == [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]]
    # the true structure: silence 5 + a, c, d, e 3 each + b 3 x 2 (after c/d or not) = 23 leaves
    tree, blog = build_tree(st, qs, roots(), num_leaves=23, min_count=100, cluster_thresh=0, topo=topo, thresh=0)
    # b's pdfs depend on the left phone being c or d, and on nothing else
    for pc in range(3):
        after_cd = {tree.compute((l, B, r), pc) for l in (C, D) for r in (0, A, E)}
        after_other = {tree.compute((l, B, r), pc) for l in (0, SIL, A, E) for r in (0, A, E)}
        assert len(after_cd) == 1
        assert len(after_other) == 1
        assert after_cd != after_other
    assert any(s.key == 0 and set(s.yes) & {C, D} and not set(s.yes) & {A, E} for s in blog.splits)
    # silence is not-shared not-split: its five stub leaves, whatever the context
    assert [tree.compute((A, SIL, B), c) for c in range(5)] == [tree.compute((0, SIL, 0), c) for c in range(5)]
    assert len({tree.compute((0, SIL, 0), c) for c in range(5)}) == 5
    assert blog.num_leaves_after_split == tree.num_pdfs == 23  # the requested leaf count (no clustering)
    used = {tree.compute((l, c, r), pc) for l in NAMES for c in (A, B, C, D, E) for r in NAMES for pc in range(3)}
    assert sorted(used | {tree.compute((0, SIL, 0), pc) for pc in range(5)}) == list(range(23))
    for c in (A, C, D, E):  # no other phone was split on context
        assert len({tree.compute((l, c, r), 1) for l in NAMES for r in NAMES}) == 1
    tree40, _ = build_tree(st, qs, roots(), num_leaves=40, min_count=100, cluster_thresh=0, topo=topo, thresh=0)
    assert tree40.num_pdfs == 40


def test_min_count_respected_and_clustering_ties_leaves(topo):
    st = make_stats(n=20)  # every event has 20 frames
    qs = Questions.from_phone_sets(cluster_phones(st, [[p] for p in NAMES]), topo)
    tree, blog = build_tree(st, qs, roots(), num_leaves=1000, min_count=1000, cluster_thresh=0, topo=topo, thresh=0)
    assert blog.splits
    assert all(s.yes_count >= 1000 and s.no_count >= 1000 for s in blog.splits)
    assert tree.num_pdfs < 1000
    tree2, blog2 = build_tree(st, qs, roots(), num_leaves=60, min_count=20, topo=topo, thresh=0)  # cluster at smallest split
    assert blog2.num_leaves_after_split == 60
    assert blog2.num_merged > 0
    assert tree2.num_pdfs == 60 - blog2.num_merged
    assert blog2.cluster_thresh == min(s.gain for s in blog2.splits)
    assert blog2.objf_after <= blog2.objf_before


def test_triphone_transition_model_and_tree_file(topo, tmp_path):
    st = make_stats(n=50)
    qs = Questions.from_phone_sets(cluster_phones(st, [[p] for p in NAMES]), topo)
    tree, _ = build_tree(st, qs, roots(), num_leaves=30, min_count=50, topo=topo, thresh=0)
    tree.write(tmp_path / "tree")
    t2 = ContextDependency.read(tmp_path / "tree")
    assert t2 == tree
    assert t2.compute((C, B, A), 1) == tree.compute((C, B, A), 1)
    tm = TransitionModel(topo, t2)
    assert tm.num_pdfs == tree.num_pdfs
    assert set(tm.tid2pdf[1:].tolist()) == set(range(tree.num_pdfs))  # every pdf reachable
    assert tree.pdfs_for(B, 0) == sorted({tree.compute((l, B, r), 0) for l in NAMES for r in NAMES})
    (tmp_path / "phones.txt").write_text("<eps> 0\n" + "".join(f"{NAMES[i]} {i}\n" for i in sorted(NAMES)))
    r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.draw_tree", str(tmp_path / "phones.txt"), str(tmp_path / "tree")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# tree: context-width 3, central-position 1")
    assert "ctx-1 in {" in r.stdout
    assert "central in {" in r.stdout


def test_roots_file_and_stats_round_trip(tmp_path):
    (tmp_path / "roots.int").write_text("not-shared not-split 1\nshared split 2 3\n")
    assert read_roots(tmp_path / "roots.int") == [Root(False, False, [1]), Root(True, True, [2, 3])]
    (tmp_path / "bad.int").write_text("shared maybe 2 3\n")
    with pytest.raises(DataError, match="bad.int:1"):
        read_roots(tmp_path / "bad.int")
    st = make_stats(n=5)
    st.save(tmp_path / "a.treeacc")
    st.save(tmp_path / "b.treeacc")
    tot = TreeStats.sum_files([tmp_path / "a.treeacc", tmp_path / "b.treeacc"])
    ev = ((C, B, A), 1)
    assert tot.stats[ev][0] == 2 * st.stats[ev][0]
    assert np.allclose(tot.stats[ev][1], 2 * st.stats[ev][1])
    raw = (tmp_path / "a.treeacc").read_bytes()
    (tmp_path / "t.treeacc").write_bytes(raw[: len(raw) // 3])
    with pytest.raises(DataError, match="t.treeacc"):
        TreeStats.load(tmp_path / "t.treeacc")


def test_split_cluster_renumber_stages_compose_to_build_tree(topo):
    from mtlhybrid.hmm.build_tree import TreeBuildLog, cluster_leaves, get_stub_map, renumber_leaves, split_decision_tree

    st = make_stats(n=20)
    qs = Questions.from_phone_sets(cluster_phones(st, [[p] for p in NAMES]), topo)
    stub, _, leaf_root = get_stub_map(roots(), topo, st, 3, 1)
    blog = TreeBuildLog()
    grown = split_decision_tree(st, qs, roots(), stub, leaf_root, 60, 0.0, 20.0, 0.01, blog)
    assert len(grown.counts) == 60
    assert grown.smallest_gain == min(s.gain for s in blog.splits)
    assign = cluster_leaves(grown, grown.smallest_gain, 0.01, blog)
    assert blog.num_merged > 0
    assert all(grown.stub_leaf[assign[i]] == grown.stub_leaf[i] for i in range(60))  # ties stay inside a stub
    tree = renumber_leaves(grown, assign, 3, 1)
    assert tree.num_pdfs == len(set(assign)) == 60 - blog.num_merged
    whole, _ = build_tree(st, qs, roots(), num_leaves=60, min_count=20, topo=topo, thresh=0)
    assert whole == tree


def test_build_tree_tool_has_kaldis_options_and_defaults(topo, tmp_path):
    st = make_stats(n=20)
    st.save(tmp_path / "treeacc")
    Questions.from_phone_sets(cluster_phones(st, [[p] for p in NAMES]), topo).write(tmp_path / "q.qst")
    (tmp_path / "roots.int").write_text("not-shared not-split 1\n" + "".join(f"shared split {p}\n" for p in (A, B, C, D, E)))
    (tmp_path / "topo").write_text(make_topo_text(3, 5, [A, B, C, D, E], [SIL]))

    def run_tool(*opts):
        r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.build_tree", *opts, "--log-json", str(tmp_path / "log.json"),
                            *(str(tmp_path / f) for f in ("treeacc", "roots.int", "q.qst", "topo", "tree"))],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        import json

        return json.loads((tmp_path / "log.json").read_text())

    kaldi = run_tool()  # Kaldi's build-tree: --thresh 300, --max-leaves 0 (no bound), --cluster-thresh -1
    assert kaldi["splits"]
    assert min(s["gain"] for s in kaldi["splits"]) > 300.0
    assert kaldi["cluster_thresh"] == min(s["gain"] for s in kaldi["splits"])
    loose = run_tool("--thresh", "0", "--cluster-thresh", "0")
    assert loose["num_leaves_after_split"] > kaldi["num_leaves_after_split"]
    assert loose["num_merged"] == 0
