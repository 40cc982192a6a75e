"""Accumulate tree statistics from features and alignments (Kaldi's acc-tree-stats).

  acc_tree_stats [options] <model> <features> <alignments> [<alignments> ...] <treeacc-out>

<features> is a data dir, read with the feature options every GMM tool takes
(--apply-cmvn, --norm-vars, --delta-order, ...: pass the system's cmvn_opts and
delta_opts, so the tree sees the features the model is trained on), or a feats.scp
(used as is). Utterances without features or
whose alignment does not fit are skipped and counted in the log."""

from __future__ import annotations

import sys
from pathlib import Path

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("acc_tree_stats")


def open_features(spec: str, args):
    """utt -> features, from a data dir (with the tool's feature options) or an scp."""
    p = Path(spec)
    if p.is_dir():
        from mtlhybrid.gmm.tool_io import open_features as open_data_dir

        return open_data_dir(str(p), args, torch_threads=False)  # numpy only: no torch import
    from mtlhybrid.utils.kaldi_io import load_matrix, load_scp_dict

    table = load_scp_dict(p)

    class _Scp(dict):
        def __getitem__(self, k):
            return load_matrix(table[k])

        def __contains__(self, k):
            return k in table

    return _Scp()


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.gmm.tool_io import limit_blas_threads

    limit_blas_threads()
    p = make_parser("acc_tree_stats", __doc__)
    p.add_argument("--ci-phones", default="", help="colon-separated context-independent phones, e.g. 1:2:3")
    p.add_argument("--context-width", type=int, default=3)
    p.add_argument("--central-position", type=int, default=1)
    from mtlhybrid.gmm.tool_io import add_feature_options

    add_feature_options(p)
    p.add_argument("--reordered", action="store_true", help="alignments come from graphs with reordered self-loops")
    p.add_argument("model")
    p.add_argument("features")
    p.add_argument("alignments", nargs="+")
    p.add_argument("out")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.hmm.tree_stats import TreeStats, accumulate_tree_stats
    from mtlhybrid.utils.errors import MtlHybridError
    from mtlhybrid.utils.io import parse_csl

    tm, _ = load_model(a.model)
    feats = open_features(a.features, a)
    ci = parse_csl(a.ci_phones)
    stats = TreeStats(a.context_width, a.central_position)
    no_feats, bad = [], []
    for utt, ali in read_alignments(a.alignments):
        if utt not in feats:
            no_feats.append(utt)
            continue
        try:
            accumulate_tree_stats(tm, ali, feats[utt], a.context_width, a.central_position, ci, stats, a.reordered, utt)
        except MtlHybridError as e:
            bad.append(utt)
            log.warning("skipping %s: %s", utt, e)
    if no_feats:
        log.warning("%d utterances have no features: %s", len(no_feats), " ".join(no_feats[:10]))
    log.info("accumulated %d utterances (%d frames) into %d events; %d without features, %d bad alignments",
             stats.num_utts, stats.num_frames, len(stats), len(no_feats), len(bad))
    if stats.num_utts == 0:
        from mtlhybrid.utils.errors import DataError

        raise DataError("no utterance could be used")
    stats.save(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
