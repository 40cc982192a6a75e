"""Topology: Kaldi's text format read, written and checked."""

from __future__ import annotations

import pytest

from mtlhybrid.hmm.topology import HmmState, Topology
from mtlhybrid.utils.errors import DataError

# What Kaldi's prepare_lang writes: 3-state non-silence, 5-state silence.
KALDI_TOPO = """<Topology>
<TopologyEntry>
<ForPhones>
3 4 5 6
</ForPhones>
<State> 0 <PdfClass> 0 <Transition> 0 0.75 <Transition> 1 0.25 </State>
<State> 1 <PdfClass> 1 <Transition> 1 0.75 <Transition> 2 0.25 </State>
<State> 2 <PdfClass> 2 <Transition> 2 0.75 <Transition> 3 0.25 </State>
<State> 3 </State>
</TopologyEntry>
<TopologyEntry>
<ForPhones>
1 2
</ForPhones>
<State> 0 <PdfClass> 0 <Transition> 0 0.25 <Transition> 1 0.25 <Transition> 2 0.25 <Transition> 3 0.25 </State>
<State> 1 <PdfClass> 1 <Transition> 1 0.25 <Transition> 2 0.25 <Transition> 3 0.25 <Transition> 4 0.25 </State>
<State> 2 <PdfClass> 2 <Transition> 1 0.25 <Transition> 2 0.25 <Transition> 3 0.25 <Transition> 4 0.25 </State>
<State> 3 <PdfClass> 3 <Transition> 1 0.25 <Transition> 2 0.25 <Transition> 3 0.25 <Transition> 4 0.25 </State>
<State> 4 <PdfClass> 4 <Transition> 4 0.75 <Transition> 5 0.25 </State>
<State> 5 </State>
</TopologyEntry>
</Topology>
"""


def test_parse_kaldi_topo():
    t = Topology.from_text(KALDI_TOPO)
    assert t.phones == [1, 2, 3, 4, 5, 6]
    assert t.num_pdf_classes(3) == 3
    assert t.num_pdf_classes(1) == 5
    st = t.phone_states(4)
    assert len(st) == 4
    assert st[-1] == HmmState(None, [])
    assert st[0] == HmmState(0, [(0, 0.75), (1, 0.25)])
    sil = t.phone_states(2)
    assert sil[0].transitions == [(0, 0.25), (1, 0.25), (2, 0.25), (3, 0.25)]
    assert sil[4].transitions == [(4, 0.75), (5, 0.25)]
    assert t.min_length(3) == 3
    assert t.min_length(1) == 3  # silence 0 -> 3 -> 4 -> exit


def test_round_trip_text_file_and_dict(tmp_path):
    t = Topology.from_text(KALDI_TOPO)
    assert t.to_text() == KALDI_TOPO  # byte-identical to Kaldi's layout
    t.write(tmp_path / "topo")
    assert Topology.read(tmp_path / "topo") == t
    assert Topology.from_dict(t.to_dict()) == t


def test_lang_topo_reads(tmp_path):
    from mtlhybrid.lang.topo import make_topo_text

    t = Topology.from_text(make_topo_text(3, 5, [3, 4, 5, 6], [1, 2]))
    assert t == Topology.from_text(KALDI_TOPO)


def test_probabilities_not_summing_to_one_only_warn(caplog):
    t = Topology.from_text(KALDI_TOPO.replace("<Transition> 1 0.75 <Transition> 2 0.25", "<Transition> 1 0.5 <Transition> 2 0.25", 1))
    assert t.phone_states(3)[1].transitions == [(1, 0.5), (2, 0.25)]
    assert "sum to 0.75" in caplog.text


def test_forward_and_self_loop_pdf_classes():
    text = """<Topology> <TopologyEntry> <ForPhones> 1 2 </ForPhones>
<State> 0 <ForwardPdfClass> 0 <SelfLoopPdfClass> 1 <Transition> 0 0.5 <Transition> 1 0.5 </State>
<State> 1 </State> </TopologyEntry> </Topology>"""
    t = Topology.from_text(text)
    s = t.phone_states(1)[0]
    assert (s.pdf_class, s.loop_pdf_class) == (0, 1)
    assert t.num_pdf_classes(1) == 2
    assert not t.is_hmm()
    assert Topology.from_text(t.to_text()) == t


@pytest.mark.parametrize(
    "bad, message",
    [
        (KALDI_TOPO.replace("<State> 3 </State>", "<State> 3 <PdfClass> 3 </State>", 1), "last state"),
        (KALDI_TOPO.replace("<Transition> 2 0.25 </State>", "<Transition> 7 0.25 </State>", 1), "state 7"),
        (KALDI_TOPO.replace("<Transition> 0 0.75 <Transition> 1 0.25", "<Transition> 0 0.75 <Transition> 2 0.25", 1), "state 1 cannot be reached"),
        (KALDI_TOPO.replace("3 4 5 6", "3 4 5 6 1"), "more than one"),
        (KALDI_TOPO.replace("<State> 2 <PdfClass> 2", "<State> 5 <PdfClass> 2", 1), "numbered"),
        (KALDI_TOPO.replace("<PdfClass> 1 <Transition>", "<PdfClas> 1 <Transition>", 1), "unexpected token"),
        (KALDI_TOPO[: KALDI_TOPO.index("<State> 2")], "end of file"),
    ],
)
def test_errors_name_problem(tmp_path, bad, message):
    p = tmp_path / "topo"
    p.write_text(bad)
    with pytest.raises(DataError) as e:
        Topology.read(p)
    assert message in str(e.value)
    assert str(p) in str(e.value)
