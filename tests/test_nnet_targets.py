"""Target loaders (alignments through the transition model, utt2<label>), priors, accuracy/confusion."""

import numpy as np
import pytest

from mtlhybrid.nnet.metrics import classification_report
from mtlhybrid.nnet.priors import DISABLED_LOG_PRIOR, compute_priors, count_pdfs, num_disabled, read_counts, write_counts
from mtlhybrid.nnet.targets import (load_alignment_targets, load_utt_labels, map_alignments,
                                    position_independent_map, read_phone_map)
from mtlhybrid.testing.toy_nnet_data import write_toy_alignments
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import read_symbol_table

PHONES = ["SIL", "AA_B", "AA_E", "B_B", "B_E"]


@pytest.fixture
def ali_dir(tmp_path):
    d = tmp_path / "ali"
    write_toy_alignments(d, {"u1": 9, "u2": 6}, {"u1": 2, "u2": 5}, PHONES)
    return d


def test_senone_phone_and_state_targets(ali_dir):
    sen = load_alignment_targets(ali_dir, "pdf", ali_dir / "phones.txt")
    assert sen.identity.num_classes == 15
    assert sen.identity.tree_hash
    assert sen.identity.phones_hash
    # u1 is phone 2 (AA_B): its pdfs are 3, 4, 5 (monophone tree numbers pdfs phone by phone), thirds of 9 frames.
    assert sen.targets["u1"].tolist() == [3, 3, 3, 4, 4, 4, 5, 5, 5]
    ph = load_alignment_targets(ali_dir, "phone", ali_dir / "phones.txt")
    assert ph.targets["u2"].tolist() == [5] * 6
    assert ph.identity.num_classes == 6
    assert ph.identity.class_names[5] == "B_E"
    st = load_alignment_targets(ali_dir, "phone_state", ali_dir / "phones.txt")
    assert st.identity.num_classes == 15
    assert st.identity.class_names[st.targets["u2"][0]] == "B_E.0"


def test_phone_map_to_base_phones(ali_dir, tmp_path):
    phones = read_symbol_table(ali_dir / "phones.txt")
    pmap = position_independent_map(phones)
    assert pmap == {"SIL": "SIL", "AA_B": "AA", "AA_E": "AA", "B_B": "B", "B_E": "B"}
    f = tmp_path / "phone_map.txt"
    f.write_text("".join(f"{k} {v}\n" for k, v in pmap.items()))
    base = load_alignment_targets(ali_dir, "phone", ali_dir / "phones.txt", f)
    assert base.identity.class_names == ["AA", "B", "SIL"]
    assert base.targets["u1"].tolist() == [0] * 9
    assert base.targets["u2"].tolist() == [1] * 6
    # the names are its identity: a lang with another phones.txt (one more disambiguation symbol, as
    # another corpus's lexicon needs) gives the same classes, so an adapted network keeps this head
    other = tmp_path / "phones_other.txt"
    other.write_text((ali_dir / "phones.txt").read_text() + f"#99 {max(phones.values()) + 1}\n")
    again = load_alignment_targets(ali_dir, "phone", other, f)
    again.identity.check_against(base.identity, "mono", "new", "source")
    assert again.identity == base.identity
    f.write_text("SIL SIL\nAA_B AA\nZZ Z\n")
    with pytest.raises(DataError, match=r"phone_map.txt:3: phone 'ZZ'"):
        read_phone_map(f, phones)


def test_transition_ids_outside_model_are_named():
    with pytest.raises(MismatchError, match="utterance x: transition id 7"):
        map_alignments({"x": np.array([1, 7])}, np.arange(5))


def test_utt_labels_known_classes_and_errors(tmp_path):
    (tmp_path / "utt2accent").write_text("a USA\nb DEU\nc USA\n")
    tt = load_utt_labels(tmp_path, "accent")
    assert tt.identity.class_names == ["DEU", "USA"]
    assert tt.targets == {"a": 1, "b": 0, "c": 1}
    with pytest.raises(DataError, match=r"utt2accent:2: utterance b: label 'DEU' is not one of"):
        load_utt_labels(tmp_path, "accent", classes=["USA", "GBR"])
    (tmp_path / "utt2gender").write_text("a m\na f\n")
    with pytest.raises(DataError, match=r"utt2gender:2: utterance a: duplicated"):
        load_utt_labels(tmp_path, "gender")
    with pytest.raises(DataError, match="utt2speaker"):
        load_utt_labels(tmp_path, "speaker")


def test_utt_labels_outside_the_classes_can_be_left_unlabelled(tmp_path):
    # Validation speakers of a speaker-adversarial head are not among its training speakers.
    (tmp_path / "utt2spk").write_text("a s1\nb s9\nc s2\n")
    tt = load_utt_labels(tmp_path, "spk", classes=["s1", "s2"], unknown="mask")
    assert tt.targets == {"a": 0, "c": 1}
    assert tt.identity.class_names == ["s1", "s2"]
    with pytest.raises(DataError, match="label 's9' is not one of"):
        load_utt_labels(tmp_path, "spk", classes=["s1", "s2"])


def test_priors_from_counts_with_floor(tmp_path):
    counts = count_pdfs({"u": np.array([0, 0, 1, 3, -100])}, 5)
    assert counts.tolist() == [2, 1, 0, 1, 0]
    write_counts(tmp_path / "c", counts)
    assert (tmp_path / "c").read_text() == "[ 2 1 0 1 0 ]\n"
    lp = compute_priors(read_counts(tmp_path / "c"), floor=1e-4)
    # Unseen pdfs are switched off (a huge prior), not boosted by a tiny one.
    assert np.allclose(lp, [np.log(0.5), np.log(0.25), DISABLED_LOG_PRIOR, np.log(0.25), DISABLED_LOG_PRIOR])
    assert num_disabled(lp) == 2
    assert num_disabled(compute_priors(np.array([1.0, 1e-9]), floor=1e-6)) == 1
    with pytest.raises(DataError):
        count_pdfs({"u": np.array([5])}, 5)


def test_classification_report():
    ref = {"a": "USA", "b": "USA", "c": "DEU", "d": "DEU", "e": "FRA"}
    hyp = {"a": "USA", "b": "DEU", "c": "DEU", "d": "DEU"}
    rep = classification_report(ref, hyp)
    assert rep.classes == ["DEU", "FRA", "USA"]
    assert rep.num_missing == 1
    assert rep.confusion.tolist() == [[2, 0, 0], [0, 0, 0], [1, 0, 1]]
    assert rep.accuracy == 0.75
    text = rep.format()
    assert text.splitlines()[0].startswith("%ACC 75.00 [ 3 / 4 ]")
    assert "50.0%" in text
