"""WER as compute-wer, and Kaldi's wer_details files, on hand-checked small cases."""

from __future__ import annotations

import pytest

from mtlhybrid.bin import compute_wer as compute_wer_tool
from mtlhybrid.bin import score_breakdown as score_breakdown_tool
from mtlhybrid.score.details import format_group_table, format_ops, group_stats, ops_counts, per_utt_lines, write_wer_details
from mtlhybrid.score.wer import WerResult, compute_wer, read_transcripts, score_utterance
from mtlhybrid.utils.errors import DataError, MismatchError

REFS = {
    "spk1-u1": "the cat sat on the mat".split(),   # hyp: 1 sub (sat->sit), 1 del (the)
    "spk1-u2": "hello world".split(),              # hyp: exact
    "spk2-u3": "one two three".split(),            # hyp: 1 ins (four)
    "spk2-u4": "a b".split(),                      # no hyp
}
HYPS = {
    "spk1-u1": "the cat sit on mat".split(),
    "spk1-u2": "hello world".split(),
    "spk2-u3": "one two three four".split(),
    "extra": "not in ref".split(),
}


def test_counts_and_kaldi_lines_present_mode():
    r = compute_wer(REFS, HYPS, mode="present")
    assert (r.ins, r.dels, r.sub, r.errors, r.words) == (1, 1, 1, 3, 11)
    assert (r.sentences, r.sentence_errors, r.absent) == (3, 2, 1)
    assert list(r.utts) == ["spk1-u1", "spk1-u2", "spk2-u3"]  # reference order
    assert r.kaldi_text() == (
        "%WER 27.27 [ 3 / 11, 1 ins, 1 del, 1 sub ] [PARTIAL]\n"
        "%SER 66.67 [ 2 / 3 ]\n"
        "Scored 3 sentences, 1 not present in hyp.\n"
    )


def test_all_and_strict_modes():
    r = compute_wer(REFS, HYPS, mode="all")  # the absent utterance: 2 deletions
    assert r.wer_line() == "%WER 38.46 [ 5 / 13, 1 ins, 3 del, 1 sub ] [PARTIAL]"
    assert r.scored_line() == "Scored 4 sentences, 1 not present in hyp."
    with pytest.raises(MismatchError, match="spk2-u4"):
        compute_wer(REFS, HYPS, mode="strict")
    full = compute_wer({"u": ["a", "b"]}, {"u": ["a", "b"]}, mode="strict")
    assert full.kaldi_text().splitlines()[0] == "%WER 0.00 [ 0 / 2, 0 ins, 0 del, 0 sub ]"


def test_utterance_alignment_ops():
    u = score_utterance("x", "a b c d".split(), "a x c d e".split())
    assert u.alignment == [("a", "a"), ("b", "x"), ("c", "c"), ("d", "d"), ("***", "e")]
    assert u.ops == ["C", "S", "C", "C", "I"]
    assert (u.corr, u.sub, u.ins, u.dels) == (3, 1, 1, 0)
    empty_hyp = score_utterance("y", ["a", "b"], [])
    assert (empty_hyp.dels, empty_hyp.ops) == (2, ["D", "D"])
    assert score_utterance("z", [], ["a"]).ins == 1
    with pytest.raises(DataError, match="reserved"):
        score_utterance("w", ["***"], ["a"])


def test_per_utt_lines_as_wer_per_utt_details():
    u = score_utterance("u1", "a bb c".split(), "a c dddd".split())
    # checked against Kaldi's wer_per_utt_details.pl on "u1 a a ; bb *** ; c c ; *** dddd"
    assert per_utt_lines(u) == [
        "u1 ref  a   bb  c   ***",
        "u1 hyp  a  ***  c  dddd",
        "u1 op   C   D   C    I ",
        "u1 #csid 2 0 1 1",
    ]


def test_per_speaker_and_per_accent_tables():
    r = compute_wer(REFS, HYPS, mode="present")
    csid = {u.utt: (u.corr, u.sub, u.ins, u.dels) for u in r.utts.values()}
    utt2spk = {k: k.split("-")[0] for k in REFS}
    table = format_group_table(group_stats(csid, utt2spk), "SPEAKER", all_labels=utt2spk.values()).splitlines()
    assert table[0].split() == ["SPEAKER", "id", "#SENT", "#WORD", "Corr", "Sub", "Ins", "Del", "Err", "S.Err"]
    assert table[1] == "spk1            raw          2          8          6          1          0          1          2          1"
    assert table[2] == "spk1            sys          2          8      75.00      12.50       0.00      12.50      25.00      50.00"
    assert table[3].split() == ["spk2", "raw", "1", "3", "3", "0", "1", "0", "1", "1"]
    assert table[5].split() == ["SUM", "raw", "3", "11", "9", "1", "1", "1", "3", "2"]
    assert table[6].split()[-2:] == ["27.27", "66.67"]

    accents = {"spk1-u1": "usa", "spk1-u2": "scottish", "spk2-u3": "usa"}
    acc = group_stats(csid, accents, "accent")
    assert (acc["usa"].words, acc["usa"].errors, acc["usa"].sent_err) == (9, 3, 2)
    assert acc["scottish"].wer == 0.0
    text = format_group_table(acc, "ACCENT")
    assert text.splitlines()[0].startswith("ACCENT ")
    # scottish sorts before usa
    assert [l.split()[0] for l in text.splitlines()[1:]] == ["scottish", "scottish", "usa", "usa", "SUM", "SUM"]


def test_ops_file_sorted_as_score_kaldi():
    r = compute_wer(REFS, HYPS, mode="present")
    lines = format_ops(ops_counts(r.utts.values())).splitlines()
    assert lines[0] == "correct         cat      cat    1"
    kinds = [l.split()[0] for l in lines]
    assert kinds == sorted(kinds)
    assert "deletion        the      ***    1" in lines
    assert "insertion       ***     four    1" in lines
    assert "substitution    sat      sit    1" in lines
    # within an operation, higher counts first, then ref word (sort -k 4,4rn -k 2,2)
    lines = format_ops({("a", "a"): 1, ("b", "b"): 12, ("c", "x"): 2}).splitlines()
    assert lines == ["correct       b    b    12", "correct       a    a     1", "substitution  c    x     2"]


def test_write_wer_details_and_breakdown_tool(tmp_path, capsys):
    r = compute_wer(REFS, HYPS, mode="present")
    utt2spk = {k: k.split("-")[0] for k in REFS}
    written = write_wer_details(tmp_path / "wd", r, utt2spk, {"accent": {"spk1-u1": "usa", "spk2-u3": "usa"}})
    assert sorted(p.name for p in written) == ["ops", "per_accent", "per_spk", "per_utt"]
    per_utt = (tmp_path / "wd" / "per_utt").read_text()
    assert per_utt.count("#csid") == 3
    assert "spk1-u1 #csid 4 1 0 1" in per_utt
    per_accent = (tmp_path / "wd" / "per_accent").read_text().splitlines()
    assert per_accent[1].split()[:2] == ["<none>", "raw"]  # spk1-u2 has no accent label
    # the breakdown tool rebuilds per_spk from per_utt alone
    (tmp_path / "utt2spk").write_text("".join(f"{u} {s}\n" for u, s in utt2spk.items()))
    assert score_breakdown_tool.main([str(tmp_path / "utt2spk"), str(tmp_path / "wd" / "per_utt")]) == 0
    assert capsys.readouterr().out == (tmp_path / "wd" / "per_spk").read_text()


def test_compute_wer_tool_kaldi_syntax(tmp_path, capsys):
    ref = tmp_path / "text"
    hyp = tmp_path / "hyp.txt"
    ref.write_text("".join(f"{u} {' '.join(w)}\n" for u, w in REFS.items()))
    hyp.write_text("".join(f"{u} {' '.join(w)}\n" for u, w in HYPS.items()))
    assert compute_wer_tool.main(["--text", "--mode=present", f"ark:{ref}", f"ark,p:{hyp}"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "%WER 27.27 [ 3 / 11, 1 ins, 1 del, 1 sub ] [PARTIAL]"
    assert compute_wer_tool.main(["--mode", "all", str(ref), f"ark:cat {hyp} |"]) == 0
    assert capsys.readouterr().out.startswith("%WER 38.46 [ 5 / 13,")
    # strict (Kaldi's default): an absent hypothesis is an error naming the utterance
    assert compute_wer_tool.main([f"ark:{ref}", f"ark:{hyp}"]) == 1
    assert "spk2-u4" in capsys.readouterr().err
    # a duplicated id names file and line
    bad = tmp_path / "bad.txt"
    bad.write_text("u1 a\nu1 b\n")
    assert compute_wer_tool.main([str(bad), str(hyp)]) == 1
    assert f"{bad}:2" in capsys.readouterr().err


def test_read_transcripts_empty_utterance_and_result_round_trip(tmp_path):
    f = tmp_path / "t"
    f.write_text("u1\nu2 a b\n")
    assert read_transcripts(f"ark,t:{f}") == {"u1": [], "u2": ["a", "b"]}
    r = compute_wer(read_transcripts(str(f)), {"u1": ["x"], "u2": ["a", "b"]})
    assert (r.ins, r.words) == (1, 2)
    back = WerResult.from_dict(r.to_dict())
    assert back.kaldi_text() == r.kaldi_text()
    assert back.utts["u1"].alignment == [("***", "x")]
