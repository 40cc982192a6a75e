"""GMM kernels: an EM accumulation pass and the all-pdf scoring of an alignment pass, frames/s.

Usage: python -m bench.gmm [--rounds R] [--out JSON] <model> <data-dir> <ali-dir>

Real features (``<data-dir>``, CMVN and deltas as the model's directory says) and real
alignments (``<ali-dir>/ali.*.gz``), one thread. Interleaved per round:

* ``acc``: :meth:`AccumAmDiagGmm.accumulate` (packed rows: only the Gaussians each
  frame's pdf has) vs ``acc-padded``: the same statistics over every pdf's
  ``max_gauss`` slots, the computation before commit 6f3879c (kept in the tests as
  the reference);
* ``acc-numpy``: :class:`mtlhybrid.gmm.numpy_gmm.NumpyGmmAccs`, the numpy E-step the CPU
  tools run (``gmm_acc_stats_ali`` without torch);
* ``loglikes``: :meth:`AmDiagGmm.log_likelihoods` (pdfs grouped by Gaussian count) vs
  ``loglikes-padded``: one ``[T, P, max_gauss]`` log-sum-exp (before 6f3879c); this is
  the scoring of gmm_compute_likes in every alignment and decoding pass.

The statistics and scores of both paths are compared (largest relative difference).
Kaldi's C++ (kaldi-hmm-gmm) is not compared here: it needs its own virtual env
(kaldifst 1.7.17, kaldi_decoder 0.2.11), see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench.common import Timer, finish, one_thread


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.gmm", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", default="bench/results/gmm.json")
    p.add_argument("--dump", help="also write the model, features and pdf alignment here (.npz) for bench/gmm_kaldi.py")
    p.add_argument("model")
    p.add_argument("data_dir")
    p.add_argument("ali_dir")
    a = p.parse_args(argv)
    one_thread()
    import torch

    from mtlhybrid.features.reader import FeatureReader
    from mtlhybrid.gmm.accumulate import AccumAmDiagGmm
    from mtlhybrid.gmm.tool_io import load_gmm_model
    from mtlhybrid.hmm.ali_io import read_alignments

    tm, am = load_gmm_model(a.model)
    from mtlhybrid.gmm.numpy_gmm import NumpyAmDiagGmm, NumpyGmmAccs
    from mtlhybrid.gmm.tool_io import load_numpy_gmm_model

    _, np_am = load_numpy_gmm_model(a.model)
    src = Path(a.model).parent
    delta = (src / "delta_opts").read_text().split() if (src / "delta_opts").is_file() else ["--delta-order", "2"]
    reader = FeatureReader(a.data_dir, delta_order=int(dict(zip(delta[::2], delta[1::2])).get("--delta-order", 2)))
    feats, pdfs = [], []
    for utt, ali in read_alignments([f"ark:gunzip -c {f} |" for f in sorted(Path(a.ali_dir).glob("ali.*.gz"))]):
        if utt in reader:
            feats.append(reader[utt])
            pdfs.append(np.asarray(tm.tid2pdf)[ali])
    x = torch.from_numpy(np.concatenate(feats))
    pdf = torch.from_numpy(np.concatenate(pdfs)).long()
    x_np, pdf_np = np.concatenate(feats).astype(np.float32), np.concatenate(pdfs).astype(np.int64)
    T = x.shape[0]
    if a.dump:
        n = am.num_gauss_per_pdf.tolist()
        np.savez(a.dump, feats=x.numpy().astype(np.float32), pdf=pdf.numpy(), num_gauss=np.asarray(n),
                 weights=np.concatenate([am.weights[j, :g].numpy() for j, g in enumerate(n)]),
                 means=np.concatenate([am.means[j, :g].numpy() for j, g in enumerate(n)]),
                 variances=np.concatenate([am.variances[j, :g].numpy() for j, g in enumerate(n)]))

    def acc_padded():
        G, D = am.max_gauss, am.dim
        occ = torch.zeros(am.num_pdfs * G, dtype=torch.float64)
        m1 = torch.zeros(am.num_pdfs * G, D, dtype=torch.float64)
        m2 = torch.zeros(am.num_pdfs * G, D, dtype=torch.float64)
        for s in range(0, T, 2048):
            xs, ps = x[s:s + 2048], pdf[s:s + 2048]
            ll = am.component_log_likelihoods(xs, ps).to(torch.float64)
            post = torch.exp(ll - torch.logsumexp(ll, -1)[:, None])
            x64 = xs.to(torch.float64)
            idx = (ps[:, None] * G + torch.arange(G)[None, :]).reshape(-1)
            occ.index_add_(0, idx, post.reshape(-1))
            px = post[:, :, None] * x64[:, None, :]
            m1.index_add_(0, idx, px.reshape(-1, D))
            m2.index_add_(0, idx, (px * x64[:, None, :]).reshape(-1, D))
        return m1.view(am.num_pdfs, G, D)

    def loglikes_padded():
        return torch.cat([torch.logsumexp(am.component_log_likelihoods(x[s:s + 4096]), -1) for s in range(0, T, 4096)])

    t = Timer()
    rel = {}
    with torch.no_grad():
        for _ in range(a.rounds):
            with t("acc"):
                acc = AccumAmDiagGmm.for_model(am)
                acc.accumulate(am, x, pdf)
            with t("acc-padded"):
                m1 = acc_padded()
            with t("acc-numpy"):  # what gmm_acc_stats_ali runs on --device cpu (since b9dedaf)
                nacc = NumpyGmmAccs.for_model(np_am)
                nacc.accumulate(np_am, x_np, pdf_np)
            with t("loglikes"):
                ll = am.log_likelihoods(x)
            with t("loglikes-padded"):
                ll0 = loglikes_padded()
        rel["acc mean stats"] = float(((acc.mean_acc - m1).abs().max() / m1.abs().max()))
        avg_log_like = acc.avg_log_like()
        avg_log_like_numpy = nacc.avg_log_like()
        rel["loglikes"] = float(((ll - ll0).abs().max() / ll0.abs().max()))
    n = T * a.rounds
    rows = [[k, n / t.cpu[k], n / t.wall[k], t.cpu[k] / t.cpu[k.replace("-padded", "")] if "padded" in k else ""]
            for k in ("acc", "acc-padded", "acc-numpy", "loglikes", "loglikes-padded")]
    counts = am.num_gauss_per_pdf.float()
    finish("gmm", a.out, {"frames": T, "rounds": a.rounds, "num_pdfs": am.num_pdfs, "dim": am.dim,
                          "total_gauss": am.total_gauss, "max_gauss": am.max_gauss, "mean_gauss": float(counts.mean()),
                          "width_groups": [b[1] for b in am._width_buckets()],
                          "cpu_seconds": t.cpu, "wall_seconds": t.wall, "max_relative_difference": rel,
                          "acc_avg_log_like": avg_log_like, "acc_numpy_avg_log_like": avg_log_like_numpy},
           rows, ["kernel", "frames/s (CPU)", "frames/s (wall)", "speed-up of the new path"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
