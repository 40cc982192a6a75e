"""make_results: the results report of a recipe, on a small exp tree scored by the real scoring code.

The tree has two GMM systems (mono, tri1) and two seeds of a multi-task network and of its
single-task baseline, decoded on dev, test_seen and test_unseen; the hypotheses carry a
known number of substitutions per utterance (``SPEC``), so every expected number below is
computed here from ``SPEC`` and the references, independently of the code under test.
"""

from __future__ import annotations

import json
import math
import statistics
import struct

import pytest

from mtlhybrid.bin import make_results
from mtlhybrid.bin import nnet_score_aux_dir
from mtlhybrid.nnet.checkpoint import save_checkpoint
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.score.kaldi_scoring import score_decode_dir
from mtlhybrid.score.exp_reader import natural_key, read_group_table, split_seed
from mtlhybrid.score.records import Results
from mtlhybrid.score.results import build_results
from mtlhybrid.score.results_markdown import format_duration, format_stat
from mtlhybrid.score.seed_stats import summarize
from mtlhybrid.utils.errors import DataError

WORDS = "one two three four five six seven eight nine zero".split()
# test set -> utt -> (speaker, accent, number of reference words)
DATA = {
    "dev": {"amy-1": ("amy", "us", 4), "amy-2": ("amy", "us", 4), "bob-1": ("bob", "gb", 2)},
    "test_seen": {"cat-1": ("cat", "us", 3), "cat-2": ("cat", "us", 3), "dan-1": ("dan", "gb", 5), "dan-2": ("dan", "gb", 5)},
    "test_unseen": {"eve-1": ("eve", "sc", 4), "eve-2": ("eve", "sc", 4), "eve-3": ("eve", "sc", 4)},
}
TRAIN_ACCENTS = ["us", "gb"]
TESTS = list(DATA)
ALL = {u: 1 for t in DATA.values() for u in t}
# system -> test -> utt -> substitutions in the best hypothesis (missing: 0)
SPEC = {
    "mono": {t: {u: 2 for u in DATA[t]} for t in TESTS},
    "tri1": {t: {u: 1 for u in DATA[t]} for t in TESTS},
    "nnet_base_s1": {"dev": {"amy-1": 2, "amy-2": 2}, "test_seen": {"dan-2": 1}, "test_unseen": {"eve-1": 2, "eve-2": 2}},
    "nnet_base_s2": {"dev": {"amy-1": 1, "bob-1": 1}, "test_seen": {"dan-1": 2}, "test_unseen": {"eve-1": 2, "eve-3": 1}},
    "nnet_mtl_s1": {"dev": {"amy-2": 1}, "test_seen": {"cat-1": 1}, "test_unseen": {"eve-2": 1}},
    "nnet_mtl_s2": {"dev": {"bob-1": 1}, "test_seen": {"dan-1": 1, "cat-2": 1}, "test_unseen": {"eve-1": 1, "eve-3": 1}},
}
# accent predictions of the multi-task runs (the baseline has no accent head)
PRED = {
    "nnet_mtl_s1": {"dev": {}, "test_seen": {"dan-2": "us"}, "test_unseen": {}},
    "nnet_mtl_s2": {"dev": {"bob-1": "us"}, "test_seen": {}, "test_unseen": {"eve-1": "gb"}},
}


def ref_words(utt: str, n: int) -> list:
    start = sum(map(ord, utt)) % len(WORDS)
    return [WORDS[(start + i) % len(WORDS)] for i in range(n)]


def hyp_words(utt: str, n: int, k: int) -> list:
    ref = ref_words(utt, n)
    return ["oh"] * k + ref[k:]


def expected_wer(system: str, test: str) -> float:
    errs = sum(SPEC[system][test].values())
    words = sum(n for _, _, n in DATA[test].values())
    return 100.0 * errs / words


def expected_accent_wer(system: str, accent: str) -> float:
    errs = words = 0
    for t in TESTS:
        for u, (_, a, n) in DATA[t].items():
            if a == accent:
                errs += SPEC[system][t].get(u, 0)
                words += n
    return 100.0 * errs / words


def write_data(root, test):
    d = root / "data" / test
    d.mkdir(parents=True)
    utts = DATA[test]
    (d / "text").write_text("".join(f"{u} {' '.join(ref_words(u, n))}\n" for u, (_, _, n) in sorted(utts.items())))
    (d / "utt2spk").write_text("".join(f"{u} {s}\n" for u, (s, _, _) in sorted(utts.items())))
    (d / "utt2accent").write_text("".join(f"{u} {a}\n" for u, (_, a, _) in sorted(utts.items())))
    return d


def decode(root, system, test, data):
    """1-best texts for two LM weights as lattice scoring leaves them, then the real scoring."""
    dec = root / "exp" / system / f"decode_{test}"
    pen = dec / "scoring_kaldi" / "penalty_0.0"
    pen.mkdir(parents=True)
    spec = SPEC[system][test]
    best = {u: hyp_words(u, n, spec.get(u, 0)) for u, (_, _, n) in DATA[test].items()}
    (pen / "10.txt").write_text("".join(f"{u} {' '.join(w)}\n" for u, w in sorted(best.items())))
    worse = {u: w + ["oh"] for u, w in best.items()}  # one insertion more per utterance
    (pen / "12.txt").write_text("".join(f"{u} {' '.join(w)}\n" for u, w in sorted(worse.items())))
    score_decode_dir(data, dec)
    return dec


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("recipe")
    datas = {t: write_data(root, t) for t in TESTS}
    train = root / "data" / "train"
    train.mkdir()
    (train / "utt2accent").write_text("".join(f"tr-{i} {a}\n" for i, a in enumerate(TRAIN_ACCENTS)))
    model = root / "accent_model.pt"
    save_checkpoint(model, {
        "config": {"tasks": [{"name": "senone", "level": "frame"},
                             {"name": "accent", "level": "utterance", "label": "accent"}]},
        "identities": {"accent": TaskIdentity(2, ["gb", "us"]).to_dict()},
    })
    for system in SPEC:
        for t in TESTS:
            dec = decode(root, system, t, datas[t])
            if system in PRED:
                split = dec / "aux" / "split.1"
                split.mkdir(parents=True)
                truth = {u: (a if a in TRAIN_ACCENTS else "us") for u, (_, a, _) in DATA[t].items()}
                truth.update(PRED[system][t])
                (split / "utt2accent.pred").write_text("".join(f"{u} {lab} 0.9\n" for u, lab in sorted(truth.items())))
                assert nnet_score_aux_dir.main([str(model), str(datas[t]), str(dec)]) == 0
    (root / "exp" / "tri1_ali").mkdir()  # no decode dirs: not a system
    return root


def results_of(tree, **kw):
    args = dict(test_sets=TESTS, seeds=[1, 2], train_data=tree / "data" / "train")
    args.update(kw)
    return build_results(tree / "exp", **args)


def test_split_seed_takes_trailing_seed():
    assert split_seed("nnet_mtl_s12") == ("nnet_mtl", 12)
    assert split_seed("nnet_adapt_10utt_s1") == ("nnet_adapt_10utt", 1)
    assert split_seed("tri1") == ("tri1", None)


def test_natural_key_orders_digit_runs_by_value():
    assert sorted(["adapt_100utt", "adapt_10utt", "tri2", "tri10"], key=natural_key) == \
        ["adapt_10utt", "adapt_100utt", "tri2", "tri10"]


def test_summarize_leaves_out_nan_and_formats_mean_std():
    s = summarize([(1, 10.0), (2, 14.0), (3, float("nan"))])
    assert (s.mean, s.n, s.seeds) == (12.0, 2, [1, 2])
    assert s.std == pytest.approx(math.sqrt(8.0))
    one = summarize([(None, 5.0)])
    assert one.std is None
    assert format_stat(one) == "5.00"
    assert format_stat(s, expected_n=3) == "12.00 ± 2.83 (n=2)"
    assert format_stat(summarize([])) == ""


def test_format_duration():
    assert format_duration(3723) == "1 h 02 min 03 s (3723 s)"
    assert format_duration(42) == "42 s"


@pytest.fixture(scope="module")
def res(tree):
    return results_of(tree)


def test_groups_gmm_first_then_baseline(res):
    assert [g.name for g in res.groups] == ["mono", "tri1", "nnet_base", "nnet_mtl"]
    assert [g.kind for g in res.groups] == ["gmm", "gmm", "nnet", "nnet"]
    assert res.group("nnet_mtl").runs == ["nnet_mtl_s1", "nnet_mtl_s2"]
    assert res.test_sets == TESTS
    assert res.baseline == "nnet_base"



def test_wer_table_single_gmm_values_and_network_mean_std_over_seeds(res):
    """Table 1: best WER (the lmwt-10 hypotheses), GMM single values, networks mean/std over seeds."""
    for sys_ in ("mono", "tri1"):
        for t in TESTS:
            st = res.wer[sys_][t]
            assert st.n == 1
            assert st.std is None
            assert st.mean == pytest.approx(expected_wer(sys_, t))
    assert res.run("nnet_base_s1").decodes["dev"].lmwt == "10"
    for grp in ("nnet_base", "nnet_mtl"):
        for t in TESTS:
            vals = [expected_wer(f"{grp}_s{s}", t) for s in (1, 2)]
            st = res.wer[grp][t]
            assert st.values == pytest.approx(vals)
            assert st.seeds == [1, 2]
            assert st.mean == pytest.approx(statistics.mean(vals))
            assert st.std == pytest.approx(statistics.stdev(vals))



def test_per_accent_wer_pools_counts_over_test_sets(res):
    """Table 2: per accent, counts pooled over the test sets (not percentages averaged)."""
    assert res.labels == ["gb", "us", "sc"]
    assert res.unseen == ["sc"]
    for grp, runs in (("tri1", ["tri1"]), ("nnet_mtl", ["nnet_mtl_s1", "nnet_mtl_s2"])):
        for acc in ("us", "gb", "sc"):
            vals = [expected_accent_wer(r, acc) for r in runs]
            assert res.label_wer[grp][acc].mean == pytest.approx(statistics.mean(vals))
    # "us" is in dev (8 words) and test_seen (6 words): pooling differs from averaging the two rates
    pooled = expected_accent_wer("nnet_base_s1", "us")
    averaged = statistics.mean([100 * 4 / 8, 100 * 0 / 6])
    assert pooled == pytest.approx(100 * 4 / 14)
    assert abs(pooled - averaged) > 1
    assert res.label_wer["nnet_base"]["us"].values[0] == pytest.approx(pooled)
    # seen/unseen pooled rows
    assert res.label_pooled["mono"]["unseen"].mean == pytest.approx(50.0)
    assert res.label_pooled["nnet_base"]["unseen"].values == pytest.approx([100 * 4 / 12, 100 * 3 / 12])
    seen_words = 8 + 2 + 6 + 10
    assert res.label_pooled["nnet_mtl"]["seen"].values == pytest.approx([100 * 2 / seen_words, 100 * 3 / seen_words])



def test_aux_accuracy_and_confusion_of_multitask_head(res):
    """Table 3: accent accuracy of the multi-task head only; confusion of the first mtl seed."""
    assert set(res.aux_acc) == {"nnet_mtl"}
    acc = res.aux_acc["nnet_mtl"]["accent"]
    assert acc["dev"].values == pytest.approx([100.0, 100 * 2 / 3])
    assert acc["test_seen"].values == pytest.approx([75.0, 100.0])
    assert acc["test_unseen"].values == pytest.approx([0.0, 0.0])  # "sc" is not a class of the head
    assert res.confusion_system == "nnet_mtl_s1"
    assert res.confusion_task == "accent"
    assert list(res.confusion) == ["test_seen", "test_unseen"]  # dev left out by default
    cm = res.confusion["test_unseen"]
    assert cm.classes == ["gb", "us", "sc"]
    assert cm.confusion[2] == [0, 3, 0]
    assert res.confusion["test_seen"].confusion == [[1, 1], [0, 2]]



def test_gains_paired_by_seed(res):
    """Gains: seed-paired relative change, its sign, and how many seeds improved."""
    gains = {g.test_set: g for g in res.gains}
    assert set(gains) == set(TESTS)
    assert {g.system for g in res.gains} == {"nnet_mtl"}
    assert {g.baseline for g in res.gains} == {"nnet_base"}
    for t in TESTS:
        rel = [100 * (expected_wer(f"nnet_mtl_s{s}", t) - expected_wer(f"nnet_base_s{s}", t)) / expected_wer(f"nnet_base_s{s}", t)
               for s in (1, 2)]
        assert gains[t].relative.values == pytest.approx(rel)
        assert gains[t].relative.mean == pytest.approx(statistics.mean(rel))
    assert gains["test_unseen"].relative.mean < 0
    assert gains["test_unseen"].better == 2
    assert gains["test_seen"].relative.values == pytest.approx([0.0, 0.0])  # 2 vs 2 errors, 2 vs 2: no change
    assert gains["test_seen"].better == 0


def test_tool_writes_report_json_and_png(tree, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tree)
    out = tmp_path / "results"
    argv = ["--test-sets", "dev test_seen test_unseen", "--seeds", "1 2", "--train-data", "data/train",
            "--elapsed", "3723", "exp", str(out)]
    assert make_results.main(argv) == 0
    md = (out / "results.md").read_text()
    assert capsys.readouterr().out == md
    assert "python3 -m mtlhybrid.bin.make_results --test-sets 'dev test_seen test_unseen' --seeds '1 2'" in md
    assert "1 h 02 min 03 s (3723 s)" in md
    assert "sc (unseen)" in md
    assert "![WER per accent](wer_per_accent.png)" in md
    assert "nnet_mtl vs nnet_base on test_unseen: -" in md
    assert "relative WER (2 seeds; lower WER on 2 of 2)" in md
    assert "nnet_mtl vs nnet_base on test_seen: +0.0% ± 0.0% relative WER" in md
    assert "Confusion matrix: nnet_mtl_s1, accent, test_unseen" in md
    assert "accent, dev" not in md
    unseen_cm = md.split("Confusion matrix: nnet_mtl_s1, accent, test_unseen")[1].split("##")[0]
    cm_rows = [line.split("|")[1].strip() for line in unseen_cm.splitlines() if line.startswith("|")][2:]
    assert cm_rows == ["sc"]  # seen accents have no reference utterance there
    assert "| sc        |   0 |   3 |   0 |      0.0 |" in unseen_cm
    # table 1 row of nnet_mtl: mean ± std
    st = summarize([(s, expected_wer(f"nnet_mtl_s{s}", "dev")) for s in (1, 2)])
    row = next(line for line in md.splitlines() if line.startswith("| nnet_mtl "))
    assert f"{st.mean:.2f} ± {st.std:.2f}" in row

    png = (out / "wer_per_accent.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 400
    assert height > 300
    import matplotlib.image
    assert matplotlib.image.imread(out / "wer_per_accent.png").shape[:2] == (height, width)

    data = json.loads((out / "results.json").read_text())
    loaded = Results.from_dict(data)
    assert loaded.to_dict() == data
    again = build_results("exp", test_sets=TESTS, seeds=[1, 2], train_data="data/train", elapsed=3723.0,
                          command=loaded.command, created=loaded.created)
    assert loaded == again
    assert Results.load(out / "results.json") == again


def test_missing_pieces_and_errors(tree, tmp_path, capsys):
    import shutil

    exp = tmp_path / "exp"
    shutil.copytree(tree / "exp", exp)
    shutil.copytree(exp / "nnet_mtl_s1", exp / "nnet_adapt_10utt_s1")  # another network with an accent head
    shutil.rmtree(exp / "nnet_mtl_s2" / "decode_test_unseen")
    shutil.rmtree(exp / "tri1" / "decode_dev")
    for f in (exp / "mono" / "decode_dev").glob("wer_*"):  # decoded, not scored yet
        f.unlink()
    (exp / "mono" / "decode_dev" / "scoring_kaldi" / "best_wer").unlink()
    res = build_results(exp, test_sets=TESTS, seeds=[1, 2], unseen=["sc"])
    assert res.wer["tri1"]["dev"].n == 0
    assert res.wer["mono"]["dev"].n == 0
    assert res.wer["nnet_mtl"]["test_unseen"].n == 1
    g = {x.test_set: x for x in res.gains}["test_unseen"]
    assert g.absolute.n == 1
    assert g.absolute.seeds == [1]
    assert res.unseen == ["sc"]
    assert "given: sc" in res.unseen_source
    assert [x.name for x in res.groups] == ["mono", "tri1", "nnet_base", "nnet_adapt_10utt", "nnet_mtl"]
    assert res.confusion_system == "nnet_mtl_s1"  # the multi-task system, though nnet_adapt sorts first
    assert {(x.system, x.test_set) for x in res.gains} >= {("nnet_adapt_10utt", "dev"), ("nnet_mtl", "dev")}
    from mtlhybrid.score.results_markdown import wer_table
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]] for line in wer_table(res).splitlines()[2:]}
    assert rows["tri1"][0] == ""
    assert rows["mono"][0] == ""
    assert rows["nnet_mtl"][2].endswith("(n=1)")

    # a seed filter keeps only those seeds; an unknown seed leaves the networks out
    only1 = build_results(exp, test_sets=TESTS, seeds=[1])
    assert only1.group("nnet_mtl").runs == ["nnet_mtl_s1"]
    assert [g.name for g in build_results(exp, seeds=[7]).groups] == ["mono", "tri1"]

    # nothing decoded: an error naming the exp dir, from the library and the tool
    empty = tmp_path / "empty_exp"
    (empty / "tri1_ali").mkdir(parents=True)
    with pytest.raises(DataError, match="no decoded systems"):
        build_results(empty)
    assert make_results.main([str(empty), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"make_results: ERROR: {empty}: no decoded systems" in err
    assert make_results.main([str(tmp_path / "nope"), str(tmp_path / "out")]) == 1
    assert "no such experiment directory" in capsys.readouterr().err
    assert not (tmp_path / "out" / "results.md").exists()


def test_bad_per_accent_table_names_line(tree, tmp_path):
    table = tree / "exp" / "tri1" / "decode_dev" / "scoring_kaldi" / "wer_details" / "per_accent"
    lines = table.read_text().splitlines()
    bad = tmp_path / "per_accent"
    fields = lines[1].split()
    fields[4] = str(int(fields[4]) + 1)  # Corr no longer adds up to #WORD
    bad.write_text("\n".join([lines[0], " ".join(fields)] + lines[2:]) + "\n")
    with pytest.raises(DataError, match=r"per_accent:2: inconsistent counts"):
        read_group_table(bad)
    assert read_group_table(table)["us"].words == 8


def test_gains_carry_matched_pairs_tests_over_pooled_seeds(res):
    gains = {g.test_set: g for g in res.gains}
    b = gains["test_unseen"].bootstrap
    assert (b.errors_a, b.errors_b) == (4 + 3, 1 + 2)  # nnet_base_s1 + _s2, nnet_mtl_s1 + _s2
    assert b.relative == pytest.approx(100 * (3 - 7) / 7)
    assert b.utterances == 2 * 3
    assert gains["test_seen"].bootstrap.speakers == 2
    # sctk segments with an error (A, B): seed 1 cat-1 (0, 1), dan-2 (1, 0); seed 2 dan-1 (2, 1), cat-2 (0, 1)
    assert gains["test_seen"].mapssw.segmentation == "sctk"
    assert gains["test_seen"].mapssw.segments == 4
    assert gains["test_seen"].mapssw.mean_difference == pytest.approx((1 - 1 - 1 + 1) / 4)


def test_report_prints_the_comparison_table(tree, tmp_path, capsys):
    out = tmp_path / "results"
    assert make_results.main(["--test-sets", "dev test_seen test_unseen", "--seeds", "1 2", "--resamples", "200",
                              "--no-plot", str(tree / "exp"), str(out)]) == 0
    md = (out / "results.md").read_text()
    assert "| pooled relative % [95% CI] | p (bootstrap) | p (MAPSSWE) |" in md
    assert "applied unchanged to the other test sets" in md
    row = next(line for line in md.splitlines() if line.startswith("| nnet_mtl vs nnet_base | test_unseen"))
    assert f"{100 * (3 - 7) / 7:+.1f} [" in row
