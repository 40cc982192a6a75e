"""utils/best_wer.sh, scoring a decode dir in Kaldi's layout, reading it back, and the table layout."""

from __future__ import annotations

import subprocess


from mtlhybrid.bin import score_kaldi_wer as score_kaldi_wer_tool
from mtlhybrid.score.best import best_wer_line, parse_wer_line
from mtlhybrid.score.exp_reader import find_runs
from mtlhybrid.score.results_markdown import markdown_table

LINES = [
    "exp/tri1/decode_test/wer_10_0.0:%WER 12.50 [ 5 / 40, 1 ins, 2 del, 2 sub ]\n",
    "exp/tri1/decode_test/wer_11_0.0:%WER 10.00 [ 4 / 40, 1 ins, 1 del, 2 sub ]\n",
    "exp/tri1/decode_test/wer_12_0.5:%WER 10.00 [ 4 / 40, 0 ins, 2 del, 2 sub ]\n",  # tie: the first wins
    "exp/tri1/decode_test/wer_13_0.5:%WER 15.00 [ 6 / 40, 0 ins, 4 del, 2 sub ]\n",
]


def test_best_wer_line_picks_minimum_and_moves_source_to_end():
    assert best_wer_line(LINES) == "%WER 10.00 [ 4 / 40, 1 ins, 1 del, 2 sub ] exp/tri1/decode_test/wer_11_0.0"
    assert best_wer_line(["no rates here\n"]) is None
    # plain compute-wer output (no file prefix), with PARTIAL
    assert best_wer_line(["%WER 9.50 [ 2 / 21, 0 ins, 0 del, 2 sub ] [PARTIAL]"]) == \
        "%WER 9.50 [ 2 / 21, 0 ins, 0 del, 2 sub ] [PARTIAL]"
    w = parse_wer_line("%WER 10.00 [ 4 / 40, 1 ins, 1 del, 2 sub ] exp/tri1/decode_test/wer_11_0.0")
    assert (w.wer, w.errors, w.words, w.ins, w.dels, w.sub, w.source) == (10.0, 4, 40, 1, 1, 2, "exp/tri1/decode_test/wer_11_0.0")


def test_best_wer_sh(repo_root, script_env, tmp_path):
    script = repo_root / "utils" / "best_wer.sh"
    out = subprocess.run([str(script)], input="".join(LINES), capture_output=True, text=True, env=script_env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "%WER 10.00 [ 4 / 40, 1 ins, 1 del, 2 sub ] exp/tri1/decode_test/wer_11_0.0\n"
    bad = subprocess.run([str(script), "extra-arg"], capture_output=True, text=True, env=script_env, timeout=60)
    assert bad.returncode == 1
    assert "Usage" in bad.stderr
    help_ = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=script_env, timeout=60)
    assert help_.returncode == 0
    assert "Usage" in help_.stdout


def _decode_dir(tmp_path, name="exp/tri1/decode_test"):
    """A data dir and a decode dir with 1-best texts for two penalties and two LM weights."""
    data = tmp_path / "data" / "test"
    data.mkdir(parents=True, exist_ok=True)
    (data / "text").write_text("jack-1 one two three\njack-2 four five\ntheo-1 six seven\ntheo-2 eight\n")
    (data / "utt2spk").write_text("jack-1 jack\njack-2 jack\ntheo-1 theo\ntheo-2 theo\n")
    (data / "utt2accent").write_text("jack-1 usa\njack-2 usa\ntheo-1 scottish\ntheo-2 scottish\n")
    (data / "utt2dur").write_text("jack-1 1.0\njack-2 1.0\ntheo-1 1.0\ntheo-2 1.0\n")  # not a label
    dec = tmp_path / name
    hyps = {
        ("7", "0.0"): "jack-1 one two three\njack-2 four five five\ntheo-1 six\ntheo-2 eight\n",   # 1 ins 1 del
        ("8", "0.0"): "jack-1 one two three\njack-2 four five\ntheo-1 six seven\ntheo-2 nine\n",   # 1 sub: best
        ("7", "0.5"): "jack-1 one three\njack-2 four\ntheo-1 six\ntheo-2 eight\n",                 # 3 del
        ("8", "0.5"): "jack-1 one two three\njack-2 four five\ntheo-1 six seven\ntheo-2 ten\n",    # 1 sub: tie, later
    }
    for (lmwt, wip), text in hyps.items():
        d = dec / "scoring_kaldi" / f"penalty_{wip}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{lmwt}.txt").write_text(text)
    return data, dec


def test_score_decode_dir_writes_kaldi_layout(tmp_path, capsys):
    data, dec = _decode_dir(tmp_path)
    assert score_kaldi_wer_tool.main([str(data), str(dec)]) == 0
    assert capsys.readouterr().out.strip() == f"%WER 12.50 [ 1 / 8, 0 ins, 0 del, 1 sub ] {dec}/wer_8_0.0"
    assert (dec / "wer_7_0.0").read_text() == (
        "%WER 25.00 [ 2 / 8, 1 ins, 1 del, 0 sub ]\n%SER 50.00 [ 2 / 4 ]\nScored 4 sentences, 0 not present in hyp.\n")
    assert (dec / "wer_7_0.5").read_text().startswith("%WER 37.50 [ 3 / 8, 0 ins, 3 del, 0 sub ]")
    assert (dec / "scoring_kaldi" / "best_wer").read_text() == f"%WER 12.50 [ 1 / 8, 0 ins, 0 del, 1 sub ] {dec}/wer_8_0.0\n"
    wd = dec / "scoring_kaldi" / "wer_details"
    assert (wd / "lmwt").read_text() == "8\n"
    assert (wd / "wip").read_text() == "0.0\n"
    assert sorted(p.name for p in wd.iterdir()) == ["lmwt", "ops", "per_accent", "per_spk", "per_utt", "wip"]
    per_spk = [l.split() for l in (wd / "per_spk").read_text().splitlines()]
    assert per_spk[3] == ["theo", "raw", "2", "3", "2", "1", "0", "0", "1", "1"]
    per_accent = [l.split() for l in (wd / "per_accent").read_text().splitlines()]
    assert per_accent[0][0] == "ACCENT"
    assert per_accent[1] == ["scottish", "raw", "2", "3", "2", "1", "0", "0", "1", "1"]
    assert per_accent[2][-3:] == ["0.00", "33.33", "50.00"]  # Del, Err, S.Err
    assert per_accent[3] == ["usa", "raw", "2", "5", "5", "0", "0", "0", "0", "0"]
    assert "theo-2 #csid 0 1 0 0" in (wd / "per_utt").read_text()
    assert (dec / "scoring_kaldi" / "test_filt.txt").read_text() == (data / "text").read_text()
    # no hypotheses at all: a clear error naming the dir
    empty = tmp_path / "exp" / "tri1" / "decode_empty"
    empty.mkdir(parents=True)
    assert score_kaldi_wer_tool.main([str(data), str(empty)]) == 1
    assert "penalty_" in capsys.readouterr().err


def test_find_runs_reads_best_of_each_decode_dir(tmp_path):
    data, dec = _decode_dir(tmp_path)
    score_kaldi_wer_tool.main([str(data), str(dec)])
    # a second system scored only with wer_* files (no best_wer), and one not scored yet
    other = tmp_path / "exp" / "mtl" / "decode_test"
    other.mkdir(parents=True)
    (other / "wer_9_0.0").write_text("%WER 6.25 [ 1 / 16, 1 ins, 0 del, 0 sub ]\n%SER 10.00 [ 1 / 10 ]\n")
    (other / "wer_10_0.0").write_text("%WER 18.75 [ 3 / 16, 1 ins, 2 del, 0 sub ]\n")
    (tmp_path / "exp" / "mtl" / "decode_dev").mkdir()
    runs, tests = find_runs(tmp_path / "exp")
    found = [(r.name, t, s.wer, s.lmwt, s.wip) for r in runs for t, s in r.decodes.items()]
    assert found == [("mtl", "test", 6.25, "9", "0.0"), ("tri1", "test", 12.5, "8", "0.0")]
    assert tests == ["test"]


def test_markdown_table_aligns_numbers_right():
    table = markdown_table(["system", "%WER"], [["tri1", "12.50"], ["mtl", "6.25"]]).splitlines()
    assert table[0].split("|")[1].strip() == "system"
    assert table[2].index("12.50") + len("12.50") == table[3].index("6.25") + len("6.25")


def test_markdown_table_pads_blank_cells():
    row = markdown_table(["system", "test"], [["x", ""]]).splitlines()[2]
    assert [c.strip() for c in row.split("|")[1:-1]] == ["x", ""]
