"""The numpy GMM kernels of the CPU tools equal the torch ones, and those tools never import torch."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from mtlhybrid.gmm.accumulate import AccumAmDiagGmm, load_accs
from mtlhybrid.gmm.diag_gmm import AmDiagGmm
from mtlhybrid.gmm.mixup import split_to_total
from mtlhybrid.gmm.numpy_gmm import NumpyAmDiagGmm, NumpyGmmAccs
from mtlhybrid.hmm.model_file import load_model
from mtlhybrid.hmm.tree import ContextDependency
from mtlhybrid.utils.kaldi_io import read_matrices_rspecifier, write_int_vectors, write_matrices_ark_scp

from test_gmm_tools import TOPO, _equal_alignment, _mfcc

torch.set_num_threads(1)


def _fsdd_frames(fsdd_dir, n_per_digit=3):
    feats = [_mfcc(fsdd_dir / "recordings" / f"{d}_jackson_{t}.wav") for d in range(10) for t in range(n_per_digit)]
    pdfs = [np.full(len(f), i % 12) for i, f in enumerate(feats)]
    return np.concatenate(feats), np.concatenate(pdfs)


@pytest.mark.parametrize("target_gauss", [30, 120])  # few slots (plain layout) and uneven ones (packed rows)
def test_numpy_kernels_equal_torch(fsdd_dir, target_gauss):
    x, pdf = _fsdd_frames(fsdd_dir)
    am = AmDiagGmm.init_single_gaussians(torch.from_numpy(x), torch.from_numpy(pdf), 12)
    occs = torch.from_numpy(np.bincount(pdf, minlength=12).astype(np.float64) ** 2)  # uneven targets
    split_to_total(am, occs, target_gauss, power=1.0, min_count=1.0, generator=torch.Generator().manual_seed(1))
    # break the symmetry of the split pairs with one EM pass, so that posteriors are not all 1/2
    acc_t = AccumAmDiagGmm.for_model(am)
    acc_t.accumulate(am, torch.from_numpy(x), torch.from_numpy(pdf))
    from mtlhybrid.gmm.mle import mle_update
    mle_update(am, acc_t, min_gaussian_occupancy=1.0)
    counts = am.num_gauss_per_pdf.numpy()
    assert counts.max() > counts.min()
    npam = NumpyAmDiagGmm.from_dict(am.to_dict())

    want = am.log_likelihoods(torch.from_numpy(x)).numpy()
    got = npam.log_likelihoods(x)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-3)

    acc_t = AccumAmDiagGmm.for_model(am)
    tot_t = acc_t.accumulate(am, torch.from_numpy(x), torch.from_numpy(pdf), chunk=500)
    acc_n = NumpyGmmAccs.for_model(npam)
    tot_n = acc_n.accumulate(npam, x, pdf, chunk=700)  # chunking must not matter either
    assert tot_n == pytest.approx(tot_t, rel=1e-6)
    assert acc_n.total_frames == acc_t.total_frames == len(x)
    np.testing.assert_allclose(acc_n.occ, acc_t.occ.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(acc_n.mean_acc, acc_t.mean_acc.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(acc_n.var_acc, acc_t.var_acc.numpy(), rtol=1e-4, atol=1e-2)
    assert acc_n.occ.sum() == pytest.approx(len(x))


def test_numpy_mle_and_mixup_equal_torch(fsdd_dir):
    """gmm-est's numpy M-step equals the torch one; mixing up makes the same splits (random directions aside)."""
    from mtlhybrid.gmm import numpy_gmm
    from mtlhybrid.gmm.mle import MleOptions, mle_update

    x, pdf = _fsdd_frames(fsdd_dir)
    am = AmDiagGmm.init_single_gaussians(torch.from_numpy(x), torch.from_numpy(pdf), 12)
    split_to_total(am, torch.from_numpy(np.bincount(pdf, minlength=12).astype(np.float64) ** 2), 90, power=1.0,
                   min_count=1.0, generator=torch.Generator().manual_seed(1))
    acc_t = AccumAmDiagGmm.for_model(am)
    acc_t.accumulate(am, torch.from_numpy(x), torch.from_numpy(pdf))
    npam = NumpyAmDiagGmm.from_dict(am.to_dict())
    acc_n = NumpyGmmAccs(acc_t.occ.numpy().copy(), acc_t.mean_acc.numpy().copy(), acc_t.var_acc.numpy().copy(),
                         acc_t.total_log_like, acc_t.total_frames)
    # occupancy 40 removes some Gaussians (pdfs keep their last one): the compaction path is exercised
    opts = MleOptions(min_gaussian_occupancy=40.0)
    new_np, st_n = numpy_gmm.mle_update(npam, acc_n, opts)
    st_t = mle_update(am, acc_t, opts)
    assert st_t.removed_gaussians > 0
    assert (st_n.removed_gaussians, st_n.floored_elements, st_n.kept_low_count_gaussians) == \
        (st_t.removed_gaussians, st_t.floored_elements, st_t.kept_low_count_gaussians)
    assert st_n.objf_before == pytest.approx(st_t.objf_before, rel=1e-9)
    assert st_n.objf_after == pytest.approx(st_t.objf_after, rel=1e-9)
    want = am.to_dict()
    got = numpy_gmm.model_dict(new_np)
    np.testing.assert_array_equal(got["num_gauss_per_pdf"], want["num_gauss_per_pdf"].numpy())
    for k in ("weights", "means", "variances"):
        assert got[k].shape == tuple(want[k].shape)
        np.testing.assert_allclose(got[k], want[k].numpy(), rtol=1e-6, atol=1e-6)

    # mixing up: no perturbation -> identical models; with it -> means moved apart symmetrically
    occs = acc_n.occ.sum(1)
    flat = numpy_gmm.split_to_total(new_np, occs, 150, power=0.2, perturb_factor=0.0, min_count=5.0)
    split_to_total(am, torch.from_numpy(occs), 150, power=0.2, perturb_factor=0.0, min_count=5.0)
    assert flat.total_gauss == am.total_gauss > new_np.total_gauss
    np.testing.assert_array_equal(flat.num_gauss_per_pdf, am.num_gauss_per_pdf.numpy())
    for k in ("weights", "means", "variances"):
        np.testing.assert_allclose(getattr(flat, k), getattr(am, k).numpy(), rtol=1e-6, atol=1e-6)
    moved = numpy_gmm.split_to_total(new_np, occs, 150, power=0.2, perturb_factor=0.01, min_count=5.0,
                                     rng=np.random.default_rng(3))
    np.testing.assert_array_equal(moved.weights, flat.weights)
    np.testing.assert_array_equal(moved.variances, flat.variances)
    assert 0 < np.abs(moved.means - flat.means).max() < 0.1 * np.sqrt(flat.variances.max())


def test_torch_file_written_without_torch_reads_back(tmp_path):
    """The torch-free writer's files read back with torch.load(weights_only=True), tensors equal."""
    from mtlhybrid.gmm.numpy_gmm import model_dict
    from mtlhybrid.utils.torch_file import load_torch_file, save_torch_file

    rng = np.random.default_rng(0)
    am = NumpyAmDiagGmm(rng.random((4, 3), dtype=np.float32), rng.standard_normal((4, 3, 5)).astype(np.float32),
                        rng.random((4, 3, 5), dtype=np.float32) + 0.5, np.array([3, 1, 2, 3]))
    obj = {"format": "x", "acoustic_model": model_dict(am), "nested": [1, (2.5, None, True), {"s": "t"}]}
    with open(tmp_path / "m.pt", "wb") as f:
        save_torch_file(obj, f)
    back = torch.load(tmp_path / "m.pt", weights_only=True)
    assert back["nested"] == [1, (2.5, None, True), {"s": "t"}]
    for k in ("weights", "means", "variances", "num_gauss_per_pdf"):
        np.testing.assert_array_equal(back["acoustic_model"][k].numpy(), obj["acoustic_model"][k])
    am_t = AmDiagGmm.from_dict(back["acoustic_model"])
    assert am_t.total_gauss == 9
    again = load_torch_file(tmp_path / "m.pt")
    np.testing.assert_array_equal(again["acoustic_model"]["means"], obj["acoustic_model"]["means"])


_NO_TORCH_RUNNER = """
import runpy, sys
tool, argv = sys.argv[1], sys.argv[2:]
sys.argv = [tool] + argv
try:
    runpy.run_module("mtlhybrid.bin." + tool, run_name="__main__")
except SystemExit as e:
    code = e.code
else:
    code = 0
sys.stderr.write("TORCH_IMPORTED=%s\\n" % ("torch" in sys.modules))
sys.exit(code)
"""


def _run_tool(tool, args, env, stdout=None, torch_free=True):
    r = subprocess.run([sys.executable, "-c", _NO_TORCH_RUNNER, tool] + [str(a) for a in args], env=env,
                       stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE, text=stdout is None)
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode()
    assert r.returncode == 0, err
    if torch_free:
        assert "TORCH_IMPORTED=False" in err, f"{tool} imported torch"
    return r


def test_cpu_tools_do_not_import_torch(tmp_path, fsdd_dir, repo_root):
    """The GMM tools of a training iteration on CPU (and acc_tree_stats): numpy only, results equal to the torch kernels'."""
    data = tmp_path / "data"
    data.mkdir()
    feats = {f"{d}_{spk}_{t}": _mfcc(fsdd_dir / "recordings" / f"{d}_{spk}_{t}.wav")
             for d in range(3) for spk in ("jackson", "theo") for t in range(2)}
    write_matrices_ark_scp(data / "feats.ark", data / "feats.scp", sorted(feats.items()))
    (data / "utt2spk").write_text("".join(f"{u} {u.split('_')[1]}\n" for u in sorted(feats)))
    (tmp_path / "topo").write_text(TOPO)
    nocmvn = ["--apply-cmvn", "false"]
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    _run_tool("gmm_init_mono", nocmvn + ["--train-feats", data, tmp_path / "topo", "13", tmp_path / "0.mdl",
                                         tmp_path / "tree"], env)
    tm, am0 = load_model(tmp_path / "0.mdl")
    x = np.concatenate([feats[u] for u in sorted(feats)]).astype(np.float64)
    want = AmDiagGmm.init_from_stats(9, torch.from_numpy(x.mean(0)), torch.from_numpy(x.var(0)))
    np.testing.assert_allclose(am0["means"], want.means.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(am0["variances"], want.variances.numpy(), rtol=1e-4)
    tree = ContextDependency.read(tmp_path / "tree")
    utts = sorted(feats)
    write_int_vectors(tmp_path / "ali.gz", {u: _equal_alignment(tm, tree, int(u[0]) + 1, len(feats[u])) for u in utts})

    _run_tool("gmm_acc_stats_ali", nocmvn + [tmp_path / "0.mdl", data, f"ark:gunzip -c {tmp_path}/ali.gz|",
                                             tmp_path / "a.acc"], env)
    _run_tool("acc_tree_stats", nocmvn + ["--context-width", "1", "--central-position", "0", tmp_path / "0.mdl", data,
                                          f"ark:gunzip -c {tmp_path}/ali.gz|", tmp_path / "treeacc"], env)
    _run_tool("gmm_init_model", ["--write-occs", tmp_path / "i.occs", tmp_path / "tree", tmp_path / "treeacc",
                                 tmp_path / "topo", tmp_path / "i.mdl"], env)
    # gmm_mixup keeps torch's random perturbation (see its docstring): it may import torch
    _run_tool("gmm_mixup", ["--mix-up", "14", "--min-count", "5", tmp_path / "i.mdl", tmp_path / "i.occs",
                            tmp_path / "m.mdl"], env, torch_free=False)
    info = _run_tool("gmm_info", [tmp_path / "m.mdl"], env).stdout
    assert "number of gaussians 14" in info and "number of pdfs 9" in info
    _, am_i = load_model(tmp_path / "i.mdl")
    _, am_m = load_model(tmp_path / "m.mdl")
    assert int(am_i["num_gauss_per_pdf"].sum()) == 9 and int(am_m["num_gauss_per_pdf"].sum()) == 14
    occs = np.loadtxt(tmp_path / "i.occs")
    assert occs.sum() == pytest.approx(sum(len(f) for f in feats.values()), abs=1.0)
    _run_tool("gmm_sum_accs", [tmp_path / "sum.acc", tmp_path / "a.acc", tmp_path / "a.acc"], env)
    _run_tool("gmm_est", ["--min-gaussian-occupancy", "3", "--mix-up", "12", "--min-count", "5", tmp_path / "0.mdl",
                          f"{sys.executable} -m mtlhybrid.bin.gmm_sum_accs - {tmp_path}/a.acc |", tmp_path / "1.mdl"], env)
    tm1, am1 = load_model(tmp_path / "1.mdl")  # written without torch, read by torch and by load_model
    # several accumulator files summed by gmm_est itself = the gmm_sum_accs pipe (the scripts' form)
    est2 = ["--min-gaussian-occupancy", "3", "--mix-up", "12", "--min-count", "5", tmp_path / "0.mdl"]
    _run_tool("gmm_est", est2 + [tmp_path / "a.acc", tmp_path / "a.acc", tmp_path / "2f.mdl"], env)
    _run_tool("gmm_est", est2 + [f"{sys.executable} -m mtlhybrid.bin.gmm_sum_accs - {tmp_path}/a.acc {tmp_path}/a.acc |",
                                 tmp_path / "2p.mdl"], env)
    (tm2f, am2f), (tm2p, am2p) = load_model(tmp_path / "2f.mdl"), load_model(tmp_path / "2p.mdl")
    np.testing.assert_array_equal(tm2f.log_probs, tm2p.log_probs)
    for k in ("weights", "means", "variances", "num_gauss_per_pdf"):
        np.testing.assert_array_equal(np.asarray(am2f[k]), np.asarray(am2p[k]))
    assert int(torch.load(tmp_path / "1.mdl", weights_only=True)["acoustic_model"]["num_gauss_per_pdf"].sum()) == 12
    assert not np.allclose(tm1.log_probs, tm.log_probs)  # transitions re-estimated
    with open(tmp_path / "likes.ark", "wb") as out:
        _run_tool("gmm_compute_likes", nocmvn + [tmp_path / "0.mdl", data, "ark:-"], env, stdout=out)

    a, counts = load_accs(tmp_path / "a.acc")
    s, scounts = load_accs(tmp_path / "sum.acc")
    assert a.total_frames == sum(len(f) for f in feats.values())
    assert s.total_frames == 2 * a.total_frames
    np.testing.assert_allclose(s.mean_acc.numpy(), 2 * a.mean_acc.numpy())
    np.testing.assert_allclose(scounts.numpy(), 2 * counts.numpy())

    # the same statistics and scores from the torch kernels (what --device cuda runs)
    _, am_dict = load_model(tmp_path / "0.mdl")
    am = AmDiagGmm.from_dict(am_dict)
    ref = AccumAmDiagGmm.for_model(am)
    pdf_of = {u: tm.tid2pdf[np.asarray(_equal_alignment(tm, tree, int(u[0]) + 1, len(feats[u])))] for u in utts}
    for u in utts:
        ref.accumulate(am, torch.from_numpy(feats[u]), torch.from_numpy(pdf_of[u].astype(np.int64)))
    np.testing.assert_allclose(a.occ.numpy(), ref.occ.numpy(), rtol=1e-6)
    np.testing.assert_allclose(a.mean_acc.numpy(), ref.mean_acc.numpy(), rtol=1e-5, atol=1e-6)
    assert a.total_log_like == pytest.approx(ref.total_log_like, rel=1e-6)
    likes = dict(read_matrices_rspecifier(f"ark:{tmp_path}/likes.ark"))
    assert sorted(likes) == utts
    for u in utts:
        np.testing.assert_allclose(likes[u], am.log_likelihoods(torch.from_numpy(feats[u])).numpy(), rtol=1e-5, atol=2e-3)


def test_transform_tools_do_not_import_torch(tmp_path, fsdd_dir, repo_root):
    """MLLT and fMLLR statistics and mean transforms (train_lda_mllt, train_sat): numpy only, equal to the torch path."""
    from mtlhybrid.transform.fmllr import FmllrStats, estimate_fmllr
    from mtlhybrid.transform.io import read_matrix, read_transforms, write_matrix
    from mtlhybrid.transform.mllt import MlltStats, transform_means

    data = tmp_path / "data"
    data.mkdir()
    feats = {f"{d}_{spk}_{t}": _mfcc(fsdd_dir / "recordings" / f"{d}_{spk}_{t}.wav")
             for d in range(3) for spk in ("jackson", "theo") for t in range(2)}
    utts = sorted(feats)
    write_matrices_ark_scp(data / "feats.ark", data / "feats.scp", sorted(feats.items()))
    (data / "utt2spk").write_text("".join(f"{u} {u.split('_')[1]}\n" for u in utts))
    (tmp_path / "topo").write_text(TOPO)
    nocmvn = ["--apply-cmvn", "false"]
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    _run_tool("gmm_init_mono", nocmvn + ["--train-feats", data, tmp_path / "topo", "13", tmp_path / "0.mdl",
                                         tmp_path / "tree"], env)
    tm, _ = load_model(tmp_path / "0.mdl")
    tree = ContextDependency.read(tmp_path / "tree")
    ali = {u: _equal_alignment(tm, tree, int(u[0]) + 1, len(feats[u])) for u in utts}
    write_int_vectors(tmp_path / "ali.gz", ali)
    rali = f"ark:gunzip -c {tmp_path}/ali.gz|"
    # a model with several Gaussians per pdf, so that the posteriors matter
    _run_tool("gmm_acc_stats_ali", nocmvn + [tmp_path / "0.mdl", data, rali, tmp_path / "a.acc"], env)
    _run_tool("gmm_est", ["--min-gaussian-occupancy", "3", "--mix-up", "20", "--min-count", "5", tmp_path / "0.mdl",
                          tmp_path / "a.acc", tmp_path / "1.mdl"], env)
    _run_tool("gmm_acc_stats_ali", nocmvn + [tmp_path / "1.mdl", data, rali, tmp_path / "b.acc"], env)
    _run_tool("gmm_est", ["--min-gaussian-occupancy", "3", tmp_path / "1.mdl", tmp_path / "b.acc", tmp_path / "2.mdl"],
              env)
    _run_tool("gmm_acc_mllt", nocmvn + [tmp_path / "2.mdl", data, rali, tmp_path / "2.macc"], env)
    _run_tool("gmm_est_fmllr", nocmvn + ["--fmllr-min-count", "20", tmp_path / "2.mdl", data, rali,
                                        f"ark:{tmp_path}/trans"], env)
    rng = np.random.default_rng(0)
    mat = np.concatenate([np.eye(13) + 0.1 * rng.standard_normal((13, 13)), rng.standard_normal((13, 1))], axis=1)
    write_matrix(tmp_path / "m.mat", mat)
    _run_tool("gmm_transform_means", [tmp_path / "m.mat", tmp_path / "2.mdl", tmp_path / "3.mdl"], env)

    # the torch path (an AmDiagGmm, as before these tools were ported)
    _, d2 = load_model(tmp_path / "2.mdl")
    am = AmDiagGmm.from_dict(d2)
    assert int(am.num_gauss_per_pdf.sum()) > am.num_pdfs
    pdfs = {u: tm.tid2pdf[np.asarray(ali[u])].astype(np.int64) for u in utts}
    mllt = MlltStats(13)
    fmllr = {}
    for u in utts:
        mllt.accumulate(am, feats[u], pdfs[u], np.ones(len(pdfs[u])))
        fmllr.setdefault(u.split("_")[1], FmllrStats(13)).accumulate(am, feats[u], pdfs[u], np.ones(len(pdfs[u])))
    got = MlltStats.load(tmp_path / "2.macc")
    assert got.beta == pytest.approx(mllt.beta, rel=1e-6)  # float32 softmax of either
    np.testing.assert_allclose(got.G, mllt.G, rtol=1e-5, atol=1e-6 * np.abs(mllt.G).max())
    trans = read_transforms(f"ark:{tmp_path}/trans")
    assert sorted(trans) == ["jackson", "theo"]
    for spk, st in fmllr.items():
        W, _ = estimate_fmllr(st, 40, 20.0)
        assert not np.allclose(W[:, :13], np.eye(13))  # estimated, not the identity
        np.testing.assert_allclose(trans[spk], W, rtol=1e-4, atol=1e-5)
    transform_means(am, read_matrix(tmp_path / "m.mat"))  # as the tool read it (text precision)
    _, d3 = load_model(tmp_path / "3.mdl")
    np.testing.assert_array_equal(np.asarray(d3["means"]), am.means.numpy())
    np.testing.assert_array_equal(np.asarray(d3["variances"]), am.variances.numpy())
