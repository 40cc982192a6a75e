"""compile_train_graphs + align_compiled_mapped (graphs built once) align exactly as align_mapped (graphs on the fly)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("kaldi_decoder")

from mtlhybrid.align.aligner import equal_align
from mtlhybrid.graph.train_graphs import TrainingGraphCompiler
from mtlhybrid.graph.transitions import TransitionTables
from mtlhybrid.testing.toy_graph import make_toy_system

SENTS = [["one", "two", "three"], ["four", "five"], ["oh", "zero", "one"], ["two", "zero", "four", "oh"]]


def test_compiled_graphs_align_as_graphs_built_on_the_fly(tmp_path, script_env):
    import kaldiio

    from mtlhybrid.align.graph_archive import read_graphs
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.utils.kaldi_io import read_int_vectors

    s = make_toy_system(tmp_path / "toy", SENTS, triphone=True)
    comp = TrainingGraphCompiler.from_lang(s.lang, s.tree, s.transition_model)
    tb = TransitionTables.from_model(s.transition_model)
    save_model(tmp_path / "final.mdl", s.transition_model)
    s.tree.write(tmp_path / "tree")
    rng = np.random.default_rng(0)
    scores, text = {}, []
    for i, words in enumerate(SENTS):
        utt = f"u{i}"
        ref = equal_align(comp.compile(utt, words), 60 + 7 * i, utt=utt)
        # noisy scores that favour the reference pdfs only mildly: the best path is a real search
        sc = rng.normal(-12.0, 3.0, (len(ref), s.tree.num_pdfs)).astype(np.float32)
        sc[np.arange(len(ref)), tb.tid2pdf[ref]] += 6.0
        scores[utt] = sc
        text.append(f"{utt} {' '.join(words)}\n")
    text.append("u9 five\n")  # a transcript without scores: counted as missing by both tools
    kaldiio.save_ark(str(tmp_path / "ll.ark"), scores)
    (tmp_path / "text").write_text("".join(text))
    words = ["--word-symbol-table", f"{s.lang.path}/words.txt"]
    tool = [sys.executable, "-m", "mtlhybrid.bin."]
    common = ["--max-lost-fraction", "0.3", "--beam", "8"]

    r = subprocess.run([tool[0], tool[1], tool[2] + "align_mapped"] + common + words
                       + [str(tmp_path / "tree"), str(tmp_path / "final.mdl"), s.lang.L_path, f"ark:{tmp_path}/ll.ark",
                          str(tmp_path / "text"), f"ark:{tmp_path}/ali_fly.gz"], env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([tool[0], tool[1], tool[2] + "compile_train_graphs"] + words
                       + [str(tmp_path / "tree"), str(tmp_path / "final.mdl"), s.lang.L_path, str(tmp_path / "text"),
                          f"ark:{tmp_path}/fsts.1.gz"], env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "compiled graphs for 5 of 5 utterances" in r.stderr
    graphs = dict(read_graphs(f"ark:{tmp_path}/fsts.1.gz"))
    assert sorted(graphs) == ["u0", "u1", "u2", "u3", "u9"]
    assert graphs["u2"].num_states == comp.compile("u2", SENTS[2]).num_states
    r = subprocess.run([tool[0], tool[1], tool[2] + "align_compiled_mapped"] + common
                       + [str(tmp_path / "final.mdl"), f"ark:{tmp_path}/fsts.1.gz", f"ark:{tmp_path}/ll.ark",
                          f"ark:{tmp_path}/ali_compiled.gz"], env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "aligned 4 of 5 utterances (0 failed, 1 missing)" in r.stderr
    assert "u9" in r.stderr
    fly = dict(read_int_vectors(tmp_path / "ali_fly.gz"))
    compiled = dict(read_int_vectors(tmp_path / "ali_compiled.gz"))
    assert sorted(fly) == sorted(compiled) == ["u0", "u1", "u2", "u3"]
    for u in fly:
        np.testing.assert_array_equal(compiled[u], fly[u])
        assert len(compiled[u]) == len(scores[u])

    # more lost than allowed: an error naming them, no alignment file
    r = subprocess.run([tool[0], tool[1], tool[2] + "align_compiled_mapped", "--max-lost-fraction", "0.1",
                        str(tmp_path / "final.mdl"), f"ark:{tmp_path}/fsts.1.gz", f"ark:{tmp_path}/ll.ark",
                        f"ark:{tmp_path}/ali_strict.gz"], env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "u9" in r.stderr
    assert not (tmp_path / "ali_strict.gz").exists()
