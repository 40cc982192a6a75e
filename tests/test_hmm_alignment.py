"""Alignments: phone spans, ali_to_pdf / ali_to_phones / CTM tools, convert_ali, acc_tree_stats on FSDD audio."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from mtlhybrid.hmm.alignment import (
    ali_to_pdfs,
    ali_to_phone_states,
    convert_alignment,
    ctm_lines,
    phone_state_table,
    split_to_phones,
)
from mtlhybrid.hmm.build_tree import build_tree
from mtlhybrid.hmm.model_file import save_model
from mtlhybrid.hmm.questions import Questions
from mtlhybrid.hmm.topology import Topology
from mtlhybrid.hmm.transition_model import TransitionModel
from mtlhybrid.hmm.tree import monophone_tree
from mtlhybrid.hmm.tree_stats import NO_KEY, TreeStats, accumulate_tree_stats
from mtlhybrid.lang.lang_dir import Root
from mtlhybrid.lang.topo import make_topo_text
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.kaldi_io import write_int_vectors, write_matrices_ark_scp

torch.set_num_threads(1)
SIL, A, B = 1, 2, 3


@pytest.fixture(scope="module")
def topo():
    return Topology.from_text(make_topo_text(3, 5, [A, B], [SIL]))


@pytest.fixture(scope="module")
def mono(topo):
    return TransitionModel(topo, monophone_tree(topo, [[SIL], [A], [B]]))


def make_ali(tm: TransitionModel, phones, lengths, reordered=False):
    """A left-to-right path: each phone's frames spread over its emitting states in order."""
    out = []
    for ph, n in zip(phones, lengths):
        states = tm.topo.phone_states(ph)
        ns = len(states) - 1
        per = [n // ns + (1 if i < n % ns else 0) for i in range(ns)]
        assert min(per) >= 1
        for s, k in enumerate(per):
            ts = tm.tuple_to_transition_state(ph, s, *[tm.tuples[i][2:] for i in range(len(tm.tuples)) if tm.tuples[i][:2] == (ph, s)][0])
            idx_loop = [d for d, _ in states[s].transitions].index(s)
            idx_next = [d for d, _ in states[s].transitions].index(s + 1)
            loop, nxt = tm.pair_to_transition_id(ts, idx_loop), tm.pair_to_transition_id(ts, idx_next)
            out += ([nxt] + [loop] * (k - 1)) if reordered and s == ns - 1 else ([loop] * (k - 1) + [nxt])
    return np.array(out, dtype=np.int64)


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_tool(tool, *args):
    """Run a tool's main() in this process (a subprocess per call would re-import torch)."""
    import contextlib
    import importlib
    import io

    mod = importlib.import_module(f"mtlhybrid.bin.{tool}")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = mod.main([str(a) for a in args])
    return Result(rc, out.getvalue(), err.getvalue())


def test_split_to_phones_and_lookups(mono):
    ali = make_ali(mono, [SIL, A, B, SIL], [5, 4, 3, 6])
    spans = split_to_phones(mono, ali)
    assert [(s.phone, s.start, s.length) for s in spans] == [(SIL, 0, 5), (A, 5, 4), (B, 9, 3), (SIL, 12, 6)]
    assert ali_to_pdfs(mono, ali).tolist() == [0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 0, 0, 1, 2, 3, 4]
    re = make_ali(mono, [SIL, A, B, SIL], [5, 4, 3, 6], reordered=True)
    assert [(s.phone, s.length) for s in split_to_phones(mono, re, reordered=True)] == [(SIL, 5), (A, 4), (B, 3), (SIL, 6)]
    table = phone_state_table(mono)
    assert table[:5] == [(SIL, i) for i in range(5)]
    assert len(table) == 11
    assert ali_to_phone_states(mono, ali)[5:9].tolist() == [5, 5, 6, 7]
    assert ctm_lines("u1", spans[:2], 0.01, {SIL: "SIL"}) == ["u1 1 0.00 0.05 SIL", "u1 1 0.05 0.04 2"]
    with pytest.raises(DataError, match="ends inside"):
        split_to_phones(mono, ali[:-1], utt="u1")
    with pytest.raises(Exception, match="out of range"):
        split_to_phones(mono, np.array([1, 999]))


def test_ali_tools_on_archive(mono, tmp_path):
    alis = {"u1": make_ali(mono, [SIL, A, SIL], [5, 3, 5]), "u2": make_ali(mono, [B, A], [4, 3])}
    write_int_vectors(tmp_path / "ali.1.gz", alis)
    save_model(tmp_path / "final.mdl", mono)
    mdl = tmp_path / "final.mdl"
    r = run_tool("ali_to_pdf", mdl, f"ark:gunzip -c {tmp_path}/ali.*.gz|", tmp_path / "pdf.txt")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "pdf.txt").read_text() == "u1 0 1 2 3 4 5 6 7 0 1 2 3 4\nu2 8 8 9 10 5 6 7\n"
    r = run_tool("ali_to_phones", mdl, tmp_path / "ali.1.gz", "-")
    assert r.returncode == 0
    assert r.stdout == "u1 1 2 1\nu2 3 2\n"
    r = run_tool("ali_to_phones", "--per-frame", mdl, tmp_path / "ali.1.gz", "ark,t:-")
    assert r.stdout.splitlines()[1] == "u2 3 3 3 3 2 2 2"
    r = run_tool("ali_to_phones", "--ctm-output", "--frame-shift", "0.01", mdl, tmp_path / "ali.1.gz", tmp_path / "ctm")
    assert (tmp_path / "ctm").read_text().splitlines() == [
        "u1 1 0.00 0.05 1", "u1 1 0.05 0.03 2", "u1 1 0.08 0.05 1", "u2 1 0.00 0.04 3", "u2 1 0.04 0.03 2",
    ]
    r = run_tool("ali_to_phones", "--write-lengths", mdl, tmp_path / "ali.1.gz", "-")
    assert r.stdout.splitlines()[1] == "u2 3 4 ; 2 3"
    r = run_tool("ali_to_pdf", mdl, tmp_path / "missing.gz", "-")
    assert r.returncode == 1
    assert "missing.gz" in r.stderr
    # the real entry point, once
    r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.ali_to_phones", str(mdl), str(tmp_path / "ali.1.gz"), "-"], capture_output=True, text=True)
    assert r.returncode == 0
    assert r.stdout == "u1 1 2 1\nu2 3 2\n"


def test_acc_tree_stats_convert_ali_on_fsdd(fsdd_dir, topo, mono, tmp_path):
    """Real features (MFCC of two FSDD recordings) with constructed alignments."""
    import kaldi_native_fbank as knf
    import soundfile as sf

    feats = {}
    for name in ("3_jackson_0", "7_theo_1"):
        x, sr = sf.read(fsdd_dir / "recordings" / f"{name}.wav", dtype="float32")
        opts = knf.MfccOptions()
        opts.frame_opts.samp_freq = sr
        opts.frame_opts.dither = 0.0
        opts.num_ceps = 13
        m = knf.OnlineMfcc(opts)
        m.accept_waveform(sr, x.tolist())
        m.input_finished()
        feats[name] = np.array([m.get_frame(i) for i in range(m.num_frames_ready)], dtype=np.float32)
    phones = {"3_jackson_0": [SIL, A, B, A, SIL], "7_theo_1": [SIL, B, A, B, SIL]}
    alis = {}
    for u, f in feats.items():
        T = f.shape[0]
        k = len(phones[u])
        lengths = [T // k] * (k - 1) + [T - (T // k) * (k - 1)]
        alis[u] = make_ali(mono, phones[u], lengths)
        assert len(alis[u]) == T
    write_matrices_ark_scp(tmp_path / "feats.ark", tmp_path / "feats.scp", feats.items())
    write_int_vectors(tmp_path / "ali.1.gz", alis)
    save_model(tmp_path / "mono.mdl", mono)
    r = run_tool("acc_tree_stats", "--ci-phones", "1", tmp_path / "mono.mdl", tmp_path / "feats.scp", tmp_path / "ali.1.gz", tmp_path / "1.treeacc")
    assert r.returncode == 0, r.stderr
    st = TreeStats.load(tmp_path / "1.treeacc")
    assert st.num_utts == 2
    assert st.num_frames == sum(f.shape[0] for f in feats.values()) == st.total_count
    assert np.allclose(sum(s for _, s, _ in st.stats.values()), sum(f.astype(np.float64).sum(0) for f in feats.values()), rtol=1e-6)
    assert all(w[0] == NO_KEY and w[2] == NO_KEY for (w, _) in st.stats if w[1] == SIL)
    # the first A of utterance 1 follows SIL and precedes B; its middle state's stats are those frames
    u = "3_jackson_0"
    ev = ((SIL, A, B), 1)
    spans = split_to_phones(mono, alis[u])
    sel = [t for t in range(spans[1].start, spans[1].start + spans[1].length) if mono.tid2hmm_state[alis[u][t]] == 1]
    assert st.stats[ev][0] == len(sel)
    assert np.allclose(st.stats[ev][1], feats[u][sel].astype(np.float64).sum(0), rtol=1e-5)
    # in-library accumulation agrees with the tool
    st2 = TreeStats(3, 1)
    for uu in feats:
        accumulate_tree_stats(mono, alis[uu], feats[uu], ci_phones=[SIL], stats=st2)
    assert st2.stats.keys() == st.stats.keys()

    # a triphone tree from these stats, then convert the monophone alignments to it
    qs = Questions.from_phone_sets([[SIL], [A], [B], [A, B]], topo)
    roots = [Root(False, False, [SIL]), Root(True, True, [A]), Root(True, True, [B])]
    tree, _ = build_tree(st, qs, roots, num_leaves=14, min_count=1, cluster_thresh=0, topo=topo, thresh=0)
    tri = TransitionModel(topo, tree)
    save_model(tmp_path / "tri.mdl", tri)
    tree.write(tmp_path / "tree")
    r = run_tool("convert_ali", tmp_path / "mono.mdl", tmp_path / "tri.mdl", tmp_path / "tree", tmp_path / "ali.1.gz", tmp_path / "new.1.gz")
    assert r.returncode == 0, r.stderr
    from mtlhybrid.utils.kaldi_io import read_int_vectors

    new = dict(read_int_vectors(tmp_path / "new.1.gz"))
    for uu, old in alis.items():
        conv = new[uu]
        assert len(conv) == len(old)
        assert tri.tid2phone[conv].tolist() == mono.tid2phone[old].tolist()
        assert tri.tid2hmm_state[conv].tolist() == mono.tid2hmm_state[old].tolist()
        assert tri.tid_is_self_loop[conv].tolist() == mono.tid_is_self_loop[old].tolist()
        sp = split_to_phones(tri, conv)
        seq = [s.phone for s in sp]
        for k, s in enumerate(sp):
            window = (seq[k - 1] if k > 0 else 0, s.phone, seq[k + 1] if k + 1 < len(seq) else 0)
            for t in range(s.start, s.start + s.length):
                assert tri.tid2pdf[conv[t]] == tree.compute(window, int(tri.tid2pdf_class[conv[t]]))
        assert np.array_equal(convert_alignment(mono, tri, tree, old), conv)
