"""Kaldi's C++ GMM accumulation (kaldi-hmm-gmm) on the model, features and alignment of bench.gmm.

Usage (in a virtual env of its own, see below):
  python -m bench.gmm --dump /tmp/gmm.npz <model> <data-dir> <ali-dir>     # the toolkit's env
  /work/venvs/khg/bin/python -m bench.gmm_kaldi [--rounds R] /tmp/gmm.npz   # kaldi-hmm-gmm's env

kaldi-hmm-gmm 1.1.4 needs kaldifst 1.7.17 and kaldi_decoder 0.2.11 (the toolkit uses
kaldifst 1.8.3), hence its own env (``python -m venv /work/venvs/khg; pip install
kaldi-hmm-gmm kaldifst==1.7.17 kaldi_decoder==0.2.11 numpy``); it needs no torch. The
dumped model is rebuilt as Kaldi's ``AmDiagGmm`` (each pdf a ``DiagGmm`` with its own
Gaussian count) and one EM accumulation pass is ``AccumAmDiagGmm.accumulate_for_gmm``
per frame, as ``gmm-acc-stats-ali`` does (its C++ loops over frames; here the loop is
Python's, one call per frame, so this is an upper bound on Kaldi's time). Reported:
frames/s per core and the average log-likelihood per frame, which must equal
bench.gmm's ``acc_avg_log_like`` on the same dump.
"""

from __future__ import annotations

import argparse
import time

from bench.common import finish


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.gmm_kaldi", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", default="bench/results/gmm_kaldi.json")
    p.add_argument("dump")
    a = p.parse_args(argv)
    import kaldi_hmm_gmm as khg  # before numpy-using kaldifst users; see verified-facts
    import numpy as np

    d = np.load(a.dump)
    x, pdf, counts = d["feats"].astype(np.float32), d["pdf"].astype(np.int64), d["num_gauss"]
    am = khg.AmDiagGmm()
    off = np.concatenate([[0], np.cumsum(counts)])
    for j in range(len(counts)):
        g = khg.DiagGmm(int(counts[j]), x.shape[1])
        sl = slice(int(off[j]), int(off[j + 1]))
        g.set_weights(d["weights"][sl].astype(np.float32))
        g.set_invvars_and_means((1.0 / d["variances"][sl]).astype(np.float32), d["means"][sl].astype(np.float32))
        g.compute_gconsts()
        am.add_pdf(g)
    flags = khg.str_to_gmm_flags("mvw")
    cpu = wall = 0.0
    for _ in range(a.rounds):
        acc = khg.AccumAmDiagGmm()
        acc.init(am, flags)
        c, w = time.process_time(), time.perf_counter()
        tot = 0.0
        for t in range(x.shape[0]):
            tot += acc.accumulate_for_gmm(am, x[t], int(pdf[t]), 1.0)
        cpu += time.process_time() - c
        wall += time.perf_counter() - w
    T = x.shape[0] * a.rounds
    avg = tot / x.shape[0]
    rows = [["kaldi-hmm-gmm accumulate_for_gmm (per frame)", T / cpu, T / wall, f"{avg:.6f}"]]
    finish("gmm_kaldi", a.out, {"frames": int(x.shape[0]), "rounds": a.rounds, "num_pdfs": int(len(counts)),
                                "total_gauss": int(counts.sum()), "cpu_seconds": cpu, "wall_seconds": wall,
                                "avg_log_like": avg, "kaldi_hmm_gmm": getattr(khg, "__version__", "1.1.4")},
           rows, ["kernel", "frames/s (CPU)", "frames/s (wall)", "avg log-like per frame"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
