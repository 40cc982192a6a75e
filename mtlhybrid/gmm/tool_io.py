"""Inputs of the GMM command-line tools: features from a data dir, GMM models and accumulator files.

Kaldi's tools take feature *pipelines* (``"ark:apply-cmvn ... | add-deltas ... |"``); ours take
a data dir and the same choices as options (``--apply-cmvn``, ``--norm-vars``,
``--delta-order``; ``--left-context``/``--right-context`` of splice-feats and ``--transform``
of transform-feats for LDA+MLLT systems; ``--spk-transforms`` for fMLLR), read through :class:`mtlhybrid.features.reader.FeatureReader`.
Accumulators may be given as a path or a command ending in ``|``
(``"gmm_sum_accs - 1.acc 2.acc |"``); alignments are read by
:func:`mtlhybrid.hmm.ali_io.read_alignments` and specifiers parsed by
:mod:`mtlhybrid.utils.kaldi_io`, as in every tool.
"""

from __future__ import annotations

import argparse
import os
import tempfile


def use_tool_threads() -> int:
    """Give torch ``$OMP_NUM_THREADS`` threads, 1 when unset, whoever started the tool.

    run.pl and slurm.pl set OMP_NUM_THREADS from ``--num-threads``; a tool started by hand
    or from another script would otherwise get torch's default (one thread per core),
    which oversubscribes the cores when several jobs run at once: the GMM tools ran
    several times slower that way. Kaldi's binaries are single-threaded too.
    """
    import torch

    try:
        n = max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        n = 1
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def limit_blas_threads() -> int:
    """One BLAS thread per tool (``$OMP_NUM_THREADS`` when set), before numpy is first imported.

    The numpy kernels of the CPU tools (:mod:`mtlhybrid.gmm.numpy_gmm`) would otherwise
    start one OpenBLAS thread per core in every job, as torch did (see
    :func:`use_tool_threads`). OpenBLAS reads the variable once, when it loads, so this must
    run before ``import numpy``; it only sets variables that are unset.
    """
    try:
        n = max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        n = 1
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n))
    return n


def add_feature_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--apply-cmvn", default="true", choices=["true", "false"], help="apply per-speaker CMVN from cmvn.scp")
    p.add_argument("--norm-vars", default="false", choices=["true", "false"], help="also normalise variances")
    p.add_argument("--delta-order", type=int, default=0, help="add deltas up to this order (train_deltas uses 2)")
    p.add_argument("--left-context", type=int, default=0, help="splice this many frames on the left (splice-feats)")
    p.add_argument("--right-context", type=int, default=0, help="splice this many frames on the right (splice-feats)")
    p.add_argument("--transform", default=None, help="a Kaldi matrix applied to every frame after splicing (final.mat)")
    p.add_argument("--spk-transforms", default=None,
                   help="rspecifier of per-speaker matrices (fMLLR trans.JOB), applied last, by the data dir's utt2spk")


def open_features(data_dir: str, args: argparse.Namespace, torch_threads: bool = True):
    """The tool's :class:`FeatureReader`; ``torch_threads=False`` for tools that never import torch."""
    from mtlhybrid.features.reader import FeatureReader
    from mtlhybrid.transform.io import read_matrix, read_transforms

    if torch_threads:
        use_tool_threads()
    return FeatureReader(data_dir, apply_cmvn=args.apply_cmvn == "true", norm_vars=args.norm_vars == "true",
                         delta_order=args.delta_order, splice=(args.left_context, args.right_context),
                         transform=read_matrix(args.transform) if args.transform else None,
                         speaker_transforms=read_transforms(args.spk_transforms) if args.spk_transforms else None)


def load_gmm_model(path: str, device=None):
    """``(TransitionModel, AmDiagGmm)`` of a GMM-HMM ``final.mdl``; DataError if it holds no GMM (e.g. an nnet's)."""
    from mtlhybrid.gmm.diag_gmm import AmDiagGmm
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.utils.errors import DataError

    use_tool_threads()
    tm, am_dict = load_model(path)
    if am_dict is None:
        raise DataError("model has no acoustic model (GMM)", path=path)
    return tm, AmDiagGmm.from_dict(am_dict, device=device)


def load_numpy_gmm_model(path: str):
    """``(TransitionModel, NumpyAmDiagGmm)`` of a GMM-HMM model, without importing torch."""
    from mtlhybrid.gmm.numpy_gmm import NumpyAmDiagGmm
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.utils.errors import DataError

    tm, am_dict = load_model(path)
    if am_dict is None:
        raise DataError("model has no acoustic model (GMM)", path=path)
    return tm, NumpyAmDiagGmm.from_dict(am_dict)


def load_accs_rx(rxfilename: str, device=None):
    """:func:`mtlhybrid.gmm.accumulate.load_accs` for a path or a pipe (``"gmm_sum_accs - *.acc |"``)."""
    from mtlhybrid.gmm.accumulate import load_accs
    from mtlhybrid.utils.kaldi_io import read_bytes

    if not rxfilename.rstrip().endswith("|"):
        return load_accs(rxfilename, device=device)
    raw = read_bytes(rxfilename)
    with tempfile.NamedTemporaryFile(suffix=".acc") as tmp:
        tmp.write(raw)
        tmp.flush()
        return load_accs(tmp.name, device=device)


def read_numpy_accs_rx(rxfilename: str):
    """``(NumpyGmmAccs, transition counts or None)`` from a path or a pipe, without torch."""
    from mtlhybrid.gmm.acc_file import read_acc_bytes, read_acc_file
    from mtlhybrid.gmm.numpy_gmm import NumpyGmmAccs
    from mtlhybrid.utils.kaldi_io import read_bytes

    if rxfilename.rstrip().endswith("|"):
        d = read_acc_bytes(read_bytes(rxfilename), rxfilename)
    else:
        d = read_acc_file(rxfilename)
    return NumpyGmmAccs(d["occ"], d["mean_acc"], d["var_acc"], d["total_log_like"], d["total_frames"]), d["transition_counts"]


def silence_pdfs(transition_model, silence_phones) -> list:
    """Pdfs that some transition id of a silence phone uses (gmm-boost-silence's targets)."""
    import numpy as np

    sil = np.isin(transition_model.tid2phone[1:], np.asarray(list(silence_phones), dtype=np.int64))
    return sorted(set(int(p) for p in transition_model.tid2pdf[1:][sil]))


def numpy_scorer(transition_model, am, boost_silence: float = 1.0, silence_phones: str = "", model_path: str = ""):
    """``feats -> [T, num_pdfs]`` float32 log-likelihoods of a NumpyAmDiagGmm, silence boosted.

    What gmm_compute_likes writes for each utterance (``--boost-silence B`` adds ``log B``
    to the silence pdfs, Kaldi's gmm-boost-silence), for tools that score and use the
    scores in one process (gmm_align_compiled) instead of piping them.
    """
    import math

    from mtlhybrid.utils.errors import MismatchError, MtlHybridError
    from mtlhybrid.utils.log import get_logger

    boost_cols = []
    if boost_silence != 1.0:
        if not silence_phones:
            raise MtlHybridError("--boost-silence needs --silence-phones (e.g. $(cat lang/phones/silence.csl))")
        boost_cols = silence_pdfs(transition_model, [int(x) for x in silence_phones.split(":") if x])
        get_logger("gmm").info("boosting %d silence pdfs by %g", len(boost_cols), boost_silence)
    log_boost = math.log(boost_silence) if boost_silence > 0 else 0.0

    def score(utt: str, feats):
        if feats.shape[1] != am.dim:
            raise MismatchError(f"utterance {utt}: features have dimension {feats.shape[1]}, the model {model_path} "
                                f"expects {am.dim}")
        ll = am.log_likelihoods(feats)
        if boost_cols:
            ll[:, boost_cols] += log_boost
        return ll

    return score
