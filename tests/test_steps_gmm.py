"""The GMM half of a recipe on real speech: FSDD digits through the Kaldi-named step scripts.

mono -> align (with lattices) -> tri (deltas) -> mkgraph -> decode -> score, on 3 training
speakers and 2 held-out speakers, with few iterations: on this little data most of an
iteration's time is starting its jobs' tools, so every iteration saved counts.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

RECIPE = Path(__file__).resolve().parent.parent / "egs" / "fsdd" / "s5"
# Iterations of the systems the fixtures train (the likelihood test reads the logs of the last).
# The monophone likelihood levels off after its 4th iteration here, and tri1's first
# iteration is already above the monophone's last.
MONO_ITERS, TRI1_ITERS = 5, 4
MONO_OPTS = f"--nj 2 --num-iters {MONO_ITERS} --realign-iters '1 3'"
TRI1_OPTS = f"--num-iters {TRI1_ITERS} --realign-iters '2' --min-count 20 --tree-thresh 50"


def run(cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(["bash", "-c", f". ./path.sh; set -e; {cmd}"], cwd=RECIPE, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise AssertionError(f"command failed ({res.returncode}): {cmd}\nstdout:\n{res.stdout[-3000:]}\nstderr:\n{res.stderr[-3000:]}")
    return res


def best_wer(decode_dir: Path) -> float:
    line = (decode_dir / "scoring_kaldi" / "best_wer").read_text()
    return float(re.search(r"%WER ([0-9.]+)", line).group(1))


def avg_gaussian_loglike(log_glob) -> float:
    tot, frames = 0.0, 0
    for log in log_glob:
        m = re.search(r"overall avg like per frame \(Gaussian only\) = (-?[0-9.]+) over ([0-9]+) frames", log.read_text())
        tot += float(m.group(1)) * int(m.group(2))
        frames += int(m.group(2))
    return tot / frames


@pytest.fixture(scope="module")
def gmm_systems(fsdd_dir, tmp_path_factory):
    w = tmp_path_factory.mktemp("gmm")
    run(f"../../../local/fsdd_data_prep.sh --max-takes 4 {fsdd_dir} {w}/data")
    for part in ("train", "test"):
        run(f"steps/make_mfcc.sh --nj 2 --mfcc-config conf/mfcc.conf {w}/data/{part} {w}/exp/make_mfcc {w}/mfcc")
        run(f"steps/compute_cmvn_stats.sh {w}/data/{part} {w}/exp/make_mfcc {w}/mfcc")
    run(f"cut -d' ' -f2- {w}/data/train/text | sort -u > {w}/words.txt")
    run(f"python3 -m mtlhybrid.bin.prepare_dict {w}/words.txt {w}/data/local/dict")
    run(f"utils/prepare_lang.sh {w}/data/local/dict '<UNK>' {w}/data/local/lang_tmp {w}/data/lang")
    run(f"python3 -m mtlhybrid.bin.make_ngram_lm --grammar isolated --text-has-ids {w}/data/train/text {w}/data/local/lm.arpa")
    run(f"utils/format_lm.sh {w}/data/lang {w}/data/local/lm.arpa {w}/data/local/dict/lexicon.txt {w}/data/lang_test")
    run(f"steps/train_mono.sh {MONO_OPTS} --totgauss 150 {w}/data/train {w}/data/lang {w}/exp/mono")
    run(f"steps/align_si.sh --nj 2 --generate-lattices true {w}/data/train {w}/data/lang {w}/exp/mono {w}/exp/mono_ali")
    run(f"steps/train_deltas.sh {TRI1_OPTS} 120 400 {w}/data/train {w}/data/lang {w}/exp/mono_ali {w}/exp/tri1")
    for sys_ in ("mono", "tri1"):
        run(f"utils/mkgraph.sh {w}/data/lang_test {w}/exp/{sys_} {w}/exp/{sys_}/graph")
        run(f"steps/decode.sh --nj 2 {w}/exp/{sys_}/graph {w}/data/test {w}/exp/{sys_}/decode_test")
    return w


def test_monophone_decodes_held_out_speakers_far_better_than_chance(gmm_systems):
    # Ten equally likely digits: chance is 90% WER.
    assert best_wer(gmm_systems / "exp/mono/decode_test") < 30.0
    assert best_wer(gmm_systems / "exp/tri1/decode_test") < 40.0


def test_scoring_layout_and_breakdowns(gmm_systems):
    d = gmm_systems / "exp/mono/decode_test"
    assert (d / "wer_10_0.0").is_file()
    assert (d / "wer_17_1.0").is_file()
    details = d / "scoring_kaldi" / "wer_details"
    per_spk = (details / "per_spk").read_text()
    assert "lucas" in per_spk
    assert "theo" in per_spk
    per_accent = (details / "per_accent").read_text()
    assert "USA" in per_accent
    assert "DEU-German" in per_accent


def test_triphone_tree_has_more_leaves_and_higher_likelihood(gmm_systems):
    from mtlhybrid.hmm.model_file import load_model

    mono_tm, _ = load_model(gmm_systems / "exp/mono/final.mdl")
    tri_tm, _ = load_model(gmm_systems / "exp/tri1/final.mdl")
    assert tri_tm.num_pdfs > mono_tm.num_pdfs
    mono_ll = avg_gaussian_loglike(sorted((gmm_systems / "exp/mono/log").glob(f"acc.{MONO_ITERS - 1}.*.log")))
    tri_ll = avg_gaussian_loglike(sorted((gmm_systems / "exp/tri1/log").glob(f"acc.{TRI1_ITERS - 1}.*.log")))
    assert tri_ll > mono_ll


def test_alignment_dir_layout_and_lattices(gmm_systems):
    from mtlhybrid.lattice.functions import best_path, forward_backward
    from mtlhybrid.lattice.io import read_lattices
    from mtlhybrid.utils.kaldi_io import read_int_vectors

    ali_dir = gmm_systems / "exp/mono_ali"
    for f in ("num_jobs", "final.mdl", "tree", "ali.1.gz", "ali.2.gz", "lat.1.gz", "cmvn_opts", "delta_opts"):
        assert (ali_dir / f).is_file(), f
    from mtlhybrid.hmm.model_file import load_model

    tm, _ = load_model(ali_dir / "final.mdl")
    ali = dict(read_int_vectors(ali_dir / "ali.1.gz"))
    checked = 0
    for utt, lat in read_lattices(ali_dir / "lat.1.gz"):
        post = forward_backward(lat, acoustic_scale=0.1)
        dense = post.to_dense(tm.num_transition_ids + 1)
        assert dense.shape[0] == len(ali[utt])
        np.testing.assert_allclose(dense.sum(axis=1), 1.0, atol=1e-4)
        bp = best_path(lat, lm_scale=1.0, acoustic_scale=0.1)
        assert np.array_equal(np.asarray(bp.alignment), ali[utt])
        checked += 1
        if checked == 5:
            break
    assert checked == 5


def test_gmm_align_compiled_equals_the_likelihood_pipe(gmm_systems):
    """gmm_align_compiled (scores in process, the training scripts' realignment) = gmm_compute_likes | align_compiled_mapped."""
    from mtlhybrid.utils.kaldi_io import read_int_vectors

    w, d = gmm_systems, gmm_systems / "exp/tri1"
    opts = (f"$(steps/internal/gmm_feat_opts.sh {d}) --boost-silence 1.5 "
            f"--silence-phones $(cat {w}/data/lang/phones/silence.csl)")
    align = "--beam 3 --retry-beam 40"  # a narrow first beam: some utterances take the retry path
    run(f"python3 -m mtlhybrid.bin.gmm_compute_likes {opts} {d}/final.mdl {w}/data/train/split2/1 ark:- | "
        f"python3 -m mtlhybrid.bin.align_compiled_mapped {align} {d}/final.mdl ark:{d}/fsts.1.gz ark:- "
        f"ark:{w}/ali_pipe.gz")
    r = run(f"python3 -m mtlhybrid.bin.gmm_align_compiled {opts} {align} {d}/final.mdl ark:{d}/fsts.1.gz "
            f"{w}/data/train/split2/1 ark:{w}/ali_one.gz")
    assert "boosting" in r.stderr
    pipe, one = dict(read_int_vectors(w / "ali_pipe.gz")), dict(read_int_vectors(w / "ali_one.gz"))
    assert len(one) == len((w / "data/train/split2/1/feats.scp").read_text().splitlines()) > 0
    assert sorted(one) == sorted(pipe)
    for u in one:
        np.testing.assert_array_equal(one[u], pipe[u])


def test_ali_to_pdf_and_phones_tools(gmm_systems):
    ali_dir = gmm_systems / "exp/mono_ali"
    pdfs = run(f"python3 -m mtlhybrid.bin.ali_to_pdf {ali_dir}/final.mdl ark:{ali_dir}/ali.1.gz -").stdout.splitlines()
    phones = run(f"python3 -m mtlhybrid.bin.ali_to_phones --per-frame {ali_dir}/final.mdl ark:{ali_dir}/ali.1.gz -").stdout.splitlines()
    assert len(pdfs) == len(phones) > 0
    assert len(pdfs[0].split()) == len(phones[0].split())


def test_decoding_refuses_mismatched_inputs(gmm_systems, tmp_path):
    w = gmm_systems
    # A lang dir that is not the model's: phones.txt differs.
    other = tmp_path / "graph"
    run(f"cp -r {w}/exp/mono/graph {other}")
    (other / "phones.txt").write_text((other / "phones.txt").read_text().replace("SIL ", "SILENCE ", 1))
    res = run(f"steps/decode.sh --nj 1 {other} {w}/data/test {w}/exp/mono/decode_other", check=False)
    assert res.returncode != 0
    assert "not compatible" in res.stderr
    # Features of the wrong dimension (no deltas: 13 instead of 39).
    res = run(f"python3 -m mtlhybrid.bin.gmm_compute_likes --delta-order 0 {w}/exp/mono/final.mdl {w}/data/test ark:/dev/null", check=False)
    assert res.returncode != 0
    assert "dimension 13" in res.stderr
    assert "expects 39" in res.stderr
    # An empty test set.
    empty = tmp_path / "empty"
    empty.mkdir()
    for f in ("feats.scp", "cmvn.scp"):
        (empty / f).write_text("")
    res = run(f"steps/decode.sh --nj 1 {w}/exp/mono/graph {empty} {w}/exp/mono/decode_empty", check=False)
    assert res.returncode != 0
    assert "empty test set" in res.stderr


def test_training_refuses_words_missing_from_lang(gmm_systems, tmp_path):
    w = gmm_systems
    bad = tmp_path / "bad"
    run(f"utils/copy_data_dir.sh {w}/data/train {bad}")
    lines = (bad / "text").read_text().splitlines()
    lines[0] = lines[0].split()[0] + " ZEBRA"
    (bad / "text").write_text("\n".join(lines) + "\n")
    res = run(f"steps/align_si.sh --nj 1 {bad} {w}/data/lang {w}/exp/mono {tmp_path}/ali", check=False)
    assert res.returncode != 0
    assert "ZEBRA" in res.stderr
    assert "missing from" in res.stderr


def test_train_deltas_tree_stats_see_the_models_cmvn_and_mix_up_after_init(gmm_systems):
    from mtlhybrid.hmm.tree_stats import TreeStats

    w = gmm_systems
    # --num-iters 1: the tree and the first model only (all this test reads).
    run(f"steps/train_deltas.sh --num-iters 1 --realign-iters '' --min-count 20 --tree-thresh 50 "
        f"--cmvn-opts '--apply-cmvn true --norm-vars true' 120 400 "
        f"{w}/data/train {w}/data/lang {w}/exp/mono_ali {w}/exp/tri1_vn")
    # With per-speaker variance normalisation every static dimension has unit variance:
    # the tree statistics must have been taken on those features, not on mean-normalised ones.
    _, _, counts, sums, sumsq = TreeStats.load(w / "exp/tri1_vn/treeacc").arrays()
    n = counts.sum()
    var = sumsq.sum(0)[:13] / n - (sums.sum(0)[:13] / n) ** 2
    np.testing.assert_allclose(var, 1.0, atol=0.05)
    # Kaldi mixes up to <num-leaves> Gaussians straight after gmm-init-model.
    m = re.search(r"mixed up from (\d+) to (\d+) Gaussians \(target 120\)", (w / "exp/tri1_vn/log/mixup.log").read_text())
    assert m, (w / "exp/tri1_vn/log/mixup.log").read_text()
    assert int(m.group(1)) < int(m.group(2)) <= 120


@pytest.fixture(scope="module")
def lda_mllt_system(gmm_systems):
    w = gmm_systems
    run(f"steps/align_si.sh --nj 2 {w}/data/train {w}/data/lang {w}/exp/tri1 {w}/exp/tri1_ali")
    run(f"steps/train_lda_mllt.sh --num-iters 4 --mllt-iters '2' --realign-iters '3' --tree-thresh 50 "
        f"120 400 {w}/data/train {w}/data/lang {w}/exp/tri1_ali {w}/exp/tri2b")
    run(f"utils/mkgraph.sh {w}/data/lang_test {w}/exp/tri2b {w}/exp/tri2b/graph")
    run(f"steps/decode.sh --nj 2 --beam 20 --lattice-beam 8 {w}/exp/tri2b/graph {w}/data/test {w}/exp/tri2b/decode_test")
    run(f"steps/align_si.sh --nj 2 {w}/data/train {w}/data/lang {w}/exp/tri2b {w}/exp/tri2b_ali")
    return w / "exp/tri2b"


def test_lda_mllt_system_layout_and_transform(lda_mllt_system):
    from mtlhybrid.transform.io import read_matrix

    d = lda_mllt_system
    assert (d / "splice_opts").read_text().split() == ["--left-context=3", "--right-context=3"]
    final, lda = read_matrix(d / "final.mat"), read_matrix(d / "0.mat")
    assert final.shape == lda.shape == (40, 13 * 7)  # 13 MFCCs spliced +-3, projected to Kaldi's 40
    assert not np.allclose(final, lda)  # MLLT was composed in
    m = re.search(r"improvement for MLLT is ([0-9.e+-]+) per frame", (d / "log/mupdate.2.log").read_text())
    assert m, "no MLLT objective in mupdate.2.log"
    assert float(m.group(1)) > 0


def test_lda_mllt_system_decodes_and_aligns(lda_mllt_system):
    d = lda_mllt_system
    assert best_wer(d / "decode_test") < 40.0
    ali = d.parent / "tri2b_ali"
    assert (ali / "final.mat").read_bytes() == (d / "final.mat").read_bytes()  # align_si.sh used the LDA+MLLT features
    assert (ali / "ali.1.gz").is_file()
    assert (ali / "ali.2.gz").is_file()


@pytest.fixture(scope="module")
def sat_system(lda_mllt_system):
    w = lda_mllt_system.parent.parent
    run(f"steps/train_sat.sh --num-iters 3 --fmllr-iters '2' --realign-iters '2' --tree-thresh 50 "
        f"120 400 {w}/data/train {w}/data/lang {w}/exp/tri2b_ali {w}/exp/tri3b")
    run(f"utils/mkgraph.sh {w}/data/lang_test {w}/exp/tri3b {w}/exp/tri3b/graph")
    run(f"steps/decode_fmllr.sh --nj 2 {w}/exp/tri3b/graph {w}/data/test {w}/exp/tri3b/decode_test")
    return w / "exp/tri3b"


def _fmllr_gains(logs):
    return [float(m.group(1)) for log in logs
            for m in re.finditer(r"overall fMLLR objf improvement is ([0-9.e+-]+) per frame", log.read_text())]


def test_sat_system_has_per_speaker_transforms_that_raise_likelihood(sat_system):
    from mtlhybrid.transform.io import read_transforms

    d = sat_system
    train_spk = {line.split()[0] for line in (d.parent.parent / "data/train/spk2utt").read_text().splitlines()}
    trans = {}
    for n in (1, 2):
        trans.update(read_transforms(f"ark:{d}/trans.{n}"))
    assert set(trans) == train_spk
    assert all(m.shape == (40, 41) for m in trans.values())
    gains = _fmllr_gains(sorted((d / "log").glob("fmllr.*.log")))
    assert gains
    assert all(g > 0 for g in gains)
    assert (d / "final.alimdl").is_file()
    assert (d / "final.mat").is_file()


def test_align_fmllr_compiles_graphs_once_and_aligns_every_utterance(sat_system):
    """align_fmllr.sh: both passes read one fsts.JOB.gz (as Kaldi's); every utterance aligned, transforms per speaker."""
    from mtlhybrid.transform.io import read_transforms
    from mtlhybrid.utils.kaldi_io import read_int_vectors

    w = sat_system.parent.parent
    d = w / "exp/tri3b_ali"
    run(f"steps/align_fmllr.sh --nj 2 {w}/data/train {w}/data/lang {sat_system} {d}")
    utts = {line.split()[0] for line in (w / "data/train/feats.scp").read_text().splitlines()}
    ali = {}
    for n in (1, 2):
        assert (d / f"fsts.{n}.gz").is_file()
        assert "compiled graphs for" in (d / f"log/compile_graphs.{n}.log").read_text()
        for log in (f"align_pass1.{n}.log", f"align.{n}.log"):
            assert "fsts" in (d / "log" / log).read_text()  # the aligner read the compiled graphs
        ali.update(read_int_vectors(d / f"ali.{n}.gz"))
    assert set(ali) == utts
    spk = {line.split()[0] for line in (w / "data/train/spk2utt").read_text().splitlines()}
    trans = {}
    for n in (1, 2):
        trans.update(read_transforms(f"ark:{d}/trans.{n}"))
    assert set(trans) == spk
    assert not list(d.glob("pre_ali.*.gz"))


def test_fmllr_decode_adapts_test_speakers(sat_system):
    from mtlhybrid.transform.io import read_transforms

    d = sat_system / "decode_test"
    test_spk = {line.split()[0] for line in (d.parent.parent.parent / "data/test/spk2utt").read_text().splitlines()}
    trans = {}
    for n in (1, 2):
        trans.update(read_transforms(f"ark:{d}/trans.{n}"))
    assert set(trans) == test_spk
    # fMLLR raised the test data's likelihood for every speaker (pre_trans: from the SI pass).
    per_spk = [float(m.group(1)) for log in sorted((d / "log").glob("fmllr.pre_trans.*.log"))
               for m in re.finditer(r"speaker \S+: objf improvement ([0-9.e+-]+) per frame", log.read_text())]
    assert len(per_spk) == len(test_spk)
    assert all(g > 0 for g in per_spk)
    # The adapted decode beats the speaker-independent first pass (final.alimdl, whose
    # estimate here is an approximation of Kaldi's: see steps/train_sat.sh).
    assert best_wer(d) < 40.0
    assert best_wer(d) < best_wer(sat_system / "decode_test.si")


def _break_feats(src: Path, dst: Path, entry: int, tmp_path: Path) -> str:
    """Copy data dir ``src`` to ``dst`` with feats.scp entry ``entry`` (1-based) pointing at a missing archive."""
    run(f"utils/copy_data_dir.sh {src} {dst}")
    lines = (dst / "feats.scp").read_text().splitlines()
    utt = lines[entry - 1].split()[0]
    lines[entry - 1] = f"{utt} {tmp_path}/no_such_archive.ark:17"
    (dst / "feats.scp").write_text("\n".join(lines) + "\n")
    return utt


def test_alignment_that_loses_utterances_fails_naming_them(gmm_systems, tmp_path):
    # The 30th of 120 utterances has no features: gmm_compute_likes dies there, and the
    # aligner at the end of the pipe saw 29 (this used to end "29 utterances aligned", exit 0).
    w = gmm_systems
    bad = tmp_path / "bad"
    utt = _break_feats(w / "data/train", bad, 30, tmp_path)
    res = run(f"steps/align_si.sh --nj 1 {bad} {w}/data/lang {w}/exp/mono {tmp_path}/ali", check=False)
    assert res.returncode != 0
    log = (tmp_path / "ali/log/align.1.log").read_text()
    assert f"utterance {utt}: cannot read features" in log
    assert "aligned 29 of 120 utterances (0 failed, 91 missing): more than 5% lost" in log
    assert utt in log.split("lost")[1]
    assert not (tmp_path / "ali/ali.1.gz").exists()


def test_decoding_fails_when_the_first_stage_of_its_pipe_fails(gmm_systems, tmp_path):
    # The last of 80 utterances is unreadable: the decoder saw 79 (within its 5% tolerance),
    # so only pipefail in the job notices; no lattices are left to be scored as [PARTIAL].
    w = gmm_systems
    bad = tmp_path / "bad"
    utt = _break_feats(w / "data/test", bad, 80, tmp_path)
    res = run(f"steps/decode.sh --nj 1 {w}/exp/mono/graph {bad} {w}/exp/mono/decode_bad", check=False)
    assert res.returncode != 0, res.stdout
    assert "decoding failed" in res.stderr, res.stdout
    log = (w / "exp/mono/decode_bad/log/decode.1.log").read_text()
    assert f"utterance {utt}: cannot read features" in log
    assert "decoded 79 of 80 utterances" in log
    assert not list((w / "exp/mono/decode_bad").glob("lat.*.gz"))
    assert not (w / "exp/mono/decode_bad/scoring_kaldi").exists()
    # A decoder that gets no input at all fails and writes no (empty) lattice archive.
    (tmp_path / "empty.ark").write_bytes(b"")
    res = run(f"python3 -m mtlhybrid.bin.latgen {w}/exp/mono/final.mdl {w}/exp/mono/graph/HCLG.fst ark:{tmp_path}/empty.ark "
              f"ark:{tmp_path}/lat.1.gz", check=False)
    assert res.returncode == 1
    assert "decoded no utterances" in res.stderr
    assert not (tmp_path / "lat.1.gz").exists()


def test_rerun_into_a_gmm_dir_with_other_options_is_refused(gmm_systems):
    w = gmm_systems
    before = (w / "exp/mono/final.mdl").resolve().read_bytes()
    res = run(f"steps/train_mono.sh {MONO_OPTS} --totgauss 200 {w}/data/train {w}/data/lang {w}/exp/mono", check=False)
    assert res.returncode != 0
    assert "totgauss: 150 -> 200" in res.stderr
    assert "--overwrite true" in res.stderr
    res = run(f"steps/train_deltas.sh {TRI1_OPTS} 150 400 {w}/data/train {w}/data/lang {w}/exp/mono_ali {w}/exp/tri1",
              check=False)
    assert res.returncode != 0
    assert "numleaves: 120 -> 150" in res.stderr
    assert (w / "exp/mono/final.mdl").resolve().read_bytes() == before


def test_make_fmllr_feats_writes_what_the_sat_system_sees(sat_system, tmp_path):
    # The networks' --nnet-feats gmm input: tri3b's features with the training speakers'
    # transforms, as a data dir of plain (normalised) features, labels and text copied.
    from mtlhybrid.features.reader import FeatureReader
    from mtlhybrid.transform.io import read_matrix, read_transforms
    from mtlhybrid.utils.kaldi_io import read_scp_matrices

    w = sat_system.parent.parent
    out = tmp_path / "train_fmllr"
    run(f"steps/nnet/make_fmllr_feats.sh --transform-dir {sat_system} {out} {w}/data/train {sat_system} "
        f"{tmp_path}/log {tmp_path}/feats")
    feats = dict(read_scp_matrices(out / "feats.scp"))
    train = w / "data/train"
    assert set(feats) == {line.split()[0] for line in (train / "text").read_text().splitlines()}
    assert (out / "text").read_text() == (train / "text").read_text()
    assert not (out / "cmvn.scp").exists()
    trans = {}
    for n in (1, 2):
        trans.update(read_transforms(f"ark:{sat_system}/trans.{n}"))
    ref = FeatureReader(train, apply_cmvn=True, splice=(3, 3), transform=read_matrix(sat_system / "final.mat"),
                        speaker_transforms=trans)
    utt = sorted(feats)[0]
    assert feats[utt].shape[1] == 40
    assert np.allclose(feats[utt], ref[utt], atol=1e-4)
    # A SAT system without transforms for these speakers is refused, naming the speaker.
    res = run(f"steps/nnet/make_fmllr_feats.sh --transform-dir {sat_system}/decode_test {tmp_path}/bad {w}/data/train "
              f"{sat_system} {tmp_path}/log2 {tmp_path}/feats2", check=False)
    assert res.returncode != 0
    assert "no transform for speaker" in "".join(p.read_text() for p in (tmp_path / "log2").glob("*.log"))


def test_tune_gmm_size_keeps_the_size_with_the_lowest_dev_wer(gmm_systems):
    w = gmm_systems
    cmd = (f"steps/tune_gmm_size.sh --train-opts \"--num-iters 2 --realign-iters '' --min-count 20 --tree-thresh 50\" "
           f"deltas '30:60 120:400' {w}/data/train {w}/data/test {w}/data/lang {w}/data/lang_test "
           f"{w}/exp/mono_ali {w}/exp/tsize")
    res = run(cmd)
    table = (w / "exp/tsize_sizes/wer.txt").read_text().splitlines()
    rows = [line.split() for line in table[2:]]
    assert [r[0] for r in rows] == ["30:60", "120:400"]
    for r in rows:
        d = w / f"exp/tsize_{r[0].replace(':', '_')}"
        assert float(r[3]) == best_wer(d / "decode_test")
        assert int(r[2]) <= int(r[0].split(":")[1]) and int(r[1]) <= int(r[0].split(":")[0])
    best = min(rows, key=lambda r: float(r[3]))[0]
    assert (w / "exp/tsize_sizes/best").read_text().split() == [best]
    assert [r[0] for r in rows if r[-1] == "best"] == [best]
    assert f"chose deltas size {best} on test" in res.stdout
    # a rerun trains and decodes nothing again
    again = run(cmd)
    assert "train_deltas.sh" not in again.stdout.replace("steps/tune_gmm_size.sh", "")
    bad = run(cmd.replace("'30:60 120:400'", "'30-60'"), check=False)
    assert bad.returncode != 0 and "sizes are <leaves>:<gaussians>, got '30-60'" in bad.stderr
