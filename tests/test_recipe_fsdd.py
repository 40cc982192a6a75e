"""egs/fsdd/s5: the recipe's front end on the real corpus, without running the whole recipe.

run.sh's usage, the message when the corpus is missing, stage 0 (speaker-disjoint data
dirs with accent labels) on a few takes, the leave-one-speaker-out folds, and the offline
half of the download (a repository copy laid out as FSDD's GitHub repository: speakers.tsv
from metadata.py, unlisted speakers set aside) and its failure without a network. The GMM
and network stages are covered by tests/test_steps_gmm.py and tests/test_nnet_steps_decode.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


RECIPE = Path(__file__).resolve().parent.parent / "egs" / "fsdd" / "s5"


def run(args, ok=True, cwd=RECIPE, timeout=120):
    env = dict(os.environ, LC_ALL="C")
    p = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if ok and p.returncode != 0:
        raise AssertionError(f"{args} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def table(path: Path) -> dict:
    return dict(line.split(maxsplit=1) for line in path.read_text().splitlines())


def test_help_and_usage():
    p = run(["./run.sh", "--help"])
    assert "Usage: ./run.sh" in p.stdout
    for opt in ("--corpus-dir", "--download", "--test-speakers", "--loso", "--src-nnet", "--adapt-sizes", "--stop-stage"):
        assert opt in p.stdout, opt
    p = run(["./run.sh", "stray"], ok=False)
    assert p.returncode != 0
    assert "unexpected argument 'stray'" in p.stderr
    assert "Usage:" in p.stderr
    p = run(["./run.sh", "--no-such-option", "1"], ok=False)
    assert p.returncode != 0
    for script in ("local/data_prep.sh", "local/prepare_lang.sh", "local/check_corpus.sh", "local/download_fsdd.sh",
                   "local/pool_folds.sh"):
        p = run([script], ok=False)
        assert p.returncode == 1, script
        assert "Usage:" in p.stderr, script


def test_missing_corpus_names_the_path_and_how_to_get_it(tmp_path):
    empty = tmp_path / "nowhere"
    empty.mkdir()
    p = run(["./run.sh", "--corpus-dir", str(empty), "--data", str(tmp_path / "data")], ok=False)
    assert p.returncode != 0
    assert f"FSDD not found in {empty}" in p.stderr
    assert "--download true" in p.stderr
    assert "github.com/Jakobovski/free-spoken-digit-dataset" in p.stderr
    assert not (tmp_path / "data").exists()


def test_stage0_speaker_disjoint_with_accents(fsdd_dir, tmp_path):
    data = tmp_path / "data"
    p = run(["./run.sh", "--stop-stage", "0", "--corpus-dir", str(fsdd_dir), "--max-takes", "2", "--data", str(data)])
    assert "test accents not in training" not in p.stdout
    train, test = table(data / "train/utt2spk"), table(data / "test/utt2spk")
    assert set(test.values()) == {"lucas", "theo"}
    assert set(train.values()) == {"jackson", "nicolas", "yweweler"}
    assert len(train) == 3 * 10 * 2
    assert len(test) == 2 * 10 * 2
    for part, utts in (("train", train), ("test", test)):
        accents = table(data / part / "utt2accent")
        assert set(accents) == set(utts)
        texts = table(data / part / "text")
        assert set(texts.values()) == {"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}
    assert set(table(data / "test/utt2accent").values()) == {"USA", "DEU-German"}
    assert set(table(data / "train/utt2accent").values()) == {"USA", "DEU-German", "BEL-French"}
    # Holding out the only Belgian French speaker is allowed, and said.
    p = run(["local/data_prep.sh", "--test-speakers", "nicolas", "--max-takes", "1", str(fsdd_dir), str(tmp_path / "d2")])
    assert "test accents not in training: BEL-French" in p.stdout


def test_leave_one_speaker_out_folds(fsdd_dir, tmp_path):
    data, exp, res = tmp_path / "data", tmp_path / "exp", tmp_path / "results"
    p = run(["./run.sh", "--loso", "true", "--stop-stage", "0", "--corpus-dir", str(fsdd_dir), "--max-takes", "1",
             "--data", str(data), "--exp", str(exp), "--results", str(res)], timeout=200)
    speakers = ["jackson", "lucas", "nicolas", "theo", "yweweler"]
    for spk in speakers:
        fold = data / f"loso_{spk}"
        assert set(table(fold / "test/utt2spk").values()) == {spk}
        assert set(table(fold / "train/utt2spk").values()) == set(speakers) - {spk}
    summary = (res / "loso_summary.md").read_text()
    assert "No decoded systems" in summary
    assert "No fold has both networks decoded." in summary
    assert "holding out yweweler" in p.stdout


def test_fold_summary_pools_errors(tmp_path):
    for fold, (e, w) in (("loso_a", (3, 100)), ("loso_b", (1, 300))):
        d = tmp_path / fold / "tri1/decode_test/scoring_kaldi"
        d.mkdir(parents=True)
        (d / "best_wer").write_text(f"%WER {100 * e / w:.2f} [ {e} / {w}, 0 ins, 0 del, {e} sub ] x/wer_10_0.0\n")
    d = tmp_path / "loso_a/mono/decode_test/scoring_kaldi"
    d.mkdir(parents=True)
    (d / "best_wer").write_text("%WER 10.00 [ 10 / 100, 0 ins, 0 del, 10 sub ] x/wer_10_0.0\n")
    p = run(["local/summarize_folds.py", str(tmp_path / "loso_a"), str(tmp_path / "loso_b")])
    assert "| tri1 | 3.00 | 0.33 | 1.00 |" in p.stdout
    assert "| mono | 10.00 | - | 10.00 (1 of 2 folds) |" in p.stdout


def _scored_decode(exp: Path, system: str, data: Path, refs: dict, errors: dict) -> None:
    """A decode dir of ``system`` whose 1-best has ``errors[utt]`` substitutions, scored by the real scoring code."""
    from mtlhybrid.score.kaldi_scoring import score_decode_dir

    dec = exp / system / "decode_test"
    pen = dec / "scoring_kaldi" / "penalty_0.0"
    pen.mkdir(parents=True)
    (pen / "10.txt").write_text("".join(f"{u} {'OH ' * errors.get(u, 0)}{' '.join(w.split()[errors.get(u, 0):])}\n"
                                        for u, w in sorted(refs.items())))
    score_decode_dir(data, dec)


def test_pool_folds_pairs_every_fold_and_seed(tmp_path):
    """Two folds (one held-out speaker each) x two seeds: the pooled test counts every fold's errors,
    resamples two speakers, and a fold missing a system is left out and named."""
    import json

    words = "ONE TWO THREE FOUR"
    base_err = {"a": {1: {"a-1": 2, "a-2": 1}, 2: {"a-1": 1}}, "b": {1: {"b-1": 1}, 2: {"b-2": 2}}}
    mtl_err = {"a": {1: {"a-1": 1}, 2: {}}, "b": {1: {"b-1": 1}, 2: {"b-2": 1}}}
    folds = []
    for spk in ("a", "b"):
        data = tmp_path / f"data_{spk}"
        data.mkdir()
        refs = {f"{spk}-{i}": words for i in (1, 2, 3)}
        (data / "text").write_text("".join(f"{u} {w}\n" for u, w in refs.items()))
        (data / "utt2spk").write_text("".join(f"{u} {spk}\n" for u in refs))
        exp = tmp_path / f"loso_{spk}"
        for s in (1, 2):
            _scored_decode(exp, f"nnet_base_s{s}", data, refs, base_err[spk][s])
            _scored_decode(exp, f"nnet_mtl_s{s}", data, refs, mtl_err[spk][s])
        folds.append(str(exp))
    out = tmp_path / "pooled.json"
    p = run(["local/pool_folds.sh", "--seeds", "1 2", "--resamples", "200", "--json", str(out), "nnet_base", "nnet_mtl",
             *folds])
    assert "4 fold-seed pairs" in p.stderr
    comp = json.loads(out.read_text())["comparisons"][0]
    boot = comp["bootstrap"]
    assert (boot["errors_a"], boot["errors_b"], boot["words"]) == (7, 3, 4 * 3 * 4)
    assert boot["speakers"] == 2 and boot["utterances"] == 12
    assert abs(boot["relative"] - 100.0 * (3 - 7) / 7) < 1e-9
    assert "| nnet_mtl " in p.stdout and "-57.1" in p.stdout
    # a fold without the multi-task network: left out, named
    import shutil
    shutil.rmtree(Path(folds[1]) / "nnet_mtl_s2")
    p = run(["local/pool_folds.sh", "--seeds", "1 2", "--resamples", "200", "nnet_base", "nnet_mtl", *folds])
    assert "left out (no scored decode_test of nnet_base or nnet_mtl): loso_b seed 2" in p.stderr
    assert "3 fold-seed pairs" in p.stderr
    p = run(["local/pool_folds.sh", "nnet_base", "nnet_x", *folds], ok=False)
    assert p.returncode == 1 and "no fold has both nnet_base and nnet_x" in p.stderr


def make_repo_copy(fsdd_dir: Path, root: Path) -> Path:
    """A few recordings laid out as the FSDD GitHub repository, with a speaker metadata.py lacks."""
    repo = root / "repo"
    (repo / "recordings").mkdir(parents=True)
    for spk in ("jackson", "nicolas"):
        for digit in (0, 1):
            shutil.copy(fsdd_dir / "recordings" / f"{digit}_{spk}_0.wav", repo / "recordings")
    shutil.copy(fsdd_dir / "recordings" / "2_theo_0.wav", repo / "recordings" / "2_stranger_0.wav")
    (repo / "metadata.py").write_text(
        '"""speakers"""\n\nmetadata = {\n'
        "    'jackson': {'gender': 'male', 'accent': 'USA/neutral', 'language': 'english'},\n"
        "    'nicolas': {\n    \t'gender': 'male',\n    \t'accent': 'BEL/French',\n    \t'language': 'english'\n    },\n"
        "}\n")
    (repo / "README.md").write_text("FSDD, CC BY-SA 4.0\n")
    return repo


def test_download_from_a_local_copy(fsdd_dir, tmp_path):
    repo = make_repo_copy(fsdd_dir, tmp_path)
    dest = tmp_path / "corpus" / "fsdd"
    p = run(["local/download_fsdd.sh", "--repo", str(repo), str(dest)])
    assert (dest / "speakers.tsv").read_text() == "speaker\tgender\taccent\njackson\tmale\tUSA\nnicolas\tmale\tBEL-French\n"
    assert sorted(x.name for x in (dest / "recordings").iterdir()) == [
        "0_jackson_0.wav", "0_nicolas_0.wav", "1_jackson_0.wav", "1_nicolas_0.wav"]
    assert [x.name for x in (dest / "recordings_unlisted").iterdir()] == ["2_stranger_0.wav"]
    assert "speaker stranger is not in" in p.stderr
    assert "1 recordings moved" in p.stderr
    assert (dest / "README.md").is_file()
    assert (repo / "recordings").is_dir()
    # The corpus it leaves is one stage 0 accepts.
    p = run(["local/data_prep.sh", "--test-speakers", "nicolas", str(dest), str(tmp_path / "data")])
    assert set(table(tmp_path / "data/train/utt2accent").values()) == {"USA"}
    # A second call finds it in place.
    assert "nothing to do" in run(["local/download_fsdd.sh", "--repo", str(repo), str(dest)]).stdout


def test_download_without_network_fails_clearly(tmp_path):
    dest = tmp_path / "fsdd"
    # Port 9 on the loopback refuses at once: the same path as a machine without a network.
    p = run(["local/download_fsdd.sh", "--url", "http://127.0.0.1:9/nobody/fsdd", str(dest)], ok=False)
    assert p.returncode == 1
    assert "could not download FSDD from http://127.0.0.1:9/nobody/fsdd" in p.stderr
    assert "--repo" in p.stderr
    assert not dest.exists()
    assert not list(tmp_path.glob(".fsdd_download*"))
    # Without --download, stage 0 says where it looked.
    p = run(["local/check_corpus.sh", "--download", "false", str(dest)], ok=False)
    assert p.returncode == 1
    assert f"FSDD not found in {dest}" in p.stderr


def test_lang_stage_digits_and_isolated_grammar(tmp_path):
    p = run(["local/prepare_lang.sh", str(tmp_path / "data")])
    lang = tmp_path / "data/lang"
    words = [line.split()[0] for line in (lang / "words.txt").read_text().splitlines()]
    digits = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]
    assert set(digits) <= set(words)
    assert "<UNK>" in words
    phones = [line.split()[0] for line in (lang / "phones.txt").read_text().splitlines()]
    assert "ZH_B" in phones  # all 39 CMUdict phones, as a larger-vocabulary model has them
    pmap = table(lang / "phones/base_phone_map.txt")
    assert pmap["AH_B"].strip() == "AH"
    assert pmap["SIL"].strip() == "SIL"
    assert not any(k.startswith("#") for k in pmap)
    assert (tmp_path / "data/lang_test/G.fst").is_file()
    arpa = (tmp_path / "data/local/lm/digits.arpa").read_text()
    assert "ngram 1=" in arpa
    assert "isolated-digit grammar" in p.stdout


def test_adaptation_stage_skips_without_source(tmp_path):
    p = run(["./run.sh", "--stage", "8", "--stop-stage", "8", "--src-nnet", str(tmp_path / "no_model"),
             "--data", str(tmp_path / "data"), "--exp", str(tmp_path / "exp")])
    assert f"stage 8 skipped: no source network {tmp_path / 'no_model'}/final.pt" in p.stderr
    assert p.stdout.rstrip().endswith("done")
    assert not (tmp_path / "exp").exists()
