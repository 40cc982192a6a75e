"""Forced and equal alignment on training graphs of a tiny digit system."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("kaldi_decoder")

from mtlhybrid.align.aligner import AlignOptions, Aligner, equal_align
from mtlhybrid.testing.toy_graph import make_toy_system
from mtlhybrid.graph.train_graphs import TrainingGraphCompiler
from mtlhybrid.graph.transitions import TransitionTables
from mtlhybrid.utils.errors import DataError

SENTS = [["one", "two", "three"], ["four", "five"], ["oh", "zero", "one"]]


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    s = make_toy_system(tmp_path_factory.mktemp("toy"), SENTS, triphone=True)
    return s, TrainingGraphCompiler.from_lang(s.lang, s.tree, s.transition_model)


def _scores_favouring(pdfs, num_pdfs, other=-25.0, seed=0):
    rng = np.random.default_rng(seed)
    sc = rng.normal(other, 2.0, (len(pdfs), num_pdfs)).astype(np.float32)
    sc[np.arange(len(pdfs)), pdfs] = 0.0
    return sc


def test_forced_alignment_recovers_a_known_sequence(system):
    s, comp = system
    tb = TransitionTables.from_model(s.transition_model)
    g = comp.compile("u1", ["four", "five"])
    ref = equal_align(g, 90, utt="u1")
    r = Aligner(s.transition_model).align(g, _scores_favouring(tb.tid2pdf[ref], s.tree.num_pdfs))
    assert r.ok
    assert not r.retried
    np.testing.assert_array_equal(r.alignment, ref)
    assert np.isfinite(r.score)


def test_equal_align_is_reproducible_and_fails_when_too_short(system):
    s, comp = system
    g = comp.compile("u2", ["one", "two", "three"])
    a, b = equal_align(g, 80, utt="u2"), equal_align(g, 80, utt="u2")
    np.testing.assert_array_equal(a, b)
    phones = [s.transition_model.transition_id_to_phone(int(t)) for t in a]
    assert len(set(phones)) >= 7  # W AH N T UW TH R IY plus maybe silence
    assert equal_align(g, 4, utt="u2") is None  # 8 phones x 3 states cannot fit in 4 frames


def test_alignment_fails_cleanly_and_retry_beam_is_used(system):
    s, comp = system
    g = comp.compile("u3", ["one"])
    sc = np.zeros((2, s.tree.num_pdfs), dtype=np.float32)  # 2 frames: "one" needs at least 9
    r = Aligner(s.transition_model, AlignOptions(beam=5, retry_beam=20)).align(g, sc)
    assert not r.ok
    assert r.retried


def test_unknown_word_names_utterance_and_word(system):
    _, comp = system
    with pytest.raises(DataError) as e:
        comp.compile("spk1-utt7", ["one", "eleven"])
    assert "spk1-utt7" in str(e.value)
    assert "eleven" in str(e.value)


def test_align_mapped_tool_writes_alignments(system, tmp_path, script_env):
    import kaldiio

    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.utils.kaldi_io import read_int_vectors

    s, comp = system
    tb = TransitionTables.from_model(s.transition_model)
    save_model(tmp_path / "final.mdl", s.transition_model)
    s.tree.write(tmp_path / "tree")
    ref = equal_align(comp.compile("a", ["oh", "zero", "one"]), 70, utt="a")
    kaldiio.save_ark(str(tmp_path / "ll.ark"), {"a": _scores_favouring(tb.tid2pdf[ref], s.tree.num_pdfs),
                                                "b": np.zeros((3, s.tree.num_pdfs), np.float32)})
    (tmp_path / "text").write_text("a oh zero one\nb five\n")
    args = [sys.executable, "-m", "mtlhybrid.bin.align_mapped", "--word-symbol-table", f"{s.lang.path}/words.txt",
            str(tmp_path / "tree"), str(tmp_path / "final.mdl"), s.lang.L_path, f"ark:{tmp_path}/ll.ark",
            str(tmp_path / "text"), f"ark:{tmp_path}/ali.1.gz"]
    # 1 of 2 lost is past the default tolerance (5%, Kaldi's): an error naming it, no output.
    r = subprocess.run(args, env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "aligned 1 of 2 utterances (1 failed, 0 missing): more than 5% lost; failed: b" in r.stderr
    assert not (tmp_path / "ali.1.gz").exists()
    r = subprocess.run(args[:3] + ["--max-lost-fraction", "0.5"] + args[3:], env=script_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ali = dict(read_int_vectors(tmp_path / "ali.1.gz"))
    assert list(ali) == ["a"]
    np.testing.assert_array_equal(ali["a"], ref)
    assert "1 failed" in r.stderr
    assert "b" in r.stderr  # the 3-frame utterance is counted and named
