"""filter_scp.pl, sym2int.pl, int2sym.pl, apply_map.pl, utt2spk_to_spk2utt.pl, spk2utt_to_utt2spk.pl
behave as Kaldi's (run as the scripts, stdin to stdout)."""

from __future__ import annotations

import subprocess

import pytest

from mtlhybrid.data.scp import FieldRange
from mtlhybrid.utils.errors import DataError


def run(script_env, repo_root, name, *args, stdin="", ok=True):
    r = subprocess.run([str(repo_root / "utils" / name), *map(str, args)], input=stdin, env=script_env,
                       capture_output=True, text=True)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


def test_field_range():
    assert 3 in FieldRange.parse("2-")
    assert 1 not in FieldRange.parse("2-")
    assert [n for n in range(1, 6) if n in FieldRange.parse("2-3")] == [2, 3]
    assert [n for n in range(1, 6) if n in FieldRange.parse("4")] == [4]
    assert [n for n in range(1, 6) if n in FieldRange.parse("-2")] == [1, 2]
    with pytest.raises(DataError):
        FieldRange.parse("x")


def test_filter_scp(tmp_path, script_env, repo_root):
    ids = tmp_path / "ids"
    ids.write_text("b\nd extra fields\n")
    scp = "a 1\nb 2\nc 3\nd 4\n"
    assert run(script_env, repo_root, "filter_scp.pl", ids, stdin=scp).stdout == "b 2\nd 4\n"
    assert run(script_env, repo_root, "filter_scp.pl", "--exclude", ids, stdin=scp).stdout == "a 1\nc 3\n"
    f = tmp_path / "in.scp"
    f.write_text("x b\ny a\nz d\n")
    assert run(script_env, repo_root, "filter_scp.pl", "-f", 2, ids, f).stdout == "x b\nz d\n"


def test_sym2int_int2sym(tmp_path, script_env, repo_root):
    words = tmp_path / "words.txt"
    words.write_text("<eps> 0\n<UNK> 1\nONE 2\nTWO 3\n")
    text = "u1 ONE TWO\nu2 TWO THREE ONE\n"
    r = run(script_env, repo_root, "sym2int.pl", "--map-oov", "<UNK>", "-f", "2-", words, stdin=text)
    assert r.stdout == "u1 2 3\nu2 3 1 2\n"
    assert "replaced 1" in r.stderr
    r = run(script_env, repo_root, "sym2int.pl", "-f", "2-", words, stdin=text, ok=False)
    assert r.returncode == 1
    assert "THREE" in r.stderr
    assert ":2" in r.stderr
    back = run(script_env, repo_root, "int2sym.pl", "-f", "2-", words, stdin="u1 2 3\nu2 3 1 2\n").stdout
    assert back == "u1 ONE TWO\nu2 TWO <UNK> ONE\n"
    m = tmp_path / "map"
    m.write_text("ONE w ah n\nTWO t uw\n")
    assert run(script_env, repo_root, "apply_map.pl", "-f", "2-", m, stdin="u1 ONE TWO\n").stdout == "u1 w ah n t uw\n"
    r = run(script_env, repo_root, "apply_map.pl", m, stdin="u1 ONE\n", ok=False)
    assert r.returncode == 1
    assert "u1" in r.stderr
    assert run(script_env, repo_root, "apply_map.pl", "--permissive", m, stdin="u1 ONE\n").stdout == "u1 w ah n\n"


def test_spk2utt_conversions(tmp_path, script_env, repo_root):
    u2s = "a1 a\na2 a\nb1 b\n"
    s2u = run(script_env, repo_root, "utt2spk_to_spk2utt.pl", stdin=u2s).stdout
    assert s2u == "a a1 a2\nb b1\n"
    f = tmp_path / "spk2utt"
    f.write_text(s2u)
    assert run(script_env, repo_root, "spk2utt_to_utt2spk.pl", f).stdout == u2s


def test_sym2int_map_oov_by_id_logs_the_word(tmp_path, script_env, repo_root):
    # Kaldi's scripts pass --map-oov $(cat lang/oov.int): the log still names the word.
    words = tmp_path / "words.txt"
    words.write_text("<eps> 0\n<UNK> 1\nONE 2\n")
    r = run(script_env, repo_root, "sym2int.pl", "--map-oov", "1", "-f", "2-", words, stdin="u1 ONE ZEBRA\n")
    assert r.stdout == "u1 2 1\n"
    assert "replaced 1 OOV instances with <UNK> (id 1) (e.g. ZEBRA)" in r.stderr
