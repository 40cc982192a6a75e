"""Matched-pairs tests (speaker bootstrap, MAPSSWE), the LM weight chosen on dev, and compare_systems."""

from __future__ import annotations

import subprocess

import pytest

from mtlhybrid.bin import compare_systems as compare_tool
from mtlhybrid.score.kaldi_scoring import score_decode_dir
from mtlhybrid.score.records import UttErrors
from mtlhybrid.score.results import build_results
from mtlhybrid.score.significance import mapssw_test, sctk_segments, speaker_bootstrap
from mtlhybrid.utils.errors import DataError


def pairs(errors_a, errors_b, words=10):
    """One seed: ``{spk: [per-utterance errors]}`` of A and B -> utt -> (A, B)."""
    out = {}
    for spk in errors_a:
        for i, (ea, eb) in enumerate(zip(errors_a[spk], errors_b[spk])):
            out[f"{spk}-{i}"] = (UttErrors(spk, ea, words), UttErrors(spk, eb, words))
    return out


def spread(n_spk, n_utt, base, shift=0, salt=0):
    """Errors that vary by speaker and utterance (deterministic; ``salt`` another pattern), plus ``shift``."""
    return {f"s{k}": [max(0, base + (k * 7 + i * (3 + salt)) % 5 - 2 + shift) for i in range(n_utt)] for k in range(n_spk)}


# the baseline makes about 4 errors per utterance, the other system about 2: a large, consistent difference
KNOWN = [pairs(spread(12, 8, 4), spread(12, 8, 4, shift=-2, salt=1)),
         pairs(spread(12, 8, 5), spread(12, 8, 5, shift=-2, salt=1))]
SAME = [pairs(spread(12, 8, 4), spread(12, 8, 4)), pairs(spread(12, 8, 5), spread(12, 8, 5))]


def test_bootstrap_detects_a_known_difference():
    b = speaker_bootstrap(KNOWN, resamples=2000)
    assert b.p_value < 0.01
    assert b.high < 0


def test_bootstrap_relative_change_is_of_pooled_errors():
    b = speaker_bootstrap(KNOWN, resamples=2000)
    ea = sum(e.errors for p in KNOWN for e, _ in p.values())
    eb = sum(e.errors for p in KNOWN for _, e in p.values())
    assert (b.errors_a, b.errors_b) == (ea, eb)
    assert b.relative == pytest.approx(100.0 * (eb - ea) / ea)
    assert b.low <= b.relative <= b.high


def test_bootstrap_pools_seeds_into_speaker_blocks():
    b = speaker_bootstrap(KNOWN, resamples=2000)
    assert b.speakers == 12
    assert b.utterances == 2 * 12 * 8


def test_bootstrap_identical_systems_p_one_and_interval_holds_zero():
    b = speaker_bootstrap(SAME, resamples=2000)
    assert b.p_value == pytest.approx(1.0)
    assert b.low <= 0.0 <= b.high


def test_bootstrap_one_speakers_difference_is_not_significant():
    """All of B's gain is in one of 10 speakers: resampling speakers sees it; MAPSSWE (utterances
    taken as independent) calls it significant."""
    a = {f"s{k}": [1] * 20 for k in range(10)}
    b = {f"s{k}": [0 if k == 0 else 1] * 20 for k in range(10)}
    seeds = [pairs(a, b)]
    assert speaker_bootstrap(seeds, resamples=2000).p_value > 0.2
    assert mapssw_test(seeds).p_value < 0.001


def test_bootstrap_is_repeatable():
    assert speaker_bootstrap(KNOWN, resamples=500) == speaker_bootstrap(KNOWN, resamples=500)


def test_bootstrap_of_one_speaker_has_no_p_value():
    b = speaker_bootstrap([pairs({"s0": [3, 2]}, {"s0": [1, 1]})], resamples=100)
    assert b.p_value is None
    assert b.relative == pytest.approx(-60.0)


def test_mapssw_detects_a_known_difference():
    m = mapssw_test(KNOWN)
    assert m.p_value < 0.001
    assert m.z < 0
    assert m.segments == 2 * 12 * 8


def test_mapssw_identical_systems_p_one():
    m = mapssw_test(SAME)
    assert m.p_value == 1.0
    assert m.z == 0.0


def test_no_common_utterance_is_an_error():
    with pytest.raises(DataError, match="no utterance scored by both"):
        speaker_bootstrap([{}])


# --------------------------------------------------------------------------- the LM weight chosen on dev

REFS = {
    "dev": {"amy-1": "one two three four", "amy-2": "five six seven", "bob-1": "eight nine zero one"},
    "test": {"cat-1": "two three four five", "cat-2": "six seven eight", "dan-1": "nine zero one two"},
}


def _hyps(test, lmwt):
    """dev is best at LM weight 10 (12 inserts a word); test is best at 12 (10 substitutes two words)."""
    refs = REFS[test]
    if (test, lmwt) in (("dev", 12), ("test", 10)):
        return {u: ("oh oh " + " ".join(r.split()[2:])) if i == 0 else r for i, (u, r) in enumerate(refs.items())}
    return dict(refs)


def _exp(root, systems=("nnet_base_s1",)):
    for test, refs in REFS.items():
        data = root / "data" / test
        data.mkdir(parents=True, exist_ok=True)
        (data / "text").write_text("".join(f"{u} {r}\n" for u, r in refs.items()))
        (data / "utt2spk").write_text("".join(f"{u} {u.split('-')[0]}\n" for u in refs))
        for system in systems:
            dec = root / "exp" / system / f"decode_{test}"
            for lmwt in (10, 12):
                pen = dec / "scoring_kaldi" / "penalty_0.0"
                pen.mkdir(parents=True, exist_ok=True)
                hyp = _hyps(test, lmwt)
                if (test, lmwt) == ("dev", 12):
                    hyp = {u: h + " oh" for u, h in hyp.items()}
                (pen / f"{lmwt}.txt").write_text("".join(f"{u} {h}\n" for u, h in hyp.items()))
            score_decode_dir(data, dec)
    return root / "exp"


def test_dev_chosen_weight_is_applied_to_test(tmp_path):
    res = build_results(_exp(tmp_path), test_sets=["dev", "test"])
    test = res.run("nnet_base_s1").decodes["test"]
    assert res.tune_set == "dev"
    assert (test.lmwt, test.tuned_on) == ("10", "dev")
    assert test.errors == 2  # the two substitutions of LM weight 10, not test's own best (0 errors at 12)


def test_without_tune_set_each_test_set_picks_its_own(tmp_path):
    res = build_results(_exp(tmp_path), test_sets=["dev", "test"], tune_set=None)
    test = res.run("nnet_base_s1").decodes["test"]
    assert (test.lmwt, test.errors) == ("12", 0)


def test_dev_chosen_weight_gives_per_utterance_errors_at_that_weight(tmp_path):
    res = build_results(_exp(tmp_path), test_sets=["test"])
    utts = res.run("nnet_base_s1").decodes["test"].utts
    assert {u: e.errors for u, e in utts.items()} == {"cat-1": 2, "cat-2": 0, "dan-1": 0}
    assert utts["dan-1"].spk == "dan"


def test_compare_systems_tool_reads_each_dir_at_its_dev_setting(tmp_path, capsys):
    exp = _exp(tmp_path, systems=("base_s1", "other_s1"))
    rc = compare_tool.main(["--names", "base,other", "--resamples", "200", "--json", str(tmp_path / "c.json"),
                            str(exp / "base_s1" / "decode_test"), str(exp / "other_s1" / "decode_test")])
    assert rc == 0
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines()[2:]]
    assert [c.strip() for c in rows[0][:6]] == ["base", "1", "18.18", "2/11", "10/0.0", "(baseline)"]
    assert [c.strip() for c in rows[1][5:9]] == ["+0.0", "[+0.0, +0.0]", "1.000", "1.000"]
    assert (tmp_path / "c.json").is_file()


def test_compare_systems_unequal_seed_counts_is_an_error(tmp_path, capsys):
    exp = _exp(tmp_path, systems=("base_s1", "base_s2", "other_s1"))
    two = f"{exp}/base_s1/decode_test,{exp}/base_s2/decode_test"
    assert compare_tool.main([two, str(exp / "other_s1" / "decode_test")]) == 1
    assert "seeds pair by position" in capsys.readouterr().err


def test_compare_systems_script_usage(repo_root, script_env):
    script = repo_root / "steps" / "compare_systems.sh"
    bad = subprocess.run([str(script), "only-one"], capture_output=True, text=True, env=script_env, timeout=60)
    assert bad.returncode == 1
    assert "Usage" in bad.stderr
    help_ = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=script_env, timeout=60)
    assert help_.returncode == 0
    assert "Usage" in help_.stdout


def test_mapssw_constant_difference_has_no_z():
    m = mapssw_test([pairs({"s0": [2, 2], "s1": [3, 3]}, {"s0": [1, 1], "s1": [2, 2]})])
    assert m.z is None
    assert m.p_value == 0.0


def test_compare_systems_names_systems_over_seeds_by_group(tmp_path, capsys):
    exp = _exp(tmp_path, systems=("base_s1", "base_s2", "other_s1", "other_s2"))
    base = f"{exp}/base_s1/decode_test,{exp}/base_s2/decode_test"
    other = f"{exp}/other_s1/decode_test,{exp}/other_s2/decode_test"
    assert compare_tool.main(["--resamples", "100", base, other]) == 0
    rows = [line.split("|")[1:3] for line in capsys.readouterr().out.splitlines()[2:]]
    assert [[c.strip() for c in r] for r in rows] == [["base", "2"], ["other", "2"]]


def test_sctk_segments_cut_where_both_systems_get_two_words_right():
    # A: words 0 and 5 wrong; B: all right, one word inserted at the end; words 1-4 right in both
    assert sctk_segments("SCCCCS", "CCCCCCI") == [(1, 0), (1, 1)]


def test_sctk_segments_count_insertions_before_the_first_word():
    assert sctk_segments("ICCC", "CCC") == [(1, 0)]


def test_sctk_segments_keep_an_inserted_word_between_correct_words():
    assert sctk_segments("CCICC", "CCCC") == [(1, 0)]


def test_sctk_segments_of_different_references_is_an_error():
    with pytest.raises(DataError, match="not the same reference"):
        sctk_segments("CC", "CCC")


def test_mapssw_uses_sctk_segments_when_alignments_are_kept():
    a = {"u1": UttErrors("s1", 2, 6, "SCCCCS"), "u2": UttErrors("s1", 0, 3, "CCC")}
    b = {"u1": UttErrors("s1", 1, 6, "CCCCCCI"), "u2": UttErrors("s1", 1, 3, "CSC")}
    m = mapssw_test([{u: (a[u], b[u]) for u in a}])
    assert m.segmentation == "sctk"
    assert m.segments == 3  # (1, 0) and (1, 1) in u1, (0, 1) in u2
    assert m.mean_difference == pytest.approx((-1 + 0 + 1) / 3)
