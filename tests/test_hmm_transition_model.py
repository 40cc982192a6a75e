"""Transition model numbering (checked by hand against Kaldi's rules), MLE update, final.mdl."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from mtlhybrid.hmm.model_file import load_model, save_model
from mtlhybrid.hmm.topology import Topology
from mtlhybrid.hmm.transition_model import TransitionModel
from mtlhybrid.hmm.tree import monophone_tree
from mtlhybrid.utils.errors import DataError, MismatchError

torch.set_num_threads(1)

# phone 1: one emitting state (silence-like); phones 2, 3: two-state left-to-right
TINY = """<Topology>
<TopologyEntry>
<ForPhones>
2 3
</ForPhones>
<State> 0 <PdfClass> 0 <Transition> 0 0.75 <Transition> 1 0.25 </State>
<State> 1 <PdfClass> 1 <Transition> 1 0.75 <Transition> 2 0.25 </State>
<State> 2 </State>
</TopologyEntry>
<TopologyEntry>
<ForPhones>
1
</ForPhones>
<State> 0 <PdfClass> 0 <Transition> 0 0.5 <Transition> 1 0.5 </State>
<State> 1 </State>
</TopologyEntry>
</Topology>
"""


@pytest.fixture
def tm():
    topo = Topology.from_text(TINY)
    return TransitionModel(topo, monophone_tree(topo, [[1], [2, 3]]))


def test_numbering_matches_hand_computation(tm):
    # tuples sorted by (phone, hmm_state, forward_pdf, self_loop_pdf); roots [1] -> pdf 0, [2 3] -> pdfs 1, 2
    assert tm.tuples == [(1, 0, 0, 0), (2, 0, 1, 1), (2, 1, 2, 2), (3, 0, 1, 1), (3, 1, 2, 2)]
    assert (tm.num_pdfs, tm.num_transition_states, tm.num_transition_ids) == (3, 5, 10)
    assert tm.tid2pdf[1:].tolist() == [0, 0, 1, 1, 2, 2, 1, 1, 2, 2]
    assert tm.tid2phone[1:].tolist() == [1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
    assert tm.tid2hmm_state[1:].tolist() == [0, 0, 0, 0, 1, 1, 0, 0, 1, 1]
    assert len(tm.tid2pdf) == tm.num_transition_ids + 1
    assert tm.tuple_to_transition_state(3, 0, 1, 1) == 4
    assert tm.pair_to_transition_id(4, 1) == 8
    assert tm.transition_id_to_transition_state(8) == 4
    assert tm.transition_id_to_transition_index(8) == 1
    assert tm.is_self_loop(7)
    assert not tm.is_self_loop(8)
    assert tm.is_final(10)
    assert not tm.is_final(8)
    assert tm.transition_state_to_self_loop_id(5) == 9
    assert tm.transition_id_to_pdf(9) == 2
    assert tm.transition_id_to_phone(9) == 3
    assert tm.transition_id_to_hmm_state(9) == 1
    assert math.isclose(tm.log_prob(3), math.log(0.75))
    assert math.isclose(tm.log_prob(2), math.log(0.5))
    assert math.isclose(tm.non_self_loop_log_prob(2), math.log(0.25))
    with pytest.raises(DataError):
        tm.transition_id_to_pdf(11)
    with pytest.raises(MismatchError):
        tm.tuple_to_transition_state(3, 0, 2, 2)


def test_self_loop_pdf_differs_from_forward_pdf():
    text = """<Topology> <TopologyEntry> <ForPhones> 1 </ForPhones>
<State> 0 <ForwardPdfClass> 0 <SelfLoopPdfClass> 1 <Transition> 0 0.5 <Transition> 1 0.5 </State>
<State> 1 </State> </TopologyEntry> </Topology>"""
    topo = Topology.from_text(text)
    tm = TransitionModel(topo, monophone_tree(topo))
    assert tm.tuples == [(1, 0, 0, 1)]
    assert tm.tid2pdf[1:].tolist() == [1, 0]  # the self-loop carries the self-loop pdf
    assert "forward-pdf = 0 self-loop-pdf = 1" in tm.describe({1: "a"})


def test_mle_update_floor_and_min_count(tm):
    counts = np.zeros(tm.num_transition_ids + 1)
    counts[1:3] = [2, 1]  # transition state 1: 3 < min_count, unchanged
    counts[3:5] = [90, 10]  # transition state 2: 0.9 / 0.1
    counts[5:7] = [100, 0]  # transition state 3: floored at 0.01, renormalised
    before = tm.log_probs.copy()
    impr, tot = tm.mle_update(counts, floor=0.01, min_count=5.0)
    assert np.allclose(tm.log_probs[1:3], before[1:3])
    assert np.allclose(np.exp(tm.log_probs[3:5]), [0.9, 0.1])
    assert np.allclose(np.exp(tm.log_probs[5:7]), [1 / 1.01, 0.01 / 1.01])
    assert np.allclose(tm.log_probs[7:], before[7:])  # no counts at all
    assert tot == 200
    assert impr > 0
    with pytest.raises(MismatchError):
        tm.mle_update(np.zeros(5))


def test_model_file_round_trip_and_errors(tm, tmp_path):
    counts = np.zeros(tm.num_transition_ids + 1)
    counts[3:5] = [90, 10]
    tm.mle_update(counts)
    am = {"format": "test-am", "means": torch.randn(3, 2), "weights": [1.0, 2.0]}
    p = tmp_path / "final.mdl"
    save_model(p, tm, am)
    tm2, am2 = load_model(p)
    assert tm2.compatible(tm)
    assert np.allclose(tm2.log_probs, tm.log_probs)
    assert tm2.num_pdfs == tm.num_pdfs
    assert np.array_equal(tm2.tid2pdf, tm.tid2pdf)
    # read back without torch (hmm.model_file): tensors come back as numpy arrays
    assert np.array_equal(np.asarray(am2["means"]), am["means"].numpy())
    assert am2["weights"] == [1.0, 2.0]
    save_model(tmp_path / "0.mdl", tm)
    assert load_model(tmp_path / "0.mdl")[1] is None
    raw = p.read_bytes()
    (tmp_path / "trunc.mdl").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="trunc.mdl"):
        load_model(tmp_path / "trunc.mdl")
    torch.save({"format": "something-else", "version": 1}, tmp_path / "other.mdl")
    with pytest.raises(DataError, match="not an HMM model"):
        load_model(tmp_path / "other.mdl")
    torch.save({"format": "mtlhybrid.hmm-model", "version": 99}, tmp_path / "new.mdl")
    with pytest.raises(DataError, match="version"):
        load_model(tmp_path / "new.mdl")


def test_show_transitions_cli(tm, tmp_path):
    save_model(tmp_path / "final.mdl", tm)
    (tmp_path / "phones.txt").write_text("<eps> 0\nSIL 1\na 2\nb 3\n#0 4\n")
    (tmp_path / "occs").write_text("[ 10 20 30 ]\n")
    r = subprocess.run(
        [sys.executable, "-m", "mtlhybrid.bin.show_transitions", str(tmp_path / "phones.txt"), str(tmp_path / "final.mdl"), str(tmp_path / "occs")],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Transition-state 1: phone = SIL hmm-state = 0 pdf = 0"
    assert lines[1] == " Transition-id = 1 p = 0.5 count of pdf = 10 [self-loop]"
    assert lines[2] == " Transition-id = 2 p = 0.5 count of pdf = 10 [0 -> 1]"
    assert "Transition-state 5: phone = b hmm-state = 1 pdf = 2" in lines
    assert " Transition-id = 10 p = 0.25 count of pdf = 30 [1 -> 2]" in lines
    (tmp_path / "bad.mdl").write_bytes(b"garbage")
    r = subprocess.run([sys.executable, "-m", "mtlhybrid.bin.show_transitions", str(tmp_path / "phones.txt"), str(tmp_path / "bad.mdl")], capture_output=True, text=True)
    assert r.returncode == 1
    assert "bad.mdl" in r.stderr
    assert "Traceback" not in r.stderr
